/**
 * IEC 62056-46 HDLC frames, frame format type 3 (docs/readme/optical-port.md):
 *
 *   7E | A0+S+len(11 bits) | destination | source | control | [HCS | information] | FCS | 7E
 *
 * The length counts every byte between the flags. There is no byte stuffing: the length says
 * where the frame ends, so 7E may appear inside. Addresses end with a byte whose bit 0 is 1: the
 * client address is one byte, the server address 1, 2 or 4 bytes (upper = logical device,
 * lower = physical device, 7 bits per byte). HCS (over format, addresses, control; only when
 * there is an information field) and FCS (over everything before it) are CRC-16/X.25, sent
 * low byte first.
 */
import { deepFreeze } from "../../kernel/freeze";
export const HDLC_FLAG = 0x7e;
/** Format type 3 (the high nibble of the first format byte). */
export const HDLC_FORMAT = 0xa0;
/** Segmentation bit in the first format byte: more segments of this APDU follow. */
const HDLC_SEGMENT = 0x08;
/** Poll/final bit of the control field. */
export const HDLC_PF = 0x10;

/** Control field values without the P/F bit. I-frames: N(R)<<5 | N(S)<<1; RR/RNR: N(R)<<5 | 1/5. */
export const HDLC_CONTROL = deepFreeze({ snrm: 0x83, disc: 0x43, ua: 0x63, dm: 0x0f, frmr: 0x87, ui: 0x03, rr: 0x01, rnr: 0x05 } as const);

/** LLC headers in front of the first segment of an APDU. */
export const LLC_REQUEST = deepFreeze([0xe6, 0xe6, 0x00] as const);
export const LLC_RESPONSE = deepFreeze([0xe6, 0xe7, 0x00] as const);

/** Smallest frame between the flags: format(2) dst(1) src(1) control(1) FCS(2). */
export const HDLC_MIN_FRAME = 7;
/** Bytes of a frame besides the information field, at most: flags 2, format 2, addresses 5, control 1, HCS 2, FCS 2. */
export const HDLC_OVERHEAD = 14;

const CRC_TABLE = new Uint16Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
  CRC_TABLE[n] = c;
}

/** CRC-16/X.25 (reflected 0x1021, init FFFF, final XOR FFFF) of bytes[from, to). "123456789" gives 0x906E. */
export function crc16x25(bytes: Uint8Array, from: number, to: number): number {
  let c = 0xffff;
  for (let i = from; i < to; i++) c = (c >>> 8) ^ CRC_TABLE[(c ^ bytes[i]) & 0xff];
  return c ^ 0xffff;
}

/** An HDLC address: `size` 1 (upper only), 2 or 4 bytes. */
export interface HdlcAddress {
  upper: number;
  lower: number;
  size: number;
}

/** Fields of a decoded frame; offsets refer to the buffer passed to `decodeFrame`. */
export class HdlcFrameFields {
  segmented = false;
  readonly destination: HdlcAddress = { upper: 0, lower: 0, size: 0 };
  readonly source: HdlcAddress = { upper: 0, lower: 0, size: 0 };
  control = 0;
  infoStart = 0;
  infoEnd = 0;
}

/** Reads an address at `pos`: its size in bytes, or 0 when it is not 1, 2 or 4 bytes long. */
function readAddress(b: Uint8Array, pos: number, end: number, out: HdlcAddress): number {
  let size = 0;
  while (pos + size < end && size < 4) {
    size++;
    if (b[pos + size - 1] & 1) break;
  }
  if (!(b[pos + size - 1] & 1) || size === 3) return 0;
  if (size === 1) {
    out.upper = b[pos] >>> 1;
    out.lower = 0;
  } else if (size === 2) {
    out.upper = b[pos] >>> 1;
    out.lower = b[pos + 1] >>> 1;
  } else {
    out.upper = ((b[pos] >>> 1) << 7) | (b[pos + 1] >>> 1);
    out.lower = ((b[pos + 2] >>> 1) << 7) | (b[pos + 3] >>> 1);
  }
  out.size = size;
  return size;
}

/**
 * Decodes the bytes between the flags, `b[start, end)`. False for anything malformed (wrong
 * format type, length not matching, bad address, bad HCS or FCS): such frames are discarded.
 */
export function decodeFrame(b: Uint8Array, start: number, end: number, out: HdlcFrameFields): boolean {
  const n = end - start;
  if (n < HDLC_MIN_FRAME || (b[start] & 0xf0) !== HDLC_FORMAT) return false;
  if ((((b[start] & 7) << 8) | b[start + 1]) !== n) return false;
  if (crc16x25(b, start, end - 2) !== (b[end - 2] | (b[end - 1] << 8))) return false;
  out.segmented = (b[start] & HDLC_SEGMENT) !== 0;
  let pos = start + 2;
  const d = readAddress(b, pos, end - 2, out.destination);
  if (d === 0) return false;
  pos += d;
  const s = readAddress(b, pos, end - 2, out.source);
  if (s === 0) return false;
  pos += s;
  if (pos >= end - 2) return false;
  out.control = b[pos++];
  if (pos === end - 2) {
    out.infoStart = out.infoEnd = pos;
    return true;
  }
  // An information field: HCS first.
  if (end - 2 - pos < 3) return false;
  if (crc16x25(b, start, pos) !== (b[pos] | (b[pos + 1] << 8))) return false;
  out.infoStart = pos + 2;
  out.infoEnd = end - 2;
  return true;
}

function writeAddress(out: Uint8Array, pos: number, a: HdlcAddress): number {
  if (a.size === 1) {
    out[pos] = ((a.upper << 1) | 1) & 0xff;
  } else if (a.size === 2) {
    out[pos] = (a.upper << 1) & 0xfe;
    out[pos + 1] = ((a.lower << 1) | 1) & 0xff;
  } else {
    out[pos] = (a.upper >>> 6) & 0xfe;
    out[pos + 1] = (a.upper << 1) & 0xfe;
    out[pos + 2] = (a.lower >>> 6) & 0xfe;
    out[pos + 3] = ((a.lower << 1) | 1) & 0xff;
  }
  return pos + a.size;
}

/**
 * Writes a whole frame, flags included, at `out[0]`: returns its length. The information field
 * is `info[infoStart, infoEnd)` (none when equal). `out` must hold infoEnd - infoStart + HDLC_OVERHEAD.
 */
export function encodeFrame(
  out: Uint8Array, destination: HdlcAddress, source: HdlcAddress, control: number, segmented: boolean,
  info: Uint8Array | null, infoStart: number, infoEnd: number,
): number {
  const infoLength = info ? infoEnd - infoStart : 0;
  const headerEnd = 2 + destination.size + source.size + 1;
  const length = headerEnd + (infoLength > 0 ? 2 + infoLength : 0) + 2;
  out[0] = HDLC_FLAG;
  out[1] = HDLC_FORMAT | (segmented ? HDLC_SEGMENT : 0) | ((length >>> 8) & 7);
  out[2] = length & 0xff;
  let pos = writeAddress(out, 3, destination);
  pos = writeAddress(out, pos, source);
  out[pos++] = control;
  if (infoLength > 0) {
    const hcs = crc16x25(out, 1, pos);
    out[pos++] = hcs & 0xff;
    out[pos++] = hcs >>> 8;
    out.set(info!.subarray(infoStart, infoEnd), pos);
    pos += infoLength;
  }
  const fcs = crc16x25(out, 1, pos);
  out[pos++] = fcs & 0xff;
  out[pos++] = fcs >>> 8;
  out[pos++] = HDLC_FLAG;
  return pos;
}

/** Link parameters of SNRM and UA (IEC 62056-46 6.4.4.4.3.2). Defaults: 128 bytes, window 1. */
export interface HdlcParameters {
  maxInfoTransmit: number;
  maxInfoReceive: number;
  windowTransmit: number;
  windowReceive: number;
}

export const HDLC_DEFAULT_INFO = 128;

/**
 * Reads the parameter negotiation field (81 80 len, then id len value) into `out`, which holds
 * the defaults for those absent. False when the field is malformed.
 */
export function decodeParameters(b: Uint8Array, start: number, end: number, out: HdlcParameters): boolean {
  if (start === end) return true;
  if (end - start < 3 || b[start] !== 0x81 || b[start + 1] !== 0x80 || b[start + 2] !== end - start - 3) return false;
  let pos = start + 3;
  while (pos < end) {
    if (end - pos < 2) return false;
    const id = b[pos];
    const len = b[pos + 1];
    pos += 2;
    if (len < 1 || len > 4 || pos + len > end) return false;
    let v = 0;
    for (let i = 0; i < len; i++) v = v * 256 + b[pos + i];
    pos += len;
    if (id === 5) out.maxInfoTransmit = v;
    else if (id === 6) out.maxInfoReceive = v;
    else if (id === 7) out.windowTransmit = v;
    else if (id === 8) out.windowReceive = v;
  }
  return true;
}

/** Writes the parameter field at out[pos]; returns the end. Lengths in 1 or 2 bytes, windows in 4. */
export function encodeParameters(out: Uint8Array, pos: number, p: HdlcParameters): number {
  const start = pos;
  out[pos] = 0x81;
  out[pos + 1] = 0x80;
  pos += 3;
  pos = writeParameter(out, pos, 5, p.maxInfoTransmit, p.maxInfoTransmit > 255 ? 2 : 1);
  pos = writeParameter(out, pos, 6, p.maxInfoReceive, p.maxInfoReceive > 255 ? 2 : 1);
  pos = writeParameter(out, pos, 7, p.windowTransmit, 4);
  pos = writeParameter(out, pos, 8, p.windowReceive, 4);
  out[start + 2] = pos - start - 3;
  return pos;
}

function writeParameter(out: Uint8Array, pos: number, id: number, value: number, size: number): number {
  out[pos] = id;
  out[pos + 1] = size;
  for (let i = size - 1; i >= 0; i--) {
    out[pos + 2 + i] = value & 0xff;
    value = Math.floor(value / 256);
  }
  return pos + 2 + size;
}

/** Control field of an I-frame. */
export function iControl(ns: number, nr: number, pf: boolean): number {
  return ((nr & 7) << 5) | (pf ? HDLC_PF : 0) | ((ns & 7) << 1);
}

/** Control field of RR (or RNR with `base` HDLC_CONTROL.rnr). */
export function sControl(base: number, nr: number, pf: boolean): number {
  return ((nr & 7) << 5) | (pf ? HDLC_PF : 0) | base;
}
