/**
 * The debugger end of the xsbug protocol, just enough to run a debug build of the meter in mcsim
 * without a GUI: the machine connects to XSBUG_HOST:XSBUG_PORT, sends XML elements (trace text in
 * <log>, instrument names once in <instruments>, then a <samples> line about every second, and
 * <break> when it stops on an exception). We print the log, keep the peaks of the instruments and
 * let a broken machine go on (reporting the break), so a test can fail on it.
 */
import { createServer, type Server, type Socket } from "node:net";

export interface InstrumentPeaks {
  /** Highest value seen for each instrument, by its name ("Chunk used", "Slot used", ...). */
  peak: Record<string, number>;
  /** Latest value of each instrument. */
  last: Record<string, number>;
  /** Number of <samples> lines received. */
  samples: number;
}

export interface XsbugEvents {
  log?: (text: string) => void;
  broke?: (where: string, message: string) => void;
  sample?: (values: Record<string, number>) => void;
}

function unescape(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d))).replace(/&amp;/g, "&");
}

function attribute(tag: string, name: string): string {
  const m = new RegExp(`\\b${name}="([^"]*)"`).exec(tag);
  return m ? unescape(m[1]) : "";
}

/** Listens for one machine at a time on 127.0.0.1:port. */
export class XsbugListener {
  readonly instruments: InstrumentPeaks = { peak: {}, last: {}, samples: 0 };
  readonly breaks: string[] = [];
  private names: string[] = [];
  private server: Server;
  private sockets = new Set<Socket>();

  constructor(readonly events: XsbugEvents = {}) {
    this.server = createServer((socket) => this.attach(socket));
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        const address = this.server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }

  private attach(socket: Socket): void {
    this.sockets.add(socket);
    socket.setEncoding("utf8");
    let pending = "";
    // Break on exceptions, so an exception anywhere is seen (and reported) rather than swallowed.
    socket.write('\r\n<set-all-breakpoints><breakpoint path="exceptions" line="0" id="@0"/></set-all-breakpoints>\r\n');
    socket.on("data", (chunk: string) => {
      pending += chunk;
      pending = this.consume(pending, socket);
    });
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => this.sockets.delete(socket));
  }

  /** Handles every complete element in `text`; returns what is left for later. */
  private consume(text: string, socket: Socket): string {
    const element = /<(log|break|instruments|samples)\b([^>]*)>([\s\S]*?)<\/\1>|<(login)\b([^>]*)\/>/g;
    let end = 0;
    for (let m = element.exec(text); m; m = element.exec(text)) {
      end = element.lastIndex;
      const name = m[1] ?? m[4];
      const attrs = m[2] ?? m[5] ?? "";
      const body = m[3] ?? "";
      if (name === "log") this.events.log?.(unescape(body));
      else if (name === "break") {
        const where = `${attribute(`<x ${attrs}>`, "path")}:${attribute(`<x ${attrs}>`, "line")}`;
        const message = unescape(body).trim();
        this.breaks.push(`${where} ${message}`);
        this.events.broke?.(where, message);
        socket.write("\r\n<go/>\r\n");
      } else if (name === "instruments") {
        this.names = [...body.matchAll(/<instrument\b([^>]*)\/>/g)].map((i) => attribute(i[1], "name"));
      } else if (name === "samples") {
        const values = body.trim().split(",").map(Number);
        const sample: Record<string, number> = {};
        values.forEach((v, i) => {
          const key = this.names[i] ?? `#${i}`;
          sample[key] = v;
          this.instruments.last[key] = v;
          this.instruments.peak[key] = Math.max(this.instruments.peak[key] ?? -Infinity, v);
        });
        this.instruments.samples++;
        this.events.sample?.(sample);
      }
    }
    const rest = text.slice(end);
    // Nothing useful is that long: drop unparsed noise rather than grow without bound.
    return rest.length > 1 << 20 ? "" : rest;
  }
}
