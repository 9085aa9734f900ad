import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { Network, TcpListener, TcpSocket } from "../firmware/hal/tcp";

/**
 * Most bytes a socket may hold unsent before `write` reports back-pressure (accepts nothing): one
 * largest reply (64 KiB APDU + header) in flight and the next. A peer that does not read is then
 * closed by the server instead of growing the process (issue 14: 1.2 GB before).
 */
export const MAX_UNSENT_BYTES = 2 * (0x10000 + 8);

/** The TcpSocket port over a Node socket. Writes are copied: the firmware reuses its buffers. */
export class NodeTcpSocket implements TcpSocket {
  private closeHandler: (() => void) | null = null;
  private closed = false;

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("error", () => {
      // "close" follows; the handler runs there.
    });
    socket.on("close", () => {
      if (this.closed) return;
      this.closed = true;
      this.closeHandler?.();
    });
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? "";
  }

  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  write(data: Uint8Array): number {
    if (this.closed || this.socket.destroyed) return 0;
    if (this.socket.writableLength + data.length > MAX_UNSENT_BYTES) return 0;
    this.socket.write(Buffer.from(data));
    return data.length;
  }

  onData(handler: (data: Uint8Array) => void): void {
    this.socket.on("data", (chunk: Buffer) => handler(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
  }

  onClose(handler: () => void): void {
    this.closeHandler = handler;
  }

  /** Outgoing: once connected (the push client waits for it); accepted sockets are connected already. */
  onConnect(handler: () => void): void {
    if (this.socket.connecting) this.socket.once("connect", handler);
    else if (!this.closed && !this.socket.destroyed) handler();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    this.socket.destroySoon?.();
  }
}

/** A listening Node server; `ready` resolves with the bound port (useful with port 0). */
export class NodeTcpListener implements TcpListener {
  readonly ready: Promise<number>;
  private handler: ((socket: TcpSocket) => void) | null = null;

  constructor(private readonly server: Server, port: number, address: string) {
    server.on("connection", (socket) => {
      const s = new NodeTcpSocket(socket);
      if (this.handler) this.handler(s);
      else s.close();
    });
    this.ready = new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, address, () => {
        server.off("error", reject);
        const bound = server.address();
        resolve(typeof bound === "object" && bound ? bound.port : port);
      });
    });
  }

  onConnection(handler: (socket: TcpSocket) => void): void {
    this.handler = handler;
  }

  close(): void {
    this.server.close();
  }
}

/** The Network port on Node's `net` (host simulator: binds 127.0.0.1 unless told otherwise). */
export class NodeNetwork implements Network {
  listen(port: number, address = "127.0.0.1"): NodeTcpListener {
    return new NodeTcpListener(createServer(), port, address);
  }

  connect(host: string, port: number): TcpSocket {
    return new NodeTcpSocket(createConnection({ host, port }));
  }
}
