// What the service worker shows for a Web Push message (docs/web-app.md "Notifications", the push contract).
// The push service and the hub's message carry ids and a kind only: the doorbell's name comes from the hub over
// this browser's own session, and the picture is the event's sealed snapshot, opened here with this browser's
// keys (event-media.js) — so neither the push service nor the hub ever sees what the notification shows.

import { api } from './api.js';
import { createEventMediaReader } from './event-media.js';

export const KINDS = Object.freeze(['ring', 'motion', 'alert', 'browser-waiting']);
export const ALERTS = Object.freeze(['claim-refused', 'reset-pending', 'tamper', 'pairing-mode']);
const ID = /^[A-Za-z0-9_-]{1,64}$/;
/** How long a notification waits for its picture before it shows without one (the doorbell uploads it after the ring). */
export const PICTURE_FIRST_WAIT_MS = 1500;
/** How long a notification shown without its picture keeps waiting for it, to show it in place. */
export const PICTURE_LATE_WAIT_MS = 8000;
const SNAPSHOT_RETRY_MS = 400;
/** What a wait gives when it ended before what it waited for came. */
const NOT_YET = Symbol('not yet');

/** Thrown for a push message that is not the contract's; the worker then shows a plain notification. */
export class PushMessageError extends Error {}

/** The push message as the contract has it, checked field by field; anything else is a PushMessageError. */
export function parsePushMessage(text) {
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    throw new PushMessageError('not JSON');
  }
  if (!message || typeof message !== 'object' || message.v !== 1) throw new PushMessageError('unknown version');
  if (!KINDS.includes(message.kind)) throw new PushMessageError('unknown kind');
  const id = (value, what, required) => {
    if (value === undefined && !required) return null;
    if (typeof value !== 'string' || !ID.test(value)) throw new PushMessageError(`bad ${what}`);
    return value;
  };
  const needsDevice = message.kind !== 'browser-waiting';
  const parsed = {
    kind: message.kind,
    householdId: id(message.householdId, 'household id', true),
    deviceId: id(message.deviceId, 'device id', needsDevice),
    eventId: id(message.eventId, 'event id', message.kind === 'alert'),
    alert: null,
    at: Number.isSafeInteger(message.at) && message.at > 0 ? message.at : Date.now(),
  };
  if (message.kind === 'alert') {
    if (!ALERTS.includes(message.alert)) throw new PushMessageError('unknown alert');
    parsed.alert = message.alert;
  }
  return parsed;
}

/** Where the app opens for a notification: the doorbell's live view, or the home screen. */
export function appUrlFor(data) {
  return data && data.deviceId && data.kind !== 'browser-waiting' ? `/#live=${encodeURIComponent(data.deviceId)}` : '/';
}

function doorName(name) {
  return name ? name.toLowerCase() : 'door';
}

/** Title, body and actions of a notification; the same words as the open app uses. */
export function describe(message, deviceName) {
  const at = new Date(message.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  switch (message.kind) {
    case 'ring':
      return { title: `Someone is at the ${doorName(deviceName)}`, body: `Rang at ${at}`, answer: 'Answer' };
    case 'motion':
      return { title: `Motion at the ${doorName(deviceName)}`, body: `Seen at ${at}`, answer: 'Live view' };
    case 'browser-waiting':
      return { title: 'A new browser is waiting for approval', body: 'Check its safety code before you approve it.' };
    default: {
      const name = deviceName || 'A doorbell';
      const titles = {
        'claim-refused': `${name} refused a claim code for another hub`,
        'reset-pending': `Someone is resetting ${name} at the door`,
        tamper: `Tamper alarm: ${name}`,
        'pairing-mode': `${name} entered pairing mode`,
      };
      return { title: titles[message.alert], body: `At ${at} — open Doorward to check.`, answer: 'Live view' };
    }
  }
}

/** A ring replaces the doorbell's previous ring (as the push Topic does on the way); other events stand alone. */
function tagOf(message) {
  return message.kind === 'ring' ? `ring-${message.deviceId}` : `${message.kind}-${message.eventId || message.at}`;
}

/** The notification options (without the picture) for a parsed message. */
export function notificationFor(message, deviceName) {
  const { title, body, answer } = describe(message, deviceName);
  const options = {
    body,
    icon: '/icons/icon-192.png',
    badge: '/icons/badge-96.png',
    tag: tagOf(message),
    renotify: message.kind === 'ring',
    requireInteraction: message.kind === 'ring' || message.kind === 'alert',
    timestamp: message.at,
    data: { ...message, url: appUrlFor(message) },
    actions: answer
      ? [
          { action: 'answer', title: answer },
          { action: 'dismiss', title: 'Dismiss' },
        ]
      : [],
  };
  if (message.kind === 'ring') options.vibrate = [300, 150, 300, 150, 600];
  return { title, options };
}

const sleep = (ms) =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

async function deviceNameOf(deviceId) {
  if (!deviceId) return null;
  try {
    const device = (await api.devices()).find((d) => d.id === deviceId);
    return device ? device.name : null;
  } catch {
    return null; // signed out or the hub is away: the notification still says what happened
  }
}

function base64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/**
 * The event's snapshot as a data: URL (a service worker has no blob: URLs), opened with this browser's keys, or null
 * if it is not there by `deadline` or does not open. A snapshot not uploaded yet is asked for again.
 */
export async function snapshotDataUrl(reader, deviceId, eventId, deadline) {
  if (!deviceId || !eventId) return null;
  while (Date.now() < deadline) {
    try {
      const { jpegBlob } = await reader.load(deviceId, eventId, 'snapshot');
      return `data:image/jpeg;base64,${base64(new Uint8Array(await jpegBlob.arrayBuffer()))}`;
    } catch (err) {
      if (err.reason !== 'NOT_FOUND') return null; // no key, changed, not a JPEG: no picture, never a wrong one
    }
    await sleep(SNAPSHOT_RETRY_MS);
  }
  return null;
}

/**
 * Shows the notification for one push message on `registration`: with the doorbell's name and the picture if both
 * come within PICTURE_FIRST_WAIT_MS, else without what is missing, which is then put in place (silently) if it comes
 * within PICTURE_LATE_WAIT_MS. Nothing the hub does (or a network that never answers) holds the notification back.
 */
export async function showPushNotification(registration, text) {
  let message;
  try {
    message = parsePushMessage(text);
  } catch {
    // A push must show something; one that is not ours says only that something happened.
    await registration.showNotification('Doorward', {
      body: 'Open Doorward to see what happened.',
      icon: '/icons/icon-192.png',
      tag: 'unknown',
      data: { url: '/' },
    });
    return;
  }
  // The same event pushed again (the hub's Web Push process died before it heard the push service's answer, and
  // its successor sent it again) is not shown, nor sounded, a second time while the first is still there.
  if (message.eventId) {
    const open = await registration.getNotifications({ tag: tagOf(message) });
    if (open.some((n) => n.data && n.data.eventId === message.eventId)) return;
  }
  const started = Date.now();
  const until = (ms) => sleep(Math.max(0, started + ms - Date.now())).then(() => NOT_YET);
  const firstWait = until(PICTURE_FIRST_WAIT_MS);
  const lateWait = until(PICTURE_LATE_WAIT_MS);
  const reader = createEventMediaReader();
  const wantsPicture = message.kind !== 'browser-waiting' && message.eventId;
  const picture = wantsPicture
    ? snapshotDataUrl(reader, message.deviceId, message.eventId, started + PICTURE_LATE_WAIT_MS)
    : Promise.resolve(null);
  const name = deviceNameOf(message.deviceId);
  const known = (value) => (value === NOT_YET ? null : value);
  const nameNow = await Promise.race([name, firstWait]);
  const pictureNow = await Promise.race([picture, firstWait]);
  const { title, options } = notificationFor(message, known(nameNow));
  if (known(pictureNow)) options.image = pictureNow;
  await registration.showNotification(title, options);

  // What comes late is put in place as it comes, silently, and only while the notification is still there: one
  // the person already dismissed does not come back.
  let deviceName = known(nameNow);
  let image = known(pictureNow);
  const showAgain = async () => {
    const open = await registration.getNotifications({ tag: options.tag });
    if (!open.some((n) => n.data && n.data.eventId === message.eventId)) return;
    const again = notificationFor(message, deviceName);
    const { vibrate, ...quiet } = again.options; // a silent notification must not vibrate
    if (image) quiet.image = image;
    await registration.showNotification(again.title, { ...quiet, renotify: false, silent: true });
  };
  const putInPlace = (coming, keep) =>
    Promise.race([coming, lateWait]).then((value) => {
      if (!known(value)) return null;
      keep(value);
      return showAgain();
    });
  await Promise.all([
    nameNow === NOT_YET ? putInPlace(name, (value) => (deviceName = value)) : null,
    pictureNow === NOT_YET ? putInPlace(picture, (value) => (image = value)) : null,
  ]);
}
