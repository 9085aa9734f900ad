/**
 * The host DLMS figures of `npm run bench` (`npm run bench -- dlms-host`): server CPU per GET and
 * per association (AARQ + RLRQ) over loopback TCP, beside the same client against a no-op Node
 * responder that answers every request with as many bytes as the server does (the floor: Node's
 * socket cost with no DLMS work). The client is a closed loop in another process; the CPU counted
 * is this process's, where the server and the responder run.
 *
 * Host timing is noisy (other work on the machine, JIT, GC), so: one client process per side,
 * started once (no process start or exit inside a measured window), a warm-up of both before any
 * figure, then RUNS interleaved runs (server, responder, responder, server, ...), and per figure
 * the median of the runs with the spread printed: lowest..highest and the middle half (the runs
 * between the quartiles). Nothing here is an ESP32 estimate: those are computrons at the fixed
 * rate (host-sim/esp32-rate.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
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

/**
 * Runs: many short ones, so that the median stands when a few are hit by other work on the
 * machine. Warm-up: the server's path takes V8 thousands of associations to settle (driven
 * in-process, without sockets: windows of 200 associations cost 14 to 135 µs an association at
 * first, with bursts of 15 to 75 µs among steady 2-4 µs past the 6000th); with a warm-up of
 * 1000, the first measured runs carried that and the responder's few lines did not.
 */
export const RUNS = 15;
const WARM_UP = { gets: 6000, associations: 10000 };
const MEASURED = { gets: 2000, associations: 800 };

/**
 * The closed-loop client, one process per side for the whole bench, one TCP connection. It
 * connects, prints "ready", then serves commands read from stdin, one a line: `get N` sends one
 * AARQ then N GETs, `assoc N` sends N times AARQ then RLRQ; each request waits for its whole
 * reply, and the client then prints one line: the microseconds from the first measured request to
 * the last reply, and the reply lengths it saw (AARE, GET, RLRE). Started once, the client costs
 * the measured process no spawn, accept or exit inside a measured window.
 */
const CLIENT_SCRIPT = `
const net = require("net");
const port = Number(process.argv[1]);
const aarq = Buffer.from(${JSON.stringify(AARQ_READER)});
const get = Buffer.from(${JSON.stringify(GET_REGISTER)});
const rlrq = Buffer.from(${JSON.stringify(RLRQ)});
const s = net.createConnection({ host: "127.0.0.1", port }, () => process.stdout.write("ready\\n"));
s.setNoDelay(true);
s.on("error", (e) => { process.stderr.write(e.message + "\\n"); process.exit(1); });
s.on("close", () => process.exit(0));
let pending = Buffer.alloc(0), replies = 0, total = 0, mode = "", started = 0n, lengths = {};
s.on("data", (chunk) => {
  pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
  while (pending.length >= 8 && pending.length >= 8 + pending.readUInt16BE(6)) {
    const length = 8 + pending.readUInt16BE(6);
    lengths[pending[8].toString(16)] = length;
    pending = pending.subarray(length);
    replies++;
    if (mode === "get" && replies === 1) started = process.hrtime.bigint();
    if (replies === total) {
      process.stdout.write(JSON.stringify({ us: Number(process.hrtime.bigint() - started) / 1000, lengths }) + "\\n");
      return;
    }
    s.write(mode === "get" ? get : replies % 2 === 1 ? rlrq : aarq);
  }
});
let input = "";
process.stdin.on("data", (chunk) => {
  input += chunk;
  for (let i = input.indexOf("\\n"); i >= 0; i = input.indexOf("\\n")) {
    const [m, n] = input.slice(0, i).split(" ");
    input = input.slice(i + 1);
    mode = m;
    total = m === "get" ? Number(n) + 1 : 2 * Number(n);
    replies = 0;
    lengths = {};
    started = process.hrtime.bigint();
    s.write(aarq);
  }
});
process.stdin.on("end", () => s.destroy());
`;

interface ClientResult {
  us: number;
  /** Reply length by APDU tag (hex). */
  lengths: Record<string, number>;
}

/** One client process connected to `port`, taking one command at a time. */
class BenchClient {
  private readonly child: ChildProcess;
  private out = "";
  private waiting: ((line: string) => void) | null = null;
  private readonly exited: Promise<void>;

  private constructor(port: number) {
    this.child = spawn(process.execPath, ["-e", CLIENT_SCRIPT, String(port)], { stdio: ["pipe", "pipe", "inherit"] });
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (c: string) => {
      this.out += c;
      const i = this.out.indexOf("\n");
      if (i < 0) return;
      const line = this.out.slice(0, i);
      this.out = this.out.slice(i + 1);
      const w = this.waiting;
      this.waiting = null;
      w?.(line);
    });
    this.exited = new Promise((resolve) => this.child.on("exit", () => resolve()));
    this.exited.then(() => this.waiting?.(""));
  }

  private next(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting = (line) => (line ? resolve(line) : reject(new Error(`bench client exited with ${this.child.exitCode}`)));
    });
  }

  static async start(port: number): Promise<BenchClient> {
    const c = new BenchClient(port);
    if ((await c.next()) !== "ready") throw new Error("bench client did not connect");
    return c;
  }

  /** Sends one command and waits for its result line. */
  async run(mode: "get" | "assoc", n: number): Promise<ClientResult> {
    const reply = this.next();
    this.child.stdin!.write(`${mode} ${n}\n`);
    return JSON.parse(await reply) as ClientResult;
  }

  async stop(): Promise<void> {
    this.child.stdin!.end();
    await this.exited;
  }
}

/** CPU µs this process spends while the client runs `n` requests, per request unit. */
async function cpuPer(client: BenchClient, mode: "get" | "assoc", n: number): Promise<number> {
  const before = process.cpuUsage();
  await client.run(mode, n);
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

/** The `p` quantile (0..1) of a series, interpolated between the two nearest runs. */
export function quantile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * p;
  const lo = Math.floor(at);
  return lo + 1 < s.length ? s[lo] + (s[lo + 1] - s[lo]) * (at - lo) : s[lo];
}

/** Median and spread of a series, one decimal: lowest..highest, and the middle half when there are 5 runs or more. */
export function summarise(xs: number[]): string {
  const middle = xs.length >= 5 ? `, middle half ${quantile(xs, 0.25).toFixed(1)}..${quantile(xs, 0.75).toFixed(1)}` : "";
  return `${median(xs).toFixed(1)} µs (runs ${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)}${middle})`;
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
  let floor: { server: Server; port: number } | null = null;
  const clients: BenchClient[] = [];
  const out: HostDlmsRuns = { get: { server: [], floor: [], above: [] }, assoc: { server: [], floor: [], above: [] } };
  try {
    const ours = await BenchClient.start(port);
    clients.push(ours);
    const probe = { ...(await ours.run("get", 1)).lengths, ...(await ours.run("assoc", 1)).lengths };
    floor = await noOpResponder(probe);
    const theirs = await BenchClient.start(floor.port);
    clients.push(theirs);
    for (const c of clients) {
      await c.run("get", warmUp.gets);
      await c.run("assoc", warmUp.associations);
    }
    for (let r = 0; r < runs; r++) {
      for (const mode of ["get", "assoc"] as const) {
        const n = mode === "get" ? measured.gets : measured.associations;
        // Alternate which goes first, so a drift in machine load does not favour one side.
        const first = r % 2 === 0 ? ours : theirs;
        const a = await cpuPer(first, mode, n);
        const b = await cpuPer(first === ours ? theirs : ours, mode, n);
        const [server, noop] = first === ours ? [a, b] : [b, a];
        out[mode].server.push(server);
        out[mode].floor.push(noop);
        out[mode].above.push(server - noop);
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    dlms.close();
    floor?.server.close();
  }
  return out;
}

export async function bench(): Promise<string[]> {
  const r = await hostDlmsRuns();
  return [
    `Host (Node ${process.version}), loopback TCP, closed-loop client in another process (one per side, started once, one connection); server CPU per request, median of ${RUNS} interleaved runs with a no-op Node responder (warm-up ${WARM_UP.gets} GETs + ${WARM_UP.associations} associations each):`,
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
