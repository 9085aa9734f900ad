/**
 * `embedded:io/serial` on `-p lin`: the optical head of the mcsim board. Its line is a TCP port on
 * 127.0.0.1 (`simOpticalPort=<port>` on the mcconfig line; 0: nothing is in front of the optical
 * head), carrying characters the way `npm start -- --optical-port` does: during the 300 baud
 * mode E sign-on the 7E1 characters cross as 7-bit text (the firmware's software parity is
 * stripped going out and added coming in), in HDLC as 8-bit bytes. One connection at a time; it
 * stays across the UART's reopenings (baud changes) and the firmware's reboots.
 */
import Listener from "embedded:io/socket/listener";
import TCP from "embedded:io/socket/tcp";
import config from "mc/config";
import { Ecma419Network } from "firmware/platform/moddable/tcp";
import type { ListenerClass, TcpClass } from "firmware/platform/moddable/ecma419";
import type { TcpSocket } from "firmware/hal/tcp";

const SIGN_ON_BAUD = 300;

function evenParity(c: number): number {
  c &= 0x7f;
  c ^= c >> 4;
  c ^= c >> 2;
  c ^= c >> 1;
  return (c & 1) << 7;
}

class OpticalLine {
  peer: TcpSocket | null = null;
  uart: LinSerial | null = null;
  constructor(port: number) {
    if (port <= 0) return;
    const listener = new Ecma419Network(Listener as unknown as ListenerClass, TCP as unknown as TcpClass).listen(port, "127.0.0.1");
    listener.onConnection((socket) => {
      this.peer?.close();
      this.peer = socket;
      socket.onData((data) => this.uart?.arrive(data));
      socket.onClose(() => {
        if (this.peer === socket) this.peer = null;
      });
    });
    trace(`mcsim: optical head on 127.0.0.1:${port}\n`);
  }
}

/**
 * The line is opened by the first UART, at run time: the SDK's io manifest preloads
 * `embedded:io/serial`, so this module is evaluated by the linker, where no socket can be opened.
 * (The holder is a preloaded object that XS copies into RAM on its first write.)
 */
const opened: { line: OpticalLine | null } = { line: null };

function opticalLine(): OpticalLine {
  return (opened.line ??= new OpticalLine(Number((config as Record<string, unknown>).simOpticalPort ?? 0)));
}

export default class LinSerial {
  private readonly baud: number;
  private readonly onReadable: ((this: LinSerial, bytes: number) => void) | undefined;
  private received: number[] = [];
  private readonly line: OpticalLine;
  constructor(options: { baud: number; onReadable?: (this: LinSerial, bytes: number) => void }) {
    this.baud = options.baud;
    this.onReadable = options.onReadable;
    this.line = opticalLine();
    this.line.uart = this;
  }
  arrive(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.received.push(this.baud === SIGN_ON_BAUD ? (data[i] & 0x7f) | evenParity(data[i]) : data[i]);
    this.onReadable?.call(this, data.length);
  }
  read(): ArrayBuffer | undefined {
    if (this.received.length === 0) return undefined;
    const bytes = Uint8Array.from(this.received);
    this.received = [];
    return bytes.buffer;
  }
  write(value: ArrayBuffer | ArrayBufferView): void {
    const peer = this.line.peer;
    if (!peer || this.line.uart !== this) return;
    const view = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    const out = new Uint8Array(view.length);
    for (let i = 0; i < view.length; i++) out[i] = this.baud === SIGN_ON_BAUD ? view[i] & 0x7f : view[i];
    peer.write(out);
  }
  close(): void {
    if (this.line.uart === this) this.line.uart = null;
  }
}
