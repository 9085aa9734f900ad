/**
 * DLMS figures for `npm run bench`:
 * - XS computrons of the server per GET of a register value, per full object_list read and per
 *   one-day load-profile read (the firmware bundle in xsnap, only the server's work metered);
 * - on the host, server CPU microseconds per GET over loopback TCP from a closed-loop client in
 *   another process, beside the same client against a no-op TCP responder (the floor: Node's
 *   socket cost with no DLMS work).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { defaultDlmsConfig } from "../../firmware/comms/dlms";
import { createMeterDlmsServer } from "../../firmware/app/meter-server";
import { DEFAULT_SCENARIO } from "../cli";
import { parseScenario } from "../event-types";
import { NodeNetwork, type NodeTcpListener } from "../node-network";
import { Simulation } from "../simulation";
import { bundleForXs } from "../xs/bundle";
import { XsWorker } from "../xs/worker";

const GET_REGISTER = [0, 1, 0, 17, 0, 1, 0, 13, 0xc0, 0x01, 0xc1, 0x00, 0x03, 1, 0, 1, 8, 0, 255, 2, 0];
const AARQ_READER = [0, 1, 0, 17, 0, 1, 0, 0x38, 0x60, 0x36, 0xa1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0x8a, 0x02, 0x07, 0x80, 0x8b, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x01,
  0xac, 0x0a, 0x80, 0x08, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0xbe, 0x10, 0x04, 0x0e, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5f, 0x1f, 0x04, 0x00, 0x40, 0x1e, 0x5d, 0xff, 0xff];

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
  storage: { readEntry: number; recordCheck: number; rows: number };
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
    `  per row: reading it from the flash store ${storage.readEntry.toFixed(0)} (of which the journal's record read with its CRC-32 ${storage.recordCheck.toFixed(0)}, the varint decode and lookup the rest), DLMS encoding, streaming and blocks ${(perRow - storage.readEntry).toFixed(0)}`,
  ];
}

/** A closed-loop client in a child process: AARQ, then `n` GETs one after the other. Prints its wall time. */
const CLIENT_SCRIPT = `
const net = require("net");
const [port, n] = process.argv.slice(1).map(Number);
const aarq = Buffer.from(${JSON.stringify(AARQ_READER)});
const get = Buffer.from(${JSON.stringify(GET_REGISTER)});
const s = net.createConnection({ host: "127.0.0.1", port }, () => s.write(aarq));
s.setNoDelay(true);
let pending = Buffer.alloc(0), count = -1, started = 0;
s.on("data", (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 8 && pending.length >= 8 + pending.readUInt16BE(6)) {
    pending = pending.subarray(8 + pending.readUInt16BE(6));
    count++;
    if (count === 0) started = process.hrtime.bigint();
    if (count === n) { process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1000)); s.end(); return; }
    s.write(get);
  }
});
`;

function runClient(port: number, n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", CLIENT_SCRIPT, String(port), String(n)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.on("exit", (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`client exited with ${code}`))));
  });
}

/** CPU µs this process spends while `run` completes. */
async function cpuDuring(run: () => Promise<number>): Promise<{ cpuUs: number; wallUs: number }> {
  const before = process.cpuUsage();
  const wallUs = await run();
  const d = process.cpuUsage(before);
  return { cpuUs: d.user + d.system, wallUs };
}

export async function hostFigures(n = 5000): Promise<string[]> {
  const sim = new Simulation(parseScenario(JSON.parse(readFileSync(DEFAULT_SCENARIO, "utf8"))), { config: { tickMs: 10_000 } });
  sim.runFor(3_600_000);
  const server = createMeterDlmsServer(sim.meter, { ...defaultDlmsConfig(), refuseDefaultSecrets: false, maxSendPdu: 0xffff });
  const listener = server.listen(new NodeNetwork(), 0, "127.0.0.1") as NodeTcpListener;
  const port = await listener.ready;
  // The reply a GET of 1.0.1.8.0.255 gets, to make the floor answer the same number of bytes.
  const replyLength = 8 + 4 + 9;
  const floor = createServer((socket) => {
    socket.setNoDelay(true);
    const reply = Buffer.alloc(replyLength);
    reply.set([0, 1, 0, 1, 0, 17, 0, replyLength - 8]);
    socket.on("data", () => socket.write(reply));
  });
  await new Promise<void>((r) => floor.listen(0, "127.0.0.1", r));
  const floorPort = (floor.address() as AddressInfo).port;
  try {
    await runClient(port, 200); // warm-up (JIT)
    await runClient(floorPort, 200);
    const dlms = await cpuDuring(() => runClient(port, n));
    const noop = await cpuDuring(() => runClient(floorPort, n));
    return [
      `Host (Node ${process.version}), ${n} GETs of 1.0.1.8.0.255 over loopback from a closed-loop client in another process:`,
      `  DLMS server: ${(dlms.cpuUs / n).toFixed(1)} µs CPU per GET (${(dlms.wallUs / n).toFixed(1)} µs round trip)`,
      `  no-op TCP responder (floor): ${(noop.cpuUs / n).toFixed(1)} µs CPU per request (${(noop.wallUs / n).toFixed(1)} µs round trip)`,
      `  DLMS work above the floor: ${((dlms.cpuUs - noop.cpuUs) / n).toFixed(1)} µs per GET`,
    ];
  } finally {
    server.close();
    floor.close();
  }
}

export async function bench(): Promise<string[]> {
  const lines: string[] = [];
  try {
    lines.push(...(await xsFigures()));
  } catch (e) {
    lines.push(`XS figures unavailable: ${(e as Error).message}`);
  }
  lines.push(...(await hostFigures()));
  return lines;
}

if (require.main === module) {
  bench().then((lines) => process.stdout.write(lines.join("\n") + "\n"), (e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
}
