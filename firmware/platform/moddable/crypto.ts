import { BlockCipher, Digest } from "crypt";
import GCM from "gcm";
import type { Crypto, Sha256Hash } from "../../hal/crypto";
import { DigestSha256 } from "./digest-sha256";

/**
 * The crypto port on the Moddable SDK: native AES (`crypt` BlockCipher, mbedTLS/ESP32 hardware
 * where the port has it) and the SDK's `gcm` module (modules/crypt/etc/gcm.js). The manifest maps
 * "gcm" to $(MODULES)/crypt/etc/gcm and includes modules/crypt/digest (for "crypt" and "bin").
 *
 * Not runnable on the development machines (no SDK there): it is typechecked against
 * types/moddable/crypt.d.ts only. The portable implementation is the one the tests run.
 */
export class ModdableCrypto implements Crypto {
  private cachedKey: Uint8Array | null = null;
  private cachedCipher: BlockCipher | null = null;

  gcmEncrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, tagLength: number): Uint8Array {
    const gcm = new GCM(this.cipher(key), tagLength);
    const sealed = gcm.process(copyOut(plaintext), undefined, copyOut(iv), copyOut(aad), true);
    if (sealed === undefined) throw new Error("GCM encryption failed");
    return toBytes(sealed);
  }

  gcmDecrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array, tagLength: number): Uint8Array | null {
    const length = sealed.length - tagLength;
    if (length < 0) return null;
    if (length === 0) {
      // gcm.js cannot decrypt an empty body (its CTR mode rejects a zero-length buffer): a
      // GMAC-only message is checked by recomputing the tag and comparing in constant time.
      const expected = this.gcmEncrypt(key, iv, aad, new Uint8Array(0), tagLength);
      let diff = 0;
      for (let i = 0; i < tagLength; i++) diff |= expected[i] ^ sealed[i];
      return diff === 0 ? new Uint8Array(0) : null;
    }
    const gcm = new GCM(this.cipher(key), tagLength);
    const plain = gcm.process(new Uint8Array(copyOut(sealed)), undefined, copyOut(iv), copyOut(aad), false);
    return plain === undefined ? null : toBytes(plain).slice();
  }

  aesEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
    return toBytes(this.cipher(key).encrypt(copyOut(block)));
  }

  aesDecryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
    return toBytes(this.cipher(key).decrypt(copyOut(block)));
  }

  createSha256(): Sha256Hash {
    return new DigestSha256(new Digest("SHA256"));
  }

  private cipher(key: Uint8Array): BlockCipher {
    const cached = this.cachedKey;
    if (cached && cached.length === key.length && cached.every((b, i) => b === key[i]) && this.cachedCipher) return this.cachedCipher;
    this.cachedKey = key.slice();
    this.cachedCipher = new BlockCipher("AES", copyOut(key));
    return this.cachedCipher;
  }
}

/** An ArrayBuffer holding exactly these bytes (the native side takes whole buffers). */
function copyOut(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}

function toBytes(value: ArrayBuffer | Uint8Array): Uint8Array {
  return value instanceof Uint8Array ? value : new Uint8Array(value);
}
