// "On this browser": the ring sound switch, and Web Push for this browser (docs/web-app.md, the push contract).
// Notifications are offered only to a browser the household approved: the notification's picture is opened with
// this browser's own keys, which only an approved browser has. Subscribing asks the browser's permission, then
// subscribes with the hub's VAPID key and gives the hub the subscription for this browser's client id; switching
// off deletes it on the hub and unsubscribes here.

import { api } from './api.js';
import { ownClientId } from './keys.js';
import { openLiveView } from './live.js';
import { ringAnswered, ringMuted, setRingMuted } from './ring-alert.js';

/** A subscribe that never settles (a browser whose push service is unreachable) is given up after this long. */
const SUBSCRIBE_TIMEOUT_MS = 20000;

function fromBase64url(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** The subscription as the contract has it: endpoint and the two keys, nothing else. */
function contractBody(subscription) {
  const json = subscription.toJSON();
  return { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } };
}

function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function myClientId() {
  const id = await ownClientId(api);
  if (!id) throw new Error('This browser is not registered with the hub yet: reload the page');
  return id;
}

async function subscribe(registration) {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    throw new Error("Notifications are blocked for this site: allow them in the browser's site settings");
  }
  const { publicKey } = await api.pushKey();
  const applicationServerKey = fromBase64url(publicKey);
  let subscription = await registration.pushManager.getSubscription();
  const sameKey =
    subscription &&
    subscription.options.applicationServerKey &&
    new Uint8Array(subscription.options.applicationServerKey).join() === applicationServerKey.join();
  if (subscription && !sameKey) {
    // Made for another key (the hub's was replaced): a browser holds one subscription per worker.
    await subscription.unsubscribe();
    subscription = null;
  }
  if (!subscription) {
    subscription = await withTimeout(
      registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey }),
      SUBSCRIBE_TIMEOUT_MS,
      "The browser's push service did not answer: try again later",
    );
  }
  try {
    await api.putPushSubscription(await myClientId(), contractBody(subscription));
  } catch (err) {
    await subscription.unsubscribe().catch(() => {});
    throw err;
  }
}

async function unsubscribe(registration) {
  await api.deletePushSubscription(await myClientId());
  const subscription = await registration.pushManager.getSubscription();
  if (subscription) await subscription.unsubscribe();
}

/** The doorbell a link to the app names (#live=<deviceId>, what a notification opens), taken out of the address bar. */
export function takeLiveLink() {
  const match = /(?:^|[#&])live=([A-Za-z0-9_-]{1,64})/.exec(location.hash);
  if (!match) return null;
  history.replaceState(null, '', '/');
  return match[1];
}

/** A notification's Answer: that doorbell's live view, and its ring alert here closed as answered. */
export async function openLiveFromNotification(deviceId) {
  ringAnswered(deviceId);
  const device = (await api.devices()).find((d) => d.id === deviceId);
  if (device) openLiveView(device.id, device.name);
}

// One listener for the page's whole life: the home screen, and the switch with it, is drawn again whenever the app
// returns to it, and a tap in the moment before it is set up again must not be lost.
document.addEventListener('change', (event) => {
  if (event.target.id === 'ring-sound') setRingMuted(!event.target.checked);
});

function setUpRingSound() {
  const sound = document.getElementById('ring-sound');
  if (sound) sound.checked = !ringMuted();
}

/**
 * Fills the "On this browser" card. `registration` is the service worker's (or null); `approved` whether this
 * browser is in the household's roster. The hub is asked about push only once the card is on screen.
 */
export function setUpNotifications(registration, approved) {
  setUpRingSound();
  const card = document.getElementById('this-browser');
  const status = document.getElementById('push-status');
  const enabled = document.getElementById('push-enabled');
  const motion = document.getElementById('push-motion');
  if (!card || !status) return;
  enabled.disabled = true;
  motion.disabled = true;
  if (!approved) {
    status.textContent = 'Notifications come to approved browsers only: ask an admin to approve this one.';
    return;
  }
  if (!pushSupported() || !registration) {
    status.textContent =
      'This browser cannot show notifications from Doorward. On an iPhone or iPad, add Doorward to the' +
      ' home screen first and open it from there.';
    return;
  }
  // Only an approved browser that can receive pushes sees the switches.
  document.getElementById('push-settings').hidden = false;
  resendSubscription(registration);
  let loaded = false;
  loadWhenShown = () => {
    // The card sits on the Settings screen: the hub is asked once that screen is on view.
    if (loaded || !card.isConnected || card.closest('[hidden]')) return;
    loaded = true;
    loadPushSettings(registration, { status, enabled, motion }).catch((err) => {
      status.textContent = err.message;
    });
  };
  loadWhenShown();
}

let loadWhenShown = () => {};
document.addEventListener('screen-shown', () => loadWhenShown());

/**
 * A browser may renew its subscription on its own (the service worker cannot tell the hub: it has no CSRF token), and
 * the hub may have dropped it: each start hands this browser's subscription, if it has one, to the hub again.
 */
async function resendSubscription(registration) {
  try {
    const subscription = await registration.pushManager.getSubscription();
    if (!subscription || Notification.permission !== 'granted') return;
    await api.putPushSubscription(await myClientId(), contractBody(subscription));
  } catch {
    // refused (a revoked browser) or unreachable: the switch shows the state when the card is opened
  }
}

async function loadPushSettings(registration, { status, enabled, motion }) {
  status.textContent = 'Asking the hub…';
  let preferences;
  try {
    preferences = await api.pushPreferences();
  } catch (err) {
    status.textContent = err.status === 404 ? 'This hub does not send notifications.' : err.message;
    return;
  }
  const subscription = await registration.pushManager.getSubscription();
  enabled.checked = Boolean(subscription) && Notification.permission === 'granted';
  motion.checked = Boolean(preferences && preferences.motion);
  enabled.disabled = false;
  motion.disabled = !enabled.checked;
  status.textContent = '';

  enabled.addEventListener('change', async () => {
    enabled.disabled = true;
    status.textContent = enabled.checked ? 'Turning notifications on…' : 'Turning notifications off…';
    try {
      if (enabled.checked) await subscribe(registration);
      else await unsubscribe(registration);
      status.textContent = enabled.checked ? 'Rings reach this browser even when Doorward is closed.' : '';
    } catch (err) {
      enabled.checked = !enabled.checked;
      status.textContent = err.message;
    } finally {
      enabled.disabled = false;
      motion.disabled = !enabled.checked;
    }
  });
  motion.addEventListener('change', async () => {
    motion.disabled = true;
    try {
      await api.setPushPreferences({ motion: motion.checked });
    } catch (err) {
      motion.checked = !motion.checked;
      status.textContent = err.message;
    } finally {
      motion.disabled = !enabled.checked;
    }
  });
}
