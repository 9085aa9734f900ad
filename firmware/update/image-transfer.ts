/**
 * The image transfer process of IC 18 (Blue Book 4.4.6): initiate, blocks in any order, verify.
 * Activation belongs to the app (it saves and restarts the meter): app/firmware-update.ts.
 * The image is checked as it is read back from the slot, a chunk at a time: never whole in RAM.
 */
import type { Clock, TimerId } from "../hal/clock";
import type { Sha256Hash } from "../hal/crypto";
import type { Flash } from "../hal/flash";
import { Sha256 } from "../comms/crypto/sha256";
import { verifyP256 } from "../comms/crypto/p256";
import { IMAGE_FLAG_ALLOW_OLDER, IMAGE_HEADER_LENGTH, IMAGE_OVERHEAD, IMAGE_SIGNATURE_LENGTH, type ImageHeader, type ImageTarget, parseImageHeader } from "./image-format";
import { StagedImage } from "./staged-image";

/** Period of the verification steps: the meter's own timers (the tick) run in between. */
const VERIFY_STEP_MS = 50;

/** image_transfer_status (attribute 6). */
export const IMAGE_STATUS = Object.freeze({
  notInitiated: 0,
  initiated: 1,
  verificationInitiated: 2,
  verificationSuccessful: 3,
  verificationFailed: 4,
  activationInitiated: 5,
  activationSuccessful: 6,
  activationFailed: 7,
});

/** Why a verification failed; each has its action result and event code (docs/readme/firmware-update.md). */
export type VerifyFailure = "incomplete" | "length" | "hash" | "signature" | "target" | "older";

export interface ImageTransferOptions {
  /** image_block_size (attribute 2). */
  blockSize: number;
  /** What this meter is: an image for another target is refused. */
  target: ImageTarget;
  /** The manufacturer's public key (uncompressed P-256) held in the meter. */
  publicKey(): Uint8Array;
  /** Version number of the running firmware (anti-rollback). */
  runningVersion(): number;
  /** The SHA-256 to check images with (the crypto port's, native on the device); default the portable one. */
  createSha256?(): Sha256Hash;
  /** Image bytes checked per call of the verification step (the rest follows on a timer). */
  verifyChunkBytes: number;
  /** False while a new transfer must not start (the owner's rule: a running image on trial). Default: always may. */
  canBegin?(): boolean;
  /** A verification ended (success: failure null). */
  verified?(failure: VerifyFailure | null): void;
}

interface VerifiedImage {
  header: ImageHeader;
  signature: Uint8Array;
}

export class ImageTransfer {
  readonly staged: StagedImage;
  status: number = IMAGE_STATUS.notInitiated;
  /** image_transfer_enabled (attribute 5). */
  enabled = true;
  /** The outcome of the last finished verification. */
  lastFailure: VerifyFailure | null = null;
  /** Header and signature of the verified image (attribute 7; activation). */
  verifiedImage: VerifiedImage | null = null;
  /** The hashes and buffers of a verification in progress: made at image_verify, dropped when it ends (none at rest). */
  private work: VerifyWork | null = null;
  private verifyPos = 0;
  private verifyHeader: ImageHeader | null = null;
  private timer: TimerId | undefined;

  constructor(slot: Flash, private readonly clock: Clock, readonly options: ImageTransferOptions) {
    this.staged = new StagedImage(slot);
  }

  /** False while a new transfer must not start (options.canBegin). */
  canBegin(): boolean {
    const o = this.options;
    return o.canBegin ? o.canBegin() : true;
  }

  /** Power up: a transfer in the slot continues where it stopped. */
  load(): void {
    if (!this.staged.load() || this.staged.blockSize !== this.options.blockSize) {
      this.status = IMAGE_STATUS.notInitiated;
      return;
    }
    // A verification does not outlive the power-up (the key or the running version may have
    // changed): image_verify (or the activation) checks the image again.
    this.status = IMAGE_STATUS.initiated;
  }

  /**
   * image_transfer_initiate: the same identifier and size as the transfer in the slot resumes it;
   * anything else starts a new one. Null, or why the image is refused.
   */
  initiate(identifier: Uint8Array, size: number): string | null {
    if (!this.canBegin()) return "the running firmware is on trial: it must confirm itself first";
    this.stopVerify();
    const s = this.staged;
    // A failed image is not resumed: the same identifier then starts over (another build of it).
    const resumable = this.status !== IMAGE_STATUS.activationInitiated && this.status !== IMAGE_STATUS.verificationFailed;
    if (resumable && s.identifier && s.imageSize === size && sameBytes(s.identifier, identifier)) {
      if (this.status !== IMAGE_STATUS.verificationSuccessful) this.status = IMAGE_STATUS.initiated;
      return null;
    }
    const refused = s.begin(identifier, size, this.options.blockSize);
    this.verifiedImage = null;
    this.lastFailure = null;
    this.status = refused ? IMAGE_STATUS.notInitiated : IMAGE_STATUS.initiated;
    return refused;
  }

  /** image_block_transfer. "ok", or why the block is refused. */
  block(n: number, data: Uint8Array, start: number, end: number): "ok" | "no-transfer" | "range" | "length" | "conflict" {
    const s = this.staged;
    if (!s.identifier || this.status === IMAGE_STATUS.activationInitiated) return "no-transfer";
    if (!Number.isInteger(n) || n < 0 || n >= s.blockCount) return "range";
    if (end - start !== s.blockLength(n)) return "length";
    const r = s.writeBlock(n, data, start, end);
    if (r === "conflict") return "conflict";
    if (r === "written" && this.status !== IMAGE_STATUS.initiated) {
      // New bytes after a verification: it no longer holds.
      this.stopVerify();
      this.status = IMAGE_STATUS.initiated;
      this.verifiedImage = null;
    }
    return "ok";
  }

  /**
   * image_verify: starts (or continues) the check; runs the first chunk now. Returns the status
   * after this call: 2 (still running, a timer finishes it), 3 or 4.
   */
  verify(): number {
    if (this.status === IMAGE_STATUS.verificationSuccessful || this.status === IMAGE_STATUS.verificationInitiated) return this.status;
    const s = this.staged;
    if (!s.identifier) return this.status;
    this.status = IMAGE_STATUS.verificationInitiated;
    this.verifyPos = 0;
    this.verifyHeader = null;
    if (!s.complete) return this.fail("incomplete");
    const header = new Uint8Array(IMAGE_HEADER_LENGTH);
    s.read(0, header);
    const parsed = parseImageHeader(header);
    if (typeof parsed === "string" || parsed.payloadLength + IMAGE_OVERHEAD !== s.imageSize) return this.fail("length");
    this.verifyHeader = parsed;
    const o = this.options;
    const work = (this.work = {
      whole: o.createSha256 ? o.createSha256() : new Sha256(),
      payload: o.createSha256 ? o.createSha256() : new Sha256(),
      chunk: new Uint8Array(Math.min(4096, Math.max(256, o.verifyChunkBytes))),
      digest: new Uint8Array(32),
    });
    work.whole.update(header);
    this.verifyPos = IMAGE_HEADER_LENGTH;
    this.step();
    if (this.status === IMAGE_STATUS.verificationInitiated) this.timer = this.clock.repeat(() => this.step(), VERIFY_STEP_MS);
    return this.status;
  }

  /** Forgets a verification in progress (a new initiate, or power down). */
  stopVerify(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.work = null;
    if (this.status === IMAGE_STATUS.verificationInitiated) this.status = IMAGE_STATUS.initiated;
  }

  /** One chunk of the hash; at the end of the payload the checks of signature, target and version. */
  private step(): void {
    const s = this.staged;
    const header = this.verifyHeader;
    const work = this.work;
    if (!header || !work || this.status !== IMAGE_STATUS.verificationInitiated) return this.stopTimer();
    const payloadEnd = s.imageSize - IMAGE_SIGNATURE_LENGTH;
    let budget = this.options.verifyChunkBytes;
    while (budget > 0 && this.verifyPos < payloadEnd) {
      const n = Math.min(work.chunk.length, payloadEnd - this.verifyPos, budget);
      const part = work.chunk.subarray(0, n);
      s.read(this.verifyPos, part);
      work.whole.update(part);
      work.payload.update(part);
      this.verifyPos += n;
      budget -= n;
    }
    if (this.verifyPos < payloadEnd) return;
    this.stopTimer();
    this.work = null;
    work.payload.digest(work.digest);
    if (!sameBytes(work.digest, header.payloadHash)) return void this.fail("hash");
    const signature = new Uint8Array(IMAGE_SIGNATURE_LENGTH);
    s.read(payloadEnd, signature);
    work.whole.digest(work.digest);
    if (!verifyP256(this.options.publicKey(), work.digest, signature)) return void this.fail("signature");
    const t = this.options.target;
    if (header.target.board !== t.board || header.target.chip !== t.chip) return void this.fail("target");
    if (header.versionNumber < this.options.runningVersion() && !(header.flags & IMAGE_FLAG_ALLOW_OLDER)) return void this.fail("older");
    s.markVerified();
    this.verifiedImage = { header, signature };
    this.lastFailure = null;
    this.status = IMAGE_STATUS.verificationSuccessful;
    this.options.verified?.(null);
  }

  private fail(reason: VerifyFailure): number {
    this.stopTimer();
    this.work = null;
    this.lastFailure = reason;
    this.verifiedImage = null;
    this.status = IMAGE_STATUS.verificationFailed;
    this.options.verified?.(reason);
    return this.status;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}

/** What a verification in progress holds. */
interface VerifyWork {
  whole: Sha256Hash;
  payload: Sha256Hash;
  chunk: Uint8Array;
  digest: Uint8Array;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
