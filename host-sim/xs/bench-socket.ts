import type { TcpSocket } from "../../firmware/hal/tcp";

/** A TcpSocket for XS benches: the server's replies are kept, frames are fed by hand. */
export class BenchSocket implements TcpSocket {
  readonly remoteAddress = "127.0.0.1";
  readonly remotePort = 1;
  last = new Uint8Array(0);
  handler: ((d: Uint8Array) => void) | null = null;
  write(data: Uint8Array): number {
    this.last = data.slice();
    return data.length;
  }
  onData(h: (d: Uint8Array) => void): void {
    this.handler = h;
  }
  onClose(): void {}
  close(): void {}
}
