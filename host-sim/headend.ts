import { createServer, type Server, type Socket } from "node:net";
import { parseArgs } from "node:util";
import { defaultPushSetup } from "../firmware/comms/push/push-setup";
import { objectName } from "./client/names";
import type { DlmsData } from "../firmware/comms/dlms/axdr";
import { WrapperReassembler } from "../firmware/comms/dlms/wrapper";
import { decodeDataNotification, type DataNotification } from "../firmware/comms/push/data-notification";

/**
 * `npm run headend -- --port 4060`: a small head-end for the meter's pushes. It listens on TCP,
 * reassembles WRAPPER frames, decodes every Data-Notification and prints it (one line per
 * notification, values in order of the push object list). A notification whose long-invoke-id
 * was already seen from the same sender is printed as a duplicate.
 */
export interface ReceivedNotification extends DataNotification {
  /** WRAPPER source wPort (the meter's logical device). */
  sourceWPort: number;
  remote: string;
  duplicate: boolean;
}

export class HeadEnd {
  readonly received: ReceivedNotification[] = [];
  /** Frames that were not a decodable Data-Notification. */
  readonly rejected: string[] = [];
  onNotification: ((n: ReceivedNotification) => void) | null = null;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly seen = new Set<string>();

  /** Starts listening; resolves with the bound port (pass 0 for any free port). */
  listen(port: number, address = "127.0.0.1"): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, address, () => {
        server.off("error", reject);
        const bound = server.address();
        resolve(typeof bound === "object" && bound ? bound.port : port);
      });
    });
  }

  /** Stops listening and drops open connections (an outage, for tests). */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = null;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const reassembler = new WrapperReassembler(0xffff - 8, {
      onFrame: (source, _destination, apdu, start, end) => this.frame(source, remote, apdu.slice(start, end)),
    });
    socket.on("data", (chunk: Buffer) => {
      if (reassembler.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)) !== "ok") {
        this.rejected.push(`${remote}: bad WRAPPER header`);
        socket.destroy();
      }
    });
    socket.on("error", () => undefined);
    socket.on("close", () => this.sockets.delete(socket));
  }

  private frame(sourceWPort: number, remote: string, apdu: Uint8Array): void {
    let n: DataNotification;
    try {
      n = decodeDataNotification(apdu);
    } catch (e) {
      this.rejected.push(`${remote}: ${(e as Error).message} (${Buffer.from(apdu).toString("hex")})`);
      return;
    }
    const sender = n.body.type === 2 && n.body.items[0]?.type === 9 ? Buffer.from(n.body.items[0].bytes).toString("hex") : String(sourceWPort);
    const key = `${sender}/${n.invokeId}`;
    const duplicate = this.seen.has(key);
    this.seen.add(key);
    const received: ReceivedNotification = { ...n, sourceWPort, remote, duplicate };
    this.received.push(received);
    this.onNotification?.(received);
  }
}

export function formatDateTime(b: Uint8Array | null): string {
  if (!b) return "(no time)";
  const year = b[0] * 256 + b[1];
  const dev = ((b[9] << 8) | b[10]) << 16 >> 16;
  const p = (v: number) => String(v).padStart(2, "0");
  const deviation = dev === -0x8000 ? "" : ` dev ${dev}`;
  return `${year}-${p(b[2])}-${p(b[3])} ${p(b[5])}:${p(b[6])}:${p(b[7])}${deviation} status 0x${b[11].toString(16).padStart(2, "0")}`;
}

export function formatData(d: DlmsData): string {
  switch (d.type) {
    case 0:
      return "null";
    case 1:
    case 2:
      return `${d.type === 1 ? "[" : "{"}${d.items.map(formatData).join(", ")}${d.type === 1 ? "]" : "}"}`;
    case 3:
      return String(d.value);
    case 4:
      return `bits(${d.bitLength}):${Buffer.from(d.bytes).toString("hex")}`;
    case 9:
      if (d.bytes.length === 12 && d.bytes[2] >= 1 && d.bytes[2] <= 12) return formatDateTime(d.bytes);
      if (d.bytes.length === 6) return Array.from(d.bytes).join(".");
      if (d.bytes.length > 0 && d.bytes.every((c) => c >= 0x20 && c < 0x7f)) return `"${Buffer.from(d.bytes).toString("latin1")}"`;
      return Buffer.from(d.bytes).toString("hex");
    case 10:
    case 12:
      return `"${Buffer.from(d.bytes).toString("utf8")}"`;
    default:
      return String(d.value);
  }
}

/** Labels for the values of the meter's default push object list ("OBIS name"). */
const DEFAULT_LABELS = defaultPushSetup().objectList.map((o) => `${o.obis} ${objectName(o.obis)}`.trim());

/**
 * One line per notification, each value labelled by OBIS and name when the structure has as many
 * values as the meter's default push object list (a head-end that changed the list sees #n).
 */
export function formatNotification(n: ReceivedNotification): string {
  const items = n.body.type === 2 ? n.body.items : [n.body];
  const labels = items.length === DEFAULT_LABELS.length ? DEFAULT_LABELS : items.map((_d, i) => `#${i + 1}`);
  const values = items.map((d, i) => `${labels[i]}: ${formatData(d)}`).join(" | ");
  return `${n.duplicate ? "DUPLICATE " : ""}notification #${n.invokeId} from ${n.remote} (wPort ${n.sourceWPort}) at ${formatDateTime(n.dateTime)}: ${values}`;
}

const HEADEND_USAGE = "usage: npm run headend -- [--port 4060] [--address 127.0.0.1]";

/** Options of `npm run headend`; an unknown option or a bad port is an Error with one line. */
export function parseHeadEndArgs(argv: string[]): { port: number; address: string; help: boolean } {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { port: { type: "string" }, address: { type: "string" }, help: { type: "boolean", short: "h" } } }));
  } catch (e) {
    throw new Error(`${(e as Error).message.split("\n")[0]} (${HEADEND_USAGE})`);
  }
  const text = values.port ?? "4060";
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new Error(`--port needs a TCP port 1..65535, got "${text}"`);
  return { port, address: values.address ?? "127.0.0.1", help: values.help === true };
}

async function main(): Promise<void> {
  const { port, address, help } = parseHeadEndArgs(process.argv.slice(2));
  if (help) {
    process.stdout.write(HEADEND_USAGE + "\n");
    return;
  }
  const headEnd = new HeadEnd();
  headEnd.onNotification = (n) => process.stdout.write(`${formatNotification(n)}\n`);
  const bound = await headEnd.listen(port, address);
  process.stdout.write(`head-end listening on ${address}:${bound}; waiting for Data-Notifications (Ctrl-C to stop)\n`);
}

if (require.main === module) {
  main().catch((e: Error) => {
    process.stderr.write(`headend: ${e.message}\n`);
    process.exitCode = 2;
  });
}
