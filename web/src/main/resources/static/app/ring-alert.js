// The ring in the open app: the alert that takes over the screen, a ding-dong made with WebAudio (no sound file;
// muted per browser), a vibration where the device has one, the tab title ("(1) Ring — Doorward") until someone
// has seen it, and "Missed ring" when nobody answered within a minute (missed-rings.js keeps those).

import { openDoor } from './door.js';
import { loadEventMedia } from './event-media.js';
import { openLiveView } from './live.js';
import { isMissedRing, recordMissedRing } from './missed-rings.js';

export const MISSED_AFTER_MS = 60 * 1000;
const MIN_SHOWN_MS = 10 * 1000;
const MUTE_KEY = 'doorward-ring-muted';
const BASE_TITLE = 'Doorward';
const VIBRATION = [300, 150, 300, 150, 600];

const overlay = () => document.getElementById('ring-alert');
const $ = (id) => document.getElementById(id);

// ---- sound

let audio = null;

/** Browsers start audio only after the person has touched the page: make the context at the first touch. */
function unlockAudio() {
  if (!window.AudioContext) return;
  if (!audio) audio = new AudioContext();
  if (audio.state === 'suspended') audio.resume().catch(() => {});
}

export function ringMuted() {
  return localStorage.getItem(MUTE_KEY) === '1';
}

export function setRingMuted(muted) {
  if (muted) localStorage.setItem(MUTE_KEY, '1');
  else localStorage.removeItem(MUTE_KEY);
}

/** Two bell tones, high then low, each a sine with a quick attack and a long decay. */
function playDingDong() {
  const now = audio.currentTime + 0.02;
  [
    [659.25, 0],
    [523.25, 0.45],
  ].forEach(([frequency, offset]) => {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.type = 'sine';
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, now + offset);
    gain.gain.exponentialRampToValueAtTime(0.5, now + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 1.2);
    tone.connect(gain).connect(audio.destination);
    tone.start(now + offset);
    tone.stop(now + offset + 1.25);
  });
}

/** Plays the ring unless muted; says what happened ("played", "muted", "blocked": no touch yet, no audio). */
function ringSound() {
  if (ringMuted()) return 'muted';
  if (!audio && window.AudioContext) audio = new AudioContext();
  if (!audio || audio.state !== 'running') {
    if (audio) audio.resume().catch(() => {});
    return 'blocked';
  }
  playDingDong();
  return 'played';
}

// ---- the tab title

let unseen = 0;
let unseenMissed = false;

function updateTitle() {
  document.title = unseen > 0 ? `(${unseen}) ${unseenMissed ? 'Missed ring' : 'Ring'} — ${BASE_TITLE}` : BASE_TITLE;
}

function seen() {
  unseen = 0;
  unseenMissed = false;
  updateTitle();
}

// ---- the alert

let missedTimer = null;
const shown = new Set(); // event ids already shown here (a ring is shown once, even when fetched again)
// The newest ring (hub time, ms) this page has shown or found already there when it opened: catching up after a
// drop shows only rings newer than that, so an older ring never replaces a newer one on screen.
let newestKnownAt = -Infinity;

function knowRingAt(occurredAt) {
  const at = Date.parse(occurredAt);
  if (Number.isFinite(at) && at > newestKnownAt) newestKnownAt = at;
}
let options = { formatTime: (iso) => new Date(iso).toLocaleString(), canOpenMedia: () => true, onMissed: () => {} };

// While the alert is up, everything behind it is inert: Tab stays on the alert's buttons (a focus trap a
// screen reader respects too), and the focus goes back where it was when the alert goes.
let madeInert = [];
let focusBefore = null;

function trapFocus() {
  if (madeInert.length === 0) {
    madeInert = [...document.body.children].filter(
      (node) => node !== overlay() && !node.inert && node.tagName !== 'SCRIPT' && node.tagName !== 'TEMPLATE',
    );
    madeInert.forEach((node) => {
      node.inert = true;
    });
    focusBefore = document.activeElement;
  }
}

function releaseFocus() {
  madeInert.forEach((node) => {
    node.inert = false;
  });
  madeInert = [];
  if (focusBefore && focusBefore.isConnected && typeof focusBefore.focus === 'function') focusBefore.focus();
  focusBefore = null;
}

function close() {
  clearTimeout(missedTimer);
  overlay().hidden = true;
  releaseFocus();
}

/** Whether the alert is on screen for this event. */
export function ringShowing(eventId) {
  const o = overlay();
  return !o.hidden && o.dataset.eventId === eventId;
}

/** Shows a ring `{deviceId, deviceName, eventId, occurredAt}`: alert, sound, vibration, title. */
export function showRing(message) {
  const o = overlay();
  if (message.eventId) shown.add(message.eventId);
  knowRingAt(message.occurredAt);
  $('ring-title').textContent = `Someone is at the ${String(message.deviceName || 'door').toLowerCase()}`;
  $('ring-time').textContent = options.formatTime(message.occurredAt);
  o.dataset.eventId = message.eventId;
  o.dataset.deviceId = message.deviceId;
  o.dataset.deviceName = message.deviceName;
  $('ring-door-status').textContent = '';
  const snapshot = $('ring-snapshot');
  if (snapshot.src) URL.revokeObjectURL(snapshot.src);
  snapshot.removeAttribute('src');
  snapshot.hidden = true;
  o.hidden = false;
  trapFocus();
  $('ring-dismiss').focus();
  o.dataset.sound = ringSound();
  if (navigator.vibrate) navigator.vibrate(VIBRATION);
  unseen += 1;
  unseenMissed = false;
  updateTitle();
  clearTimeout(missedTimer);
  const eventId = message.eventId;
  // A minute from the ring itself (a ring caught up after a reconnect has less left), at least a few seconds.
  const age = Date.now() - Date.parse(message.occurredAt);
  const left = Number.isFinite(age)
    ? Math.min(MISSED_AFTER_MS, Math.max(MIN_SHOWN_MS, MISSED_AFTER_MS - age))
    : MISSED_AFTER_MS;
  // Nobody answered: the alert goes, the ring is missed (history and title say so) until someone looks.
  missedTimer = setTimeout(() => {
    if (!ringShowing(eventId)) return;
    close();
    recordMissedRing(eventId);
    unseenMissed = true;
    updateTitle();
    options.onMissed(message);
  }, left);
}

/**
 * The rings in the history when the app opened (newest first) were rung before anyone here could hear them:
 * history, not rings to show when the app catches up later.
 */
export function ringsAlreadyThere(events) {
  events.filter((e) => e.kind === 'ring').forEach((e) => knowRingAt(e.occurredAt));
}

/**
 * Of history events (newest first), the newest ring of the last minute that is newer than every ring this page
 * knows, and not shown here yet (nor missed), is shown as a ring.
 */
export function showRecentRing(events) {
  const recent = events.find((e) => {
    const eventId = e.eventId || e.id;
    return (
      e.kind === 'ring' &&
      Date.now() - Date.parse(e.occurredAt) < MISSED_AFTER_MS &&
      Date.parse(e.occurredAt) > newestKnownAt &&
      !shown.has(eventId) &&
      !isMissedRing(eventId)
    );
  });
  if (recent) {
    showRing({
      eventId: recent.eventId || recent.id,
      deviceId: recent.deviceId,
      deviceName: recent.deviceName,
      occurredAt: recent.occurredAt,
    });
  }
}

/** The picture of the ring on screen, opened in this browser once the doorbell's upload is stored. */
export async function showRingSnapshot(message) {
  if (message.kind !== 'snapshot' || !ringShowing(message.eventId) || !options.canOpenMedia()) return;
  try {
    const { jpegBlob } = await loadEventMedia(message.deviceId, message.eventId, 'snapshot');
    if (!ringShowing(message.eventId)) return;
    const snapshot = $('ring-snapshot');
    snapshot.src = URL.createObjectURL(jpegBlob);
    snapshot.hidden = false;
  } catch {
    // Not approved yet, or it did not open: the alert stays without a picture, never with a wrong one.
  }
}

/** Someone answered elsewhere (a notification's Answer): the alert for that doorbell goes as answered. */
export function ringAnswered(deviceId) {
  if (!overlay().hidden && overlay().dataset.deviceId === deviceId) close();
  seen();
}

/**
 * Wires the alert's buttons, Escape, and the first touch that allows sound. `formatTime(iso)`, `canOpenMedia()`
 * and `onMissed(message)` come from the app.
 */
export function setUpRingAlert(appOptions) {
  options = { ...options, ...appOptions };
  ['pointerdown', 'keydown'].forEach((type) =>
    document.addEventListener(
      type,
      () => {
        unlockAudio();
        // A touch after a missed ring (the alert already gone) means someone is looking now.
        if (unseen > 0 && overlay().hidden && document.visibilityState === 'visible') seen();
      },
      { capture: true },
    ),
  );
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && overlay().hidden) seen();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !overlay().hidden) {
      close();
      seen();
    }
    // Tab and Shift+Tab go round the alert's buttons and never leave it.
    if (e.key === 'Tab' && !overlay().hidden) {
      const buttons = [...overlay().querySelectorAll('button:not([disabled])')];
      if (buttons.length === 0) return;
      const at = buttons.indexOf(document.activeElement);
      const next = e.shiftKey ? (at <= 0 ? buttons.length - 1 : at - 1) : (at + 1) % buttons.length;
      buttons[next].focus();
      e.preventDefault();
    }
  });
  $('ring-dismiss').addEventListener('click', () => {
    close();
    seen();
  });
  $('ring-answer').addEventListener('click', () => {
    const o = overlay();
    close();
    seen();
    openLiveView(o.dataset.deviceId, o.dataset.deviceName);
  });
  $('ring-open-door').addEventListener('click', async () => {
    const o = overlay();
    const status = $('ring-door-status');
    const button = $('ring-open-door');
    clearTimeout(missedTimer); // someone is dealing with it
    seen();
    button.disabled = true;
    status.textContent = 'Opening…';
    try {
      await openDoor(o.dataset.deviceId);
      status.textContent = 'The door is open.';
    } catch (err) {
      status.textContent = err.message || 'The door did not open.';
    } finally {
      button.disabled = false;
    }
  });
}
