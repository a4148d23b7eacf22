// Opening a doorbell's media key envelope (docs/media.md "Wrapping an epoch key to a member client"), the
// twin of dev.doorward.crypto.media.MediaKeyWrap:
//
//   info  = "doorward media key 1|" + deviceId + "|" + mediaEpoch + "|" + clientId + "|" + slot
//   z     = ECDH(this browser's agreement key, envelope.ephemeralKey)          -- 32 bytes
//   k     = HKDF-SHA256(salt = empty, ikm = z, info, 32 bytes)                 -- AES-256-GCM key
//   epochKey = AES-256-GCM-open(k, envelope.nonce, envelope.wrapped, aad = info)
//
// The info is built from what this browser expects (its own client id, the doorbell it watches); of the
// envelope's claims only the epoch and the slot are used, and both are bound into the tag. So the hub
// cannot hand one browser's envelope to another, move it to another doorbell or change its slot.

import { clientKeys } from './keys.js';

const INFO_PREFIX = 'doorward media key 1|';
const EPOCH_KEY_LENGTH = 32;
const NONCE_LENGTH = 12;
const WRAPPED_LENGTH = EPOCH_KEY_LENGTH + 16;

/** Any envelope that does not open, for whatever reason (the reason is not told apart on purpose). */
export class MediaKeyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'MediaKeyError';
  }
}

/** Strict unpadded base64url to bytes. */
export function fromBase64url(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new MediaKeyError('not unpadded base64url');
  }
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

function checkId(id, what) {
  if (typeof id !== 'string' || id.length === 0 || id.includes('|')) {
    throw new MediaKeyError(`${what} must be a non-empty string without '|'`);
  }
  return id;
}

/** The info (HKDF info and AES-GCM additional data) of an envelope, as bytes. */
export function envelopeInfo(deviceId, epoch, clientId, slot) {
  return new TextEncoder().encode(
    `${INFO_PREFIX}${checkId(deviceId, 'device id')}|${epoch}|${checkId(clientId, 'client id')}|${slot}`,
  );
}

/**
 * Opens an envelope `{epoch, slot, ephemeralKey, nonce, wrapped}` (the hub's key message; its deviceId and
 * clientId are ignored) for `expected = {deviceId, clientId}`. Returns `{epoch, slot, epochKey}` with the
 * 32-byte epoch key as a Uint8Array; throws MediaKeyError when anything does not match. `keys` defaults to
 * this browser's own keys from keys.js (their agreement private key is non-extractable: only deriveBits).
 */
export async function unwrapEpochKey(envelope, expected, keys) {
  const { epoch, slot } = envelope || {};
  if (!Number.isSafeInteger(epoch) || epoch < 1 || !Number.isInteger(slot) || slot < 0 || slot > 255) {
    throw new MediaKeyError('media epoch or slot out of range');
  }
  const info = envelopeInfo(expected.deviceId, epoch, expected.clientId, slot);
  const nonce = fromBase64url(envelope.nonce);
  const wrapped = fromBase64url(envelope.wrapped);
  if (nonce.length !== NONCE_LENGTH || wrapped.length !== WRAPPED_LENGTH) {
    throw new MediaKeyError('malformed envelope');
  }
  const { agreement } = keys || (await clientKeys());
  const subtle = crypto.subtle;
  let ephemeral;
  try {
    ephemeral = await subtle.importKey(
      'spki',
      fromBase64url(envelope.ephemeralKey),
      { name: 'ECDH', namedCurve: 'P-256' },
      false,
      [],
    );
  } catch {
    throw new MediaKeyError('malformed ephemeral key');
  }
  const shared = await subtle.deriveBits({ name: 'ECDH', public: ephemeral }, agreement.privateKey, 256);
  const ikm = await subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  const aesKey = await subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info },
    ikm,
    { name: 'AES-GCM', length: 256 },
    false,
    ['decrypt'],
  );
  new Uint8Array(shared).fill(0);
  let epochKey;
  try {
    epochKey = await subtle.decrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: info, tagLength: 128 },
      aesKey,
      wrapped,
    );
  } catch {
    throw new MediaKeyError('the envelope does not open for this browser and doorbell');
  }
  return { epoch, slot, epochKey: new Uint8Array(epochKey) };
}
