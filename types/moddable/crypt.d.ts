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
    /** `data` must be a whole ArrayBuffer of one block (the native side reads no views here). */
    encrypt(data: ArrayBuffer, result?: ArrayBuffer): ArrayBuffer;
    decrypt(data: ArrayBuffer, result?: ArrayBuffer): ArrayBuffer;
  }
  export class Mode {
    constructor(mode: "ECB" | "CTR" | "CBC", cipher: BlockCipher, iv?: BufferLike, padding?: boolean);
    setIV(iv: BufferLike): void;
    encrypt(data: BufferLike, result?: ArrayBuffer): ArrayBuffer;
    decrypt(data: BufferLike, result?: ArrayBuffer): ArrayBuffer;
  }
  /** A Digest: `reset()` returns to the state after the AAD; `_init` sets a new H and AAD (crypt.js). */
  export class GHASH {
    constructor(h: ArrayBuffer, aad?: ArrayBuffer);
    _init(h: ArrayBuffer, aad?: ArrayBuffer): void;
    write(data: BufferLike): void;
    reset(): void;
    update(data: BufferLike): void;
    close(): ArrayBuffer;
    process(...data: BufferLike[]): ArrayBuffer;
  }
}

declare module "bin" {
  const Bin: {
    xor(a: ArrayBuffer, b: ArrayBuffer): ArrayBuffer;
    comp(a: ArrayBuffer, b: ArrayBuffer, length?: number): number;
  };
  export default Bin;
}
