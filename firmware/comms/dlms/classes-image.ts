/**
 * IC 18 Image transfer (0.0.44.0.0.255) and the image activation single-action schedule
 * (IC 22, 0.0.15.0.2.255) over the image transfer process of firmware/update. The activation
 * itself (save, switch slot, restart) is the owner's: `activate()` and `schedule` here only call it.
 * Result codes and event codes: docs/readme/firmware-update.md.
 */
import { type AxdrWriter, DataType, type DlmsData } from "./axdr";
import { defineClass, type MethodDef, type ObjectClass, type RequestContext } from "./object-model";
import { parseObis, RESULT } from "./xdlms";
import { IMAGE_STATUS, type ImageTransfer } from "../../update/image-transfer";
import { daysFromCivil, MS_PER_DAY, civilFromDays, type CivilDate } from "../../time/civil-date";

/** Image activation script table the schedule names (the meter runs the activation itself). */
const ACTIVATION_SCRIPT = parseObis("0.0.10.0.107.255");

/** What the meter does for image_activate, and the scheduled activation it keeps. */
export interface ImageActivation {
  /** Starts the activation: an action-result code (0: the meter restarts into the new image). */
  activate(): number;
  /** The scheduled activation time (UTC ms), NaN for none. */
  readonly scheduledUtcMs: number;
  /** Sets (or with NaN clears) the scheduled time. Returns an action-result code. */
  schedule(utcMs: number): number;
  /** Local time of a UTC instant as ms since 1970 of the local calendar, and back. */
  localMs(utcMs: number): number;
  localToUtc(localMs: number): number;
}

function structureItems(d: DlmsData | null, n: number): DlmsData[] | null {
  return d && d.type === DataType.structure && d.items.length === n ? d.items : null;
}

/** The action-result of a refused block (docs/readme/firmware-update.md). */
const BLOCK_RESULT = Object.freeze({ "no-transfer": RESULT.temporaryFailure, range: RESULT.otherReason, length: RESULT.typeUnmatched, conflict: RESULT.otherReason });

/** What the image transfer object reads: the transfer process, and the activation (FirmwareUpdate has both). */
interface ImageTransferTarget extends ImageActivation {
  readonly transfer: ImageTransfer;
}

function transferOf(ctx: RequestContext): ImageTransfer {
  return (ctx.object.target as ImageTransferTarget).transfer;
}

/** A method refused while transfers are disabled (temporary-failure), else `run`. */
function enabledMethod(run: (p: DlmsData | null, target: ImageTransferTarget) => number): MethodDef {
  return {
    invoke: (p, ctx) => {
      const target = ctx.object.target as ImageTransferTarget;
      if (!target.transfer.enabled) return RESULT.temporaryFailure;
      return run(p, target);
    },
  };
}

/** IC 18 Image transfer over an ImageTransferTarget. */
export const IMAGE_TRANSFER_CLASS: ObjectClass = defineClass({
  classId: 18,
  version: 0,
  name: "Image transfer",
  group: "config",
  attributes: [
    { get: (ctx, w) => (w.doubleLongUnsigned(transferOf(ctx).options.blockSize), 0) },
    {
      // image_transferred_blocks_status: bit n (most significant first) set = block n received.
      get: (ctx, w) => {
        const s = transferOf(ctx).staged;
        const n = s.identifier ? s.blockCount : 0;
        w.u8(DataType.bitString);
        w.lengthField(n);
        for (let byte = 0; byte < (n + 7) >> 3; byte++) {
          let v = 0;
          for (let bit = 0; bit < 8; bit++) {
            const block = byte * 8 + bit;
            if (block < n && s.isDone(block)) v |= 0x80 >> bit;
          }
          w.u8(v);
        }
        return 0;
      },
    },
    {
      get: (ctx, w) => {
        const s = transferOf(ctx).staged;
        w.doubleLongUnsigned(s.identifier ? s.firstMissing() : 0);
        return 0;
      },
    },
    {
      get: (ctx, w) => (w.boolean(transferOf(ctx).enabled), 0),
      set: (v, ctx) => {
        if (v.type !== DataType.boolean) return RESULT.typeUnmatched;
        transferOf(ctx).enabled = v.value;
        return 0;
      },
    },
    { get: (ctx, w) => (w.enumValue(transferOf(ctx).status), 0) },
    {
      // image_to_activate_info: the verified image's size, identification and signature.
      get: (ctx, w) => {
        const transfer = transferOf(ctx);
        const s = transfer.staged;
        const image = transfer.verifiedImage;
        if (!image || !s.identifier) {
          w.array(0);
          return 0;
        }
        w.array(1);
        w.structure(3);
        w.doubleLongUnsigned(s.imageSize);
        w.octetString(s.identifier);
        w.octetString(image.signature);
        return 0;
      },
    },
  ],
  methods: [
    // image_transfer_initiate(structure { image_identifier, image_size })
    enabledMethod((p, { transfer }) => {
      const items = structureItems(p, 2);
      if (!items || items[0].type !== DataType.octetString || items[1].type !== DataType.doubleLongUnsigned) return RESULT.typeUnmatched;
      if (!transfer.canBegin()) return RESULT.temporaryFailure;
      return transfer.initiate(items[0].bytes, items[1].value) ? RESULT.otherReason : RESULT.success;
    }),
    // image_block_transfer(structure { image_block_number, image_block_value })
    enabledMethod((p, { transfer }) => {
      const items = structureItems(p, 2);
      if (!items || items[0].type !== DataType.doubleLongUnsigned || items[1].type !== DataType.octetString) return RESULT.typeUnmatched;
      const data = items[1].bytes;
      const r = transfer.block(items[0].value, data, 0, data.length);
      return r === "ok" ? RESULT.success : BLOCK_RESULT[r];
    }),
    // image_verify(integer 0): success, temporary-failure while it runs, else why it failed.
    enabledMethod((p, { transfer }) => {
      if (p && p.type !== DataType.integer) return RESULT.typeUnmatched;
      return verifyResult(transfer, transfer.verify());
    }),
    // image_activate(integer 0)
    enabledMethod((p, target) => {
      if (p && p.type !== DataType.integer) return RESULT.typeUnmatched;
      return target.activate();
    }),
  ],
});

/** The action-result for a verification status: 0, 2 while it runs, 14 for a missing block, else 250. */
export function verifyResult(transfer: ImageTransfer, status: number): number {
  if (status === IMAGE_STATUS.verificationSuccessful) return RESULT.success;
  if (status === IMAGE_STATUS.verificationInitiated) return RESULT.temporaryFailure;
  if (status === IMAGE_STATUS.verificationFailed && transfer.lastFailure === "incomplete") return RESULT.dataBlockUnavailable;
  return RESULT.otherReason;
}

function writeExecutionTime(w: AxdrWriter, localMs: number, date: CivilDate): void {
  const days = Math.floor(localMs / MS_PER_DAY);
  const inDay = localMs - days * MS_PER_DAY;
  civilFromDays(days, date);
  w.structure(2);
  w.u8(DataType.octetString);
  w.u8(4);
  w.u8(Math.floor(inDay / 3_600_000));
  w.u8(Math.floor(inDay / 60_000) % 60);
  w.u8(Math.floor(inDay / 1000) % 60);
  w.u8(0);
  w.u8(DataType.octetString);
  w.u8(5);
  w.u8(date.year >> 8);
  w.u8(date.year & 0xff);
  w.u8(date.month);
  w.u8(date.day);
  w.u8(((days % 7) + 7 + 3) % 7 + 1); // 1970-01-01 was a Thursday (4); Monday = 1
}

/** One execution_time entry to local ms; NaN for wildcards or nonsense. */
function readExecutionTime(d: DlmsData): number {
  const items = structureItems(d, 2);
  if (!items || items[0].type !== DataType.octetString || items[1].type !== DataType.octetString) return NaN;
  const t = items[0].bytes;
  const dt = items[1].bytes;
  if (t.length !== 4 || dt.length !== 5) return NaN;
  const year = (dt[0] << 8) | dt[1];
  const [hour, minute, second] = [t[0], t[1], t[2] === 0xff ? 0 : t[2]];
  if (year === 0xffff || dt[2] < 1 || dt[2] > 12 || dt[3] < 1 || dt[3] > 31 || hour > 23 || minute > 59 || second > 59) return NaN;
  return daysFromCivil(year, dt[2], dt[3]) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000;
}

/** IC 22 single-action schedule for the image activation over an ImageActivation: one execution time (type 1). */
export const IMAGE_ACTIVATION_SCHEDULE_CLASS: ObjectClass = defineClass({
  classId: 22,
  version: 0,
  name: "Image activation schedule",
  group: "config",
  attributes: [
    {
      get: (_c, w) => {
        w.structure(2);
        w.obis(ACTIVATION_SCRIPT);
        w.longUnsigned(1);
        return 0;
      },
    },
    { get: (_c, w) => (w.enumValue(1), 0) },
    {
      get: (ctx, w) => {
        const activation = ctx.object.target as ImageActivation;
        const at = activation.scheduledUtcMs;
        if (!Number.isFinite(at)) {
          w.array(0);
          return 0;
        }
        w.array(1);
        writeExecutionTime(w, activation.localMs(at), { year: 0, month: 0, day: 0 });
        return 0;
      },
      set: (v, ctx) => {
        const activation = ctx.object.target as ImageActivation;
        if (v.type !== DataType.array || v.items.length > 1) return RESULT.typeUnmatched;
        if (v.items.length === 0) return activation.schedule(NaN);
        const local = readExecutionTime(v.items[0]);
        if (!Number.isFinite(local)) return RESULT.otherReason;
        return activation.schedule(activation.localToUtc(local));
      },
    },
  ],
});
