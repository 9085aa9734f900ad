/**
 * The firmware side of the simulated board behind the `lin` platform (mcsim): the same ECMA-419
 * shapes the ESP32 provider offers (SPI, Digital, flash storage, station Wi-Fi) plus a virtual
 * Timer/Time, with every wire ending in a BoardLink to the emulated hardware (emulated-board.ts):
 * in mcsim a SharedBoardLink to the emulator worker (another XS machine), in Node tests a
 * DirectBoardLink. Time is virtual: a VirtualClock advanced by a real Moddable timer (or, at
 * full speed, as fast as the firmware keeps up); the firmware's timers run on it, and the board
 * catches up to the firmware's time at each access and at each of its own events, so the
 * firmware and the emulators share one time line.
 *
 * A power cut (an outage of the scenario) is what the board does: the power-fail input falls, the
 * firmware gets its emergency save, and after the hold-up time the firmware side "dies" (the
 * `power.down` hook stops the meter, every pin and timer is released) until the supply returns
 * and `power.up` boots it again from flash. On the ESP32 that second boot is a reset.
 *
 * Pure TypeScript over injected modules (the real Timer comes from instance.ts), so the system
 * test runs exactly this in Node.
 */
import type { Scenario } from "../../../emulation/scenario/scenario";
import { VirtualClock } from "../../../emulation/virtual-clock";
import type { Bytes, TimeModule, TimerModule } from "../moddable/ecma419";
import type { TimerId } from "../../hal/clock";
import { type PinMap, REFERENCE_PINS } from "../moddable/settings";
import { EmulatedBoard, SPI_READ, SPI_TRANSFER, SPI_WRITE } from "./emulated-board";
import { type BoardLink, DirectBoardLink } from "./link";
import { serveControl } from "./control";
import type { Network } from "../../hal/tcp";

export interface LinHardwareOptions {
  scenario: Scenario;
  /** The real Moddable timer that advances virtual time (tests pass a fake). */
  timer: TimerModule;
  trace: (text: string) => void;
  /** Virtual ms per real ms (1 = real time; 0 = paused). */
  speed?: number;
  /** Real ms between virtual-time steps. */
  stepMs?: number;
  pins?: PinMap;
  /** Sectors of the journal partition (default 16: 64 KiB) and of the profiles' (default 64: 256 KiB). */
  flashSectors?: number;
  profileSectors?: number;
  flashPartition?: string;
  profilePartition?: string;
  /** The emulated hardware (default: an EmulatedBoard of the scenario in this machine). */
  link?: BoardLink;
  /** Outage windows [from, to) in ms since the scenario start (local board only). */
  outages?: readonly (readonly [number, number])[];
  /** Virtual ms the supply holds the CPU up after the power-fail edge (default 50). */
  holdUpMs?: number;
}

const MODE = { Input: 0, InputPullUp: 1, InputPullDown: 2, InputPullUpDown: 3, Output: 8, OutputOpenDrain: 9 } as const;

function view(b: Bytes): Uint8Array {
  return b instanceof Uint8Array ? b : ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b as ArrayBuffer);
}

/** One GPIO line as the firmware sees it: its level and the IO instance that owns it. */
class Wire {
  level: number;
  owner: object | null = null;
  /** The owning Digital input's onReadable (called with the input as `this`) and its edges (1 rising, 2 falling). */
  onReadable: ((this: object) => void) | null = null;
  edges = 0;
  constructor(level: number) {
    this.level = level;
  }
  /** The board drives the line (an input for the firmware). */
  drive(level: number): void {
    level = level ? 1 : 0;
    if (level === this.level) return;
    this.level = level;
    if (this.onReadable && this.edges & (level ? 1 : 2)) this.onReadable.call(this.owner!);
  }
}

/** What the firmware's entry does when the supply goes and comes back (main.ts on lin). */
export interface PowerHooks {
  down(): void;
  up(): void;
}

export type LinHardware = ReturnType<typeof createLinHardware>;

export function createLinHardware(options: LinHardwareOptions) {
  const scenario = options.scenario;
  const pins = options.pins ?? REFERENCE_PINS;
  const trace = options.trace;
  const local = options.link ? null : new EmulatedBoard({ scenario, pins, trace, flashSectors: options.flashSectors, profileSectors: options.profileSectors, outages: options.outages });
  const link: BoardLink = options.link ?? new DirectBoardLink(local!);
  const virtual = new VirtualClock(scenario.startUtcMs);
  const partitionNames = [options.flashPartition ?? "meterdata", options.profilePartition ?? "meterprof"];
  const holdUpMs = options.holdUpMs ?? 50;

  const wires = new Map<number, Wire>();
  const wire = (pin: number): Wire => {
    let w = wires.get(pin);
    if (!w) wires.set(pin, (w = new Wire(link.level(pin))));
    return w;
  };
  const claim = (pin: number, owner: object): Wire => {
    const w = wire(pin);
    if (w.owner) throw new Error(`pin ${pin} in use`);
    w.owner = owner;
    return w;
  };

  // Power: the firmware runs while `powered`; hooks from main.ts stop and boot it.
  let powered = true;
  let hooks: PowerHooks | null = null;
  /** Every firmware timer alive (a dying CPU stops them all). */
  const firmwareTimers = new Set<TimerId>();
  const events: number[] = [];
  const deliver = (): void => {
    link.takeEvents(events);
    for (let i = 0; i < events.length; i += 2) {
      const pin = events[i];
      const level = events[i + 1];
      if (pin === pins.powerFail) supplyChanged(level);
      if (powered) wire(pin).drive(level);
      else wire(pin).level = level;
    }
    events.length = 0;
  };
  const supplyChanged = (level: number): void => {
    if (level === 0 && powered) {
      // The CPU runs on the hold-up capacitor for a moment after the power-fail edge.
      virtual.schedule(powerDown, holdUpMs);
    } else if (level === 1 && !powered) {
      virtual.schedule(powerUp, 0);
    }
  };
  const powerDown = (): void => {
    if (!powered) return;
    hooks?.down();
    powered = false;
    for (const id of firmwareTimers) virtual.clearTimer(id);
    firmwareTimers.clear();
    for (const w of wires.values()) {
      w.owner = null;
      w.onReadable = null;
    }
    trace("power down: the firmware stopped\n");
  };
  const powerUp = (): void => {
    if (powered || wire(pins.powerFail).level === 0) return;
    powered = true;
    trace("power up: booting\n");
    hooks?.up();
  };

  class SPI {
    private selected = false;
    private readonly claimed: number[];
    constructor(o: { clock: number; in?: number; out?: number; select?: number; hz: number; mode?: number }) {
      if (!(o.hz >= 1 && o.hz <= 40e6)) throw new RangeError("invalid hz");
      if (o.select !== pins.meterCs) throw new Error(`no SPI device on select pin ${o.select} (the metering IC is on ${pins.meterCs})`);
      this.claimed = [o.clock, o.in, o.out, o.select].filter((p): p is number => p !== undefined);
      const done: number[] = [];
      try {
        for (const p of this.claimed) {
          claim(p, this);
          done.push(p);
        }
      } catch (e) {
        for (const p of done) wire(p).owner = null;
        throw e;
      }
    }
    transfer(buffer: Bytes): void {
      this.exchange(buffer, SPI_TRANSFER);
    }
    write(buffer: Bytes): void {
      this.exchange(buffer, SPI_WRITE);
    }
    read(buffer: Bytes): void {
      this.exchange(buffer, SPI_READ);
    }
    flush(deselect?: boolean): void {
      if (deselect && this.selected) {
        this.selected = false;
        if (powered) link.deselect(virtual.nowMs());
        deliver();
      }
    }
    close(): void {
      this.flush(true);
      for (const p of this.claimed) wire(p).owner = null;
    }
    private exchange(buffer: Bytes, mode: number): void {
      if (!powered) return;
      this.selected = true;
      link.spi(virtual.nowMs(), view(buffer), mode);
      deliver();
    }
  }

  class Digital {
    static readonly Input = MODE.Input;
    static readonly InputPullUp = MODE.InputPullUp;
    static readonly InputPullDown = MODE.InputPullDown;
    static readonly InputPullUpDown = MODE.InputPullUpDown;
    static readonly Output = MODE.Output;
    static readonly OutputOpenDrain = MODE.OutputOpenDrain;
    static readonly Rising = 1;
    static readonly Falling = 2;
    private readonly wire: Wire;
    private readonly output: boolean;
    private readonly pin: number;
    constructor(o: { pin: number; mode: number; edge?: number; onReadable?: (this: Digital) => void }) {
      this.output = o.mode === MODE.Output || o.mode === MODE.OutputOpenDrain;
      this.pin = o.pin;
      this.wire = claim(o.pin, this);
      if (o.onReadable && !this.output) {
        this.wire.onReadable = o.onReadable as (this: object) => void;
        this.wire.edges = o.edge ?? 0;
      }
    }
    read(): 0 | 1 {
      if (this.output) throw new Error("can't read output");
      return this.wire.level ? 1 : 0;
    }
    write(value: 0 | 1): void {
      if (!this.output) throw new Error("can't write input");
      const level = value ? 1 : 0;
      if (level === this.wire.level || !powered) return;
      this.wire.level = level;
      link.pinWrite(virtual.nowMs(), this.pin, level);
    }
    close(): void {
      this.wire.onReadable = null;
      this.wire.owner = null;
    }
  }

  /** One flash partition opened by the firmware (`embedded:storage/flash`). */
  class LinFlash {
    private readonly geometry: { size: number; sectorSize: number; sectorCount: number };
    constructor(private readonly partition: number, private readonly readOnly: boolean) {
      this.geometry = link.flashGeometry(partition);
    }
    read(buffer: Bytes, byteOffset: number): number {
      const b = view(buffer);
      if (powered) link.flashRead(virtual.nowMs(), this.partition, byteOffset, b);
      return b.length;
    }
    write(buffer: Bytes, byteOffset: number): void {
      if (this.readOnly) throw new Error("read-only");
      if (powered) link.flashWrite(virtual.nowMs(), this.partition, byteOffset, view(buffer));
    }
    eraseBlock(start: number, end = start + 1): void {
      if (this.readOnly) throw new Error("read-only");
      for (let s = start; s < end && powered; s++) link.flashErase(virtual.nowMs(), this.partition, s);
    }
    status() {
      const g = this.geometry;
      return { size: g.size, blockLength: g.sectorSize, blocks: g.sectorCount };
    }
    close(): void {}
  }

  const flashStorage = {
    open(o: { path: string; mode?: "r" | "r+" }) {
      // The board numbers its partitions in this order: 0 the journal's, 1 the profiles'.
      const partition = partitionNames.indexOf(o.path);
      if (partition < 0) throw new Error("can't find partition");
      return new LinFlash(partition, o.mode !== "r+");
    },
  };

  /** Station Wi-Fi of the simulator: the host's network, up 300 ms after connect, -58 dBm. */
  class WiFi {
    connection = 200;
    address: string | undefined = undefined;
    RSSI: number | undefined = undefined;
    private readonly onChanged?: () => void;
    constructor(o: { onChanged?: () => void }) {
      this.onChanged = o.onChanged;
    }
    connect(_o: { SSID: string; password?: string }): void {
      this.connection = 300;
      const id = virtual.schedule(() => {
        firmwareTimers.delete(id);
        this.connection = 500;
        this.address = "127.0.0.1";
        this.RSSI = -58;
        this.onChanged?.();
      }, 300);
      firmwareTimers.add(id);
    }
    disconnect(): void {
      this.connection = 200;
      this.address = undefined;
      this.RSSI = undefined;
    }
    close(): void {}
  }

  // Moddable's Timer and Time over the virtual clock. Like the SDK's, a timer is an opaque object.
  class LinTimer {
    current: TimerId | undefined;
  }
  const track = (id: TimerId): TimerId => {
    firmwareTimers.add(id);
    return id;
  };
  const Timer: TimerModule = {
    set(callback, interval = 0, repeat = 0) {
      const timer = new LinTimer();
      timer.current = track(
        virtual.schedule(() => {
          firmwareTimers.delete(timer.current!);
          timer.current = repeat > 0 ? track(virtual.repeat(callback, repeat)) : undefined;
          callback();
        }, interval),
      );
      return timer;
    },
    repeat(callback, interval) {
      const timer = new LinTimer();
      timer.current = track(virtual.repeat(callback, Math.max(1, interval)));
      return timer;
    },
    clear(timer) {
      if (!(timer instanceof LinTimer)) return;
      if (timer.current !== undefined) {
        virtual.clearTimer(timer.current);
        firmwareTimers.delete(timer.current);
      }
      timer.current = undefined;
    },
  };
  const Time: TimeModule = {
    get ticks() {
      return virtual.nowMs();
    },
    set(seconds: number) {
      virtual.setWallClockMs(seconds * 1000);
    },
  };

  /**
   * Runs the firmware's timers and the board's own events in time order up to `timeMs`: the
   * firmware's clock stops at each board event, the board catches up, and its pin changes reach
   * the firmware at that time.
   */
  const runUntil = (timeMs: number): void => {
    for (;;) {
      const next = link.nextEventAt();
      if (next > timeMs) break;
      if (next > virtual.nowMs()) virtual.runUntil(next);
      if (link.nextEventAt() <= virtual.nowMs()) {
        link.sync(virtual.nowMs());
        deliver();
      }
    }
    virtual.runUntil(timeMs);
  };

  // The pump: `speed` virtual ms per real ms in steps of stepMs real ms; speed Infinity runs
  // `burstMs` of virtual time per step, as fast as the firmware keeps up.
  let speed = options.speed ?? 1;
  const stepMs = options.stepMs ?? 100;
  const burstMs = 2_000;
  let runTarget = Infinity;
  let runDone: ((nowMs: number) => void) | null = null;
  let pump: unknown = null;
  const step = (): void => {
    pump = null;
    const fast = runDone !== null || speed === Infinity;
    const advance = fast ? burstMs : stepMs * speed;
    const target = Math.min(virtual.nowMs() + advance, runTarget);
    if (advance > 0) runUntil(target);
    if (runDone && virtual.nowMs() >= runTarget) {
      const done = runDone;
      runDone = null;
      runTarget = Infinity;
      done(virtual.nowMs());
    }
    schedulePump();
  };
  const schedulePump = (): void => {
    if (pump !== null) return;
    const fast = runDone !== null || speed === Infinity;
    if (!fast && speed <= 0) return;
    pump = options.timer.set(step, fast ? 0 : stepMs);
  };
  schedulePump();

  const simulation = {
    /** Virtual ms per real ms from now on (0 pauses, Infinity runs flat out). */
    setSpeed(value: number): void {
      speed = value;
      if (pump !== null) options.timer.clear(pump as never);
      pump = null;
      schedulePump();
    },
    get speed(): number {
      return speed;
    },
    /** Runs `ms` of virtual time as fast as the firmware keeps up, then calls `done` (the free-running speed resumes). */
    run(ms: number, done: (nowMs: number) => void): void {
      if (runDone) runDone(virtual.nowMs());
      runTarget = virtual.nowMs() + Math.max(0, ms);
      runDone = done;
      if (pump !== null) options.timer.clear(pump as never);
      pump = null;
      schedulePump();
    },
    get powered(): boolean {
      return powered;
    },
  };

  const device = {
    io: { SPI, Digital },
    pin: { ...pins },
    /** Not in the ESP32 provider: main.ts uses it when present (virtual time). */
    clock: { Timer, Time, wallClockMs: () => virtual.wallClockMs() },
    /** Not in the ESP32 provider: main.ts stops and boots the meter across a simulated power cut. */
    power: {
      attach(h: PowerHooks): void {
        hooks = h;
      },
    },
    /** Not in the ESP32 provider: the simulator's control port (control.ts). */
    serveControl(network: Network, port: number): void {
      serveControl(network, port, simulation, () => virtual.nowMs(), trace);
    },
  };
  return {
    device,
    SPI,
    Digital,
    flashStorage,
    WiFi,
    virtual,
    runUntil,
    link,
    simulation,
    board: local,
    get relay() {
      return local!.relay;
    },
    get flash() {
      return local!.flash;
    },
    lcdText: () => local!.lcdText(),
    stop: () => {
      if (pump !== null) options.timer.clear(pump as never);
      pump = null;
      speed = 0;
    },
  };
}
