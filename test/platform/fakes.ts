import type { TimerId } from "../../firmware/hal/clock";
/**
 * Fake ECMA-419 IO objects that follow the documented semantics (docs/moddable-notes.md, ECMA-419):
 * SPI holds chip select from the first byte until flush(true); a pin belongs to one IO instance;
 * Digital inputs call onReadable on the configured edges; TCP calls onReadable(count) once per
 * arrival and read(n) returns n bytes; TCP write beyond the writable count throws "would block".
 */
import type { SpiSlave } from "../../emulation/line";
import type { Bytes, TcpIo } from "../../firmware/platform/moddable/ecma419";
import type { VirtualClock } from "../../emulation/virtual-clock";

function view(b: Bytes): Uint8Array {
  return b instanceof Uint8Array ? b : ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b as ArrayBuffer);
}

export class FakeSpi {
  selected = false;
  /** Bytes sent in each completed chip-select frame. */
  readonly frames: number[][] = [];
  private current: number[] = [];
  constructor(private readonly slave: SpiSlave) {}
  transfer(buffer: Bytes): void {
    const b = view(buffer);
    this.begin();
    for (let i = 0; i < b.length; i++) {
      this.current.push(b[i]);
      b[i] = this.slave.exchange(b[i]);
    }
  }
  write(buffer: Bytes): void {
    const b = view(buffer);
    this.begin();
    for (let i = 0; i < b.length; i++) {
      this.current.push(b[i]);
      this.slave.exchange(b[i]);
    }
  }
  read(buffer: Bytes): void {
    const b = view(buffer);
    this.begin();
    for (let i = 0; i < b.length; i++) b[i] = this.slave.exchange(0);
  }
  flush(deselect?: boolean): void {
    if (deselect && this.selected) {
      this.slave.deselect();
      this.selected = false;
      this.frames.push(this.current);
      this.current = [];
    }
  }
  private begin(): void {
    if (!this.selected) {
      this.selected = true;
      this.slave.select();
    }
  }
}

export function makeFakeDigital() {
  const pins = new Map<number, FakeDigitalInstance>();
  class FakeDigitalInstance {
    static readonly Input = "input";
    static readonly InputPullUp = "input-pull-up";
    static readonly Output = "output";
    static readonly Rising = 1;
    static readonly Falling = 2;
    level: number;
    readonly written: number[] = [];
    private readonly pin: number;
    private readonly onReadable?: (this: FakeDigitalInstance) => void;
    private readonly edge: number;
    /** ECMA-419: the `target` option becomes the instance's `target` property. */
    readonly target: unknown;
    constructor(options: Record<string, unknown>) {
      this.target = options.target;
      this.pin = options.pin as number;
      if (pins.has(this.pin)) throw new Error(`pin ${this.pin} already in use`);
      pins.set(this.pin, this);
      this.level = options.mode === FakeDigitalInstance.InputPullUp ? 1 : 0;
      this.onReadable = options.onReadable as ((this: FakeDigitalInstance) => void) | undefined;
      this.edge = (options.edge as number) ?? 0;
    }
    read(): 0 | 1 {
      return this.level ? 1 : 0;
    }
    write(value: 0 | 1): void {
      this.level = value;
      this.written.push(value);
    }
    close(): void {
      pins.delete(this.pin);
    }
    /** The outside world drives an input pin. */
    drive(level: number): void {
      if (level === this.level) return;
      const rising = level > this.level;
      this.level = level;
      if (this.onReadable && (this.edge & (rising ? 1 : 2))) this.onReadable.call(this);
    }
  }
  return { Digital: FakeDigitalInstance, pins };
}

/** A fake TCP connection whose far end the test controls. */
export class FakeTcp implements TcpIo {
  remoteAddress = "192.168.1.20";
  remotePort = 50123;
  writable = 64;
  readonly sent: number[] = [];
  closed = false;
  private incoming: number[] = [];
  private readonly options: Record<string, unknown>;
  /** ECMA-419: the `target` option becomes the instance's `target` property (the SDK's builtinInitializeTarget). */
  target: unknown;
  constructor(options: Record<string, unknown>) {
    this.options = options;
    if ("target" in options) this.target = options.target;
    const from = options.from as FakeTcp | undefined;
    if (from) {
      this.remoteAddress = from.remoteAddress;
      this.remotePort = from.remotePort;
      from.adoptedBy = this;
    }
    FakeTcp.created.push(this);
    queueMicrotaskSafe(() => (this.options.onWritable as ((this: FakeTcp, n: number) => void) | undefined)?.call(this, this.writable));
  }
  static created: FakeTcp[] = [];
  adoptedBy: FakeTcp | undefined;
  read(byteLength?: number): number | ArrayBuffer {
    const n = Math.min(byteLength ?? this.incoming.length, this.incoming.length);
    const out = new Uint8Array(this.incoming.splice(0, n));
    return out.buffer;
  }
  write(value: Bytes | number): void {
    const bytes = typeof value === "number" ? [value] : Array.from(view(value));
    if (bytes.length > this.writable) throw new Error("would block");
    this.writable -= bytes.length;
    this.sent.push(...bytes);
  }
  close(): void {
    this.closed = true;
  }
  /** Bytes arrive from the peer: one onReadable per arrival. */
  arrive(bytes: number[]): void {
    this.incoming.push(...bytes);
    (this.options.onReadable as (this: FakeTcp, n: number) => void).call(this, bytes.length);
  }
  /** The network drained the send buffer. */
  drain(room: number): void {
    this.writable = room;
    (this.options.onWritable as (this: FakeTcp, n: number) => void).call(this, room);
  }
  fail(): void {
    (this.options.onError as (this: FakeTcp) => void).call(this);
  }
}

function queueMicrotaskSafe(f: () => void): void {
  f();
}

export class FakeListener {
  static last: FakeListener | undefined;
  closed = false;
  private readonly pending: FakeTcp[] = [];
  target: unknown;
  constructor(readonly options: Record<string, unknown>) {
    if ("target" in options) this.target = options.target;
    FakeListener.last = this;
  }
  read(): FakeTcp {
    return this.pending.shift()!;
  }
  close(): void {
    this.closed = true;
  }
  connectFrom(raw: FakeTcp): void {
    this.pending.push(raw);
    (this.options.onReadable as (this: FakeListener, n: number) => void).call(this, 1);
  }
}

/** Moddable's timer module driven by the virtual clock: opaque timer objects, `repeat` a period in ms (typings/timer.d.ts). */
export function fakeTimerModule(clock: VirtualClock) {
  /** One virtual one-shot per timer, re-armed for each expiry; `period` 0 frees it after it fires, -1 unscheduled. */
  class FakeTimer {
    readonly id: TimerId;
    constructor(
      private readonly callback: () => void,
      public period: number,
    ) {
      this.id = clock.oneShot(() => {
        if (this.period > 0) clock.arm(this.id, this.period);
        else if (this.period === 0) clock.clearTimer(this.id);
        this.callback();
      });
    }
  }
  return {
    set: (callback: () => void, interval = 0, repeat = 0): object => {
      const timer = new FakeTimer(callback, repeat);
      clock.arm(timer.id, interval);
      return timer;
    },
    repeat: (callback: () => void, interval: number): object => {
      const timer = new FakeTimer(callback, interval);
      clock.arm(timer.id, interval);
      return timer;
    },
    schedule: (timer: object, interval?: number, repeat = 0): void => {
      if (!(timer instanceof FakeTimer)) return;
      if (interval === undefined) {
        timer.period = -1;
        clock.disarm(timer.id);
      } else {
        timer.period = repeat;
        clock.arm(timer.id, interval);
      }
    },
    clear: (timer: object | undefined | null) => {
      if (timer instanceof FakeTimer) clock.clearTimer(timer.id);
    },
  };
}
