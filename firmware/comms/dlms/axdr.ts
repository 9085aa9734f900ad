import { readU32BE } from "../../kernel/bytes";
import { deepFreeze } from "../../kernel/freeze";
/**
 * A-XDR data encoding (docs/dlms-profile.md section 4): the `Data` CHOICE of IEC 62056-5-3 with the
 * types this meter uses, a growable writer that encodes straight into bytes (the server's hot
 * path never builds a value tree) and a bounds-checked reader that decodes into `DlmsData`.
 */
export const DataType = deepFreeze({
  null: 0,
  array: 1,
  structure: 2,
  boolean: 3,
  bitString: 4,
  doubleLong: 5,
  doubleLongUnsigned: 6,
  octetString: 9,
  visibleString: 10,
  utf8String: 12,
  integer: 15,
  long: 16,
  unsigned: 17,
  longUnsigned: 18,
  long64: 20,
  long64Unsigned: 21,
  enum: 22,
  float32: 23,
  float64: 24,
} as const);

export type DataTypeTag = (typeof DataType)[keyof typeof DataType];

/** A decoded A-XDR value. 64-bit integers beyond 2^53 decode as bigint. */
export type DlmsData =
  | { type: 0 }
  | { type: 1 | 2; items: DlmsData[] }
  | { type: 3; value: boolean }
  | { type: 4; bitLength: number; bytes: Uint8Array }
  | { type: 9 | 10 | 12; bytes: Uint8Array }
  | { type: 5 | 6 | 15 | 16 | 17 | 18 | 22 | 23 | 24; value: number }
  | { type: 20 | 21; value: number | bigint };

/** Thrown by the reader on malformed input; the server turns it into a protocol answer. */
export class DecodeError extends Error {}

/** Nesting limit for arrays/structures: a hostile frame cannot recurse the stack away. */
const MAX_NESTING = 16;

const TWO_32 = 4294967296;

/** Appends bytes to a buffer that grows by doubling; `length` is the encoded size so far. */
export class AxdrWriter {
  bytes: Uint8Array;
  length = 0;
  /** A DataView over `bytes` (replaced with it when the buffer grows). */
  view: DataView;

  constructor(initialSize = 256, private readonly limit = 0x7fffffff) {
    this.bytes = new Uint8Array(initialSize);
    this.view = new DataView(this.bytes.buffer);
  }

  reset(): void {
    this.length = 0;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.bytes.length) return;
    if (need > this.limit) throw new RangeError(`encoding exceeds ${this.limit} bytes`);
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const grown = new Uint8Array(Math.min(size, this.limit));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(v: number): void {
    if (this.length >= this.bytes.length) this.ensure(1);
    this.bytes[this.length++] = v & 0xff;
  }

  /** A tag and a one-byte content (or a count below 0x80): the object_list's and a row's small items. */
  tagged(tag: number, v: number): void {
    if (this.length + 2 > this.bytes.length) this.ensure(2);
    const b = this.bytes;
    b[this.length] = tag;
    b[this.length + 1] = v & 0xff;
    this.length += 2;
  }

  u16(v: number): void {
    this.ensure(2);
    this.bytes[this.length++] = (v >>> 8) & 0xff;
    this.bytes[this.length++] = v & 0xff;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v >>> 0);
    this.length += 4;
  }

  raw(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    this.ensure(n);
    this.bytes.set(start === 0 && end === src.length ? src : src.subarray(start, end), this.length);
    this.length += n;
  }

  /** A-XDR length: one byte below 0x80, else 0x81 nn, 0x82 nnnn, 0x83 nnnnnn, 0x84 nnnnnnnn. */
  lengthField(n: number): void {
    if (n < 0x80) this.u8(n);
    else if (n < 0x100) {
      this.u8(0x81);
      this.u8(n);
    } else if (n < 0x10000) {
      this.u8(0x82);
      this.u16(n);
    } else if (n < 0x1000000) {
      this.u8(0x83);
      this.u8(n >>> 16);
      this.u16(n & 0xffff);
    } else {
      this.u8(0x84);
      this.u32(n);
    }
  }

  // Typed values (tag + content).
  nullData(): void {
    this.u8(DataType.null);
  }
  array(count: number): void {
    if (count < 0x80) this.tagged(DataType.array, count);
    else {
      this.u8(DataType.array);
      this.lengthField(count);
    }
  }
  structure(count: number): void {
    if (count < 0x80) this.tagged(DataType.structure, count);
    else {
      this.u8(DataType.structure);
      this.lengthField(count);
    }
  }
  boolean(v: boolean): void {
    this.u8(DataType.boolean);
    this.u8(v ? 1 : 0);
  }
  integer(v: number): void {
    this.tagged(DataType.integer, v);
  }
  long(v: number): void {
    this.u8(DataType.long);
    this.u16(v);
  }
  unsigned(v: number): void {
    this.tagged(DataType.unsigned, v);
  }
  longUnsigned(v: number): void {
    if (this.length + 3 > this.bytes.length) this.ensure(3);
    const b = this.bytes;
    const at = this.length;
    b[at] = DataType.longUnsigned;
    b[at + 1] = (v >>> 8) & 0xff;
    b[at + 2] = v & 0xff;
    this.length = at + 3;
  }
  enumValue(v: number): void {
    this.tagged(DataType.enum, v);
  }
  doubleLong(v: number): void {
    this.u8(DataType.doubleLong);
    this.u32(v | 0);
  }
  doubleLongUnsigned(v: number): void {
    this.u8(DataType.doubleLongUnsigned);
    this.u32(v);
  }
  long64(v: number | bigint): void {
    this.u8(DataType.long64);
    this.int64(v);
  }
  long64Unsigned(v: number | bigint): void {
    if (typeof v === "number" && v >= 0) {
      // A non-negative safe integer (the energy registers): tag and 8 bytes in one go.
      if (this.length + 9 > this.bytes.length) this.ensure(9);
      const hi = Math.floor(v / TWO_32);
      const at = this.length;
      this.bytes[at] = DataType.long64Unsigned;
      this.view.setUint32(at + 1, hi);
      this.view.setUint32(at + 5, v - hi * TWO_32);
      this.length = at + 9;
      return;
    }
    this.u8(DataType.long64Unsigned);
    this.int64(v);
  }
  float32(v: number): void {
    this.u8(DataType.float32);
    this.ensure(4);
    this.view.setFloat32(this.length, v);
    this.length += 4;
  }
  float64(v: number): void {
    this.u8(DataType.float64);
    this.ensure(8);
    this.view.setFloat64(this.length, v);
    this.length += 8;
  }
  octetString(src: Uint8Array): void {
    this.u8(DataType.octetString);
    this.lengthField(src.length);
    this.raw(src);
  }
  /** Octet-string of an ASCII text (logical device name, serial number). */
  octetStringAscii(text: string): void {
    this.u8(DataType.octetString);
    this.asciiBody(text);
  }
  visibleString(text: string): void {
    this.u8(DataType.visibleString);
    this.asciiBody(text);
  }
  /** octet-string(6) holding an OBIS code. */
  obis(code: Uint8Array): void {
    if (this.length + 8 > this.bytes.length) this.ensure(8);
    const b = this.bytes;
    const at = this.length;
    b[at] = DataType.octetString;
    b[at + 1] = 6;
    b.set(code.length === 6 ? code : code.subarray(0, 6), at + 2);
    this.length = at + 8;
  }
  bitString(bitLength: number, src: Uint8Array): void {
    this.u8(DataType.bitString);
    this.lengthField(bitLength);
    this.raw(src, 0, (bitLength + 7) >> 3);
  }

  /** Two's complement 64-bit big-endian from a safe integer or a bigint. */
  int64(v: number | bigint): void {
    this.ensure(8);
    if (typeof v === "bigint") {
      const u = BigInt.asUintN(64, v);
      this.view.setUint32(this.length, Number(u >> 32n));
      this.view.setUint32(this.length + 4, Number(u & 0xffffffffn));
    } else {
      let hi = Math.floor(v / TWO_32);
      const lo = v - hi * TWO_32;
      if (hi < 0) hi += TWO_32;
      this.view.setUint32(this.length, hi);
      this.view.setUint32(this.length + 4, lo);
    }
    this.length += 8;
  }

  private asciiBody(text: string): void {
    const n = text.length;
    this.lengthField(n);
    this.ensure(n);
    for (let i = 0; i < n; i++) this.bytes[this.length++] = text.charCodeAt(i) & 0xff;
  }

  /** Encodes any decoded value (the generic path: SET echo, client, tests). */
  data(d: DlmsData): void {
    switch (d.type) {
      case 0:
        this.nullData();
        return;
      case 1:
      case 2:
        this.u8(d.type);
        this.lengthField(d.items.length);
        for (const item of d.items) this.data(item);
        return;
      case 3:
        this.boolean(d.value);
        return;
      case 4:
        this.bitString(d.bitLength, d.bytes);
        return;
      case 9:
      case 10:
      case 12:
        this.u8(d.type);
        this.lengthField(d.bytes.length);
        this.raw(d.bytes);
        return;
      case 5:
        this.doubleLong(d.value);
        return;
      case 6:
        this.doubleLongUnsigned(d.value);
        return;
      case 15:
        this.integer(d.value);
        return;
      case 16:
        this.long(d.value);
        return;
      case 17:
        this.unsigned(d.value);
        return;
      case 18:
        this.longUnsigned(d.value);
        return;
      case 22:
        this.enumValue(d.value);
        return;
      case 23:
        this.float32(d.value);
        return;
      case 24:
        this.float64(d.value);
        return;
      case 20:
        this.long64(d.value);
        return;
      case 21:
        this.long64Unsigned(d.value);
        return;
    }
  }

  /** A copy of the encoded bytes. */
  toBytes(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** Reads A-XDR from `bytes[start, end)`; every read is bounds-checked and throws DecodeError. */
export class AxdrReader {
  pos: number;
  constructor(readonly bytes: Uint8Array, start = 0, readonly end = bytes.length) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new DecodeError(`truncated: need ${n} bytes at ${this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }

  i8(): number {
    const v = this.u8();
    return v >= 0x80 ? v - 0x100 : v;
  }

  u16(): number {
    this.need(2);
    const v = this.bytes[this.pos] * 256 + this.bytes[this.pos + 1];
    this.pos += 2;
    return v;
  }

  i16(): number {
    const v = this.u16();
    return v >= 0x8000 ? v - 0x10000 : v;
  }

  u32(): number {
    this.need(4);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return readU32BE(b, p);
  }

  i32(): number {
    const v = this.u32();
    return v >= 0x80000000 ? v - TWO_32 : v;
  }

  /** 64-bit integer: a number when it is a safe integer, else a bigint. */
  int64(signed: boolean): number | bigint {
    const hi = this.u32();
    const lo = this.u32();
    if (signed && hi >= 0x80000000) {
      const v = (hi - TWO_32) * TWO_32 + lo;
      if (Number.isSafeInteger(v) && hi - TWO_32 >= -0x200000) return v;
      return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
    }
    if (hi < 0x200000) return hi * TWO_32 + lo;
    const u = (BigInt(hi) << 32n) | BigInt(lo);
    return signed ? BigInt.asIntN(64, u) : u;
  }

  bytesOf(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A-XDR length field (up to 0x84). */
  lengthField(): number {
    const first = this.u8();
    if (first < 0x80) return first;
    switch (first) {
      case 0x81:
        return this.u8();
      case 0x82:
        return this.u16();
      case 0x83: {
        const hi = this.u8();
        return hi * 0x10000 + this.u16();
      }
      case 0x84:
        return this.u32();
      default:
        throw new DecodeError(`bad length byte 0x${first.toString(16)}`);
    }
  }

  /** One `Data` value. */
  data(depth = 0): DlmsData {
    const tag = this.u8();
    switch (tag) {
      case 0:
        return { type: 0 };
      case 1:
      case 2: {
        if (depth >= MAX_NESTING) throw new DecodeError("nesting too deep");
        const count = this.lengthField();
        // Every element takes at least one byte: reject impossible counts before looping.
        if (count > this.remaining) throw new DecodeError(`${count} elements cannot fit in ${this.remaining} bytes`);
        const items: DlmsData[] = [];
        for (let i = 0; i < count; i++) items.push(this.data(depth + 1));
        return { type: tag, items };
      }
      case 3:
        return { type: 3, value: this.u8() !== 0 };
      case 4: {
        const bitLength = this.lengthField();
        return { type: 4, bitLength, bytes: this.bytesOf(Math.ceil(bitLength / 8)).slice() };
      }
      case 9:
      case 10:
      case 12: {
        const n = this.lengthField();
        return { type: tag, bytes: this.bytesOf(n).slice() };
      }
      case 5:
        return { type: 5, value: this.i32() };
      case 6:
        return { type: 6, value: this.u32() };
      case 15:
        return { type: 15, value: this.i8() };
      case 16:
        return { type: 16, value: this.i16() };
      case 17:
        return { type: 17, value: this.u8() };
      case 18:
        return { type: 18, value: this.u16() };
      case 22:
        return { type: 22, value: this.u8() };
      case 20:
        return { type: 20, value: this.int64(true) };
      case 21:
        return { type: 21, value: this.int64(false) };
      case 23: {
        this.need(4);
        const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4).getFloat32(0);
        this.pos += 4;
        return { type: 23, value: v };
      }
      case 24: {
        this.need(8);
        const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0);
        this.pos += 8;
        return { type: 24, value: v };
      }
      default:
        throw new DecodeError(`unknown data type ${tag}`);
    }
  }

  /** Skips one `Data` value without building it (returns its end). */
  skipData(depth = 0): number {
    const tag = this.u8();
    switch (tag) {
      case 0:
        break;
      case 1:
      case 2: {
        if (depth >= MAX_NESTING) throw new DecodeError("nesting too deep");
        const count = this.lengthField();
        if (count > this.remaining) throw new DecodeError("element count too large");
        for (let i = 0; i < count; i++) this.skipData(depth + 1);
        break;
      }
      case 3:
      case 15:
      case 17:
      case 22:
        this.need(1);
        this.pos += 1;
        break;
      case 16:
      case 18:
        this.need(2);
        this.pos += 2;
        break;
      case 5:
      case 6:
      case 23:
        this.need(4);
        this.pos += 4;
        break;
      case 20:
      case 21:
      case 24:
        this.need(8);
        this.pos += 8;
        break;
      case 4: {
        const bits = this.lengthField();
        this.bytesOf(Math.ceil(bits / 8));
        break;
      }
      case 9:
      case 10:
      case 12:
        this.bytesOf(this.lengthField());
        break;
      default:
        throw new DecodeError(`unknown data type ${tag}`);
    }
    return this.pos;
  }
}

/** Decodes exactly one Data value filling `bytes` (throws DecodeError on junk after it). */
export function decodeData(bytes: Uint8Array): DlmsData {
  const r = new AxdrReader(bytes);
  const d = r.data();
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} bytes after the value`);
  return d;
}

export function encodeData(d: DlmsData): Uint8Array {
  const w = new AxdrWriter(64);
  w.data(d);
  return w.toBytes();
}

/** ASCII text of an octet/visible/utf8 string (bytes above 0x7F kept as code points). */
export function bytesToAscii(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

export function asciiToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
