import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

/** Metering figures xsnap reports after every evaluation. */
export interface XsMeter {
  compute: number;
  allocate: number;
  currentHeapCount: number;
  [key: string]: unknown;
}

export function xsnapWorkerPath(): string {
  const path = join(__dirname, "..", "..", "node_modules", "@agoric", "xsnap", "xsnap-native", "xsnap", "build", "bin", "lin", "release", "xsnap-worker");
  if (!existsSync(path)) throw new Error(`xsnap-worker not built at ${path} (npm ci builds it from @agoric/xsnap)`);
  return path;
}

/**
 * Drives an `xsnap-worker` process: netstrings on fd 3 (to the worker) and fd 4 (from it).
 * `e<source>` evaluates; the reply is `.<meter json>\u0001<result bytes>` or `!<error>`.
 */
export class XsWorker {
  private readonly child: ChildProcess;
  private readonly toWorker: Writable;
  private readonly fromWorker: Readable;
  private buffer = Buffer.alloc(0);
  private waiting: ((message: Buffer) => void) | null = null;
  private readonly queue: Buffer[] = [];
  private exited: Error | null = null;

  constructor() {
    this.child = spawn(xsnapWorkerPath(), ["meter-xs"], { stdio: ["ignore", "inherit", "inherit", "pipe", "pipe"] });
    this.toWorker = this.child.stdio[3] as Writable;
    this.fromWorker = this.child.stdio[4] as Readable;
    this.fromWorker.on("data", (chunk: Buffer) => this.onData(chunk));
    this.child.on("exit", (code) => {
      this.exited = new Error(`xsnap-worker exited with code ${code}`);
      this.waiting?.(Buffer.from("!" + this.exited.message));
    });
  }

  /** Evaluates a script; returns its metering and the ArrayBuffer it produced (decoded as text). */
  async evaluate(source: string): Promise<{ meter: XsMeter; result: string }> {
    if (this.exited) throw this.exited;
    this.send(Buffer.concat([Buffer.from("e"), Buffer.from(source, "utf8")]));
    for (;;) {
      const message = await this.next();
      const kind = String.fromCharCode(message[0]);
      if (kind === "?") {
        this.send(Buffer.from("/"));
        continue;
      }
      if (kind === "!") throw new Error(`XS: ${message.subarray(1).toString("utf8")}`);
      if (kind === ".") {
        const sep = message.indexOf(1);
        const meterJson = message.subarray(1, sep < 0 ? message.length : sep).toString("utf8");
        const result = sep < 0 ? "" : message.subarray(sep + 1).toString("utf8");
        return { meter: JSON.parse(meterJson) as XsMeter, result };
      }
      throw new Error(`unexpected xsnap message "${kind}"`);
    }
  }

  /** Evaluates an expression whose value is JSON-serialisable and returns it parsed. */
  async call<T>(expression: string): Promise<{ meter: XsMeter; value: T }> {
    const { meter, result } = await this.evaluate(`new TextEncoder().encode(JSON.stringify(${expression}) ?? "null").buffer`);
    return { meter, value: JSON.parse(result) as T };
  }

  close(): void {
    if (!this.exited) {
      this.send(Buffer.from("q"));
      this.toWorker.end();
    }
  }

  private send(payload: Buffer): void {
    this.toWorker.write(Buffer.concat([Buffer.from(`${payload.length}:`), payload, Buffer.from(",")]));
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(this.buffer.subarray(0, colon).toString("ascii"));
      if (this.buffer.length < colon + 1 + length + 1) return;
      const message = this.buffer.subarray(colon + 1, colon + 1 + length);
      this.buffer = this.buffer.subarray(colon + 1 + length + 1);
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(Buffer.from(message));
      } else {
        this.queue.push(Buffer.from(message));
      }
    }
  }

  private next(): Promise<Buffer> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}
