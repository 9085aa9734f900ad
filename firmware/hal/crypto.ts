/**
 * Block cipher port: AES (128-bit keys for DLMS security suite 0; 192/256 accepted where the
 * implementation has them) in GCM mode and as a raw block (ECB, one block) for RFC 3394 key wrap.
 * Implementations: portable TypeScript (`firmware/comms/crypto`), the Moddable SDK's native AES
 * with its `gcm` module (`firmware/platform/moddable/crypto.ts`), Node's crypto (host-sim).
 * Keys pass through here and nowhere else: an implementation never logs them.
 */
export interface Crypto {
  /**
   * AES-GCM authenticated encryption in place: `bytes[start, end)` is replaced by its
   * ciphertext and the first `tagLength` bytes of the tag (4, 8 or 12..16 as SP 800-38D allows;
   * DLMS uses 12) are written at `bytes[end, end + tagLength)`. An empty range gives GMAC over
   * `aad` alone. Nothing is allocated per call beyond a few views (the ciphering of every
   * management APDU goes through here, inside the ESP32's fixed heap).
   */
  gcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, bytes: Uint8Array, start: number, end: number, tagLength: number): void;
  /**
   * AES-GCM authenticated decryption in place: checks the tag at `bytes[end, end + tagLength)`
   * over the ciphertext `bytes[start, end)` and, only when it verifies, replaces the ciphertext
   * by the plaintext. Returns false, with `bytes` unchanged, when the tag does not verify.
   */
  gcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, bytes: Uint8Array, start: number, end: number, tagLength: number): boolean;
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
