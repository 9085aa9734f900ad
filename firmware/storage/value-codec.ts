/**
 * A compact, self-describing binary form of the plain values that features hand to the
 * persistence layer (`snapshot()` results): numbers, strings, booleans, null, arrays, plain
 * objects and typed arrays. Integers (the energy registers, remainders, counters) are zigzag
 * varints, so a register of 12,345,678 mWh takes 4 bytes; other numbers are float64.
 * Object keys are stored, so a feature can add a field without breaking older records (its
 * `restore` sees the field missing and decides). Not on the hot path: allocates freely.
 */
import { deepFreeze } from "../kernel/freeze";
const T_NULL = 0;
const T_UNDEFINED = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_INT = 4;
const T_FLOAT = 5;
const T_STRING = 6;
const T_ARRAY = 7;
const T_OBJECT = 8;
const T_TYPED = 9;

type Typed = Float64Array | Float32Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;
/**
 * The stored kind byte is the index in this list (the order is the record format). Constructors
 * by direct reference: the Moddable linker strips builtins it sees no reference to, so neither
 * `Object.prototype.toString` tags nor look-ups by name on globalThis may stand in for them.
 */
const TYPED_KINDS: readonly (new (n: number) => Typed)[] = deepFreeze([Float64Array, Float32Array, Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array]);

export class ValueCodecError extends Error {}

/**
 * Encoded strings kept for reuse: object keys repeat on every save. Owned by whoever encodes
 * repeatedly (the persistence registry), never module state; bounded.
 */
export class KeyCache extends Map<string, Uint8Array> {
  keep(s: string, encoded: Uint8Array): void {
    if (s.length <= 32 && this.size < 512) this.set(s, encoded);
  }
}

class Writer {
  bytes: Uint8Array;
  length = 0;
  constructor(size = 256, private readonly keys: KeyCache | null = null) {
    this.bytes = new Uint8Array(size);
  }
  private readonly f64 = new DataView(new ArrayBuffer(8));

  byte(b: number): void {
    if (this.length === this.bytes.length) this.grow(1);
    this.bytes[this.length++] = b;
  }

  /** Unsigned varint of a safe integer (7 bits per byte, low first). */
  uvarint(v: number): void {
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  float(v: number): void {
    this.f64.setFloat64(0, v, true);
    for (let i = 0; i < 8; i++) this.byte(this.f64.getUint8(i));
  }

  number(v: number): void {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
      this.byte(T_INT);
      this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
    } else {
      this.byte(T_FLOAT);
      this.float(v);
    }
  }

  string(s: string): void {
    const keys = this.keys;
    if (!keys) {
      this.uvarint(s.length);
      for (let i = 0; i < s.length; i++) this.uvarint(s.charCodeAt(i));
      return;
    }
    let enc = keys.get(s);
    if (!enc) {
      const w = new Writer(8);
      w.string(s);
      enc = w.bytes.slice(0, w.length);
      keys.keep(s, enc);
    }
    if (this.length + enc.length > this.bytes.length) this.grow(enc.length);
    this.bytes.set(enc, this.length);
    this.length += enc.length;
  }

  private grow(extra: number): void {
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    bigger.set(this.bytes);
    this.bytes = bigger;
  }
}

class Reader {
  offset = 0;
  private readonly f64 = new DataView(new ArrayBuffer(8));
  constructor(private readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.offset >= this.bytes.length) throw new ValueCodecError("stored value is truncated");
    return this.bytes[this.offset++];
  }

  uvarint(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      v += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new ValueCodecError("stored varint is too long");
    }
    return v;
  }

  float(): number {
    for (let i = 0; i < 8; i++) this.f64.setUint8(i, this.byte());
    return this.f64.getFloat64(0, true);
  }

  string(): string {
    const n = this.uvarint();
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.uvarint());
    return s;
  }

  count(): number {
    const n = this.uvarint();
    // Every element takes at least one byte: a larger count is corruption, not a huge allocation.
    if (n > this.bytes.length - this.offset) throw new ValueCodecError("stored count exceeds the record");
    return n;
  }
}

/** Index of a typed array's kind in TYPED_KINDS, or -1. */
function typedKind(v: object): number {
  if (!ArrayBuffer.isView(v)) return -1;
  for (let i = 0; i < TYPED_KINDS.length; i++) if (v.constructor === TYPED_KINDS[i]) return i;
  return -1;
}

function write(w: Writer, v: unknown, depth: number): void {
  if (depth > 16) throw new ValueCodecError("value nests too deeply to store");
  if (v === null) w.byte(T_NULL);
  else if (v === undefined) w.byte(T_UNDEFINED);
  else if (v === false) w.byte(T_FALSE);
  else if (v === true) w.byte(T_TRUE);
  else if (typeof v === "number") w.number(v);
  else if (typeof v === "string") {
    w.byte(T_STRING);
    w.string(v);
  } else if (Array.isArray(v)) {
    w.byte(T_ARRAY);
    w.uvarint(v.length);
    for (const item of v) write(w, item, depth + 1);
  } else if (typeof v === "object") {
    const kind = typedKind(v);
    if (kind >= 0) {
      const t = v as Typed;
      w.byte(T_TYPED);
      w.byte(kind);
      w.uvarint(t.length);
      for (let i = 0; i < t.length; i++) w.number(t[i]);
      return;
    }
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    let n = 0;
    for (let i = 0; i < keys.length; i++) if (typeof o[keys[i]] !== "function") n++;
    w.byte(T_OBJECT);
    w.uvarint(n);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (typeof o[k] === "function") continue;
      w.string(k);
      write(w, o[k], depth + 1);
    }
  } else {
    throw new ValueCodecError(`cannot store a ${typeof v}`);
  }
}

function readNumber(r: Reader, tag: number): number {
  if (tag === T_INT) {
    const z = r.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  if (tag === T_FLOAT) return r.float();
  throw new ValueCodecError(`stored number has tag ${tag}`);
}

function read(r: Reader, depth: number): unknown {
  if (depth > 16) throw new ValueCodecError("stored value nests too deeply");
  const tag = r.byte();
  switch (tag) {
    case T_NULL:
      return null;
    case T_UNDEFINED:
      return undefined;
    case T_FALSE:
      return false;
    case T_TRUE:
      return true;
    case T_INT:
    case T_FLOAT:
      return readNumber(r, tag);
    case T_STRING:
      return r.string();
    case T_ARRAY: {
      const n = r.count();
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(read(r, depth + 1));
      return out;
    }
    case T_OBJECT: {
      const n = r.count();
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const key = r.string();
        out[key] = read(r, depth + 1);
      }
      return out;
    }
    case T_TYPED: {
      const Kind = TYPED_KINDS[r.byte()];
      if (!Kind) throw new ValueCodecError("stored typed array has an unknown kind");
      const n = r.count();
      const out = new Kind(n);
      for (let i = 0; i < n; i++) out[i] = readNumber(r, r.byte());
      return out;
    }
    default:
      throw new ValueCodecError(`stored value has unknown tag ${tag}`);
  }
}

/** Encodes a plain value (see the module comment for what is allowed). */
/** Encodes a plain value; `keys` reuses the encoding of strings seen before (see KeyCache). */
export function encodeValue(value: unknown, keys: KeyCache | null = null): Uint8Array {
  const w = new Writer(256, keys);
  write(w, value, 0);
  return w.bytes.slice(0, w.length);
}

/** Decodes bytes made by `encodeValue`; throws ValueCodecError on anything malformed or trailing. */
export function decodeValue(bytes: Uint8Array): unknown {
  const r = new Reader(bytes);
  const v = read(r, 0);
  if (r.offset !== bytes.length) throw new ValueCodecError("stored value has trailing bytes");
  return v;
}
