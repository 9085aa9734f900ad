import type { Network, TcpHandler, TcpListener, TcpSocket } from "../../hal/tcp";
import type { ListenerClass, ListenerIo, TcpClass, TcpIo } from "./ecma419";

/** Most bytes queued per socket before `write` reports back-pressure. */
const MAX_QUEUED = 8192;

interface Targeted<T> {
  readonly target: T;
}

/** The callbacks of every plain socket and listener (preloaded: no RAM per connection). */
const SHARED = Object.freeze({
  onReadable(this: Targeted<Ecma419Socket>, count: number): void {
    this.target.readable(count);
  },
  onWritable(this: Targeted<Ecma419Socket>, count: number): void {
    this.target.writableNow(count);
  },
  // The SDK holds a socket, and the callbacks in it, until it is closed.
  onError(this: Targeted<Ecma419Socket>): void {
    this.target.close();
  },
  onConnections(this: Targeted<Ecma419Listener> & ListenerIo, requests: number): void {
    const listener = this.target;
    for (let i = 0; i < requests; i++) listener.accept(this.read());
  },
});

/**
 * A TcpSocket port over ECMA-419 TCP. `onReadable(count)` fires once per arrival, so it drains
 * exactly `count` bytes; writes go out as far as `onWritable` allows and the rest waits in a queue
 * (a socket that "would block" never loses bytes).
 */
export class Ecma419Socket implements TcpSocket {
  private io!: TcpIo;
  private dataHandler: ((data: Uint8Array) => void) | null = null;
  private closeHandler: (() => void) | null = null;
  private connectHandler: (() => void) | null = null;
  private handler: TcpHandler | null = null;
  private connected = false;
  private writable = 0;
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private closed = false;

  constructor(TCP: TcpClass, options: Record<string, unknown>) {
    // Every socket shares module-level callbacks that find this object as the IO instance's
    // `target` (ECMA-419): no closures per connection in the fixed heap. The TLS socket class
    // (native-tls.ts, the meter's C client) honours `target` as the SDK's TCP does.
    this.io = new TCP({ ...options, format: "buffer", target: this, onReadable: SHARED.onReadable, onWritable: SHARED.onWritable, onError: SHARED.onError });
  }

  /** `onReadable(count)`: drains exactly `count` bytes. */
  readable(count: number): void {
    const bytes = this.io.read(count) as ArrayBuffer;
    if (!bytes || bytes.byteLength === 0) return;
    if (this.handler !== null) this.handler.tcpData(new Uint8Array(bytes), this);
    else this.dataHandler?.(new Uint8Array(bytes));
  }

  /** `onWritable(count)`: the first one of an outgoing socket means the connection is up. */
  writableNow(count: number): void {
    this.writable = count;
    if (!this.connected) {
      this.connected = true;
      if (this.handler !== null) this.handler.tcpConnected?.(this);
      else this.connectHandler?.();
    }
    this.pump();
  }

  get remoteAddress(): string {
    return this.io.remoteAddress ?? "";
  }

  get remotePort(): number {
    return this.io.remotePort ?? 0;
  }

  write(data: Uint8Array): number {
    if (this.closed) return 0;
    const room = MAX_QUEUED - this.queued;
    const accepted = Math.min(room, data.length);
    if (accepted > 0) {
      this.queue.push(data.slice(0, accepted));
      this.queued += accepted;
      this.pump();
    }
    return accepted;
  }

  onData(handler: (data: Uint8Array) => void): void {
    this.dataHandler = handler;
  }

  onClose(handler: () => void): void {
    this.closeHandler = handler;
  }

  onConnect(handler: () => void): void {
    this.connectHandler = handler;
    if (this.connected && !this.closed) handler();
  }

  setHandler(handler: TcpHandler): void {
    this.handler = handler;
    if (this.connected && !this.closed) handler.tcpConnected?.(this);
  }

  close(): void {
    if (this.closed) return;
    this.io.close();
    this.finish();
  }

  private pump(): void {
    while (this.writable > 0 && this.queue.length > 0 && !this.closed) {
      const head = this.queue[0];
      const n = Math.min(head.length, this.writable);
      try {
        this.io.write(n === head.length ? head : head.subarray(0, n));
      } catch {
        // "would block": wait for the next onWritable.
        this.writable = 0;
        return;
      }
      this.writable -= n;
      this.queued -= n;
      if (n === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.queued = 0;
    if (this.handler !== null) this.handler.tcpClosed(this);
    else this.closeHandler?.();
  }
}

class Ecma419Listener implements TcpListener {
  private handler: ((socket: TcpSocket) => void) | null = null;
  private readonly io;

  constructor(Listener: ListenerClass, private readonly TCP: TcpClass, port: number, address?: string) {
    this.io = new Listener({ port, ...(address ? { address } : {}), target: this, onReadable: SHARED.onConnections });
  }

  accept(from: TcpIo): void {
    const socket = new Ecma419Socket(this.TCP, { from });
    if (this.handler) this.handler(socket);
    else socket.close();
  }

  onConnection(handler: (socket: TcpSocket) => void): void {
    this.handler = handler;
  }

  close(): void {
    this.io.close();
  }
}

/**
 * TLS for outgoing connections: a TLS socket class in the ECMA-419 TLSSocket's shape (on the
 * Moddable targets the meter's C client, native-tls.ts) and the certificate to trust (DER; the
 * build carries no root certificates, so without one no TLS connection starts).
 */
export interface TlsOptions {
  TLSSocket: TcpClass;
  certificate: ArrayBuffer | null;
}

/** The Network port: listeners and outgoing connections. Moddable's TCP takes numeric addresses only. */
export class Ecma419Network implements Network {
  readonly connectTls?: (host: string, port: number, serverName: string) => TcpSocket;

  constructor(private readonly Listener: ListenerClass, private readonly TCP: TcpClass, tls?: TlsOptions) {
    if (tls) this.connectTls = (host, port, serverName) => this.openTls(tls, host, port, serverName);
  }

  listen(port: number, address?: string): TcpListener {
    return new Ecma419Listener(this.Listener, this.TCP, port, address);
  }

  connect(host: string, port: number): TcpSocket {
    checkNumericHost(host);
    return new Ecma419Socket(this.TCP, { address: host, port });
  }

  /** The server's certificate is checked for `serverName` (a DNS name or the IPv4 address in its subjectAltName). */
  private openTls(tls: TlsOptions, host: string, port: number, serverName: string): TcpSocket {
    checkNumericHost(host);
    return new Ecma419Socket(tls.TLSSocket, { address: host, port, host: serverName, TCP: { io: this.TCP }, secure: tls.certificate ? { certificate: tls.certificate } : {} });
  }
}

function checkNumericHost(host: string): void {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) throw new Error(`TCP needs a numeric IPv4 address, got "${host}"`);
}
