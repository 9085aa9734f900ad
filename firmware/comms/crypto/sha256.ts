/**
 * SHA-256 (FIPS 180-4 section 6.2), streaming: `update` any number of times, then `digest`.
 * Written for the firmware image check (firmware/update): the image is hashed as it is read back
 * from flash, never held whole in RAM. One instance owns its buffers; `reset` starts over without
 * allocating.
 */

/** The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = Object.freeze([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** The first 32 bits of the fractional parts of the square roots of the first 8 primes. */
const H0 = Object.freeze([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const SHA256_LENGTH = 32;

export class Sha256 {
  private readonly h = new Int32Array(8);
  private readonly w = new Int32Array(64);
  private readonly block = new Uint8Array(64);
  private readonly k = new Int32Array(64);
  private used = 0;
  /** Bytes hashed so far (below 2^53: the length field's top bits stay 0). */
  private total = 0;

  constructor() {
    for (let i = 0; i < 64; i++) this.k[i] = K[i] | 0;
    this.reset();
  }

  reset(): this {
    for (let i = 0; i < 8; i++) this.h[i] = H0[i] | 0;
    this.used = 0;
    this.total = 0;
    return this;
  }

  /** Hashes `data[start..end)`. */
  update(data: Uint8Array, start = 0, end = data.length): this {
    let i = start;
    this.total += end - start;
    const block = this.block;
    if (this.used > 0) {
      while (i < end && this.used < 64) block[this.used++] = data[i++];
      if (this.used < 64) return this;
      this.compress(block, 0);
      this.used = 0;
    }
    while (end - i >= 64) {
      this.compress(data, i);
      i += 64;
    }
    while (i < end) block[this.used++] = data[i++];
    return this;
  }

  /** Pads, writes the 32-byte digest into `out` at `offset` and resets. */
  digest(out: Uint8Array = new Uint8Array(SHA256_LENGTH), offset = 0): Uint8Array {
    const bits = this.total * 8;
    const block = this.block;
    block[this.used++] = 0x80;
    if (this.used > 56) {
      block.fill(0, this.used, 64);
      this.compress(block, 0);
      this.used = 0;
    }
    block.fill(0, this.used, 56);
    const high = Math.floor(bits / 0x100000000);
    const low = bits >>> 0;
    block[56] = high >>> 24;
    block[57] = high >>> 16;
    block[58] = high >>> 8;
    block[59] = high;
    block[60] = low >>> 24;
    block[61] = low >>> 16;
    block[62] = low >>> 8;
    block[63] = low;
    this.compress(block, 0);
    const h = this.h;
    for (let j = 0; j < 8; j++) {
      const v = h[j];
      out[offset + 4 * j] = v >>> 24;
      out[offset + 4 * j + 1] = v >>> 16;
      out[offset + 4 * j + 2] = v >>> 8;
      out[offset + 4 * j + 3] = v;
    }
    this.reset();
    return out;
  }

  private compress(data: Uint8Array, at: number): void {
    const w = this.w;
    const k = this.k;
    for (let t = 0; t < 16; t++) {
      const p = at + 4 * t;
      w[t] = (data[p] << 24) | (data[p + 1] << 16) | (data[p + 2] << 8) | data[p + 3];
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    const state = this.h;
    let a = state[0];
    let b = state[1];
    let c = state[2];
    let d = state[3];
    let e = state[4];
    let f = state[5];
    let g = state[6];
    let h = state[7];
    // Eight rounds per pass with the roles of a..h rotating through the names: no shuffling of
    // the working variables (XS counts every move).
    let x = 0;
    let y = 0;
    for (let t = 0; t < 64; t += 8) {
      x = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      y = (h + x + ((e & f) ^ (~e & g)) + k[t + 0] + w[t + 0]) | 0;
      x = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      d = (d + y) | 0;
      h = (y + x + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      x = ((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7));
      y = (g + x + ((d & e) ^ (~d & f)) + k[t + 1] + w[t + 1]) | 0;
      x = ((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10));
      c = (c + y) | 0;
      g = (y + x + ((h & a) ^ (h & b) ^ (a & b))) | 0;
      x = ((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7));
      y = (f + x + ((c & d) ^ (~c & e)) + k[t + 2] + w[t + 2]) | 0;
      x = ((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10));
      b = (b + y) | 0;
      f = (y + x + ((g & h) ^ (g & a) ^ (h & a))) | 0;
      x = ((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7));
      y = (e + x + ((b & c) ^ (~b & d)) + k[t + 3] + w[t + 3]) | 0;
      x = ((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10));
      a = (a + y) | 0;
      e = (y + x + ((f & g) ^ (f & h) ^ (g & h))) | 0;
      x = ((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7));
      y = (d + x + ((a & b) ^ (~a & c)) + k[t + 4] + w[t + 4]) | 0;
      x = ((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10));
      h = (h + y) | 0;
      d = (y + x + ((e & f) ^ (e & g) ^ (f & g))) | 0;
      x = ((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7));
      y = (c + x + ((h & a) ^ (~h & b)) + k[t + 5] + w[t + 5]) | 0;
      x = ((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10));
      g = (g + y) | 0;
      c = (y + x + ((d & e) ^ (d & f) ^ (e & f))) | 0;
      x = ((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7));
      y = (b + x + ((g & h) ^ (~g & a)) + k[t + 6] + w[t + 6]) | 0;
      x = ((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10));
      f = (f + y) | 0;
      b = (y + x + ((c & d) ^ (c & e) ^ (d & e))) | 0;
      x = ((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7));
      y = (a + x + ((f & g) ^ (~f & h)) + k[t + 7] + w[t + 7]) | 0;
      x = ((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10));
      e = (e + y) | 0;
      a = (y + x + ((b & c) ^ (b & d) ^ (c & d))) | 0;
    }
    state[0] = (state[0] + a) | 0;
    state[1] = (state[1] + b) | 0;
    state[2] = (state[2] + c) | 0;
    state[3] = (state[3] + d) | 0;
    state[4] = (state[4] + e) | 0;
    state[5] = (state[5] + f) | 0;
    state[6] = (state[6] + g) | 0;
    state[7] = (state[7] + h) | 0;
  }
}
