/**
 * The host DLMS figures of `npm run bench` (`npm run bench -- dlms-host`): server CPU per GET and
 * per association (AARQ + RLRQ) over loopback TCP, beside the same client against a no-op Node
 * responder that answers every request with as many bytes as the server does (the floor: Node's
 * socket cost with no DLMS work). The client is a closed loop in another process; the CPU counted
 * is this process's, where the server and the responder run.
 *
 * Host timing is noisy (other work on the machine, JIT, GC), so: a warm-up of both before any
 * figure, then RUNS interleaved runs (server, responder, responder, server, ...), and per figure
 * the median of the runs with the spread (lowest..highest) printed. Nothing here is an ESP32
 * estimate: those are computrons at the fixed rate (host-sim/esp32-rate.ts).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { defaultDlmsConfig } from "../../firmware/comms/dlms";
import { createMeterDlmsServer } from "../../firmware/app/meter-server";
import { DEFAULT_SCENARIO } from "../options";
import { parseScenario } from "../event-types";
import { NodeNetwork, type NodeTcpListener } from "../node-network";
import { Simulation } from "../simulation";

/** WRAPPER header (version 1, client wPort 17 -> server wPort 1) + APDU. */
const wrap = (apdu: number[]): number[] => [0, 1, 0, 17, 0, 1, apdu.length >> 8, apdu.length & 0xff, ...apdu];
const GET_REGISTER = wrap([0xc0, 0x01, 0xc1, 0x00, 0x03, 1, 0, 1, 8, 0, 255, 2, 0]);
/** Reader (client 17): LLS with the simulator's password 12345678, conformance GET, max PDU 0xFFFF. */
const AARQ_READER = wrap([0x60, 0x36, 0xa1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0x8a, 0x02, 0x07, 0x80, 0x8b, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x01,
  0xac, 0x0a, 0x80, 0x08, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0xbe, 0x10, 0x04, 0x0e, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5f, 0x1f, 0x04, 0x00, 0x40, 0x1e, 0x5d, 0xff, 0xff]);
/** RLRQ, reason normal. */
const RLRQ = wrap([0x62, 0x03, 0x80, 0x01, 0x00]);

export const RUNS = 7;
const WARM_UP = { gets: 3000, associations: 1000 };
const MEASURED = { gets: 4000, associations: 1500 };

/**
 * A closed-loop client: `get` sends one AARQ then N GETs; `assoc` sends N times AARQ then RLRQ.
 * Each request waits for its whole reply. Prints the microseconds from the first measured request
 * to the last reply, and the reply lengths it saw (AARE, GET, RLRE).
 */
const CLIENT_SCRIPT = `
const net = require("net");
const [port, mode, n] = [Number(process.argv[1]), process.argv[2], Number(process.argv[3])];
const aarq = Buffer.from(${JSON.stringify(AARQ_READER)});
const get = Buffer.from(${JSON.stringify(GET_REGISTER)});
const rlrq = Buffer.from(${JSON.stringify(RLRQ)});
const s = net.createConnection({ host: "127.0.0.1", port }, () => { started = process.hrtime.bigint(); s.write(aarq); });
s.setNoDelay(true);
let pending = Buffer.alloc(0), replies = 0, started = 0n;
const lengths = {};
const total = mode === "get" ? n + 1 : 2 * n;
s.on("data", (chunk) => {
  pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
  while (pending.length >= 8 && pending.length >= 8 + pending.readUInt16BE(6)) {
    const length = 8 + pending.readUInt16BE(6);
    lengths[pending[8].toString(16)] = length;
    pending = pending.subarray(length);
    replies++;
    if (mode === "get" && replies === 1) started = process.hrtime.bigint();
    if (replies === total) {
      process.stdout.write(JSON.stringify({ us: Number(process.hrtime.bigint() - started) / 1000, lengths }));
      s.end();
      return;
    }
    s.write(mode === "get" ? get : replies % 2 === 1 ? rlrq : aarq);
  }
});
`;

interface ClientResult {
  us: number;
  /** Reply length by APDU tag (hex). */
  lengths: Record<string, number>;
}

function runClient(port: number, mode: "get" | "assoc", n: number): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", CLIENT_SCRIPT, String(port), mode, String(n)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.on("exit", (code) => (code === 0 && out ? resolve(JSON.parse(out) as ClientResult) : reject(new Error(`bench client exited with ${code}`))));
  });
}

/** CPU µs this process spends while the client runs, per request unit. */
async function cpuPer(port: number, mode: "get" | "assoc", n: number): Promise<number> {
  const before = process.cpuUsage();
  await runClient(port, mode, n);
  const d = process.cpuUsage(before);
  return (d.user + d.system) / n;
}

/** A responder that answers AARQ, GET and RLRQ with as many bytes as the server did, doing nothing else. */
function noOpResponder(lengths: Record<string, number>): Promise<{ server: Server; port: number }> {
  const byRequest: Record<number, Buffer> = {};
  for (const [request, reply] of [[0x60, "61"], [0xc0, "c4"], [0x62, "63"]] as const) {
    const length = lengths[reply];
    if (!length) throw new Error(`no ${reply} reply seen from the server`);
    const b = Buffer.alloc(length);
    b.set([0, 1, 0, 1, 0, 17, (length - 8) >> 8, (length - 8) & 0xff, parseInt(reply, 16)]);
    byRequest[request] = b;
  }
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 8 && pending.length >= 8 + pending.readUInt16BE(6)) {
        socket.write(byRequest[pending[8]]);
        pending = pending.subarray(8 + pending.readUInt16BE(6));
      }
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median and spread of a series, one decimal. */
export function summarise(xs: number[]): string {
  return `${median(xs).toFixed(1)} µs (runs ${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)})`;
}

export interface HostDlmsRuns {
  /** Per run: server CPU µs, responder CPU µs and their difference, per GET and per association. */
  get: { server: number[]; floor: number[]; above: number[] };
  assoc: { server: number[]; floor: number[]; above: number[] };
}

/** The meter's DLMS server (after an hour of the default scenario) and the no-op responder, measured interleaved. */
export async function hostDlmsRuns(runs = RUNS, measured = MEASURED, warmUp = WARM_UP): Promise<HostDlmsRuns> {
  const sim = new Simulation(parseScenario(JSON.parse(readFileSync(DEFAULT_SCENARIO, "utf8"))), { config: { tickMs: 10_000 } });
  sim.runFor(3_600_000);
  const dlms = createMeterDlmsServer(sim.meter, { ...defaultDlmsConfig(), refuseDefaultSecrets: false, maxSendPdu: 0xffff });
  const listener = dlms.listen(new NodeNetwork(), 0, "127.0.0.1") as NodeTcpListener;
  const port = await listener.ready;
  const probe = { ...(await runClient(port, "get", 1)).lengths, ...(await runClient(port, "assoc", 1)).lengths };
  const floor = await noOpResponder(probe);
  const out: HostDlmsRuns = { get: { server: [], floor: [], above: [] }, assoc: { server: [], floor: [], above: [] } };
  try {
    for (const p of [port, floor.port]) {
      await runClient(p, "get", warmUp.gets);
      await runClient(p, "assoc", warmUp.associations);
    }
    for (let r = 0; r < runs; r++) {
      for (const mode of ["get", "assoc"] as const) {
        const n = mode === "get" ? measured.gets : measured.associations;
        // Alternate which goes first, so a drift in machine load does not favour one side.
        const first = r % 2 === 0 ? port : floor.port;
        const a = await cpuPer(first, mode, n);
        const b = await cpuPer(first === port ? floor.port : port, mode, n);
        const [server, noop] = first === port ? [a, b] : [b, a];
        out[mode].server.push(server);
        out[mode].floor.push(noop);
        out[mode].above.push(server - noop);
      }
    }
  } finally {
    dlms.close();
    floor.server.close();
  }
  return out;
}

export async function bench(): Promise<string[]> {
  const r = await hostDlmsRuns();
  return [
    `Host (Node ${process.version}), loopback TCP, closed-loop client in another process; server CPU per request, median of ${RUNS} interleaved runs with a no-op Node responder (warm-up ${WARM_UP.gets} GETs + ${WARM_UP.associations} associations each):`,
    `  GET of 1.0.1.8.0.255 (${MEASURED.gets} a run): DLMS server ${summarise(r.get.server)}; no-op responder ${summarise(r.get.floor)}; DLMS work above the floor ${summarise(r.get.above)}`,
    `  association, reader LLS AARQ + RLRQ (${MEASURED.associations} a run): DLMS server ${summarise(r.assoc.server)}; no-op responder ${summarise(r.assoc.floor)}; above the floor ${summarise(r.assoc.above)} (target <= 25 µs)`,
  ];
}

if (require.main === module) {
  bench().then((lines) => process.stdout.write(lines.join("\n") + "\n"), (e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
