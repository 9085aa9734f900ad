/**
 * Block cipher port: AES (128-bit keys for DLMS security suite 0; 192/256 accepted where the
 * implementation has them) in GCM mode and as a raw block (ECB, one block) for RFC 3394 key wrap.
 * Implementations: portable TypeScript (`firmware/comms/crypto`), the Moddable SDK's native AES
 * with its `gcm` module (`firmware/platform/moddable/crypto.ts`), Node's crypto (host-sim).
 * Keys pass through here and nowhere else: an implementation never logs them.
 */
export interface Crypto {
  /**
   * AES-GCM authenticated encryption. Returns ciphertext followed by the first `tagLength`
   * bytes (4, 8 or 12..16 as SP 800-38D allows; DLMS uses 12) of the tag. An empty plaintext gives GMAC over `aad` alone.
   */
  gcmEncrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, tagLength: number): Uint8Array;
  /**
   * AES-GCM authenticated decryption of `sealed` = ciphertext || tag (`tagLength` bytes).
   * Returns the plaintext, or null when the tag does not verify (nothing of the plaintext is
   * released then).
   */
  gcmDecrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array, tagLength: number): Uint8Array | null;
  /** AES forward cipher on one 16-byte block (ECB). */
  aesEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array;
  /** AES inverse cipher on one 16-byte block (ECB). */
  aesDecryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array;
  /**
   * A streaming SHA-256 (FIPS 180-4) for the firmware image check. Optional: without it the
   * portable TypeScript hash is used. The Moddable port hands it to the SDK's native Digest.
   */
  createSha256?(): Sha256Hash;
}

/** A streaming SHA-256: `update` any number of times, then `digest` (which also resets). */
export interface Sha256Hash {
  /** Starts over. */
  reset(): unknown;
  /** Hashes `data[start..end)`. */
  update(data: Uint8Array, start?: number, end?: number): unknown;
  /** Writes the 32-byte digest into `out` at `offset`, and starts over. */
  digest(out: Uint8Array, offset?: number): Uint8Array;
}
