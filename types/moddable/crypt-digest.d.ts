/*
 * Stand-in for the SDK's typings/crypt.d.ts Digest (used only where the SDK is absent: mcconfig
 * builds read the SDK's own declaration, and the manifest does not list this file). Same shape.
 */
declare module "crypt" {
  type DigestType = "MD5" | "SHA1" | "SHA224" | "SHA256" | "SHA384" | "SHA512";
  export class Digest {
    constructor(type: DigestType);
    write(message: string | ArrayBuffer): void;
    close(): ArrayBuffer;
    reset(): void;
    get blockSize(): number;
    get outputSize(): number;
    update(message: string | ArrayBuffer): void;
  }
}
