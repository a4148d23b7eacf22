// A small ISO-BMFF (MP4) muxer for a doorbell's clip, so a saved clip opens in any player and the history
// plays it in a <video> element. It runs in the browser on the opened clip: the hub never sees plaintext.
//
//   in:  [{time (ms), keyframe, data (an H.264 access unit in Annex B form, SPS and PPS before each IDR)}]
//   out: ftyp, moov (one video track: avc1 with avcC from the clip's first SPS and PPS, the profile and size
//        read from the SPS, sample times from the capture times), then mdat (samples as length-prefixed NAL
//        units, parameter sets and access unit delimiters left out: they live in avcC).
//
// moov comes before mdat ("fast start"), so a player can start before it has read the whole file. The doorbell
// encodes Baseline (no B-frames), so decode order is presentation order and no ctts box is needed.

/** Sample times in the file are in 1/90 000 s, the usual video timescale (ms would do; 90 kHz is what tools expect). */
export const TIMESCALE = 90000;
/** The duration of a frame whose next one has the same or an earlier time (or of a clip's only frame). */
const DEFAULT_FRAME_MS = 66;
/** A longer gap between two frames (a pause in the recording) is shortened to this much. */
const MAX_FRAME_MS = 1000;
const NAL_SLICE_IDR = 5;
const NAL_SPS = 7;
const NAL_PPS = 8;
const NAL_AUD = 9;

/** A clip that cannot become an MP4 file (no frames, no SPS/PPS, not H.264). */
export class Mp4Error extends Error {
  constructor(message) {
    super(message);
    this.name = 'Mp4Error';
  }
}

/** The NAL units of an Annex B access unit (start codes 00 00 01 or 00 00 00 01), as subarrays. */
export function splitAnnexB(data) {
  const units = [];
  let start = -1;
  let i = 0;
  while (i + 2 < data.length) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) units.push(trimZeros(data, start, i));
      i += 3;
      start = i;
    } else {
      i++;
    }
  }
  if (start < 0) throw new Mp4Error('an access unit without an Annex B start code');
  units.push(data.subarray(start));
  return units.filter((u) => u.length > 0);
}

// The zero before "00 00 01" of a four-byte start code (and any trailing_zero_8bits) belongs to no NAL unit.
function trimZeros(data, start, end) {
  let e = end;
  while (e > start && data[e - 1] === 0) e--;
  return data.subarray(start, e);
}

/** Removes emulation prevention bytes (00 00 03 → 00 00) to read an SPS's fields. */
function unescapeRbsp(nal) {
  const out = [];
  let zeros = 0;
  for (let i = 0; i < nal.length; i++) {
    const b = nal[i];
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}

class BitReader {
  constructor(bytes) {
    this.bytes = bytes;
    this.pos = 0;
  }

  bit() {
    if (this.pos >= this.bytes.length * 8) throw new Mp4Error('the SPS is truncated');
    const b = (this.bytes[this.pos >> 3] >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }

  bits(n) {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }

  ue() {
    let zeros = 0;
    while (this.bit() === 0) {
      if (++zeros > 31) throw new Mp4Error('a malformed SPS');
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }

  se() {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

function skipScalingList(r, size) {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** What the muxer needs from an SPS (ITU-T H.264 §7.3.2.1.1): profile, level and the cropped picture size. */
export function parseSps(sps) {
  if (sps.length < 4 || (sps[0] & 0x1f) !== NAL_SPS) throw new Mp4Error('not an SPS');
  const r = new BitReader(unescapeRbsp(sps.subarray(1)));
  const profile = r.bits(8);
  const compatibility = r.bits(8);
  const level = r.bits(8);
  r.ue(); // seq_parameter_set_id
  let chromaFormat = 1;
  if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat === 3) r.bit(); // separate_colour_plane_flag
    r.ue(); // bit_depth_luma_minus8
    r.ue(); // bit_depth_chroma_minus8
    r.bit(); // qpprime_y_zero_transform_bypass_flag
    if (r.bit()) {
      for (let i = 0; i < (chromaFormat !== 3 ? 8 : 12); i++) {
        if (r.bit()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) {
    r.ue();
  } else if (pocType === 1) {
    r.bit();
    r.se();
    r.se();
    const cycle = r.ue();
    for (let i = 0; i < cycle; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.bit(); // gaps_in_frame_num_value_allowed_flag
  const widthInMbs = r.ue() + 1;
  const heightInMapUnits = r.ue() + 1;
  const frameMbsOnly = r.bit();
  if (!frameMbsOnly) r.bit(); // mb_adaptive_frame_field_flag
  r.bit(); // direct_8x8_inference_flag
  let width = widthInMbs * 16;
  let height = (2 - frameMbsOnly) * heightInMapUnits * 16;
  if (r.bit()) {
    // frame_cropping_flag
    const left = r.ue();
    const right = r.ue();
    const top = r.ue();
    const bottom = r.ue();
    const cropX = chromaFormat === 1 || chromaFormat === 2 ? 2 : 1;
    const cropY = (chromaFormat === 1 ? 2 : 1) * (2 - frameMbsOnly);
    width -= (left + right) * cropX;
    height -= (top + bottom) * cropY;
  }
  if (width <= 0 || height <= 0 || width > 8192 || height > 8192)
    throw new Mp4Error('the SPS names no usable picture size');
  return { profile, compatibility, level, width, height };
}

/** The RFC 6381 codec string of an SPS, e.g. "avc1.42C01E". */
export function codecString(sps) {
  const hex = (n) => n.toString(16).toUpperCase().padStart(2, '0');
  return `avc1.${hex(sps[1])}${hex(sps[2])}${hex(sps[3])}`;
}

// ---- writing boxes

const encoder = new TextEncoder();

function u8(n) {
  return Uint8Array.of(n & 0xff);
}
function u16(n) {
  return Uint8Array.of((n >>> 8) & 0xff, n & 0xff);
}
function u32(n) {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}
function zeros(n) {
  return new Uint8Array(n);
}

function concat(parts) {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function box(type, ...payload) {
  const body = concat(payload);
  return concat([u32(8 + body.length), encoder.encode(type), body]);
}

function fullBox(type, version, flags, ...payload) {
  return box(type, u8(version), u8(flags >> 16), u16(flags & 0xffff), ...payload);
}

// The identity transformation matrix of mvhd and tkhd (16.16 and 2.30 fixed point).
const MATRIX = concat([
  u32(0x00010000),
  u32(0),
  u32(0),
  u32(0),
  u32(0x00010000),
  u32(0),
  u32(0),
  u32(0),
  u32(0x40000000),
]);

function avcC(sps, pps) {
  return box(
    'avcC',
    u8(1),
    u8(sps[1]),
    u8(sps[2]),
    u8(sps[3]),
    u8(0xff), // 6 reserved bits, lengthSizeMinusOne = 3: four-byte NAL lengths in mdat
    u8(0xe1),
    u16(sps.length),
    sps, // 3 reserved bits, one SPS
    u8(1),
    u16(pps.length),
    pps,
  );
}

function avc1(info, sps, pps) {
  const compressor = zeros(32);
  return box(
    'avc1',
    zeros(6),
    u16(1), // reserved, data_reference_index
    zeros(16), // pre_defined, reserved
    u16(info.width),
    u16(info.height),
    u32(0x00480000),
    u32(0x00480000), // 72 dpi
    u32(0),
    u16(1), // reserved, frame_count
    compressor,
    u16(0x0018),
    u16(0xffff), // depth 24, pre_defined -1
    avcC(sps, pps),
  );
}

/**
 * Muxes a clip into an MP4 file. `frames` as event-media.js parses them: `[{time, keyframe, data}]`, the first
 * a keyframe with SPS and PPS. Returns `{bytes, width, height, codec, durationMs, frames}`.
 */
export function muxClip(frames) {
  if (!Array.isArray(frames) || frames.length === 0) throw new Mp4Error('the clip has no frames');
  let sps = null;
  let pps = null;
  const samples = [];
  for (const frame of frames) {
    const units = splitAnnexB(frame.data);
    const kept = [];
    let idr = false;
    for (const unit of units) {
      const type = unit[0] & 0x1f;
      if (type === NAL_SPS) {
        if (!sps) sps = unit;
      } else if (type === NAL_PPS) {
        if (!pps) pps = unit;
      } else if (type !== NAL_AUD) {
        if (type === NAL_SLICE_IDR) idr = true;
        kept.push(unit);
      }
    }
    if (kept.length === 0) continue; // parameter sets alone are no picture
    if (samples.length === 0 && !idr) throw new Mp4Error('the clip does not start with a keyframe');
    const data = concat(kept.flatMap((u) => [u32(u.length), u]));
    samples.push({ time: frame.time, sync: idr, data });
  }
  if (!sps || !pps) throw new Mp4Error('the clip has no SPS and PPS');
  if (samples.length === 0) throw new Mp4Error('the clip has no pictures');
  const info = parseSps(sps);

  // Durations from the capture times (in 90 kHz ticks); the last frame lasts as long as the one before it.
  const durations = samples.map((s, i) => {
    const next = samples[i + 1];
    const ms = next ? next.time - s.time : i > 0 ? s.time - samples[i - 1].time : DEFAULT_FRAME_MS;
    return Math.round((Math.min(MAX_FRAME_MS, ms > 0 ? ms : DEFAULT_FRAME_MS) * TIMESCALE) / 1000);
  });
  const totalTicks = durations.reduce((a, b) => a + b, 0);

  // stts: runs of equal durations.
  const runs = [];
  for (const d of durations) {
    const last = runs.at(-1);
    if (last && last.duration === d) last.count++;
    else runs.push({ count: 1, duration: d });
  }
  const stts = fullBox('stts', 0, 0, u32(runs.length), ...runs.flatMap((r) => [u32(r.count), u32(r.duration)]));
  const syncNumbers = samples.map((s, i) => (s.sync ? i + 1 : 0)).filter((n) => n > 0);
  const stss = fullBox('stss', 0, 0, u32(syncNumbers.length), ...syncNumbers.map(u32));
  // One chunk holding every sample.
  const stsc = fullBox('stsc', 0, 0, u32(1), u32(1), u32(samples.length), u32(1));
  const stsz = fullBox('stsz', 0, 0, u32(0), u32(samples.length), ...samples.map((s) => u32(s.data.length)));

  const buildMoov = (chunkOffset) => {
    const stco = fullBox('stco', 0, 0, u32(1), u32(chunkOffset));
    const stbl = box('stbl', fullBox('stsd', 0, 0, u32(1), avc1(info, sps, pps)), stts, stss, stsc, stsz, stco);
    const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
    const minf = box('minf', fullBox('vmhd', 0, 1, zeros(8)), dinf, stbl);
    const hdlr = fullBox('hdlr', 0, 0, u32(0), encoder.encode('vide'), zeros(12), encoder.encode('Doorward clip\0'));
    const mdhd = fullBox('mdhd', 0, 0, u32(0), u32(0), u32(TIMESCALE), u32(totalTicks), u16(0x55c4), u16(0)); // language "und"
    const tkhd = fullBox(
      'tkhd',
      0,
      3, // enabled, in movie
      u32(0),
      u32(0),
      u32(1),
      u32(0),
      u32(totalTicks),
      zeros(8),
      u16(0),
      u16(0),
      u16(0),
      u16(0),
      MATRIX,
      u32(info.width * 65536),
      u32(info.height * 65536),
    );
    const mvhd = fullBox(
      'mvhd',
      0,
      0,
      u32(0),
      u32(0),
      u32(TIMESCALE),
      u32(totalTicks),
      u32(0x00010000),
      u16(0x0100),
      zeros(10),
      MATRIX,
      zeros(24),
      u32(2),
    ); // rate 1, volume 1, next track 2
    return box('moov', mvhd, box('trak', tkhd, box('mdia', mdhd, hdlr, minf)));
  };

  const ftyp = box('ftyp', encoder.encode('isom'), u32(0x200), encoder.encode('isomiso2avc1mp41'));
  const mdatSize = 8 + samples.reduce((a, s) => a + s.data.length, 0);
  const moovSize = buildMoov(0).length; // its size does not depend on the offset's value
  const moov = buildMoov(ftyp.length + moovSize + 8);
  const mdat = concat([u32(mdatSize), encoder.encode('mdat'), ...samples.map((s) => s.data)]);
  return {
    bytes: concat([ftyp, moov, mdat]),
    width: info.width,
    height: info.height,
    codec: codecString(sps),
    durationMs: Math.round((totalTicks * 1000) / TIMESCALE),
    frames: samples.length,
  };
}

/** The clip as an MP4 Blob (type video/mp4), ready for a download or a <video> element. */
export function clipMp4Blob(frames) {
  return new Blob([muxClip(frames).bytes], { type: 'video/mp4' });
}
