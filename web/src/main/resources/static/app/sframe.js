// SFrame (RFC 9605) frame sealing with WebCrypto, the browser half of DESIGN §6 and the twin of
// dev.doorward.crypto.sframe in the crypto module (same header codec, key derivation and checks; the
// e2e SFrameInteropTest runs both against each other and against the RFC's test vectors).
//
//   sframe_secret = HKDF-Extract("", base_key)
//   sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  + KID(8, BE) + suite(2, BE), Nk)
//   sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " + KID(8, BE) + suite(2, BE), Nn)
//   frame         = header || AES-GCM(sframe_key, sframe_salt XOR CTR, aad = header || metadata, plaintext)
//
// Doorward: KID = media epoch; every sender (device video, device audio, each browser's talk-back) seals
// with its own base key, senderKey(epochKey, label), so nonces never repeat across senders. KID and CTR
// are unsigned 64-bit values, handled as BigInt. Every failure throws an SFrameError; there is no
// plaintext path.

export const AES_128_GCM_SHA256_128 = 0x0004;
export const AES_256_GCM_SHA512_128 = 0x0005;
export const DEFAULT_SUITE = AES_128_GCM_SHA256_128;

const SUITES = new Map([
  [AES_128_GCM_SHA256_128, { hash: 'SHA-256', nk: 16 }],
  [AES_256_GCM_SHA512_128, { hash: 'SHA-512', nk: 32 }],
]);
const NN = 12;
const NT = 16;
const MAX_U64 = (1n << 64n) - 1n;
const MIN_BASE_KEY_LENGTH = 16;
export const REPLAY_WINDOW = 64;
export const MAX_HEADER_LENGTH = 17;

const encoder = new TextEncoder();
// Context -> its open-with-an-already-parsed-header, for createReceiver only.
const openParsedOf = new WeakMap();

/** Reasons match SFrameException.Reason on the Java side. */
export class SFrameError extends Error {
  constructor(reason, message) {
    super(`${reason}: ${message}`);
    this.name = 'SFrameError';
    this.reason = reason;
  }
}

function subtle() {
  if (!globalThis.crypto || !globalThis.crypto.subtle) {
    throw new SFrameError('UNAVAILABLE', 'WebCrypto is not available (not a secure context?)');
  }
  return globalThis.crypto.subtle;
}

function suiteOf(suiteId) {
  const suite = SUITES.get(suiteId);
  if (!suite) {
    throw new RangeError(`unsupported SFrame cipher suite ${suiteId}`);
  }
  return suite;
}

/** An unsigned 64-bit value from a BigInt or a safe non-negative integer. */
function u64(value, what) {
  let big;
  if (typeof value === 'bigint') {
    big = value;
  } else if (Number.isSafeInteger(value)) {
    big = BigInt(value);
  } else {
    throw new RangeError(`${what} must be a BigInt or a safe integer`);
  }
  if (big < 0n || big > MAX_U64) {
    throw new RangeError(`${what} out of the unsigned 64-bit range`);
  }
  return big;
}

function bytes(value, what) {
  if (value === undefined || value === null) {
    return new Uint8Array(0);
  }
  if (value instanceof Uint8Array) {
    return value;
  }
  if (value instanceof ArrayBuffer) {
    return new Uint8Array(value);
  }
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  throw new TypeError(`${what} must be bytes`);
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** 0 if the value fits the 3-bit field, else the minimal number of big-endian bytes (1-8). */
function extraBytes(value) {
  if (value < 8n) {
    return 0;
  }
  let n = 0;
  for (let v = value; v > 0n; v >>= 8n) {
    n++;
  }
  return n;
}

function writeBigEndian(value, out, offset, length) {
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** The RFC 9605 §4.3 header for this KID and CTR. */
export function encodeHeader(kid, ctr) {
  const k = u64(kid, 'KID');
  const c = u64(ctr, 'CTR');
  const kidBytes = extraBytes(k);
  const ctrBytes = extraBytes(c);
  const out = new Uint8Array(1 + kidBytes + ctrBytes);
  let config = kidBytes === 0 ? Number(k) << 4 : 0x80 | ((kidBytes - 1) << 4);
  config |= ctrBytes === 0 ? Number(c) : 0x08 | (ctrBytes - 1);
  out[0] = config;
  writeBigEndian(k, out, 1, kidBytes);
  writeBigEndian(c, out, 1 + kidBytes, ctrBytes);
  return out;
}

function readMinimal(data, offset, length, field) {
  if (data.length - offset < length) {
    throw new SFrameError('MALFORMED', `header truncated: ${field} needs ${length} byte(s)`);
  }
  let value = 0n;
  for (let i = 0; i < length; i++) {
    value = (value << 8n) | BigInt(data[offset + i]);
  }
  if (extraBytes(value) !== length) {
    throw new SFrameError('MALFORMED', `header ${field} is not minimally encoded`);
  }
  return value;
}

/**
 * Parses the header at the start of data (the rest is not looked at): { kid, ctr, length } with kid and
 * ctr as BigInt. Strict like the Java parser: truncated or non-minimal encodings throw SFrameError
 * MALFORMED.
 */
export function decodeHeader(data) {
  const buf = bytes(data, 'header');
  if (buf.length === 0) {
    throw new SFrameError('MALFORMED', 'header truncated: no config byte');
  }
  const config = buf[0];
  let offset = 1;
  let kid;
  if ((config & 0x80) === 0) {
    kid = BigInt((config >> 4) & 0x07);
  } else {
    const length = ((config >> 4) & 0x07) + 1;
    kid = readMinimal(buf, offset, length, 'KID');
    offset += length;
  }
  let ctr;
  if ((config & 0x08) === 0) {
    ctr = BigInt(config & 0x07);
  } else {
    const length = (config & 0x07) + 1;
    ctr = readMinimal(buf, offset, length, 'CTR');
    offset += length;
  }
  return { kid, ctr, length: offset };
}

function label(prefix, kid, suiteId) {
  const head = encoder.encode(prefix);
  const out = new Uint8Array(head.length + 10);
  out.set(head, 0);
  writeBigEndian(kid, out, head.length, 8);
  out[head.length + 8] = (suiteId >> 8) & 0xff;
  out[head.length + 9] = suiteId & 0xff;
  return out;
}

async function hkdf(hash, ikm, info, length) {
  const key = await subtle().importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  // An empty salt is HashLen zero bytes (RFC 5869 §2.2), as in the Java twin.
  const bits = await subtle().deriveBits({ name: 'HKDF', hash, salt: new Uint8Array(0), info }, key, length * 8);
  return new Uint8Array(bits);
}

function checkBaseKey(baseKey, what) {
  const key = bytes(baseKey, what);
  if (key.length < MIN_BASE_KEY_LENGTH) {
    throw new RangeError(`${what} shorter than ${MIN_BASE_KEY_LENGTH} bytes`);
  }
  return key;
}

/**
 * sframe_key and sframe_salt (RFC 9605 §4.4.2) as bytes. For tests against the RFC vectors; a context
 * keeps its key as a non-extractable CryptoKey.
 */
export async function deriveKeySalt(suiteId, kid, baseKey) {
  const suite = suiteOf(suiteId);
  const k = u64(kid, 'KID');
  const ikm = checkBaseKey(baseKey, 'base key');
  const key = await hkdf(suite.hash, ikm, label('SFrame 1.0 Secret key ', k, suiteId), suite.nk);
  const salt = await hkdf(suite.hash, ikm, label('SFrame 1.0 Secret salt ', k, suiteId), NN);
  return { key, salt };
}

/**
 * One sender's base key in an epoch: HKDF-SHA256(salt empty, ikm = epoch key,
 * info = "doorward sframe sender " + label, 32 bytes). Same as SFrameContext.senderKey in Java.
 */
export async function senderKey(epochKey, senderLabel) {
  const ikm = checkBaseKey(epochKey, 'epoch key');
  if (typeof senderLabel !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(senderLabel)) {
    throw new RangeError('sender label must be 1-128 printable ASCII characters, no spaces');
  }
  return hkdf('SHA-256', ikm, encoder.encode(`doorward sframe sender ${senderLabel}`), 32);
}

/**
 * A context for one (suite, KID, base key): { suite, kid, seal(counter, metadata, plaintext),
 * open(ciphertext, metadata) }, both async and returning Uint8Array. seal does not track counters (use
 * createSender); open does not check replays (use createReceiver).
 */
export async function createContext(suiteId, kid, baseKeyBytes) {
  const k = u64(kid, 'KID');
  const { key: rawKey, salt } = await deriveKeySalt(suiteId, k, baseKeyBytes);
  const aesKey = await subtle().importKey('raw', rawKey, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  rawKey.fill(0);

  function nonce(ctr) {
    const n = salt.slice();
    let v = ctr;
    for (let i = 0; i < 8; i++) {
      n[NN - 1 - i] ^= Number(v & 0xffn);
      v >>= 8n;
    }
    return n;
  }

  async function seal(counter, metadata, plaintext) {
    const ctr = u64(counter, 'counter');
    const header = encodeHeader(k, ctr);
    const sealed = await subtle().encrypt(
      {
        name: 'AES-GCM',
        iv: nonce(ctr),
        additionalData: concat(header, bytes(metadata, 'metadata')),
        tagLength: NT * 8,
      },
      aesKey,
      bytes(plaintext, 'plaintext'),
    );
    return concat(header, new Uint8Array(sealed));
  }

  async function openParsed(header, data, metadata) {
    if (header.kid !== k) {
      throw new SFrameError('UNKNOWN_KEY', `frame is for KID ${header.kid}, not this key`);
    }
    if (data.length - header.length < NT) {
      throw new SFrameError('MALFORMED', 'ciphertext shorter than the authentication tag');
    }
    let plaintext;
    try {
      plaintext = await subtle().decrypt(
        {
          name: 'AES-GCM',
          iv: nonce(header.ctr),
          additionalData: concat(data.subarray(0, header.length), bytes(metadata, 'metadata')),
          tagLength: NT * 8,
        },
        aesKey,
        data.subarray(header.length),
      );
    } catch (e) {
      throw new SFrameError('AUTHENTICATION_FAILED', 'authentication tag mismatch');
    }
    return new Uint8Array(plaintext);
  }

  async function open(ciphertext, metadata) {
    const data = bytes(ciphertext, 'ciphertext');
    return openParsed(decodeHeader(data), data, metadata);
  }

  const context = Object.freeze({ suite: suiteId, kid: k, seal, open });
  openParsedOf.set(context, openParsed);
  return context;
}

/**
 * The sealing side of one base key: counters from `next` (0 by default) upward, never repeating and
 * never wrapping (COUNTER_EXHAUSTED after 2^64 - 1). Counters are taken before the async encryption,
 * so concurrent seal calls still get distinct counters.
 */
export function createSender(context, next = 0n) {
  let counter = u64(next, 'counter');
  let exhausted = false;
  return {
    get nextCounter() {
      return counter;
    },
    async seal(metadata, plaintext) {
      if (exhausted) {
        throw new SFrameError('COUNTER_EXHAUSTED', 'every counter of this key is used; rotate the key');
      }
      const ctr = counter;
      if (ctr === MAX_U64) {
        exhausted = true;
      } else {
        counter = ctr + 1n;
      }
      return context.seal(ctr, metadata, plaintext);
    },
  };
}

/**
 * The opening side of one sender's stream: keys by KID, each with a 64-frame sliding replay window that
 * moves only after a frame authenticates. Same rules as Receiver in Java.
 */
export function createReceiver() {
  const keys = new Map();

  function check(w, ctr) {
    if (!w.any || ctr > w.highest) {
      return;
    }
    const behind = w.highest - ctr;
    if (behind >= BigInt(REPLAY_WINDOW)) {
      throw new SFrameError('TOO_OLD', 'counter is older than the replay window');
    }
    if ((w.seen >> behind) & 1n) {
      throw new SFrameError('REPLAYED', 'counter already accepted');
    }
  }

  function accept(w, ctr) {
    const mask = (1n << BigInt(REPLAY_WINDOW)) - 1n;
    if (!w.any) {
      w.any = true;
      w.highest = ctr;
      w.seen = 1n;
    } else if (ctr > w.highest) {
      const ahead = ctr - w.highest;
      w.seen = ahead >= BigInt(REPLAY_WINDOW) ? 1n : ((w.seen << ahead) | 1n) & mask;
      w.highest = ctr;
    } else {
      w.seen |= 1n << (w.highest - ctr);
    }
  }

  return {
    addKey(context) {
      if (!openParsedOf.has(context)) {
        throw new TypeError('not an SFrame context from createContext');
      }
      if (keys.has(context.kid)) {
        throw new RangeError(`KID ${context.kid} already has a key`);
      }
      keys.set(context.kid, { context, any: false, highest: 0n, seen: 0n });
    },
    removeKey(kid) {
      return keys.delete(u64(kid, 'KID'));
    },
    hasKey(kid) {
      return keys.has(u64(kid, 'KID'));
    },
    async open(ciphertext, metadata) {
      const data = bytes(ciphertext, 'ciphertext');
      const header = decodeHeader(data);
      const w = keys.get(header.kid);
      if (!w) {
        throw new SFrameError('UNKNOWN_KEY', `no key for KID ${header.kid}`);
      }
      check(w, header.ctr);
      const plaintext = await openParsedOf.get(w.context)(header, data, metadata);
      // Checked again: another open of the same counter may have finished while this one awaited.
      check(w, header.ctr);
      accept(w, header.ctr);
      return plaintext;
    },
  };
}
