/**
 * A JSON writer straight into bytes (ASCII/UTF-8), for payloads built on every publish: no
 * strings are concatenated and nothing is allocated. Numbers come from the meter's integer
 * registers and are printed as decimal fixed-point from integers, so a value of 123456 mWh is
 * exactly "0.123" kWh (no binary floating point in the path: no drift, no 0.30000000000000004).
 */
import { writeUtf8 } from "./packets";

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];

export class JsonBytes {
  pos = 0;
  private readonly digits = new Uint8Array(20);

  constructor(readonly buf: Uint8Array) {}

  /** Starts writing at `pos`. */
  at(pos: number): this {
    this.pos = pos;
    return this;
  }

  /** Bytes prepared once (keys with their quotes, colon and comma). */
  raw(bytes: Uint8Array): void {
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** A JSON string; quotes, backslashes and control characters escaped. */
  string(text: string): void {
    this.byte(0x22);
    let plain = true;
    for (let i = 0; i < text.length && plain; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c) plain = false;
    }
    if (plain) {
      this.pos = writeUtf8(this.buf, this.pos, text);
    } else {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 0x22 || c === 0x5c) {
          this.byte(0x5c);
          this.byte(c);
        } else if (c < 0x20) {
          this.pos = writeUtf8(this.buf, this.pos, "\\u00");
          this.byte(HEX[c >> 4]);
          this.byte(HEX[c & 15]);
        } else this.pos = writeUtf8(this.buf, this.pos, text[i]);
      }
    }
    this.byte(0x22);
  }

  /** An integer (non-integers are truncated toward zero). */
  int(value: number): void {
    if (value < 0) {
      this.byte(0x2d);
      value = -value;
    }
    this.unsigned(Math.floor(value), 1);
  }

  /** Unsigned integer with at least `width` digits (zero padded). */
  unsigned(value: number, width: number): void {
    let n = 0;
    do {
      this.digits[n++] = 0x30 + (value % 10);
      value = Math.floor(value / 10);
    } while (value > 0);
    while (n < width) this.digits[n++] = 0x30;
    while (n > 0) this.buf[this.pos++] = this.digits[--n];
  }

  /**
   * `value` x 10^-`scale` printed with `decimals` decimals (decimals <= scale): truncated toward
   * zero when `round` is false (energy: never shows what is not yet accumulated), else rounded half
   * away from zero.
   */
  fixed(value: number, scale: number, decimals: number, round: boolean): void {
    const step = POW10[scale - decimals];
    let negative = value < 0;
    let q = negative ? -value : value;
    q = round ? Math.floor((q + Math.floor(step / 2)) / step) : Math.floor(q / step);
    if (q === 0) negative = false;
    if (negative) this.byte(0x2d);
    if (decimals === 0) {
      this.unsigned(q, 1);
      return;
    }
    const unit = POW10[decimals];
    this.unsigned(Math.floor(q / unit), 1);
    this.byte(0x2e);
    this.unsigned(q % unit, decimals);
  }
}

const HEX = Uint8Array.from([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

/** ASCII/UTF-8 bytes of a constant text, made once at construction. */
export function bytesOf(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 3);
  return out.slice(0, writeUtf8(out, 0, text));
}
