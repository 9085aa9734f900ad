import { createConnection, createServer, type Server, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { Network, TcpListener, TcpSocket } from "../firmware/hal/tcp";

/**
 * Most bytes a socket may hold unsent before `write` reports back-pressure (accepts nothing): one
 * largest reply (64 KiB APDU + header) in flight and the next. A peer that does not read is then
 * closed by the server instead of growing the process (issue 14: 1.2 GB before).
 */
export const MAX_UNSENT_BYTES = 2 * (0x10000 + 8);

/**
 * How a socket of the simulated board behaves beyond Node's defaults: at most `maxBuffered` bytes
 * waiting in Node's send buffer (more = back-pressure: `write` takes less, as the ESP32's lwIP
 * does), and `alive` false once the firmware that opened it has lost its power (a dead MCU sends
 * and hears nothing: the socket goes silent, the peer finds out by its own time-outs).
 */
export interface NodeSocketOptions {
  maxBuffered?: number;
  alive?: () => boolean;
  /** TLS sockets: "secureConnect" is when the connection is usable. */
  connectEvent?: "connect" | "secureConnect";
}

/** The TcpSocket port over a Node socket. Writes are copied: the firmware reuses its buffers. */
export class NodeTcpSocket implements TcpSocket {
  private closeHandler: (() => void) | null = null;
  private closed = false;
  private readonly maxBuffered: number;
  private readonly alive: () => boolean;
  private readonly connectEvent: "connect" | "secureConnect";

  constructor(private readonly socket: Socket, options: NodeSocketOptions = {}) {
    this.maxBuffered = options.maxBuffered ?? MAX_UNSENT_BYTES;
    this.alive = options.alive ?? (() => true);
    this.connectEvent = options.connectEvent ?? "connect";
    socket.setNoDelay(true);
    socket.on("error", () => {
      // "close" follows; the handler runs there.
    });
    socket.on("close", () => {
      if (this.closed || !this.live()) return;
      this.closed = true;
      this.closeHandler?.();
    });
  }

  /** False (and the socket silenced) once its firmware is gone. */
  private live(): boolean {
    if (this.alive()) return true;
    this.socket.pause();
    return false;
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? "";
  }

  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  /** Bytes Node holds for sending (what a slow peer makes grow). */
  get buffered(): number {
    return this.socket.writableLength;
  }

  write(data: Uint8Array): number {
    if (this.closed || this.socket.destroyed || !this.live()) return 0;
    const room = this.maxBuffered - this.socket.writableLength;
    if (room <= 0) return 0;
    const n = Math.min(room, data.length);
    this.socket.write(Buffer.from(n === data.length ? data : data.subarray(0, n)));
    return n;
  }

  /** The data handler; a later call replaces it (as on the device's sockets). */
  onData(handler: (data: Uint8Array) => void): void {
    if (!this.dataHandler) {
      this.socket.on("data", (chunk: Buffer) => {
        if (this.live()) this.dataHandler?.(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      });
    }
    this.dataHandler = handler;
  }

  private dataHandler: ((data: Uint8Array) => void) | null = null;

  onClose(handler: () => void): void {
    this.closeHandler = handler;
  }

  /** Outgoing: once connected (the push client waits for it); accepted sockets are connected already. */
  onConnect(handler: () => void): void {
    const pending = this.connectEvent === "secureConnect" ? !(this.socket as Socket & { authorized?: boolean }).authorized && !this.closed : this.socket.connecting;
    if (pending) {
      this.socket.once(this.connectEvent, () => {
        if (this.live()) handler();
      });
    } else if (!this.closed && !this.socket.destroyed) handler();
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

export interface NodeNetworkOptions {
  /** Send-buffer bound of outgoing sockets (default: none). */
  maxBuffered?: number;
  /** Called when an outgoing socket opens; returns whether that socket's firmware still runs. */
  liveness?: () => () => boolean;
  /** PEM certificates trusted for TLS (default: Node's roots). */
  ca?: string | Buffer;
}

/** The Network port on Node's `net` and `tls` (host simulator: binds 127.0.0.1 unless told otherwise). */
export class NodeNetwork implements Network {
  constructor(private readonly options: NodeNetworkOptions = {}) {}

  listen(port: number, address = "127.0.0.1"): NodeTcpListener {
    return new NodeTcpListener(createServer(), port, address);
  }

  connect(host: string, port: number): NodeTcpSocket {
    return new NodeTcpSocket(createConnection({ host, port }), { maxBuffered: this.options.maxBuffered, alive: this.options.liveness?.() });
  }

  /** TLS through Node (the simulator's stand-in for the platform's TLS socket): the certificate must verify. */
  connectTls(host: string, port: number, serverName: string): NodeTcpSocket {
    const isIp = /^[\d.]+$|:/.test(serverName);
    const socket = tlsConnect({ host, port, ca: this.options.ca, servername: isIp ? undefined : serverName, rejectUnauthorized: true });
    return new NodeTcpSocket(socket, { maxBuffered: this.options.maxBuffered, alive: this.options.liveness?.(), connectEvent: "secureConnect" });
  }
}
