// Live view and push-to-talk (DESIGN §6, docs/media.md): a dialog with the doorbell's picture, its sound,
// the connection state and latency, and a hold-to-talk button. The hub relays sealed parts it cannot open;
// this browser opens them with its own key envelope (media-keys.js) and shows nothing that did not open.

import { doorButton } from './door.js';
import { api } from './api.js';
import { ownClientId as ownClientIdOnHub } from './keys.js';
import { FRAME_SAMPLES, MediaSession, SAMPLE_RATE, createAudioPlayer, createVideoSink } from './media-session.js';

const STATES = {
  connecting: 'Connecting…',
  live: 'Live',
  'device-offline': 'The doorbell is offline',
  'not-in-roster': 'This browser is not approved yet — ask an admin to approve it',
  ended: 'Live view ended',
};

// The hub serves live views on its own live port (media goes out on the thread that read it from the doorbell,
// docs/benchmarks.md Finding 4) and, as a fallback, on this page's own port: a browser that cannot reach the live
// port (a firewall, a certificate it was only told to accept for this port) still gets its picture.
let livePortState = null; // null until asked; then a promise of the port (-1: none, or it failed in this page)

function livePort() {
  if (livePortState === null) {
    livePortState = api
      .session()
      .then((s) => (s && s.livePort > 0 ? s.livePort : -1))
      .catch(() => -1);
  }
  return livePortState;
}

function tryOpen(url, timeoutMs) {
  return new Promise((resolve) => {
    let socket;
    try {
      socket = new WebSocket(url);
    } catch {
      resolve(null);
      return;
    }
    const give = (value) => {
      clearTimeout(timer);
      socket.onopen = socket.onerror = socket.onclose = null;
      resolve(value);
    };
    const timer = setTimeout(() => {
      socket.close();
      give(null);
    }, timeoutMs);
    socket.onopen = () => give(socket);
    socket.onerror = () => give(null);
    socket.onclose = () => give(null);
  });
}

/** An open live-view socket: the live port when it answers, otherwise this page's own port. */
async function openLiveSocket() {
  const port = await livePort();
  if (port > 0) {
    const fast = await tryOpen(`wss://${location.hostname}:${port}/api/live`, 3000);
    if (fast) return fast;
    livePortState = Promise.resolve(-1); // do not wait for it again in this page
  }
  return tryOpen(`wss://${location.host}/api/live`, 10000);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** This browser's client id on the hub: the signed-in account's client with this browser's key. */
export function ownClientId() {
  return ownClientIdOnHub(api);
}

/**
 * The microphone, 16 kHz mono, as 320-sample Int16Array frames to `onFrame` until stop() (which also ends
 * the microphone track). Runs in an AudioWorklet of `context` (talk-worklet.js).
 */
export async function startCapture(context, onFrame) {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  let own = null; // a context at the microphone's rate, where a 16 kHz one cannot take it (Firefox)
  try {
    let source;
    try {
      source = context.createMediaStreamSource(stream);
    } catch {
      own = new AudioContext();
      context = own;
      source = context.createMediaStreamSource(stream);
    }
    await context.audioWorklet.addModule('/app/talk-worklet.js');
    const node = new AudioWorkletNode(context, 'doorward-talk', { numberOfInputs: 1, numberOfOutputs: 0 });
    let stopped = false;
    node.port.onmessage = (e) => {
      if (!stopped) onFrame(e.data);
    };
    source.connect(node);
    return {
      stop() {
        if (stopped) return;
        stopped = true;
        node.port.postMessage('stop');
        source.disconnect();
        stream.getTracks().forEach((t) => t.stop());
        if (own) own.close().catch(() => {});
      },
    };
  } catch (err) {
    stream.getTracks().forEach((t) => t.stop());
    if (own) own.close().catch(() => {});
    throw err;
  }
}

/**
 * One live view of one doorbell inside `container`: builds its own elements there, opens /api/live, and
 * cleans everything up (socket, decoder, microphone, audio) on close().
 */
export class LiveView {
  constructor(container, deviceId, { deviceName = 'Doorbell', onClose } = {}) {
    this.deviceId = deviceId;
    this.onClose = onClose;
    this.closed = false;
    this.talking = null;
    this.lastCapture = 0;
    this.build(container, deviceName);
    // Made now, inside the click that opened the view, so the browser lets it play.
    this.audio = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'interactive' });
    this.player = createAudioPlayer(this.audio);
    this.video = createVideoSink(this.canvas, (capture) => this.pictureShown(capture));
    this.latencyTimer = setInterval(() => this.showLatency(), 500);
    this.setState('connecting');
    if (typeof VideoDecoder === 'undefined') {
      this.setState('ended', 'This browser cannot show live video (it has no WebCodecs video decoder)');
      return;
    }
    this.start().catch((err) => this.setState('ended', err.message));
  }

  build(container, deviceName) {
    this.root = el('div', 'live-view');
    const head = el('div', 'live-head');
    const title = el('h2', 'live-title', deviceName);
    this.closeButton = el('button', 'link live-close', 'Close');
    this.closeButton.type = 'button';
    this.closeButton.addEventListener('click', () => this.close());
    head.append(title, this.closeButton);
    this.picture = el('div', 'live-picture');
    this.canvas = el('canvas', 'live-canvas');
    this.canvas.width = 320;
    this.canvas.height = 240;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', `Live picture from ${deviceName}`);
    this.canvas.hidden = true;
    this.message = el('p', 'live-message');
    this.picture.append(this.canvas, this.message);
    const status = el('p', 'live-status muted');
    this.stateText = el('span', 'live-state');
    this.latencyText = el('span', 'live-latency');
    const lock = el('span', 'live-lock', 'End-to-end encrypted');
    status.append(this.stateText, this.latencyText, lock);
    this.talkButton = el('button', 'primary live-talk', 'Hold to talk');
    this.talkButton.type = 'button';
    this.talkButton.disabled = true;
    this.talkButton.setAttribute('aria-pressed', 'false');
    this.bindTalk(this.talkButton);
    this.doorStatus = el('p', 'live-door-status muted');
    this.doorStatus.setAttribute('role', 'status');
    const door = doorButton(this.deviceId, this.doorStatus, 'live-door');
    this.root.append(head, this.picture, status, this.talkButton, door, this.doorStatus);
    container.append(this.root);
  }

  async start() {
    const clientId = await ownClientId();
    if (this.closed) return;
    if (!clientId) {
      this.setState('not-in-roster');
      return;
    }
    this.session = new MediaSession(
      { deviceId: this.deviceId, clientId },
      {
        video: (au, capture) => this.video.decode(au, capture),
        videoLost: () => this.video.lost(),
        audio: (samples, capture) => {
          this.lastCapture = Math.max(this.lastCapture, capture);
          this.player.play(samples);
        },
      },
    );
    const socket = await openLiveSocket();
    if (this.closed) {
      if (socket) socket.close();
      return;
    }
    if (!socket) {
      this.setState('ended', 'The hub could not be reached');
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.send(JSON.stringify({ type: 'watch', deviceId: this.deviceId, clientId }));
    socket.onmessage = (e) => {
      if (this.closed) return;
      if (typeof e.data !== 'string') {
        this.session.receive(e.data);
        return;
      }
      let message;
      try {
        message = JSON.parse(e.data);
      } catch {
        return;
      }
      if (message.type === 'state') this.setState(message.state, message.detail);
      else if (message.type === 'key' && message.clientId === clientId) this.addKey(message);
    };
    socket.onclose = () => {
      if (!this.closed) this.setState('ended', 'The connection to the hub closed');
    };
  }

  addKey(envelope) {
    this.session
      .addEnvelope(envelope)
      .then(() => {
        this.talkButton.disabled = !this.session.talk;
      })
      .catch(() => {
        if (!this.session.hasKey) this.showMessage('The key from the doorbell did not open');
      });
  }

  setState(state, detail) {
    this.state = state;
    this.stateText.textContent = STATES[state] || state;
    this.root.dataset.state = state;
    if (state === 'not-in-roster') {
      // No key, no picture: forget any key held and show nothing but the reason.
      if (this.session) this.session.forgetKeys();
      this.video.close();
      this.canvas.hidden = true;
      this.talkButton.disabled = true;
      this.stopTalk();
      this.showMessage(STATES[state]);
    } else if (state === 'ended') {
      this.showMessage(detail || STATES.ended);
      this.teardown();
    } else if (state === 'device-offline') {
      this.showMessage(STATES[state]);
    } else {
      this.showMessage(state === 'live' && this.canvas.hidden ? 'Waiting for the picture…' : '');
    }
  }

  showMessage(text) {
    this.message.textContent = text;
    this.message.hidden = !text;
  }

  pictureShown(capture) {
    if (this.closed || this.state === 'not-in-roster') return;
    this.lastCapture = Math.max(this.lastCapture, capture);
    if (this.canvas.hidden) {
      this.canvas.hidden = false;
      this.showMessage('');
    }
  }

  showLatency() {
    if (!this.lastCapture) {
      this.latencyText.textContent = '';
      return;
    }
    const ms = Date.now() - this.lastCapture;
    this.latencyText.textContent = ms < 10000 ? `${Math.max(0, ms)} ms` : `delayed ${Math.round(ms / 1000)} s`;
    this.latencyText.classList.toggle('late', ms >= 2000);
  }

  // ---- push to talk

  bindTalk(button) {
    const start = (e) => {
      e.preventDefault();
      this.startTalk();
    };
    const stop = () => this.stopTalk();
    button.addEventListener('pointerdown', start);
    button.addEventListener('pointerup', stop);
    button.addEventListener('pointercancel', stop);
    button.addEventListener('pointerleave', stop);
    button.addEventListener('contextmenu', (e) => e.preventDefault());
    button.addEventListener('keydown', (e) => {
      if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) start(e);
    });
    button.addEventListener('keyup', (e) => {
      if (e.key === ' ' || e.key === 'Enter') stop();
    });
    button.addEventListener('blur', stop);
  }

  async startTalk() {
    if (this.talking || this.closed || !this.session || !this.session.talk) return;
    const talk = { stopped: false, capture: null };
    this.talking = talk;
    this.talkButton.setAttribute('aria-pressed', 'true');
    this.talkButton.textContent = 'Talking…';
    try {
      if (this.audio.state === 'suspended') await this.audio.resume();
      const capture = await startCapture(this.audio, (samples) => this.sendTalk(samples));
      if (talk.stopped) capture.stop();
      else talk.capture = capture;
    } catch (err) {
      if (!talk.stopped) this.showMessage(`The microphone is not available: ${err.message}`);
      this.stopTalk();
    }
  }

  async sendTalk(samples) {
    if (!this.talking || samples.length !== FRAME_SAMPLES) return;
    const parts = await this.session.sealTalk(samples, Date.now());
    const socket = this.socket;
    if (!parts || !socket || socket.readyState !== WebSocket.OPEN) return;
    for (const part of parts) socket.send(part);
  }

  stopTalk() {
    const talk = this.talking;
    if (!talk) return;
    this.talking = null;
    talk.stopped = true;
    if (talk.capture) talk.capture.stop();
    this.talkButton.setAttribute('aria-pressed', 'false');
    this.talkButton.textContent = 'Hold to talk';
  }

  // ---- the end

  teardown() {
    this.stopTalk();
    this.talkButton.disabled = true;
    clearInterval(this.latencyTimer);
    if (this.session) this.session.close();
    this.video.close();
    this.canvas.hidden = true;
    if (this.socket) {
      this.socket.onclose = null;
      if (this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000);
    }
    if (this.audio.state !== 'closed') this.audio.close().catch(() => {});
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.teardown();
    this.root.remove();
    if (this.onClose) this.onClose();
  }
}

let current = null;

/** Opens the live view of a doorbell in a modal dialog (one at a time); returns the LiveView. */
export function openLiveView(deviceId, deviceName) {
  if (current) current.close();
  const dialog = el('dialog', 'live-dialog');
  dialog.setAttribute('aria-label', `Live view: ${deviceName}`);
  document.body.append(dialog);
  const view = new LiveView(dialog, deviceId, {
    deviceName,
    onClose: () => {
      if (current === view) current = null;
      if (dialog.open) dialog.close();
      dialog.remove();
    },
  });
  current = view;
  dialog.addEventListener('close', () => view.close());
  dialog.showModal();
  view.closeButton.focus();
  return view;
}
