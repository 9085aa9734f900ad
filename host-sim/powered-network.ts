import type { Network, TcpListener, TcpSocket } from "../firmware/hal/tcp";

/**
 * The firmware's network on a board that can lose power. Listeners stay bound on the host across
 * power cuts, but while the meter is off (and until the next meter listens again) every incoming
 * connection is closed at once; a power cut closes every socket the firmware had. A dead meter
 * never sees another byte.
 */
export class PoweredNetwork implements Network {
  private readonly listeners = new Map<string, { real: TcpListener; handler: ((socket: TcpSocket) => void) | null }>();
  private readonly sockets = new Set<PoweredSocket>();
  constructor(readonly inner: Network) {}

  listen(port: number, address?: string): TcpListener & { ready?: Promise<number> } {
    const key = `${address ?? "*"}:${port}`;
    let entry = this.listeners.get(key);
    if (!entry) {
      const real = this.inner.listen(port, address);
      const created: { real: TcpListener; handler: ((socket: TcpSocket) => void) | null } = { real, handler: null };
      real.onConnection((raw) => {
        if (!created.handler) {
          raw.close();
          return;
        }
        created.handler(this.track(raw));
      });
      this.listeners.set(key, (entry = created));
    }
    const bound = entry;
    return {
      ready: (bound.real as { ready?: Promise<number> }).ready,
      onConnection: (handler) => {
        bound.handler = handler;
      },
      close: () => {
        bound.handler = null;
      },
    };
  }

  connect(host: string, port: number): TcpSocket {
    return this.track(this.inner.connect(host, port));
  }

  connectTls(host: string, port: number, serverName: string): TcpSocket {
    if (!this.inner.connectTls) throw new Error("this network has no TLS");
    return this.track(this.inner.connectTls(host, port, serverName));
  }

  /** Sockets the running firmware holds. */
  get openSockets(): number {
    return this.sockets.size;
  }

  /** Power lost: every socket closed, no listener takes connections until the next meter listens. */
  powerOff(): void {
    for (const entry of this.listeners.values()) entry.handler = null;
    for (const socket of this.sockets) socket.kill();
    this.sockets.clear();
  }

  /** The simulator ends: the host's listeners are released. */
  shutdown(): void {
    this.powerOff();
    for (const entry of this.listeners.values()) entry.real.close();
    this.listeners.clear();
  }

  private track(raw: TcpSocket): PoweredSocket {
    const socket = new PoweredSocket(raw, (s) => this.sockets.delete(s));
    this.sockets.add(socket);
    return socket;
  }
}

/** A socket of one firmware life: after `kill` it delivers nothing and sends nothing. */
class PoweredSocket implements TcpSocket {
  private alive = true;
  private dataHandler: ((data: Uint8Array) => void) | null = null;
  private closeHandler: (() => void) | null = null;
  constructor(readonly raw: TcpSocket, private readonly forget: (s: PoweredSocket) => void) {
    raw.onData((data) => {
      if (this.alive) this.dataHandler?.(data);
    });
    raw.onClose(() => {
      this.forget(this);
      if (this.alive) this.closeHandler?.();
    });
  }
  get remoteAddress(): string {
    return this.raw.remoteAddress;
  }
  get remotePort(): number {
    return this.raw.remotePort;
  }
  write(data: Uint8Array): number {
    return this.alive ? this.raw.write(data) : 0;
  }
  onData(handler: (data: Uint8Array) => void): void {
    this.dataHandler = handler;
  }
  onClose(handler: () => void): void {
    this.closeHandler = handler;
  }
  onConnect(handler: () => void): void {
    // A socket that gives no connect signal is connected already: the caller writes at once.
    if (!this.raw.onConnect) {
      handler();
      return;
    }
    this.raw.onConnect(() => {
      if (this.alive) handler();
    });
  }
  close(): void {
    this.forget(this);
    this.raw.close();
  }
  kill(): void {
    this.alive = false;
    this.raw.close();
  }
}
