import { type CipherGCMTypes, createCipheriv, createDecipheriv, createHash, type Hash } from "node:crypto";
import type { Crypto, Sha256Hash } from "../firmware/hal/crypto";

/** The crypto port on Node's OpenSSL: the host simulator's fast path and the tests' reference. */
export class NodeCrypto implements Crypto {
  gcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, bytes: Uint8Array, start: number, end: number, tagLength: number): void {
    const cipher = createCipheriv(gcmName(key), key, iv, { authTagLength: tagLength });
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(bytes.subarray(start, end)), cipher.final()]);
    bytes.set(body, start);
    bytes.set(cipher.getAuthTag().subarray(0, tagLength), end);
  }

  gcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, bytes: Uint8Array, start: number, end: number, tagLength: number): boolean {
    const decipher = createDecipheriv(gcmName(key), key, iv, { authTagLength: tagLength });
    decipher.setAAD(aad);
    decipher.setAuthTag(bytes.subarray(end, end + tagLength));
    const body = decipher.update(bytes.subarray(start, end));
    try {
      decipher.final();
    } catch {
      return false;
    }
    bytes.set(body, start);
    return true;
  }

  createSha256(): Sha256Hash {
    return new NodeSha256();
  }

  aesEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
    const cipher = createCipheriv(ecbName(key), key, null);
    cipher.setAutoPadding(false);
    return new Uint8Array(Buffer.concat([cipher.update(block), cipher.final()]));
  }

  aesDecryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
    const decipher = createDecipheriv(ecbName(key), key, null);
    decipher.setAutoPadding(false);
    return new Uint8Array(Buffer.concat([decipher.update(block), decipher.final()]));
  }
}

function gcmName(key: Uint8Array): CipherGCMTypes {
  return `aes-${key.length * 8}-gcm` as CipherGCMTypes;
}

function ecbName(key: Uint8Array): string {
  return `aes-${key.length * 8}-ecb`;
}

/** SHA-256 on OpenSSL behind the crypto port's streaming shape. */
export class NodeSha256 implements Sha256Hash {
  private hash: Hash = createHash("sha256");

  reset(): this {
    this.hash = createHash("sha256");
    return this;
  }

  update(data: Uint8Array, start = 0, end = data.length): this {
    this.hash.update(data.subarray(start, end));
    return this;
  }

  digest(out: Uint8Array, offset = 0): Uint8Array {
    out.set(this.hash.digest(), offset);
    this.reset();
    return out;
  }
}
