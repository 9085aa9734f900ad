import { readU32BE, writeU32BE } from "../../kernel/bytes";
/**
 * AES (FIPS-197) in portable TypeScript: table-driven (four 256-entry round tables per
 * direction, built once at load from the GF(2^8) definition, not typed in), 32-bit words kept
 * in int32 so XS holds them unboxed. Encrypting or decrypting a block allocates nothing.
 */

const SBOX = new Uint8Array(256);
const INV_SBOX = new Uint8Array(256);
const TE0 = new Int32Array(256);
const TE1 = new Int32Array(256);
const TE2 = new Int32Array(256);
const TE3 = new Int32Array(256);
const TD0 = new Int32Array(256);
const TD1 = new Int32Array(256);
const TD2 = new Int32Array(256);
const TD3 = new Int32Array(256);

/** Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1. */
function gmul(a: number, b: number): number {
  let p = 0;
  while (b) {
    if (b & 1) p ^= a;
    a = (a << 1) ^ (a & 0x80 ? 0x11b : 0);
    b >>= 1;
  }
  return p;
}

function buildTables(): void {
  // S-box: multiplicative inverse (through log/antilog tables of generator 3) then the affine map.
  const exp = new Uint8Array(255);
  const log = new Uint8Array(256);
  for (let i = 0, x = 1; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x ^= ((x << 1) ^ (x & 0x80 ? 0x11b : 0)) & 0xff;
  }
  const inverse = new Uint8Array(256);
  for (let a = 1; a < 256; a++) inverse[a] = exp[(255 - log[a]) % 255];
  for (let x = 0; x < 256; x++) {
    const b = inverse[x];
    let s = b ^ 0x63;
    for (let r = 1; r <= 4; r++) s ^= ((b << r) | (b >> (8 - r))) & 0xff;
    SBOX[x] = s;
    INV_SBOX[s] = x;
  }
  for (let x = 0; x < 256; x++) {
    const s = SBOX[x];
    const s2 = gmul(s, 2);
    const s3 = gmul(s, 3);
    TE0[x] = (s2 << 24) | (s << 16) | (s << 8) | s3;
    TE1[x] = (s3 << 24) | (s2 << 16) | (s << 8) | s;
    TE2[x] = (s << 24) | (s3 << 16) | (s2 << 8) | s;
    TE3[x] = (s << 24) | (s << 16) | (s3 << 8) | s2;
    const i = INV_SBOX[x];
    const i9 = gmul(i, 9);
    const i11 = gmul(i, 11);
    const i13 = gmul(i, 13);
    const i14 = gmul(i, 14);
    TD0[x] = (i14 << 24) | (i9 << 16) | (i13 << 8) | i11;
    TD1[x] = (i11 << 24) | (i14 << 16) | (i9 << 8) | i13;
    TD2[x] = (i13 << 24) | (i11 << 16) | (i14 << 8) | i9;
    TD3[x] = (i9 << 24) | (i13 << 16) | (i11 << 8) | i14;
  }
}
buildTables();

function subWord(w: number): number {
  return (SBOX[w >>> 24] << 24) | (SBOX[(w >>> 16) & 255] << 16) | (SBOX[(w >>> 8) & 255] << 8) | SBOX[w & 255];
}

/** One expanded AES key (encryption and decryption schedules). */
export class Aes {
  readonly rounds: number;
  private readonly encKey: Int32Array;
  private readonly decKey: Int32Array;

  constructor(key: Uint8Array) {
    const nk = key.length / 4;
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
      throw new RangeError(`AES key must be 16, 24 or 32 bytes, not ${key.length}`);
    }
    this.rounds = nk + 6;
    const total = 4 * (this.rounds + 1);
    const w = new Int32Array(total);
    for (let i = 0; i < nk; i++) w[i] = readU32BE(key, 4 * i);
    let rcon = 1;
    for (let i = nk; i < total; i++) {
      let t = w[i - 1];
      if (i % nk === 0) {
        t = subWord((t << 8) | (t >>> 24)) ^ (rcon << 24);
        rcon = gmul(rcon, 2);
      } else if (nk > 6 && i % nk === 4) {
        t = subWord(t);
      }
      w[i] = w[i - nk] ^ t;
    }
    this.encKey = w;
    // Equivalent inverse cipher: round keys in reverse order, InvMixColumns on the inner ones.
    const d = new Int32Array(total);
    for (let r = 0; r <= this.rounds; r++) {
      for (let c = 0; c < 4; c++) {
        const k = w[4 * (this.rounds - r) + c];
        d[4 * r + c] =
          r === 0 || r === this.rounds
            ? k
            : TD0[SBOX[k >>> 24]] ^ TD1[SBOX[(k >>> 16) & 255]] ^ TD2[SBOX[(k >>> 8) & 255]] ^ TD3[SBOX[k & 255]];
      }
    }
    this.decKey = d;
  }

  /** Forward cipher of the 16 bytes at `input[inOffset]` into `output[outOffset]` (may overlap exactly). */
  encryptBlock(input: Uint8Array, inOffset: number, output: Uint8Array, outOffset: number): void {
    const rk = this.encKey;
    let s0 = readU32BE(input, inOffset) ^ rk[0];
    let s1 = readU32BE(input, inOffset + 4) ^ rk[1];
    let s2 = readU32BE(input, inOffset + 8) ^ rk[2];
    let s3 = readU32BE(input, inOffset + 12) ^ rk[3];
    let k = 4;
    for (let r = 1; r < this.rounds; r++) {
      const t0 = TE0[s0 >>> 24] ^ TE1[(s1 >>> 16) & 255] ^ TE2[(s2 >>> 8) & 255] ^ TE3[s3 & 255] ^ rk[k];
      const t1 = TE0[s1 >>> 24] ^ TE1[(s2 >>> 16) & 255] ^ TE2[(s3 >>> 8) & 255] ^ TE3[s0 & 255] ^ rk[k + 1];
      const t2 = TE0[s2 >>> 24] ^ TE1[(s3 >>> 16) & 255] ^ TE2[(s0 >>> 8) & 255] ^ TE3[s1 & 255] ^ rk[k + 2];
      const t3 = TE0[s3 >>> 24] ^ TE1[(s0 >>> 16) & 255] ^ TE2[(s1 >>> 8) & 255] ^ TE3[s2 & 255] ^ rk[k + 3];
      s0 = t0;
      s1 = t1;
      s2 = t2;
      s3 = t3;
      k += 4;
    }
    const S = SBOX;
    writeU32BE(output, outOffset, ((S[s0 >>> 24] << 24) | (S[(s1 >>> 16) & 255] << 16) | (S[(s2 >>> 8) & 255] << 8) | S[s3 & 255]) ^ rk[k]);
    writeU32BE(output, outOffset + 4, ((S[s1 >>> 24] << 24) | (S[(s2 >>> 16) & 255] << 16) | (S[(s3 >>> 8) & 255] << 8) | S[s0 & 255]) ^ rk[k + 1]);
    writeU32BE(output, outOffset + 8, ((S[s2 >>> 24] << 24) | (S[(s3 >>> 16) & 255] << 16) | (S[(s0 >>> 8) & 255] << 8) | S[s1 & 255]) ^ rk[k + 2]);
    writeU32BE(output, outOffset + 12, ((S[s3 >>> 24] << 24) | (S[(s0 >>> 16) & 255] << 16) | (S[(s1 >>> 8) & 255] << 8) | S[s2 & 255]) ^ rk[k + 3]);
  }

  /** Inverse cipher of the 16 bytes at `input[inOffset]` into `output[outOffset]`. */
  decryptBlock(input: Uint8Array, inOffset: number, output: Uint8Array, outOffset: number): void {
    const rk = this.decKey;
    let s0 = readU32BE(input, inOffset) ^ rk[0];
    let s1 = readU32BE(input, inOffset + 4) ^ rk[1];
    let s2 = readU32BE(input, inOffset + 8) ^ rk[2];
    let s3 = readU32BE(input, inOffset + 12) ^ rk[3];
    let k = 4;
    for (let r = 1; r < this.rounds; r++) {
      const t0 = TD0[s0 >>> 24] ^ TD1[(s3 >>> 16) & 255] ^ TD2[(s2 >>> 8) & 255] ^ TD3[s1 & 255] ^ rk[k];
      const t1 = TD0[s1 >>> 24] ^ TD1[(s0 >>> 16) & 255] ^ TD2[(s3 >>> 8) & 255] ^ TD3[s2 & 255] ^ rk[k + 1];
      const t2 = TD0[s2 >>> 24] ^ TD1[(s1 >>> 16) & 255] ^ TD2[(s0 >>> 8) & 255] ^ TD3[s3 & 255] ^ rk[k + 2];
      const t3 = TD0[s3 >>> 24] ^ TD1[(s2 >>> 16) & 255] ^ TD2[(s1 >>> 8) & 255] ^ TD3[s0 & 255] ^ rk[k + 3];
      s0 = t0;
      s1 = t1;
      s2 = t2;
      s3 = t3;
      k += 4;
    }
    const S = INV_SBOX;
    writeU32BE(output, outOffset, ((S[s0 >>> 24] << 24) | (S[(s3 >>> 16) & 255] << 16) | (S[(s2 >>> 8) & 255] << 8) | S[s1 & 255]) ^ rk[k]);
    writeU32BE(output, outOffset + 4, ((S[s1 >>> 24] << 24) | (S[(s0 >>> 16) & 255] << 16) | (S[(s3 >>> 8) & 255] << 8) | S[s2 & 255]) ^ rk[k + 1]);
    writeU32BE(output, outOffset + 8, ((S[s2 >>> 24] << 24) | (S[(s1 >>> 16) & 255] << 16) | (S[(s0 >>> 8) & 255] << 8) | S[s3 & 255]) ^ rk[k + 2]);
    writeU32BE(output, outOffset + 12, ((S[s3 >>> 24] << 24) | (S[(s2 >>> 16) & 255] << 16) | (S[(s1 >>> 8) & 255] << 8) | S[s0 & 255]) ^ rk[k + 3]);
  }
}
