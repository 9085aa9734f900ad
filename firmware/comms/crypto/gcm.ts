import { readU32BE, writeU32BE } from "../../kernel/bytes";
import { Aes } from "./aes";

/**
 * GCM (NIST SP 800-38D) over the portable AES. GHASH uses Shoup's 4-bit tables: 16 multiples
 * of H as four int32 words each (256 bytes per key), a nibble at a time, with the reduction
 * constants of x^128 + x^7 + x^2 + x + 1. One instance per key; working state is preallocated.
 */

/** Reduction of the 4 bits shifted out, placed in the top 16 bits of the most significant word. */
const LAST4 = new Int32Array([
  0x0000, 0x1c20, 0x3840, 0x2460, 0x7080, 0x6ca0, 0x48c0, 0x54e0, 0xe100, 0xfd20, 0xd940, 0xc560, 0x9180, 0x8da0, 0xa9c0, 0xb5e0,
]);

export class Gcm {
  private readonly table = new Int32Array(64);
  /** Running GHASH value X as four big-endian words. */
  private readonly x = new Int32Array(4);
  private readonly j0 = new Uint8Array(16);
  private readonly counter = new Uint8Array(16);
  private readonly keystream = new Uint8Array(16);
  private readonly block = new Uint8Array(16);

  constructor(readonly aes: Aes) {
    const h = new Uint8Array(16);
    aes.encryptBlock(h, 0, h, 0);
    let v0 = readU32BE(h, 0) | 0;
    let v1 = readU32BE(h, 4) | 0;
    let v2 = readU32BE(h, 8) | 0;
    let v3 = readU32BE(h, 12) | 0;
    const t = this.table;
    // table[8] = H, table[4] = H·x, table[2] = H·x^2, table[1] = H·x^3 (GCM's reflected bit order).
    set(t, 8, v0, v1, v2, v3);
    for (let i = 4; i > 0; i >>= 1) {
      const carry = v3 & 1 ? 0xe1000000 | 0 : 0;
      v3 = (v3 >>> 1) | (v2 << 31);
      v2 = (v2 >>> 1) | (v1 << 31);
      v1 = (v1 >>> 1) | (v0 << 31);
      v0 = (v0 >>> 1) ^ carry;
      set(t, i, v0, v1, v2, v3);
    }
    for (let i = 2; i <= 8; i *= 2) {
      for (let j = 1; j < i; j++) {
        for (let w = 0; w < 4; w++) t[4 * (i + j) + w] = t[4 * i + w] ^ t[4 * j + w];
      }
    }
  }

  /**
   * Encrypts `bytes[start, end)` in place and writes the tag (`tagLength` bytes: 4, 8 or 12..16)
   * at `bytes[end, end + tagLength)`.
   */
  seal(iv: Uint8Array, aad: Uint8Array, bytes: Uint8Array, start: number, end: number, tagLength: number): void {
    checkTagLength(tagLength);
    checkRange(bytes, start, end, tagLength);
    const length = end - start;
    this.start(iv, aad);
    this.ctr(bytes, start, length);
    this.ghashBytes(bytes, start, length);
    this.finish(aad.length, length, bytes, end, tagLength);
  }

  /**
   * Verifies the tag at `bytes[end, end + tagLength)` over the ciphertext `bytes[start, end)` and
   * only then decrypts it in place. False (and `bytes` untouched) when the tag does not match;
   * the comparison takes the same time whatever byte differs.
   */
  open(iv: Uint8Array, aad: Uint8Array, bytes: Uint8Array, start: number, end: number, tagLength: number): boolean {
    checkTagLength(tagLength);
    checkRange(bytes, start, end, tagLength);
    const length = end - start;
    this.start(iv, aad);
    this.ghashBytes(bytes, start, length);
    const tag = this.block;
    this.finish(aad.length, length, tag, 0, tagLength);
    let diff = 0;
    for (let i = 0; i < tagLength; i++) diff |= tag[i] ^ bytes[end + i];
    if (diff !== 0) return false;
    this.ctr(bytes, start, length);
    return true;
  }

  /** Derives J0 from the IV, sets the counter to inc32(J0), absorbs the AAD. */
  private start(iv: Uint8Array, aad: Uint8Array): void {
    const x = this.x;
    x[0] = x[1] = x[2] = x[3] = 0;
    const j0 = this.j0;
    if (iv.length === 12) {
      j0.set(iv);
      j0[12] = j0[13] = j0[14] = 0;
      j0[15] = 1;
    } else {
      if (iv.length === 0) throw new RangeError("GCM IV must not be empty");
      this.ghashBytes(iv, 0, iv.length);
      this.ghashLengths(0, iv.length);
      writeState(x, j0);
      x[0] = x[1] = x[2] = x[3] = 0;
    }
    this.counter.set(j0);
    this.ghashBytes(aad, 0, aad.length);
  }

  /** CTR keystream over `bytes[from, from + length)` in place, from inc32(J0); `this.counter` must hold J0. */
  private ctr(bytes: Uint8Array, from: number, length: number): void {
    const c = this.counter;
    const ks = this.keystream;
    for (let offset = from, end = from + length; offset < end; offset += 16) {
      for (let i = 15; i >= 12; i--) {
        c[i] = (c[i] + 1) & 255;
        if (c[i] !== 0) break;
      }
      this.aes.encryptBlock(c, 0, ks, 0);
      const n = end - offset < 16 ? end - offset : 16;
      for (let i = 0; i < n; i++) bytes[offset + i] ^= ks[i];
    }
  }

  /** Writes MSB_t(E(K, J0) xor GHASH(...|| len(A) || len(C))) to out[offset..]. */
  private finish(aadLength: number, textLength: number, out: Uint8Array, offset: number, tagLength: number): void {
    this.ghashLengths(aadLength, textLength);
    const s = this.block;
    writeState(this.x, s);
    const ek = this.keystream;
    this.aes.encryptBlock(this.j0, 0, ek, 0);
    for (let i = 0; i < tagLength; i++) out[offset + i] = s[i] ^ ek[i];
  }

  /** Absorbs bytes, zero-padding the last partial block. */
  private ghashBytes(data: Uint8Array, offset: number, length: number): void {
    const x = this.x;
    const end = offset + length;
    for (let p = offset; p < end; p += 16) {
      if (end - p >= 16) {
        x[0] ^= readU32BE(data, p);
        x[1] ^= readU32BE(data, p + 4);
        x[2] ^= readU32BE(data, p + 8);
        x[3] ^= readU32BE(data, p + 12);
      } else {
        const b = this.block;
        b.fill(0);
        for (let i = 0; i < end - p; i++) b[i] = data[p + i];
        x[0] ^= readU32BE(b, 0);
        x[1] ^= readU32BE(b, 4);
        x[2] ^= readU32BE(b, 8);
        x[3] ^= readU32BE(b, 12);
      }
      this.multiplyH();
    }
  }

  /** Absorbs the final block [len(A)]64 || [len(C)]64, lengths in bits. */
  private ghashLengths(aadBytes: number, textBytes: number): void {
    const x = this.x;
    x[0] ^= Math.floor(aadBytes / 0x20000000);
    x[1] ^= (aadBytes * 8) | 0;
    x[2] ^= Math.floor(textBytes / 0x20000000);
    x[3] ^= (textBytes * 8) | 0;
    this.multiplyH();
  }

  /** X = X · H, a nibble at a time from the last byte (Shoup). */
  private multiplyH(): void {
    const t = this.table;
    const x = this.x;
    let z0 = 0;
    let z1 = 0;
    let z2 = 0;
    let z3 = 0;
    for (let i = 15; i >= 0; i--) {
      const byte = (x[i >> 2] >>> (24 - 8 * (i & 3))) & 255;
      for (let half = 0; half < 2; half++) {
        const nibble = half === 0 ? byte & 15 : byte >>> 4;
        if (i !== 15 || half !== 0) {
          const rem = z3 & 15;
          z3 = (z3 >>> 4) | (z2 << 28);
          z2 = (z2 >>> 4) | (z1 << 28);
          z1 = (z1 >>> 4) | (z0 << 28);
          z0 = (z0 >>> 4) ^ (LAST4[rem] << 16);
        }
        const k = nibble << 2;
        z0 ^= t[k];
        z1 ^= t[k + 1];
        z2 ^= t[k + 2];
        z3 ^= t[k + 3];
      }
    }
    x[0] = z0;
    x[1] = z1;
    x[2] = z2;
    x[3] = z3;
  }
}

function checkTagLength(tagLength: number): void {
  // SP 800-38D section 5.2.1.2: 128, 120, 112, 104, 96 bits, or 64 and 32 for special uses.
  if (!((tagLength >= 12 && tagLength <= 16) || tagLength === 8 || tagLength === 4)) {
    throw new RangeError(`GCM tag length ${tagLength} is not one of 4, 8, 12..16 bytes`);
  }
}

function checkRange(bytes: Uint8Array, start: number, end: number, tagLength: number): void {
  if (!(start >= 0 && start <= end && end + tagLength <= bytes.length)) throw new RangeError(`GCM range ${start}..${end} + tag ${tagLength} is outside ${bytes.length} bytes`);
}

function set(t: Int32Array, index: number, v0: number, v1: number, v2: number, v3: number): void {
  t[4 * index] = v0;
  t[4 * index + 1] = v1;
  t[4 * index + 2] = v2;
  t[4 * index + 3] = v3;
}

function writeState(x: Int32Array, out: Uint8Array): void {
  for (let w = 0; w < 4; w++) writeU32BE(out, 4 * w, x[w]);
}
