/**
 * DLMS figures for `npm run bench`:
 * - XS computrons of the server per GET of a register value, per full object_list read and per
 *   one-day load-profile read (the firmware bundle in xsnap, only the server's work metered);
 *
 * The host figures (server CPU per GET and per association beside a no-op responder) are the
 * dlms-host section (dlms-host.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SCENARIO } from "../cli";
import { bundleForXs } from "../xs/bundle";
import { XsWorker } from "../xs/worker";

interface LongGetRun {
  computrons: number;
  blocks: number;
  bytes: number;
  /** Rows the profile held (0 for the object_list). */
  rows: number;
  /** Port calls set aside (flash, socket write) and the computrons in them (not in `computrons`). */
  portCalls: number;
  portCost: number;
}

export interface XsDlmsRun {
  get: { mean: number; max: number; reply: number[] };
  list: LongGetRun;
  profile: LongGetRun;
  storage: { rowWords: number; rows: number; plainReadEntry: number };
}

/** Issue 19 targets. */
export const PROFILE_ROW_TARGET = 1500;
export const OBJECT_LIST_BYTE_TARGET = 40;

/** Runs the server in xsnap: 200 register GETs, a full object_list and a one-day load profile. */
export async function runDlmsInXs(pdu = 1024): Promise<XsDlmsRun> {
  const worker = new XsWorker();
  try {
    await worker.evaluate(bundleForXs(join(__dirname, "dlms-xs", "entry.ts")));
    const scenario = readFileSync(DEFAULT_SCENARIO, "utf8");
    await worker.call(`(dlmsBench.boot(${JSON.stringify(scenario)}, 96, ${pdu}), null)`);
    const get = (await worker.call<XsDlmsRun["get"]>("dlmsBench.registerGet(200)")).value;
    const list = (await worker.call<XsDlmsRun["list"]>("dlmsBench.longGet(15, [0,0,40,0,0,255], 2)")).value;
    const profile = (await worker.call<XsDlmsRun["profile"]>("dlmsBench.longGet(7, [1,0,99,1,0,255], 2)")).value;
    const storage = (await worker.call<XsDlmsRun["storage"]>("dlmsBench.profileStorageBreakdown()")).value;
    return { get, list, profile, storage };
  } finally {
    worker.close();
  }
}

export async function xsFigures(pdu = 1024): Promise<string[]> {
  const { get, list, profile, storage } = await runDlmsInXs(pdu);
  const perRow = profile.computrons / profile.rows;
  if (get.reply[8] !== 0xc4 || get.reply[11] !== 0) throw new Error(`unexpected GET reply ${get.reply.join(" ")}`);
  return [
    `XS computrons per GET of a register value (1.0.1.8.0.255 attr 2, frame in to reply out): mean ${get.mean.toFixed(0)}, max ${get.max} (budget 10,000)`,
    `XS computrons per full object_list read (reader, client max PDU ${pdu}): ${list.computrons} in ${list.blocks} blocks, ${list.bytes} bytes: ${(list.computrons / list.bytes).toFixed(1)} per byte (target <= ${OBJECT_LIST_BYTE_TARGET})`,
    `XS computrons per load-profile row (whole buffer, ${profile.rows} rows: the scenario's hour and a day added, from the flash store, client max PDU ${pdu}): ${(profile.computrons / profile.rows).toFixed(0)} per row (target <= ${PROFILE_ROW_TARGET.toLocaleString("en")}); ${profile.computrons} in ${profile.blocks} blocks, ${profile.bytes} bytes`,
    `  ports set aside as in the tick figures (flash, and the socket write: one per block): ${profile.portCalls} calls, ${profile.portCost} computrons of emulator and harness work (${(profile.portCost / profile.rows).toFixed(0)} per row) not counted`,
    `  per row: taking it from the flash store through the read's reader ${storage.rowWords.toFixed(0)} (rowWords: the record read, its header checked by words, its CRC-32), writing it from the per-read template, streaming and blocks ${(perRow - storage.rowWords).toFixed(0)}; the same rows by readEntry into numbers (billing, the range search): ${storage.plainReadEntry.toFixed(0)} a row`,
  ];
}

export async function bench(): Promise<string[]> {
  const lines: string[] = [];
  try {
    lines.push(...(await xsFigures()));
  } catch (e) {
    lines.push(`XS figures unavailable: ${(e as Error).message}`);
  }
  return lines;
}

if (require.main === module) {
  bench().then((lines) => process.stdout.write(lines.join("\n") + "\n"), (e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
}
