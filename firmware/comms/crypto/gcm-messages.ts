import type { Crypto } from "../../hal/crypto";

/** AES-GCM into a new array: ciphertext || tag (for short, rare messages: HLS proofs, tests). */
export function gcmEncrypt(crypto: Crypto, key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, tagLength: number): Uint8Array {
  const out = new Uint8Array(plaintext.length + tagLength);
  out.set(plaintext);
  crypto.gcmSeal(key, iv, aad, out, 0, plaintext.length, tagLength);
  return out;
}

/** Opens ciphertext || tag into a new array; null when the tag does not verify. */
export function gcmDecrypt(crypto: Crypto, key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array, tagLength: number): Uint8Array | null {
  const length = sealed.length - tagLength;
  if (length < 0) return null;
  const copy = sealed.slice();
  return crypto.gcmOpen(key, iv, aad, copy, 0, length, tagLength) ? copy.subarray(0, length) : null;
}
