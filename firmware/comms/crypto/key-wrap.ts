import type { Crypto } from "../../hal/crypto";

/**
 * AES key wrap (RFC 3394, default IV A6A6A6A6A6A6A6A6), as DLMS key transfer uses it: the new
 * global key is wrapped with the master key (KEK). Works on any crypto port's block cipher.
 */
const DEFAULT_IV = 0xa6;

export function aesKeyWrap(crypto: Crypto, kek: Uint8Array, keyData: Uint8Array): Uint8Array {
  const n = keyData.length / 8;
  if (keyData.length % 8 !== 0 || n < 2) throw new RangeError(`key data must be 8n bytes, n >= 2 (got ${keyData.length})`);
  const a = new Uint8Array(8).fill(DEFAULT_IV);
  const r = keyData.slice();
  const b = new Uint8Array(16);
  for (let j = 0; j <= 5; j++) {
    for (let i = 1; i <= n; i++) {
      b.set(a, 0);
      b.set(r.subarray(8 * (i - 1), 8 * i), 8);
      const e = crypto.aesEncryptBlock(kek, b);
      a.set(e.subarray(0, 8));
      xorCounter(a, n * j + i);
      r.set(e.subarray(8, 16), 8 * (i - 1));
    }
  }
  const out = new Uint8Array(8 + keyData.length);
  out.set(a, 0);
  out.set(r, 8);
  return out;
}

/** Unwraps; returns null when the integrity check (the IV) fails: wrong KEK or altered data. */
export function aesKeyUnwrap(crypto: Crypto, kek: Uint8Array, wrapped: Uint8Array): Uint8Array | null {
  const n = wrapped.length / 8 - 1;
  if (wrapped.length % 8 !== 0 || n < 2) return null;
  const a = wrapped.slice(0, 8);
  const r = wrapped.slice(8);
  const b = new Uint8Array(16);
  for (let j = 5; j >= 0; j--) {
    for (let i = n; i >= 1; i--) {
      xorCounter(a, n * j + i);
      b.set(a, 0);
      b.set(r.subarray(8 * (i - 1), 8 * i), 8);
      const d = crypto.aesDecryptBlock(kek, b);
      a.set(d.subarray(0, 8));
      r.set(d.subarray(8, 16), 8 * (i - 1));
    }
  }
  let diff = 0;
  for (let i = 0; i < 8; i++) diff |= a[i] ^ DEFAULT_IV;
  return diff === 0 ? r : null;
}

/** A ^= t, t as a big-endian 64-bit integer (t stays far below 2^32 here). */
function xorCounter(a: Uint8Array, t: number): void {
  a[7] ^= t & 255;
  a[6] ^= (t >>> 8) & 255;
  a[5] ^= (t >>> 16) & 255;
  a[4] ^= (t >>> 24) & 255;
}
