/**
 * The optical port in the simulator: a SerialPort whose far end is either a TCP client on
 * 127.0.0.1 (`--optical-port N`: the raw byte stream, as DLMS tools carry HDLC over TCP; a TCP
 * peer has no line format, so bytes pass as they are) or, in tests, another simulated line end
 * with its own format, where a mismatch garbles the characters as a UART would.
 */
import { createServer, type Server, type Socket } from "node:net";
import { bitsPerCharacter, type SerialFormat, type SerialPort, serial7E1 } from "../firmware/hal/serial";

function evenParity7(c: number): number {
  let p = 0;
  for (let i = 0; i < 7; i++) p ^= (c >>> i) & 1;
  return p;
}

/**
 * What a receiver in format `to` makes of bytes sent in format `from` (null: no line format).
 * Different speeds give garbage that fails the parity check or arrives as the wrong character;
 * 8N1 into 7E1 takes bit 7 as the parity bit; 7E1 into 8N1 shows the parity bit as bit 7.
 */
export function lineTransfer(data: Uint8Array, from: SerialFormat | null, to: SerialFormat | null): Uint8Array {
  if (!from || !to) return data.slice();
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    let b = data[i];
    if (from.dataBits === 7) b = (b & 0x7f) | (from.parity === "even" ? evenParity7(b) << 7 : 0);
    if (from.baud !== to.baud) b = ~((b << 1) | (b >>> 7)) & 0xff; // sampled at the wrong instants
    if (to.dataBits === 7) {
      if (to.parity === "even" && ((b >>> 7) & 1) !== evenParity7(b)) continue; // parity error: dropped
      b &= 0x7f;
    }
    out.push(b);
  }
  return Uint8Array.from(out);
}

/** The meter's end of the optical line. */
export class SimSerialPort implements SerialPort {
  format: SerialFormat = serial7E1(300);
  /** Where written bytes go, and that end's format (null: TCP, no format). */
  peer: ((bytes: Uint8Array) => void) | null = null;
  peerFormat: (() => SerialFormat | null) | null = null;
  /** Called on every format change (the panel/log). */
  onFormat: ((f: SerialFormat) => void) | null = null;
  /** Bytes each way and the time they take on the line at the formats used. */
  readonly line = { bytesOut: 0, bytesIn: 0, ms: 0 };
  private handler: ((data: Uint8Array) => void) | null = null;

  configure(format: SerialFormat): void {
    this.format = { ...format };
    this.onFormat?.(this.format);
  }

  write(data: Uint8Array): number {
    this.line.bytesOut += data.length;
    this.line.ms += (data.length * bitsPerCharacter(this.format) * 1000) / this.format.baud;
    this.peer?.(lineTransfer(data, this.format, this.peerFormat?.() ?? null));
    return data.length;
  }

  onReadable(handler: (data: Uint8Array) => void): void {
    this.handler = handler;
  }

  /** Bytes from the far end, sent in `format` (null: no line format). */
  deliver(data: Uint8Array, format: SerialFormat | null): void {
    this.line.bytesIn += data.length;
    this.line.ms += (data.length * bitsPerCharacter(format ?? this.format) * 1000) / (format ?? this.format).baud;
    const bytes = lineTransfer(data, format, format ? this.format : null);
    if (bytes.length > 0) this.handler?.(bytes);
  }
}

/** `--optical-port N`: one optical head over TCP on 127.0.0.1; a new connection takes it over from the previous one. */
export class OpticalTcpBridge {
  readonly ready: Promise<number>;
  private readonly server: Server;
  private client: Socket | null = null;

  constructor(private readonly serial: SimSerialPort, port: number, deliver: (data: Uint8Array) => void) {
    this.server = createServer((socket) => {
      this.client?.destroy();
      this.client = socket;
      socket.setNoDelay(true);
      serial.peer = (bytes) => socket.write(bytes);
      socket.on("data", (chunk: Buffer) => deliver(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
      socket.on("error", () => {});
      socket.on("close", () => {
        if (this.client !== socket) return;
        this.client = null;
        serial.peer = null;
      });
    });
    this.ready = new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        const a = this.server.address();
        resolve(typeof a === "object" && a ? a.port : port);
      });
    });
  }

  close(): void {
    this.client?.destroy();
    this.server.close();
  }
}
