/**
 * The client side of a firmware update (IC 18, docs/readme/firmware-update.md): initiate, send the
 * blocks the meter still lacks (it keeps what it has across a power cut), verify, and activate now
 * or at a time through the image activation schedule (IC 22). Used by `npm run client -- image`.
 */
import { readFileSync } from "node:fs";
import { Presets, SingleBar } from "cli-progress";
import { array, type Data, int, octets, struct } from "./codec";
import { dateTimeFromText } from "./format";
import type { DlmsClient } from "./session";
import type { ProgressStream } from "../progress";

export const IMAGE_TRANSFER = "0.0.44.0.0.255";
export const IMAGE_ACTIVATION_SCHEDULE = "0.0.15.0.2.255";

export const IMAGE_STATUS_NAMES = [
  "not initiated", "initiated", "verification initiated", "verification successful", "verification failed", "activation initiated", "activation successful", "activation failed",
];

export class ImageTransferError extends Error {
  constructor(message: string, readonly result: number) {
    super(message);
  }
}

export interface TransferOptions {
  /** "now", a UTC instant (ms) for the schedule, or undefined: transfer and verify only. */
  activate?: "now" | number;
  /** Local time of the meter for the schedule: the UTC offset in minutes at that instant. */
  utcOffsetMinutesAt?: (utcMs: number) => number;
  onProgress?(sent: number, total: number): void;
  /** Waits between polls of a verification still running (default 50 ms of real time). */
  wait?: () => Promise<void>;
  /** Send order of the missing blocks (tests: out of order, repeats); default ascending. */
  order?: (missing: number[]) => number[];
}

export interface TransferReport {
  identifier: string;
  blocks: number;
  sent: number;
  status: number;
}

const num = (d: Data): number => (d.kind === "int" ? Number(d.value) : d.kind === "enum" ? d.value : d.kind === "boolean" ? Number(d.value) : NaN);

/** The image identifier: the version identifier in the header (bytes 40..72, NUL-padded). */
export function imageIdentifier(image: Uint8Array): Uint8Array {
  const field = image.subarray(40, 72);
  const end = field.indexOf(0);
  return field.slice(0, end < 0 ? field.length : end);
}

/** Invokes a method; result 2 (temporary failure: still verifying) is accepted where `pending` allows it. */
async function act(client: DlmsClient, method: number, parameter: Data, what: string, pending = false): Promise<number> {
  const r = await client.action(18, IMAGE_TRANSFER, method, parameter);
  if (r.result !== 0 && !(pending && r.result === 2)) throw new ImageTransferError(`${what} refused (action result ${r.result})`, r.result);
  return r.result;
}

/** image_transfer_status 5. */
const IMAGE_STATUS_ACTIVATION_INITIATED = 5;

export async function imageStatus(client: DlmsClient): Promise<number> {
  return num(await client.get(18, IMAGE_TRANSFER, 6));
}

export async function transferImage(client: DlmsClient, image: Uint8Array, options: TransferOptions = {}): Promise<TransferReport> {
  const enabled = await client.get(18, IMAGE_TRANSFER, 5);
  if (enabled.kind === "boolean" && !enabled.value) throw new ImageTransferError("image transfer is disabled in the meter (attribute 5)", 2);
  const blockSize = num(await client.get(18, IMAGE_TRANSFER, 2));
  const identifier = imageIdentifier(image);
  await act(client, 1, struct(octets(identifier), int(6, image.length)), "image_transfer_initiate");
  const blocks = Math.ceil(image.length / blockSize);
  const have = await client.get(18, IMAGE_TRANSFER, 3);
  const bits = have.kind === "bit-string" ? have.bits : "";
  let missing: number[] = [];
  for (let n = 0; n < blocks; n++) if (bits[n] !== "1") missing.push(n);
  if (options.order) missing = options.order(missing);
  let sent = 0;
  options.onProgress?.(blocks - missing.length, blocks);
  for (const n of missing) {
    const block = image.subarray(n * blockSize, Math.min(image.length, (n + 1) * blockSize));
    await act(client, 2, struct(int(6, n), octets(block)), `block ${n}`);
    sent++;
    options.onProgress?.(blocks - missing.length + sent, blocks);
  }
  let result = await act(client, 3, int(15, 0), "image_verify", true);
  let status = await imageStatus(client);
  for (let polls = 0; result === 2 && status === 2 && polls < 600; polls++) {
    await (options.wait ? options.wait() : new Promise((resolve) => setTimeout(resolve, 50)));
    status = await imageStatus(client);
  }
  // A verification that ended later failed with other-reason (its own answer was temporary-failure).
  result = status === 3 ? 0 : result === 2 ? 250 : result;
  if (status !== 3) throw new ImageTransferError(`image_verify failed: status ${status} (${IMAGE_STATUS_NAMES[status] ?? "?"})`, result);
  if (options.activate === "now") {
    await act(client, 4, int(15, 0), "image_activate", true);
    // The meter saves and restarts right after its answer: a status read it no longer answers
    // means the activation it acknowledged is under way.
    status = await imageStatus(client).catch(() => IMAGE_STATUS_ACTIVATION_INITIATED);
  } else if (typeof options.activate === "number") {
    const offset = options.utcOffsetMinutesAt?.(options.activate) ?? 0;
    const local = new Date(options.activate + offset * 60_000);
    const time = [local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), 0];
    const dow = ((local.getUTCDay() + 6) % 7) + 1;
    const date = [local.getUTCFullYear() >> 8, local.getUTCFullYear() & 0xff, local.getUTCMonth() + 1, local.getUTCDate(), dow];
    const r = await client.set(22, IMAGE_ACTIVATION_SCHEDULE, 4, array(struct(octets(time), octets(date))));
    if (r !== 0) throw new ImageTransferError(`activation schedule refused (result ${r})`, r);
  }
  return { identifier: Buffer.from(identifier).toString("latin1"), blocks, sent, status };
}

/**
 * `--activate TIME` as the meter's local time, in UTC-epoch form with offset 0 for transferImage:
 * a TIME without zone is the meter's local time already; with a zone it is moved to the meter's
 * current UTC offset (read from its clock, 0.0.1.0.0.255).
 */
export async function activationLocalMs(client: DlmsClient, text: string): Promise<number> {
  const f = dateTimeFromText(text);
  const local = Date.UTC((f[0] << 8) | f[1], f[2] - 1, f[3], f[5], f[6], f[7]);
  const deviation = (f[9] << 8) | f[10];
  if (deviation === 0x8000) return local;
  const utc = local + (deviation << 16 >> 16) * 60_000;
  const clock = await client.get(8, "0.0.1.0.0.255", 2);
  const b = clock.kind === "octet-string" ? clock.bytes : [];
  const meterDeviation = b.length === 12 ? ((b[9] << 8) | b[10]) << 16 >> 16 : 0;
  return utc - (meterDeviation === -32768 ? 0 : meterDeviation) * 60_000;
}

/** `npm run client -- --client 1 image FILE [--activate now|TIME]`: transfer with a progress bar, verify, activate. */
export async function imageCommand(client: DlmsClient, file: string, activate: string | undefined, out: (line: string) => void, bar: ProgressStream = process.stderr): Promise<boolean> {
  const image = new Uint8Array(readFileSync(file));
  const when = activate === undefined ? undefined : activate === "now" ? "now" : await activationLocalMs(client, activate);
  let progress: SingleBar | null = null;
  let lastTenth = -1;
  try {
    const report = await transferImage(client, image, {
      activate: when,
      utcOffsetMinutesAt: () => 0,
      onProgress: (done, total) => {
        if (bar.isTTY) {
          if (!progress) {
            progress = new SingleBar({ format: "image [{bar}] {percentage}% | block {value}/{total}", stream: bar as NodeJS.WritableStream }, Presets.shades_classic);
            progress.start(total, done);
          }
          progress.update(done);
        } else if (Math.floor((10 * done) / total) !== lastTenth) {
          lastTenth = Math.floor((10 * done) / total);
          out(`blocks ${done}/${total}`);
        }
      },
    });
    (progress as SingleBar | null)?.stop();
    out(`image ${report.identifier}: ${report.blocks} blocks of which ${report.sent} sent, ${IMAGE_STATUS_NAMES[report.status]}` + (typeof when === "number" ? `; activation scheduled at ${new Date(when).toISOString().slice(0, 19)} meter time` : ""));
    return true;
  } catch (e) {
    (progress as SingleBar | null)?.stop();
    if (!(e instanceof ImageTransferError)) throw e;
    out(`failed: ${e.message}`);
    const reason = await client.get(1, "0.0.44.128.1.255", 2).catch(() => null);
    if (reason && reason.kind === "enum" && reason.value > 0) out(`verification result: ${VERIFY_REASONS[reason.value] ?? reason.value}`);
    return false;
  }
}

/** 0.0.44.128.1.255 values. */
export const VERIFY_REASONS = ["verified", "a block is missing", "length does not match the header (truncated?)", "payload hash differs", "signature does not verify with the meter's key", "built for another target", "older than the running firmware"];
