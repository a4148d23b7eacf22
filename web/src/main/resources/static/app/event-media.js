// Event media in the browser (docs/media.md "Event media: snapshots and clips", DESIGN §7): a ring's or a
// motion's snapshot and clip, sealed on the doorbell and stored by the hub as ciphertext, opened here.
//
//   object    = one SFrame frame, KID = media epoch × 256 + 2 (the doorbell's `device-still` sender)
//   base key  = senderKey(epochKey, 'device-still'), epochKey from this browser's envelope of that epoch
//   metadata  = UTF-8 "doorward-event-media:1:" + deviceId + ":" + eventId + ":" + kind
//   plaintext = 8-byte big-endian capture time (ms), then a JPEG (snapshot) or a clip:
//               repeated [8-byte time][1 byte: 1 = keyframe][4-byte big-endian length][Annex B access unit]
//
// The metadata is built from what this browser asked for, never from the hub's answer, so the hub cannot
// show one event's snapshot under another event, doorbell or kind. Nothing that does not open (or does not
// parse once opened) is returned: every failure is an EventMediaError and there is no plaintext path.

import { api } from './api.js';
import { ownClientId } from './keys.js';
import { MediaKeyError, unwrapEpochKey } from './media-keys.js';
import { DEFAULT_SUITE, SFrameError, createContext, decodeHeader, senderKey } from './sframe.js';

export const STILL_SLOT = 2;
export const STILL_LABEL = 'device-still';
export const MEDIA_KINDS = Object.freeze(['snapshot', 'clip']);
/** The largest sealed object fetched: a few seconds of 320x240 video are far below this. */
export const MAX_OBJECT_BYTES = 32 * 1024 * 1024;
const TIME_BYTES = 8;
const CLIP_FRAME_HEADER = TIME_BYTES + 1 + 4;
const MAX_CLIP_FRAMES = 10000;
/** Unwrapped keys kept (as SFrame contexts with non-extractable AES keys), per doorbell and epoch. */
const MAX_CACHED_KEYS = 64;

/** Anything that does not open, for whatever reason; `reason` says which step refused it. */
export class EventMediaError extends Error {
  constructor(reason, message, cause) {
    super(message);
    this.name = 'EventMediaError';
    this.reason = reason;
    if (cause) this.cause = cause;
  }
}

function checkPart(value, what) {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200 || /[:|/\s]/.test(value)) {
    throw new EventMediaError('BAD_REQUEST', `${what} must be a non-empty id without ':', '|', '/' or spaces`);
  }
  return value;
}

function checkKind(kind) {
  if (!MEDIA_KINDS.includes(kind)) throw new EventMediaError('BAD_REQUEST', `unknown media kind ${kind}`);
  return kind;
}

/** The SFrame metadata (extra AAD) of an event object, as bytes. */
export function eventMediaAad(deviceId, eventId, kind) {
  return new TextEncoder().encode(
    `doorward-event-media:1:${checkPart(deviceId, 'device id')}:${checkPart(eventId, 'event id')}:${checkKind(kind)}`,
  );
}

/** The media epoch of a sealed object, read from its SFrame header; refuses a KID that is not slot 2. */
export function epochOf(sealed) {
  let header;
  try {
    header = decodeHeader(sealed);
  } catch (err) {
    throw new EventMediaError('MALFORMED', 'not an SFrame object', err);
  }
  if (header.kid % 256n !== BigInt(STILL_SLOT)) {
    throw new EventMediaError('WRONG_SENDER', `KID ${header.kid} is not the doorbell's stills sender`);
  }
  const epoch = header.kid / 256n;
  if (epoch < 1n || epoch > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new EventMediaError('MALFORMED', 'media epoch out of range');
  }
  return { epoch: Number(epoch), kid: header.kid };
}

function readTime(view, offset) {
  const t = view.getBigUint64(offset);
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) throw new EventMediaError('MALFORMED', 'capture time out of range');
  return Number(t);
}

/**
 * The opened plaintext of an object: `{captureTime, jpegBlob}` for a snapshot, `{captureTime, frames:
 * [{time, keyframe, data}]}` for a clip. Throws EventMediaError MALFORMED if it is not what the kind says.
 */
export function parseEventMedia(kind, plaintext) {
  checkKind(kind);
  if (plaintext.length < TIME_BYTES) throw new EventMediaError('MALFORMED', 'no capture time');
  const view = new DataView(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  const captureTime = readTime(view, 0);
  const body = plaintext.subarray(TIME_BYTES);
  if (kind === 'snapshot') {
    // A JPEG starts with SOI (FF D8) and a marker.
    if (body.length < 4 || body[0] !== 0xff || body[1] !== 0xd8 || body[2] !== 0xff) {
      throw new EventMediaError('MALFORMED', 'the snapshot is not a JPEG');
    }
    return { captureTime, jpegBlob: new Blob([body], { type: 'image/jpeg' }) };
  }
  const frames = [];
  let offset = TIME_BYTES;
  while (offset < plaintext.length) {
    if (plaintext.length - offset < CLIP_FRAME_HEADER)
      throw new EventMediaError('MALFORMED', 'clip frame header truncated');
    if (frames.length >= MAX_CLIP_FRAMES) throw new EventMediaError('MALFORMED', 'too many clip frames');
    const time = readTime(view, offset);
    const flag = plaintext[offset + TIME_BYTES];
    const length = view.getUint32(offset + TIME_BYTES + 1);
    offset += CLIP_FRAME_HEADER;
    if (flag > 1) throw new EventMediaError('MALFORMED', 'clip keyframe flag is neither 0 nor 1');
    if (length === 0 || length > plaintext.length - offset) {
      throw new EventMediaError('MALFORMED', 'clip frame length out of range');
    }
    frames.push({ time, keyframe: flag === 1, data: plaintext.slice(offset, offset + length) });
    offset += length;
  }
  if (frames.length === 0) throw new EventMediaError('MALFORMED', 'the clip has no frames');
  return { captureTime, frames };
}

/** A clip's access units joined back to back: a raw H.264 Annex B stream (what "Save clip" writes). */
export function clipAnnexB(frames) {
  return new Blob(
    frames.map((f) => f.data),
    { type: 'video/h264' },
  );
}

async function defaultFetchObject(deviceId, eventId, kind) {
  const response = await fetch(
    `/api/devices/${encodeURIComponent(deviceId)}/events/${encodeURIComponent(eventId)}/${kind}`,
    { credentials: 'same-origin', headers: { Accept: 'application/octet-stream' } },
  );
  if (!response.ok)
    throw new EventMediaError('NOT_FOUND', `the hub has no ${kind} for this event (${response.status})`);
  const length = Number(response.headers.get('Content-Length'));
  if (length > MAX_OBJECT_BYTES) throw new EventMediaError('TOO_LARGE', `the ${kind} is too large`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_OBJECT_BYTES) throw new EventMediaError('TOO_LARGE', `the ${kind} is too large`);
  return bytes;
}

async function defaultFetchEnvelope(deviceId, epoch, clientId) {
  return api.mediaKey(deviceId, epoch, clientId);
}

// No dynamic import here: the service worker opens snapshots with this module too, and import() is not allowed there.
function defaultClientId() {
  return ownClientId(api);
}

/**
 * A reader of event media for this browser. Options (all optional, for tests): `clientId` (a string, or an
 * async function; default: this browser's client id on the hub), `keys` (agreement keys for
 * unwrapEpochKey; default: this browser's), `fetchObject(deviceId, eventId, kind)` → sealed bytes,
 * `fetchEnvelope(deviceId, epoch, clientId)` → the hub's envelope JSON.
 *
 * `load(deviceId, eventId, kind)` fetches and opens; `open(sealed, {deviceId, eventId, kind})` opens bytes
 * already fetched. Keys are fetched once per doorbell and epoch and kept as SFrame contexts.
 */
export function createEventMediaReader(options = {}) {
  const fetchObject = options.fetchObject || defaultFetchObject;
  const fetchEnvelope = options.fetchEnvelope || defaultFetchEnvelope;
  const clientIdOf =
    typeof options.clientId === 'string'
      ? () => Promise.resolve(options.clientId)
      : options.clientId || defaultClientId;
  let clientIdPromise = null;
  const contexts = new Map(); // "deviceId|epoch" -> Promise<SFrame context>

  async function clientId() {
    if (!clientIdPromise) {
      clientIdPromise = Promise.resolve(clientIdOf()).then((id) => {
        if (!id) throw new EventMediaError('NO_KEY', 'this browser is not registered on the hub');
        return id;
      });
      clientIdPromise.catch(() => {
        clientIdPromise = null;
      });
    }
    return clientIdPromise;
  }

  async function makeContext(deviceId, epoch, kid) {
    const client = await clientId();
    let envelope;
    try {
      envelope = await fetchEnvelope(deviceId, epoch, client);
    } catch (err) {
      throw new EventMediaError('NO_KEY', 'the hub has no key of this doorbell for this browser', err);
    }
    if (!envelope || envelope.epoch !== epoch) {
      throw new EventMediaError('NO_KEY', 'the hub answered with the key of another epoch');
    }
    let unwrapped;
    try {
      unwrapped = await unwrapEpochKey(envelope, { deviceId, clientId: client }, options.keys);
    } catch (err) {
      throw new EventMediaError('NO_KEY', err instanceof MediaKeyError ? err.message : 'the key does not open', err);
    }
    try {
      return await createContext(DEFAULT_SUITE, kid, await senderKey(unwrapped.epochKey, STILL_LABEL));
    } finally {
      unwrapped.epochKey.fill(0);
    }
  }

  function contextFor(deviceId, epoch, kid) {
    const key = `${deviceId}|${epoch}`;
    let context = contexts.get(key);
    if (context) {
      contexts.delete(key); // re-inserted below: the map keeps the most recently used last
    } else {
      context = makeContext(deviceId, epoch, kid);
      // A key that did not come is asked for again next time (it may have been stored since).
      context.catch(() => {
        if (contexts.get(key) === context) contexts.delete(key);
      });
    }
    contexts.set(key, context);
    while (contexts.size > MAX_CACHED_KEYS) contexts.delete(contexts.keys().next().value);
    return context;
  }

  async function open(sealed, { deviceId, eventId, kind }) {
    const aad = eventMediaAad(deviceId, eventId, kind);
    const data = sealed instanceof Uint8Array ? sealed : new Uint8Array(sealed);
    const { epoch, kid } = epochOf(data);
    const context = await contextFor(deviceId, epoch, kid);
    let plaintext;
    try {
      plaintext = await context.open(data, aad);
    } catch (err) {
      throw new EventMediaError(
        err instanceof SFrameError ? err.reason : 'AUTHENTICATION_FAILED',
        `the ${kind} does not open: it was changed or belongs to another event`,
        err,
      );
    }
    return parseEventMedia(kind, plaintext);
  }

  async function load(deviceId, eventId, kind) {
    eventMediaAad(deviceId, eventId, kind); // checks the ids before anything is fetched
    let sealed;
    try {
      sealed = await fetchObject(deviceId, eventId, kind);
    } catch (err) {
      throw err instanceof EventMediaError
        ? err
        : new EventMediaError('NOT_FOUND', `the ${kind} could not be fetched`, err);
    }
    return open(sealed, { deviceId, eventId, kind });
  }

  return {
    load,
    open,
    /** Forgets every cached key and the client id (sign-out, another household). */
    forget() {
      contexts.clear();
      clientIdPromise = null;
    },
  };
}

let shared = null;

/** Fetches and opens one event object with this browser's keys: see createEventMediaReader().load. */
export function loadEventMedia(deviceId, eventId, kind) {
  if (!shared) shared = createEventMediaReader();
  return shared.load(deviceId, eventId, kind);
}

/** Forgets the keys loadEventMedia keeps. */
export function forgetEventMediaKeys() {
  if (shared) shared.forget();
}
