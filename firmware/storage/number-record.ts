/**
 * A compact numbers-only record for states whose snapshot is a list of integers (billing,
 * demand): a magic byte (not a type tag of the generic value codec, which are 0..9), a layout
 * version, then each value + 1 as an unsigned varint (7 bits a byte, low first), so -1 ("none")
 * takes one byte, a counter or an energy a few, a UTC ms time six. No keys, no type tags: a few
 * arithmetic steps per byte where the generic codec walks objects and names.
 *
 * Only integers in -1 .. 2^53 - 2 fit; `encodeNumberRecord` returns null for anything else and
 * the caller falls back to the generic codec (its records still decode), so nothing is lost.
 */

/** Largest value stored (value + 1 must stay a safe integer). */
const MAX_VALUE = Number.MAX_SAFE_INTEGER - 1;
const TWO_31 = 0x80000000;

/** Encodes `values` (the first `n`) after a 2-byte header; null when a value is not an integer in -1..2^53-2. */
export function encodeNumberRecord(magic: number, version: number, values: ArrayLike<number>, n = values.length): Uint8Array | null {
  const out = new Uint8Array(2 + 8 * n);
  const end = encodeNumberRecordInto(out, 0, magic, version, values, n);
  return end < 0 ? null : out.slice(0, end);
}

/**
 * The same record written into `out` at `start`; returns the end, or -1 when a value does not
 * fit the layout or the record might not fit `out` (up to 2 + 8 n bytes).
 */
export function encodeNumberRecordInto(out: Uint8Array, start: number, magic: number, version: number, values: ArrayLike<number>, n = values.length): number {
  if (start + 2 + 8 * n > out.length) return -1;
  out[start] = magic;
  out[start + 1] = version;
  let at = start + 2;
  for (let i = 0; i < n; i++) {
    const value = values[i];
    if (typeof value !== "number") return -1;
    let v = value + 1;
    // Most values (counts, -1 "none", small energies) are whole and under 2^31: one test, no call.
    if ((v | 0) === v && v >= 0) {
      while (v >= 128) {
        out[at++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      out[at++] = v;
      continue;
    }
    if (!(value >= -1 && value <= MAX_VALUE) || Math.floor(value) !== value) return -1;
    while (v >= TWO_31) {
      const low = v % 128;
      out[at++] = low | 0x80;
      v = (v - low) / 128;
    }
    while (v >= 128) {
      out[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[at++] = v;
  }
  return at;
}

/** Whether `bytes` is a numbers record with this magic (else: a record of another codec). */
export function isNumberRecord(bytes: Uint8Array, magic: number): boolean {
  return bytes.length >= 2 && bytes[0] === magic;
}

/**
 * Decodes a record written by encodeNumberRecord. Throws RangeError (the persistence layer
 * then tries the older generation and logs event 14) on another magic or version, a truncated
 * varint or a value out of range.
 */
export function decodeNumberRecord(bytes: Uint8Array, magic: number, version: number, what: string): number[] {
  if (!isNumberRecord(bytes, magic)) throw new RangeError(`${what}: not a numbers record`);
  if (bytes[1] !== version) throw new RangeError(`${what}: layout version ${bytes[1]} is not ${version}`);
  const values: number[] = [];
  let at = 2;
  while (at < bytes.length) {
    let v = 0;
    let scale = 1;
    for (let k = 0; ; k++) {
      if (at >= bytes.length || k > 7) throw new RangeError(`${what}: truncated or overlong value ${values.length}`);
      const b = bytes[at++];
      v += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) break;
    }
    if (v > MAX_VALUE + 1) throw new RangeError(`${what}: value ${values.length} out of range`);
    values.push(v - 1);
  }
  return values;
}
