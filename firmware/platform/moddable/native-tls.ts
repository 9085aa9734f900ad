/**
 * TLS for outgoing connections through the meter's C client (tls/tls.c, bound by the manifest's
 * "ffi" section as `mc/ffi`), in the shape of the SDK's ECMA-419 TLSSocket so that Ecma419Socket
 * and Ecma419Network use it unchanged (docs/readme/mqtt.md).
 *
 * The C side runs connect, handshake and record I/O on a thread of its own and keeps the bytes in
 * two rings of 2 KiB; this side polls it on one timer per open socket (every POLL_MS) and turns
 * what it finds into the ECMA-419 callbacks: the first `onWritable` when the handshake is done,
 * `onReadable(count)` when bytes are waiting, `onError` when the connection failed or ended. No
 * TLS state lives in the XS heap, and the XS thread never blocks on the network.
 */
import type { Bytes, TcpClass, TcpIo, TimerHandle, TimerModule } from "./ecma419";

/** The C functions as `mc/ffi` binds them (names as in tls.c). */
export interface TlsNatives {
  /** A handle (0 or more), or a negative error; the connection goes on on its own thread. */
  meter_tls_open(host: string, port: number, ca: ArrayBuffer, caLength: number, serverName: string): number;
  /** 0 connecting, 1 open, 2 closed by the peer, negative: failed (TLS library error code). */
  meter_tls_state(handle: number): number;
  meter_tls_readable(handle: number): number;
  meter_tls_read(handle: number, buffer: ArrayBuffer, offset: number, length: number): number;
  meter_tls_writable(handle: number): number;
  meter_tls_write(handle: number, buffer: ArrayBuffer, offset: number, length: number): number;
  meter_tls_close(handle: number): void;
}

export const POLL_MS = 50;
const OPEN = 1;

interface SocketOptions {
  address?: string;
  port?: number;
  host?: string;
  secure?: { certificate?: ArrayBuffer | ArrayBufferView };
  onReadable?: (this: NativeTlsSocket, count: number) => void;
  onWritable?: (this: NativeTlsSocket, count: number) => void;
  onError?: (this: NativeTlsSocket) => void;
  /** ECMA-419: becomes the instance's `target`; the callbacks are called with the instance as `this`. */
  target?: unknown;
}

/**
 * Where the sockets find the C functions and the board's timers. `mc/ffi` is instantiated at the
 * first connection (its instance holds a host function per C function: nothing of it before MQTT
 * over TLS is used).
 */
export class NativeTlsHost {
  private bound: TlsNatives | null = null;
  constructor(
    private readonly FFI: new () => unknown,
    readonly Timer: TimerModule,
  ) {}
  natives(): TlsNatives {
    if (this.bound === null) this.bound = new this.FFI() as TlsNatives;
    return this.bound;
  }
}

/**
 * The TLSSocket class for one board: the preloaded class bound to its host (one bound function in
 * RAM; a class made at boot would put its methods in the heap, ~100 slots the ESP32 has not got).
 */
export function nativeTlsClass(host: NativeTlsHost): TcpClass {
  return NativeTlsSocket.bind(null, host) as unknown as TcpClass;
}

export class NativeTlsSocket implements TcpIo {
  private readonly n: TlsNatives;
  private handle: number;
  private timer: TimerHandle | null = null;
  private open = false;
  /** A write took room since the last onWritable: report the room again. */
  private wrote = false;
  private failed = false;
  readonly remoteAddress: string;
  readonly remotePort: number;
  private readonly options: SocketOptions;
  private readonly Timer: TimerModule;
  /** ECMA-419's `target` (Ecma419Socket's shared callbacks find their socket through it). */
  readonly target: unknown;

  constructor(host: NativeTlsHost, options: Record<string, unknown>) {
    const o = options as SocketOptions;
    this.options = o;
    this.target = o.target;
    this.n = host.natives();
    this.Timer = host.Timer;
    const certificate = o.secure?.certificate;
    if (!certificate) throw new Error("TLS needs the broker's CA certificate (mqttCa): this build carries no root certificates");
    const ca = certificate instanceof ArrayBuffer ? certificate : copyView(certificate);
    this.remoteAddress = String(o.address ?? "");
    this.remotePort = Number(o.port ?? 0);
    this.handle = this.n.meter_tls_open(this.remoteAddress, this.remotePort, ca, ca.byteLength, String(o.host ?? this.remoteAddress));
    if (this.handle < 0) throw new Error(`TLS connection not started (error ${this.handle})`);
    this.timer = this.Timer.repeat(() => this.poll(), POLL_MS);
  }

  /** One look at the C side: connected, bytes waiting, room again, or the end. */
  poll(): void {
    const n = this.n;
    const h = this.handle;
    if (h < 0) return;
    const state = n.meter_tls_state(h);
    if (state !== OPEN) {
      if (state === 0) return;
      this.fail();
      return;
    }
    const waiting = n.meter_tls_readable(h);
    if (waiting > 0) this.options.onReadable?.call(this, waiting);
    if (this.handle < 0) return;
    if (!this.open || this.wrote) {
      const room = n.meter_tls_writable(h);
      if (room > 0) {
        this.open = true;
        this.wrote = false;
        this.options.onWritable?.call(this, room);
      }
    }
  }

  /** `count` bytes at most (all that wait without one); an empty buffer when none wait. */
  read(count?: number): ArrayBuffer {
    if (this.handle < 0) return new ArrayBuffer(0);
    const waiting = this.n.meter_tls_readable(this.handle);
    const length = count === undefined || count > waiting ? waiting : count;
    if (length <= 0) return new ArrayBuffer(0);
    const buffer = new ArrayBuffer(length);
    const got = this.n.meter_tls_read(this.handle, buffer, 0, length);
    return got === length ? buffer : buffer.slice(0, got);
  }

  /** All or nothing: with too little room it throws, as a socket that would block (Ecma419Socket retries at the next onWritable). */
  write(data: Bytes): void {
    if (this.handle < 0) throw new Error("TLS socket closed");
    const view = data instanceof Uint8Array ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array((data as ArrayBufferView).buffer, (data as ArrayBufferView).byteOffset, (data as ArrayBufferView).byteLength);
    const length = view.byteLength;
    if (this.n.meter_tls_writable(this.handle) < length) {
      this.wrote = true;
      throw new Error("would block");
    }
    this.n.meter_tls_write(this.handle, view.buffer as ArrayBuffer, view.byteOffset, length);
    this.wrote = true;
  }

  close(): void {
    if (this.handle < 0) return;
    this.n.meter_tls_close(this.handle);
    this.handle = -1;
    if (this.timer) this.Timer.clear(this.timer);
    this.timer = null;
  }

  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    this.close();
    this.options.onError?.call(this);
  }
}

function copyView(view: ArrayBufferView): ArrayBuffer {
  const out = new Uint8Array(view.byteLength);
  out.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return out.buffer;
}
