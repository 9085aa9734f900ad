import type { Sha256Hash } from "../../hal/crypto";

/** The part of the SDK's `crypt` Digest (typings/crypt.d.ts) the image check uses. */
export interface DigestObject {
  write(message: ArrayBuffer): void;
  close(): ArrayBuffer;
  reset(): void;
}

/**
 * SHA-256 by the SDK's native Digest (modules/crypt/digest, C): the crypto port's hash on the
 * device (crypto.ts makes it with `new Digest("SHA256")`). The hashing runs in C; XS only copies
 * each part into an ArrayBuffer of its own (the native side takes whole buffers). Kept apart from
 * crypto.ts, which imports the SDK, so the bench can measure this XS share in xsnap.
 */
export class DigestSha256 implements Sha256Hash {
  constructor(private readonly native: DigestObject) {}

  reset(): this {
    this.native.reset();
    return this;
  }

  update(data: Uint8Array, start = 0, end = data.length): this {
    if (end <= start) return this;
    const part = new Uint8Array(end - start);
    part.set(data.subarray(start, end));
    this.native.write(part.buffer);
    return this;
  }

  /** Writes the digest into `out` at `offset` and starts over. */
  digest(out: Uint8Array, offset = 0): Uint8Array {
    out.set(new Uint8Array(this.native.close()), offset);
    this.native.reset();
    return out;
  }
}
