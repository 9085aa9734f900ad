/**
 * Ambient declarations for the Moddable SDK crypto modules the firmware uses that have no SDK
 * typings (`typings/crypt.d.ts` declares only Digest, so Digest is left out here and the two
 * declarations of "crypt" merge). Shapes follow modules/crypt (native BlockCipher, Mode, GHASH)
 * and modules/crypt/etc/gcm.js, bin.
 */
declare module "crypt" {
  type BufferLike = ArrayBuffer | ArrayBufferView;
  /** Native block cipher: "AES" (16/24/32-byte key), "DES", "TDES". */
  export class BlockCipher {
    constructor(cipher: "AES" | "DES" | "TDES", key: BufferLike, direction?: number, hash?: unknown);
    readonly blockSize: number;
    encrypt(data: BufferLike, result?: ArrayBuffer): ArrayBuffer;
    decrypt(data: BufferLike, result?: ArrayBuffer): ArrayBuffer;
  }
  export class Mode {
    constructor(mode: "ECB" | "CTR" | "CBC", cipher: BlockCipher, iv?: BufferLike, padding?: boolean);
    setIV(iv: BufferLike): void;
    encrypt(data: BufferLike, result?: ArrayBuffer): ArrayBuffer;
    decrypt(data: BufferLike, result?: ArrayBuffer): ArrayBuffer;
  }
  export class GHASH {
    constructor(h: BufferLike, aad?: BufferLike);
    update(data: BufferLike): void;
    close(): ArrayBuffer;
    process(...data: BufferLike[]): ArrayBuffer;
  }
}

declare module "gcm" {
  import type { BlockCipher } from "crypt";
  /** modules/crypt/etc/gcm.js: AES-GCM over a native BlockCipher. */
  export default class GCM {
    constructor(cipher: BlockCipher, tagLength?: number);
    /**
     * Encrypting returns ciphertext || tag. Decrypting takes ciphertext || tag and returns the
     * plaintext, or undefined when the tag does not match.
     */
    process(data: ArrayBuffer | Uint8Array, buf: ArrayBuffer | undefined, iv: ArrayBuffer, aad: ArrayBuffer | undefined, encrypt: boolean): ArrayBuffer | Uint8Array | undefined;
  }
}

declare module "bin" {
  const Bin: {
    xor(a: ArrayBuffer, b: ArrayBuffer): ArrayBuffer;
    comp(a: ArrayBuffer, b: ArrayBuffer, length?: number): number;
  };
  export default Bin;
}
