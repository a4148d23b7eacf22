// The media half of a live view, without the page around it (docs/media.md): binary parts in, frames
// joined per kind, opened with SFrame under this browser's keys of the current and previous media epoch,
// the capture time taken off, video decoded with WebCodecs onto a canvas, audio handed to a player; and talk
// frames sealed with this browser's own talk key, cut into kind-3 parts. Nothing that did not open is ever
// decoded, drawn or played.

import { unwrapEpochKey } from './media-keys.js';
import { DEFAULT_SUITE, createContext, createReceiver, createSender, senderKey } from './sframe.js';

export const KIND_VIDEO = 1;
export const KIND_AUDIO = 2;
export const KIND_TALK = 3;
const FIRST = 0x01;
const LAST = 0x02;
const KEYFRAME = 0x04;

export const MAX_PART_BYTES = 8192;
const MAX_FRAME_BYTES = { [KIND_VIDEO]: 2 * 1024 * 1024, [KIND_AUDIO]: 4096 };
const TIME_BYTES = 8;
export const SAMPLE_RATE = 16000;
export const FRAME_SAMPLES = 320;
const PCM_BYTES = FRAME_SAMPLES * 2;
const SLOT_VIDEO = 0;
const SLOT_AUDIO = 1;
const FIRST_CLIENT_SLOT = 16;
/** Frames waiting to be opened; beyond this the browser is behind and drops video until a keyframe. */
const MAX_PENDING = 60;

/** One binary message: {kind, first, last, keyframe, payload}; null if it is not a well-formed part. */
export function parsePart(message) {
  const data = message instanceof Uint8Array ? message : new Uint8Array(message);
  if (data.length < 3 || data.length > MAX_PART_BYTES || (data[1] & ~(FIRST | LAST | KEYFRAME)) !== 0) {
    return null;
  }
  const flags = data[1];
  return {
    kind: data[0],
    first: !!(flags & FIRST),
    last: !!(flags & LAST),
    keyframe: !!(flags & KEYFRAME),
    payload: data.subarray(2),
  };
}

/** Cuts a sealed frame into binary messages of at most 8 KiB, as MediaPart.split does. */
export function splitFrame(kind, keyframe, sealed) {
  const max = MAX_PART_BYTES - 2;
  const parts = [];
  for (let offset = 0; offset < sealed.length; offset += max) {
    const slice = sealed.subarray(offset, offset + max);
    const part = new Uint8Array(slice.length + 2);
    part[0] = kind;
    part[1] =
      (offset === 0 ? FIRST : 0) | (offset + slice.length === sealed.length ? LAST : 0) | (keyframe ? KEYFRAME : 0);
    part.set(slice, 2);
    parts.push(part);
  }
  return parts;
}

/**
 * Joins the parts of one kind into frames: add() returns a whole frame or null. A part that does not
 * continue the frame in progress, or a frame over the limit, loses that frame and calls onDrop.
 */
export function createAssembler(maxFrameBytes, onDrop = () => {}) {
  let chunks = null;
  let size = 0;
  return {
    add(part) {
      if (part.first) {
        if (chunks !== null) onDrop(); // a new frame before the last one ended
        chunks = [];
        size = 0;
      } else if (chunks === null) {
        onDrop();
        return null;
      }
      size += part.payload.length;
      if (size > maxFrameBytes) {
        chunks = null;
        onDrop();
        return null;
      }
      chunks.push(part.payload.slice());
      if (!part.last) return null;
      const frame = new Uint8Array(size);
      let offset = 0;
      for (const c of chunks) {
        frame.set(c, offset);
        offset += c.length;
      }
      chunks = null;
      return frame;
    },
  };
}

/** The SFrame key id of a sender in an epoch. */
export function kidOf(epoch, slot) {
  return BigInt(epoch) * 256n + BigInt(slot);
}

/** True if an Annex B access unit holds an IDR slice (NAL type 5). Read from the opened frame, not the flags. */
export function isKeyframe(accessUnit) {
  for (let i = 0; i + 3 < accessUnit.length; i++) {
    if (accessUnit[i] === 0 && accessUnit[i + 1] === 0 && accessUnit[i + 2] === 1) {
      if ((accessUnit[i + 3] & 0x1f) === 5) return true;
      i += 2;
    }
  }
  return false;
}

/**
 * The codec string (avc1.PPCCLL: profile, constraint flags, level) of the first SPS in an access unit, or null.
 * A real camera may send Main or High profile; the decoder is configured for what the stream says.
 */
export function codecOf(accessUnit) {
  for (let i = 0; i + 6 < accessUnit.length; i++) {
    if (accessUnit[i] === 0 && accessUnit[i + 1] === 0 && accessUnit[i + 2] === 1) {
      if ((accessUnit[i + 3] & 0x1f) === 7) {
        const hex = (b) => b.toString(16).toUpperCase().padStart(2, '0');
        return `avc1.${hex(accessUnit[i + 4])}${hex(accessUnit[i + 5])}${hex(accessUnit[i + 6])}`;
      }
      i += 2;
    }
  }
  return null;
}

/** 8-byte big-endian capture time (ms) followed by the media. */
export function withCaptureTime(captureTime, media) {
  const out = new Uint8Array(TIME_BYTES + media.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(captureTime));
  out.set(media, TIME_BYTES);
  return out;
}

function splitCaptureTime(plaintext) {
  const time = Number(new DataView(plaintext.buffer, plaintext.byteOffset, TIME_BYTES).getBigUint64(0));
  return { captureTime: time, media: plaintext.subarray(TIME_BYTES) };
}

/** A random starting counter below 2^48 (docs/media.md "Counters"). */
// A talk sender's first counter: the time in ms × 1024 plus a random number below 1024 (docs/media.md). It
// grows faster than any session can count (one frame per 20 ms), so after a reload the doorbell's replay
// window never sees this browser go backwards, and two starts in the same millisecond rarely collide.
function randomCounter() {
  const r = crypto.getRandomValues(new Uint16Array(1))[0] & 1023;
  return BigInt(Date.now()) * 1024n + BigInt(r);
}

/** Draws decoded video onto a canvas; waits for a keyframe at the start and after any error. */
export function createVideoSink(canvas, onPicture) {
  const ctx = canvas.getContext('2d', { alpha: false, willReadFrequently: false });
  let decoder = null;
  let codec = 'avc1.42E01E';
  let needKeyframe = true;

  function reset() {
    needKeyframe = true;
    if (decoder && decoder.state !== 'closed') {
      try {
        decoder.close();
      } catch {
        /* already closed */
      }
    }
    decoder = null;
  }

  function newDecoder() {
    const d = new VideoDecoder({
      output(frame) {
        try {
          if (canvas.width !== frame.displayWidth || canvas.height !== frame.displayHeight) {
            canvas.width = frame.displayWidth;
            canvas.height = frame.displayHeight;
          }
          ctx.drawImage(frame, 0, 0, canvas.width, canvas.height);
          if (onPicture) onPicture(frame.timestamp / 1000);
        } finally {
          frame.close();
        }
      },
      error() {
        if (decoder === d) reset();
      },
    });
    d.configure({ codec, optimizeForLatency: true });
    return d;
  }

  return {
    get waitingForKeyframe() {
      return needKeyframe;
    },
    /** Decodes one opened access unit (Annex B). */
    decode(accessUnit, captureTime) {
      const key = isKeyframe(accessUnit);
      if (needKeyframe && !key) return false;
      if (decoder && decoder.decodeQueueSize > 8 && !key) {
        reset();
        return false;
      }
      const announced = key ? codecOf(accessUnit) : null;
      if (announced && announced !== codec) {
        codec = announced;
        if (decoder) reset();
      }
      try {
        if (!decoder) decoder = newDecoder();
        decoder.decode(
          new EncodedVideoChunk({ type: key ? 'key' : 'delta', timestamp: captureTime * 1000, data: accessUnit }),
        );
        needKeyframe = false;
        return true;
      } catch {
        reset();
        return false;
      }
    },
    /** Waits for every queued frame to be drawn. */
    async flush() {
      if (decoder) await decoder.flush();
    },
    /** The next frame must be a keyframe (a frame was lost). */
    lost() {
      needKeyframe = true;
    },
    close() {
      reset();
      ctx.clearRect(0, 0, canvas.width, canvas.height);
    },
  };
}

/** Plays 20 ms PCM frames on time, with a small jitter buffer: late audio is dropped, an underrun re-buffers. */
export function createAudioPlayer(context) {
  const JITTER = 0.08;
  const MAX_AHEAD = 0.4;
  let next = 0;
  return {
    play(samples) {
      const now = context.currentTime;
      if (next < now + 0.01) next = now + JITTER;
      if (next > now + MAX_AHEAD) return false;
      const buffer = context.createBuffer(1, samples.length, SAMPLE_RATE);
      const channel = buffer.getChannelData(0);
      for (let i = 0; i < samples.length; i++) channel[i] = samples[i] / 32768;
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(context.destination);
      source.start(next);
      next += samples.length / SAMPLE_RATE;
      return true;
    },
  };
}

/** PCM s16le bytes to samples. */
export function pcmSamples(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int16Array(bytes.byteLength >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(2 * i, true);
  return out;
}

/**
 * One live view's keys and frames. `expected = {deviceId, clientId}`; handlers (all optional):
 * video(accessUnit, captureTime) — an opened H.264 access unit, returns false if it was not decoded;
 * videoLost() — a video frame was lost (wait for a keyframe); audio(samples Int16Array, captureTime);
 * refused(kind, error) — a frame that did not open (dropped).
 */
export class MediaSession {
  constructor(expected, handlers = {}, keys = undefined) {
    this.expected = expected;
    this.handlers = handlers;
    this.keys = keys;
    this.receivers = { [KIND_VIDEO]: createReceiver(), [KIND_AUDIO]: createReceiver() };
    const videoLost = () => {
      if (handlers.videoLost) handlers.videoLost();
    };
    this.videoLost = videoLost;
    this.assemblers = {
      [KIND_VIDEO]: createAssembler(MAX_FRAME_BYTES[KIND_VIDEO], videoLost),
      [KIND_AUDIO]: createAssembler(MAX_FRAME_BYTES[KIND_AUDIO]),
    };
    this.epochs = []; // newest last: {epoch, slot, talk}
    this.chain = Promise.resolve();
    this.pending = 0;
    this.closed = false;
  }

  /** The newest epoch's talk sender, or null (no key, or no talk slot for this browser). */
  get talk() {
    const current = this.epochs[this.epochs.length - 1];
    return current && current.talk ? current : null;
  }

  get hasKey() {
    return this.epochs.length > 0;
  }

  /** Runs f after everything received before it (keys and frames stay in order). */
  enqueue(f) {
    this.pending++;
    const run = this.chain
      .then(() => (this.closed ? undefined : f()))
      .finally(() => {
        this.pending--;
      });
    this.chain = run.catch(() => {});
    return run;
  }

  /** A key message from the hub: unwrapped and installed in order with the frames around it. */
  addEnvelope(envelope) {
    return this.enqueue(async () => {
      const { epoch, slot, epochKey } = await unwrapEpochKey(envelope, this.expected, this.keys);
      try {
        await this.install(epoch, slot, epochKey);
      } finally {
        epochKey.fill(0);
      }
    });
  }

  async install(epoch, slot, epochKey) {
    if (this.epochs.some((e) => e.epoch >= epoch)) return; // old or known epochs never come back
    const kid = (s) => kidOf(epoch, s);
    const [video, audio, talk] = await Promise.all([
      senderKey(epochKey, 'device-video').then((k) => createContext(DEFAULT_SUITE, kid(SLOT_VIDEO), k)),
      senderKey(epochKey, 'device-audio').then((k) => createContext(DEFAULT_SUITE, kid(SLOT_AUDIO), k)),
      slot >= FIRST_CLIENT_SLOT
        ? senderKey(epochKey, `client-${this.expected.clientId}`).then((k) =>
            createContext(DEFAULT_SUITE, kid(slot), k),
          )
        : null,
    ]);
    this.receivers[KIND_VIDEO].addKey(video);
    this.receivers[KIND_AUDIO].addKey(audio);
    this.epochs.push({ epoch, slot, talk: talk && createSender(talk, randomCounter()) });
    // Keep the current and the previous epoch only.
    while (this.epochs.length > 2) {
      const old = this.epochs.shift();
      this.receivers[KIND_VIDEO].removeKey(kidOf(old.epoch, SLOT_VIDEO));
      this.receivers[KIND_AUDIO].removeKey(kidOf(old.epoch, SLOT_AUDIO));
    }
  }

  /** Forgets every key (this browser is not, or no longer, in the doorbell's roster). */
  forgetKeys() {
    return this.enqueue(() => {
      for (const e of this.epochs) {
        this.receivers[KIND_VIDEO].removeKey(kidOf(e.epoch, SLOT_VIDEO));
        this.receivers[KIND_AUDIO].removeKey(kidOf(e.epoch, SLOT_AUDIO));
      }
      this.epochs = [];
    });
  }

  /** One binary message from the hub. Returns a promise that settles once a frame it completed is handled. */
  receive(message) {
    const part = parsePart(message);
    const assembler = part && this.assemblers[part.kind];
    const frame = assembler ? assembler.add(part) : null;
    if (!frame) return Promise.resolve();
    if (this.pending > MAX_PENDING) {
      // behind: drop, and for video wait for the next keyframe
      if (part.kind === KIND_VIDEO) this.videoLost();
      return Promise.resolve();
    }
    return this.enqueue(() => this.openFrame(part.kind, frame));
  }

  async openFrame(kind, frame) {
    let plaintext;
    try {
      plaintext = await this.receivers[kind].open(frame);
    } catch (err) {
      if (kind === KIND_VIDEO) this.videoLost();
      if (this.handlers.refused) this.handlers.refused(kind, err);
      return;
    }
    if (plaintext.length <= TIME_BYTES || (kind === KIND_AUDIO && plaintext.length !== TIME_BYTES + PCM_BYTES)) {
      return;
    }
    const { captureTime, media } = splitCaptureTime(plaintext);
    if (kind === KIND_VIDEO) {
      if (this.handlers.video) this.handlers.video(media, captureTime);
    } else if (this.handlers.audio) {
      this.handlers.audio(pcmSamples(media), captureTime);
    }
  }

  /**
   * Seals 20 ms of talk (320 samples, Int16Array) captured at `captureTime` with this browser's talk key of
   * the newest epoch; returns the kind-3 binary messages to send, or null without a talk key.
   */
  async sealTalk(samples, captureTime) {
    const current = this.talk;
    if (!current || samples.length !== FRAME_SAMPLES) return null;
    const pcm = new Uint8Array(PCM_BYTES);
    const view = new DataView(pcm.buffer);
    for (let i = 0; i < samples.length; i++) view.setInt16(2 * i, samples[i], true);
    const sealed = await current.talk.seal(undefined, withCaptureTime(captureTime, pcm));
    return splitFrame(KIND_TALK, false, sealed);
  }

  close() {
    this.closed = true;
    this.epochs = [];
    this.receivers = { [KIND_VIDEO]: createReceiver(), [KIND_AUDIO]: createReceiver() };
  }
}
