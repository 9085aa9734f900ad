import type { Crypto } from "../../hal/crypto";
import { Aes } from "./aes";
import { Gcm } from "./gcm";

/**
 * The crypto port in portable TypeScript. Expanding a key costs more than a short message, so
 * the last few keys stay expanded (DLMS uses two or three keys per association).
 */
export class PortableCrypto implements Crypto {
  private readonly cache: { key: Uint8Array; gcm: Gcm }[] = [];

  constructor(private readonly cacheSize = 4) {}

  gcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, bytes: Uint8Array, start: number, end: number, tagLength: number): void {
    this.gcm(key).seal(iv, aad, bytes, start, end, tagLength);
  }

  gcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, bytes: Uint8Array, start: number, end: number, tagLength: number): boolean {
    return this.gcm(key).open(iv, aad, bytes, start, end, tagLength);
  }

  aesEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
    checkBlock(block);
    const out = new Uint8Array(16);
    this.gcm(key).aes.encryptBlock(block, 0, out, 0);
    return out;
  }

  aesDecryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
    checkBlock(block);
    const out = new Uint8Array(16);
    this.gcm(key).aes.decryptBlock(block, 0, out, 0);
    return out;
  }

  private gcm(key: Uint8Array): Gcm {
    const cache = this.cache;
    for (let i = 0; i < cache.length; i++) {
      if (equalBytes(cache[i].key, key)) {
        const hit = cache[i];
        if (i !== 0) {
          cache.splice(i, 1);
          cache.unshift(hit);
        }
        return hit.gcm;
      }
    }
    const entry = { key: key.slice(), gcm: new Gcm(new Aes(key)) };
    cache.unshift(entry);
    if (cache.length > this.cacheSize) cache.pop();
    return entry.gcm;
  }
}

function checkBlock(block: Uint8Array): void {
  if (block.length !== 16) throw new RangeError(`AES block must be 16 bytes, not ${block.length}`);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
