// The member stream (/api/stream: rings, device state, claim progress, alerts) and the honest state of it. It
// opens on the hub's live port (where a ring is written by the threads that read the doorbells) and, when that port
// does not answer, on this page's own port, as live views do. The stream reconnects after it drops, with exponential back-off and full jitter (capped at MAX_DELAY_MS), so a hub
// restart is not met by every browser at once. While it is down the app says "Reconnecting…" and shows no doorbell
// as online; when the hub no longer knows this browser's session, it says so and stops trying.

export const MAX_DELAY_MS = 30000;
const LIVE_PORT_WAIT_MS = 3000;
const FIRST_DELAY_MS = 500;
const STATUS_TEXT = { online: '', reconnecting: 'Reconnecting…', 'signed-out': 'Signed out — sign in again' };

/** The delay before reconnect attempt `attempt` (0, 1, …): uniformly random up to min(cap, first × 2^attempt). */
export function backoffDelay(attempt, random = Math.random) {
  return random() * Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(attempt, 16));
}

/** What the hub says of this browser's session now: 'signed-in', 'signed-out', or 'unreachable'. */
async function sessionState() {
  try {
    const response = await fetch('/api/session', {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    if (!response.ok) return 'unreachable';
    return (await response.json()).signedIn ? 'signed-in' : 'signed-out';
  } catch {
    return 'unreachable';
  }
}

/** Shows the stream's state in the header and, while it is down, takes "online" off every doorbell. */
export function showConnectionState(status) {
  document.body.dataset.connection = status;
  const indicator = document.getElementById('connection-state');
  if (indicator) {
    indicator.textContent = STATUS_TEXT[status] || '';
    indicator.hidden = !indicator.textContent;
  }
  if (status === 'online') return;
  document.querySelectorAll('#device-list .device-status').forEach((s) => {
    s.textContent = 'status unknown';
  });
  document.querySelectorAll('#device-list .dot.online').forEach((d) => d.classList.remove('online'));
}

/**
 * Opens the stream. `livePort` is the hub's live port (from /api/session; 0 or less: none).
 * `onMessage(message)` for each message; `onStatus('online' | 'reconnecting' | 'signed-out')` when that changes;
 * `onReconnected()` after it came back from a drop (fetch what was missed then); `onSignedOut()` once, when the hub
 * answers that the session is gone. Returns `{close()}`.
 */
export function connectStream({
  livePort = 0,
  onMessage,
  onStatus = () => {},
  onReconnected = () => {},
  onSignedOut = () => {},
}) {
  let attempt = 0;
  let closed = false;
  let dropped = false;
  let socket = null;
  let timer = null;
  // The live port just failed to open: the next try, at once, is on this page's port. Every try after a drop starts
  // on the live port again (a restarted hub may open its ports in any order).
  let pagePortNow = false;

  const setStatus = (status) => {
    if (!closed || status === 'signed-out') onStatus(status);
  };

  const connect = () => {
    timer = null;
    if (closed) return;
    const onLivePort = livePort > 0 && !pagePortNow;
    pagePortNow = false;
    let opened = false;
    socket = new WebSocket(
      onLivePort ? `wss://${location.hostname}:${livePort}/api/stream` : `wss://${location.host}/api/stream`,
    );
    // A firewall that drops the live port's packets would keep the socket connecting for minutes.
    const giveUp = onLivePort ? setTimeout(() => socket.close(), LIVE_PORT_WAIT_MS) : null;
    socket.onopen = () => {
      opened = true;
      clearTimeout(giveUp);
    };
    socket.onmessage = (e) => {
      let message;
      try {
        message = JSON.parse(e.data);
      } catch {
        console.warn('bad stream message');
        return;
      }
      if (message.type === 'hello') {
        // The hub took this session: the stream is up again.
        attempt = 0;
        setStatus('online');
        if (dropped) {
          dropped = false;
          onReconnected();
        }
        return;
      }
      onMessage(message);
    };
    socket.onclose = async () => {
      clearTimeout(giveUp);
      if (closed) return;
      if (onLivePort && !opened) {
        // Not opened on the live port (down, blocked, or refused): this page's port next, without waiting.
        pagePortNow = true;
        connect();
        return;
      }
      dropped = true;
      setStatus('reconnecting');
      // A refused upgrade looks like any other failure here: ask the hub whether the session still counts.
      if ((await sessionState()) === 'signed-out') {
        if (closed) return;
        closed = true;
        setStatus('signed-out');
        onSignedOut();
        return;
      }
      if (closed) return;
      timer = setTimeout(connect, backoffDelay(attempt++));
    };
  };

  // Back on the network: try at once instead of waiting out the back-off.
  const onOnline = () => {
    if (timer !== null) {
      clearTimeout(timer);
      connect();
    }
  };
  window.addEventListener('online', onOnline);
  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      window.removeEventListener('online', onOnline);
      if (socket) socket.close();
    },
  };
}

/**
 * The hub's own health, as it tells the stream: `{"type":"hub-health","database":"down"|"up"}`, and on a cluster
 * node `{"type":"hub-health","cluster":"down"|"up"}` (this node cannot reach the others).
 */
const hubHealth = { database: 'up', cluster: 'up' };

/** Shows the hub's health; true when this node reaches the other nodes again (the app then catches up). */
export function showHubHealth(message) {
  const clusterBack = hubHealth.cluster === 'down' && message.cluster === 'up';
  if (message.database) hubHealth.database = message.database;
  if (message.cluster) hubHealth.cluster = message.cluster;
  const banner = document.getElementById('hub-health');
  if (!banner) return clusterBack;
  if (hubHealth.database === 'down') {
    banner.textContent =
      'The hub has lost its database. Rings still come through; history and settings are back when it is.';
  } else if (hubHealth.cluster === 'down') {
    banner.textContent =
      'This part of the hub cannot reach the others: rings from doorbells connected to them may not show here until it is back.';
  } else {
    banner.textContent = '';
  }
  banner.hidden = banner.textContent === '';
  return clusterBack;
}
