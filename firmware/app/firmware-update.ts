/**
 * Signed firmware update wired into the meter (issue 16, docs/readme/firmware-update.md): the image
 * transfer (firmware/update) in the inactive OTA slot, its COSEM objects, the activation (now or by
 * the schedule 0.0.15.0.2.255) with an emergency-grade save before the switch and restart, and
 * after the restart the confirmation of the new image or the rollback to the previous one.
 * The composition root (meter-app.ts) builds one when the board has OTA slots.
 */
import type { FirmwareSlots } from "../hal/firmware-slots";
import type { TimerId } from "../hal/clock";
import type { Meter } from "./meter";
import { EVENT } from "../kernel/event-codes";
import { type AxdrWriter, DataType, type DlmsData } from "../comms/dlms/axdr";
import { IMAGE_ACTIVATION_SCHEDULE_CLASS, IMAGE_TRANSFER_CLASS, verifyResult, type ImageActivation } from "../comms/dlms/classes-image";
import { defineClass, type ObjectClass, type ObjectModel, type RequestContext } from "../comms/dlms/object-model";
import { RESULT } from "../comms/dlms/xdlms";
import { isValidP256PublicKey } from "../comms/crypto/p256";
import { IMAGE_STATUS, ImageTransfer, sameBytes, type ImageTransferOptions, type VerifyFailure } from "../update/image-transfer";
import { versionNumberOf, type ImageTarget } from "../update/image-format";
import type { FirmwareUpdateConfig } from "../update/update-config";
import type { PersistentHandle, SnapshotState } from "../storage/persistence-types";
import type { Crypto, Sha256Hash } from "../hal/crypto";
import { Sha256 } from "../comms/crypto/sha256";
import { devImagePublicKey } from "../update/dev-key";

export const IMAGE_TRANSFER_OBIS = "0.0.44.0.0.255";
const IMAGE_ACTIVATION_SCHEDULE_OBIS = "0.0.15.0.2.255";
/** Manufacturer-specific: the image-signing public key (management only) and the last verification's outcome. */
const IMAGE_KEY_OBIS = "0.0.44.128.0.255";
const IMAGE_VERIFY_RESULT_OBIS = "0.0.44.128.1.255";

/** Standard event log codes of the update (docs/readme/firmware-update.md). */
export const UPDATE_EVENT = Object.freeze({
  readyForActivation: EVENT.standard.firmwareReadyForActivation,
  activated: EVENT.standard.firmwareActivated,
  incomplete: EVENT.standard.imageIncomplete,
  hashMismatch: EVENT.standard.imageHashMismatch,
  signatureInvalid: EVENT.standard.imageSignatureInvalid,
  refused: EVENT.standard.imageRefused,
  rolledBack: EVENT.standard.firmwareRolledBack,
});

const FAILURE_EVENT: Readonly<Record<VerifyFailure, number>> = Object.freeze({
  incomplete: UPDATE_EVENT.incomplete,
  length: UPDATE_EVENT.incomplete,
  hash: UPDATE_EVENT.hashMismatch,
  signature: UPDATE_EVENT.signatureInvalid,
  target: UPDATE_EVENT.refused,
  older: UPDATE_EVENT.refused,
});

/** 0.0.44.128.1.255 values: 0 verified, then one per failure. */
const FAILURE_CODE: Readonly<Record<VerifyFailure, number>> = Object.freeze({ incomplete: 1, length: 2, hash: 3, signature: 4, target: 5, older: 6 });

/** A firmware as the meter reports it: identifier (1.0.0.2.0.255), version number, signature (1.0.0.2.8.255). */
interface FirmwareIdentity {
  id: string;
  number: number;
  signature: Uint8Array;
}

/** The persisted record "fw". */
interface UpdateRecord {
  run: FirmwareIdentity;
  prev: FirmwareIdentity | null;
  /** The running image was just activated and is not confirmed yet. */
  trial: boolean;
  /** Scheduled activation, UTC ms; -1 none. */
  at: number;
  key: Uint8Array;
}

function updateOf(ctx: RequestContext): FirmwareUpdate {
  return ctx.object.target as FirmwareUpdate;
}

/** A class-1 object of the update that reads (and maybe writes) the FirmwareUpdate it targets. */
function updateDataClass(name: string, group: "identity" | "security" | "config", get: (u: FirmwareUpdate, w: AxdrWriter) => void, set?: (u: FirmwareUpdate, v: DlmsData) => number): ObjectClass {
  return defineClass({
    classId: 1,
    version: 0,
    name,
    group,
    attributes: [{ get: (ctx, w) => (get(updateOf(ctx), w), 0), set: set ? (v, ctx) => set(updateOf(ctx), v) : undefined }],
  });
}

const RUNNING_ID_CLASS = updateDataClass("Active firmware identifier", "identity", (u, w) => w.octetStringAscii(u.runningId));
const RUNNING_SIGNATURE_CLASS = updateDataClass("Active firmware signature", "identity", (u, w) => w.octetString(u.runningSignature));
const IMAGE_KEY_CLASS = updateDataClass("Image signing public key", "security", (u, w) => w.octetString(u.publicKey), (u, v) => u.setPublicKey(v));
const VERIFY_RESULT_CLASS = updateDataClass("Image verification result", "config", (u, w) => w.enumValue(u.lastFailureCode));

export class FirmwareUpdate implements ImageActivation {
  private made: ImageTransfer | null = null;
  private readonly parts: UpdateParts;
  private record: UpdateRecord;
  private readonly handle: PersistentHandle;
  private confirmTimer: TimerId | undefined;
  private scheduleTimer: TimerId | undefined;
  private bootMs = 0;
  /** An activation waits for a verification still running. */
  private activateAfterVerify = false;
  /**
   * The transfer status a boot decided (activation successful after a trial start), applied when
   * the transfer is made: a restart into a new image does not make the transfer for it (its
   * block map and slot handle stay out of the heap until a client asks).
   */
  private bootStatus = -1;

  constructor(private readonly meter: Meter, private readonly slots: FirmwareSlots) {
    const config = meter.config.update;
    const factory: FirmwareIdentity = { id: meter.config.firmwareId, number: versionNumberOf(meter.config.firmwareId), signature: new Uint8Array(0) };
    this.record = { run: factory, prev: null, trial: false, at: -1, key: config.publicKey.slice() };
    // One object serves the transfer's options and the record's persistence (methods on its prototype: no closure per meter).
    const parts = (this.parts = new UpdateParts(this));
    this.handle = meter.persistence.register<UpdateRecord>(parts);
  }

  /**
   * The image transfer (and its handle on the staging slot), made at its first use: a DLMS request
   * to the update's objects, or a boot that ends a trial. Nothing of it in RAM before.
   */
  get transfer(): ImageTransfer {
    let t = this.made;
    if (!t) {
      t = this.made = new ImageTransfer(this.slots.staging, this.meter.board.clock, this.parts);
      // A transfer in the slot continues where it stopped (power cut, dropped connection).
      t.load();
      if (this.bootStatus >= 0) t.status = this.bootStatus;
      this.bootStatus = -1;
    }
    return t;
  }

  /** The record "fw" (UpdateParts: persistence). */
  get updateRecord(): UpdateRecord {
    return this.record;
  }

  /** A stored record "fw" (UpdateParts: persistence); throws when it is not one. */
  restoreRecord(r: UpdateRecord): void {
    if (typeof r.run?.id !== "string" || !(r.key instanceof Uint8Array)) throw new TypeError("firmware record");
    this.record = { run: r.run, prev: r.prev ?? null, trial: r.trial === true, at: typeof r.at === "number" ? r.at : -1, key: r.key };
    this.meter.config.firmwareId = r.run.id;
  }

  private save(): void {
    try {
      this.handle.save();
    } catch (e) {
      this.meter.board.log.error(`firmware record not stored: ${(e as Error).message}`);
    }
  }

  get config(): FirmwareUpdateConfig {
    return this.meter.config.update;
  }

  get crypto(): Crypto | undefined {
    return this.meter.board.crypto;
  }

  /** The identifier of the running firmware (1.0.0.2.0.255). */
  get runningId(): string {
    return this.record.run.id;
  }

  get runningSignature(): Uint8Array {
    return this.record.run.signature;
  }

  get publicKey(): Uint8Array {
    return this.record.key;
  }

  get scheduledUtcMs(): number {
    return this.record.at >= 0 ? this.record.at : NaN;
  }

  /** The name of a shipped default secret still in use (the development signing key), or null. */
  defaultSecret(): string | null {
    return sameBytes(this.record.key, devImagePublicKey()) ? "image signing key (development key)" : null;
  }

  /** After the meter's restore: a transfer in the slot resumes; a new image confirms itself or is rolled back. */
  start(): void {
    const board = this.meter.board;
    const events = this.meter.events;
    this.bootMs = board.clock.nowMs();
    const boot = this.slots.bootState;
    if (this.record.trial && boot === "trial") {
      if (this.made) this.made.status = IMAGE_STATUS.activationSuccessful;
      else this.bootStatus = IMAGE_STATUS.activationSuccessful;
      events.record("standard", UPDATE_EVENT.activated);
      board.log.info(`firmware ${this.record.run.id} started; confirming within ${this.meter.config.update.rollbackAfterMs / 1000} s`);
      this.confirmTimer = board.clock.repeat(() => this.checkConfirmation(), 5000);
    } else if (this.record.trial || boot === "rolled-back") {
      // The new image did not come up (the switch was torn, or it restarted before confirming).
      this.rolledBack();
    }
    this.armSchedule();
  }

  stop(): void {
    this.made?.stopVerify();
    if (this.confirmTimer !== undefined) this.meter.board.clock.clearTimer(this.confirmTimer);
    if (this.scheduleTimer !== undefined) this.meter.board.clock.clearTimer(this.scheduleTimer);
    this.confirmTimer = undefined;
    this.scheduleTimer = undefined;
  }

  /** image_activate: verify if needed, save everything, switch to the new image, restart. */
  activate(): number {
    const t = this.transfer;
    if (t.status === IMAGE_STATUS.activationInitiated) return RESULT.temporaryFailure;
    // A failed image stays failed until image_verify is asked again (or new blocks come).
    if (t.status === IMAGE_STATUS.verificationFailed) return verifyResult(t, t.status);
    if (t.status !== IMAGE_STATUS.verificationSuccessful) {
      const status = t.verify();
      if (status === IMAGE_STATUS.verificationInitiated) {
        this.activateAfterVerify = true;
        return RESULT.temporaryFailure;
      }
      if (status !== IMAGE_STATUS.verificationSuccessful) return verifyResult(t, status);
    }
    const image = t.verifiedImage!;
    const board = this.meter.board;
    const previous = this.record.run;
    // The record names the new image before the slot switches: a restart between the two finds
    // "trial" without a trial boot and keeps the old image.
    this.record = { ...this.record, run: { id: image.header.versionId, number: image.header.versionNumber, signature: image.signature }, prev: previous, trial: true, at: -1 };
    this.save();
    try {
      this.slots.selectStaged(image.header.payloadLength);
    } catch (e) {
      this.record = { ...this.record, run: previous, prev: null, trial: false };
      this.save();
      t.status = IMAGE_STATUS.activationFailed;
      board.log.error(`firmware activation refused: ${(e as Error).message}`);
      return RESULT.hardwareFault;
    }
    t.status = IMAGE_STATUS.activationInitiated;
    board.log.info(`firmware ${image.header.versionId} selected; saving and restarting`);
    // Emergency-grade save (the IC drained, every periodic state, the power stamp): nothing lost.
    this.meter.persistence.powerFailing();
    board.clock.schedule(() => this.slots.restart(), this.meter.config.update.restartDelayMs);
    return RESULT.success;
  }

  schedule(utcMs: number): number {
    this.record = { ...this.record, at: Number.isFinite(utcMs) ? utcMs : -1 };
    this.save();
    this.armSchedule();
    return RESULT.success;
  }

  localMs(utcMs: number): number {
    return this.meter.clock.localMs(utcMs);
  }

  localToUtc(localMs: number): number {
    return this.meter.clock.localToUtc(localMs);
  }

  /** Replaces the firmware identifier and adds the update's objects. */
  contribute(model: ObjectModel): void {
    model.replaceWith(RUNNING_ID_CLASS, "1.0.0.2.0.255", this);
    model.replaceWith(RUNNING_SIGNATURE_CLASS, "1.0.0.2.8.255", this);
    model.replaceWith(IMAGE_TRANSFER_CLASS, IMAGE_TRANSFER_OBIS, this);
    model.replaceWith(IMAGE_ACTIVATION_SCHEDULE_CLASS, IMAGE_ACTIVATION_SCHEDULE_OBIS, this);
    model.replaceWith(IMAGE_KEY_CLASS, IMAGE_KEY_OBIS, this);
    model.replaceWith(VERIFY_RESULT_CLASS, IMAGE_VERIFY_RESULT_OBIS, this);
  }

  /** The image verification result attribute: 0, or the code of the last failure. */
  get lastFailureCode(): number {
    return this.transfer.lastFailure ? FAILURE_CODE[this.transfer.lastFailure] : 0;
  }

  /** A DLMS write of the image-signing public key (management only): a data-access-result. */
  setPublicKey(v: DlmsData): number {
    if (v.type !== DataType.octetString) return RESULT.typeUnmatched;
    if (!isValidP256PublicKey(v.bytes)) return RESULT.otherReason;
    this.record = { ...this.record, key: v.bytes.slice() };
    this.save();
    this.meter.events.record("standard", EVENT.standard.keysChanged);
    return RESULT.success;
  }

  /** A verification ended (UpdateParts: the transfer's options). */
  verified(failure: VerifyFailure | null): void {
    const events = this.meter.events;
    const pending = this.activateAfterVerify;
    this.activateAfterVerify = false;
    if (failure) {
      events.record("standard", FAILURE_EVENT[failure]);
      this.meter.board.log.warn(`firmware image refused: ${failure}`);
      return;
    }
    events.record("standard", UPDATE_EVENT.readyForActivation);
    if (pending) this.activate();
  }

  private armSchedule(): void {
    const clock = this.meter.board.clock;
    if (this.scheduleTimer !== undefined) clock.clearTimer(this.scheduleTimer);
    this.scheduleTimer = undefined;
    if (this.record.at < 0) return;
    this.scheduleTimer = clock.repeat(() => {
      if (this.meter.clock.nowUtcMs() < this.record.at) return;
      clock.clearTimer(this.scheduleTimer!);
      this.scheduleTimer = undefined;
      this.record = { ...this.record, at: -1 };
      this.save();
      const result = this.activate();
      if (result !== RESULT.success && result !== RESULT.temporaryFailure) this.meter.board.log.error(`scheduled firmware activation failed (result ${result})`);
    }, 1000);
  }

  /** The trial image confirms itself once it has metered for a while; past the deadline it gives up. */
  private checkConfirmation(): void {
    const meter = this.meter;
    const config = meter.config.update;
    const ranMs = meter.board.clock.nowMs() - this.bootMs;
    if (ranMs >= config.confirmAfterMs && meter.lastIcStatus === "ok" && meter.ticks > 0) {
      this.slots.confirm();
      this.record = { ...this.record, trial: false };
      this.save();
      meter.board.clock.clearTimer(this.confirmTimer!);
      this.confirmTimer = undefined;
      meter.board.log.info(`firmware ${this.record.run.id} confirmed`);
      return;
    }
    if (ranMs < config.rollbackAfterMs) return;
    meter.board.clock.clearTimer(this.confirmTimer!);
    this.confirmTimer = undefined;
    meter.board.log.error(`firmware ${this.record.run.id} not confirmed within ${config.rollbackAfterMs / 1000} s: rolling back`);
    const failed = this.record.run;
    this.record = { ...this.record, run: this.record.prev ?? failed, prev: failed, trial: false };
    meter.events.record("standard", UPDATE_EVENT.rolledBack);
    this.save();
    meter.persistence.powerFailing();
    this.slots.rollback();
  }

  /** Back on the previous image after a trial that did not last. */
  private rolledBack(): void {
    const r = this.record;
    if (r.trial && r.prev) this.record = { ...r, run: r.prev, prev: r.run, trial: false };
    else this.record = { ...r, trial: false };
    this.meter.config.firmwareId = this.record.run.id;
    this.transfer.status = IMAGE_STATUS.activationFailed;
    this.meter.events.record("standard", UPDATE_EVENT.rolledBack);
    this.meter.board.log.error(`firmware update rolled back: ${this.record.run.id} runs`);
    this.save();
  }
}

/**
 * The update's parts the image transfer and the persistent store call: the transfer's options
 * (block size, target, key, running version, hash, may a transfer begin, verification ended) and
 * the record "fw"'s spec. Behaviour on the prototype: one small object per meter.
 */
class UpdateParts implements ImageTransferOptions, SnapshotState<UpdateRecord> {
  constructor(private readonly u: FirmwareUpdate) {}
  get id(): string {
    return "fw";
  }
  get essential(): boolean {
    return false;
  }
  get save(): "immediate" {
    return "immediate";
  }
  snapshot(): UpdateRecord {
    return this.u.updateRecord;
  }
  restore(r: UpdateRecord): void {
    this.u.restoreRecord(r);
  }
  get blockSize(): number {
    return this.u.config.blockSize;
  }
  get target(): ImageTarget {
    return this.u.config.target;
  }
  get verifyChunkBytes(): number {
    return this.u.config.verifyChunkBytes;
  }
  publicKey(): Uint8Array {
    return this.u.publicKey;
  }
  runningVersion(): number {
    return this.u.updateRecord.run.number;
  }
  createSha256(): Sha256Hash {
    const crypto = this.u.crypto;
    return crypto?.createSha256 ? crypto.createSha256() : new Sha256();
  }
  /** While the running image is on trial the other slot holds the way back: no new transfer into it. */
  canBegin(): boolean {
    return !this.u.updateRecord.trial;
  }
  verified(failure: VerifyFailure | null): void {
    this.u.verified(failure);
  }
}
