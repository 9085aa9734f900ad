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
import { deepFreeze } from "../../kernel/freeze";
import type { FirmwareSlots } from "../../hal/firmware-slots";
import { openLinFirmwareSlots } from "./firmware-slots";

/** What the pump uses of Moddable's `timer` module: one repeating timer, rescheduled (schedule with no interval stops it). */
export interface PumpTimer {
  set(callback: () => void, interval: number, repeat: number): object;
  schedule(timer: object, interval?: number, repeat?: number): void;
}

export interface LinHardwareOptions {
  scenario: Scenario;
  /** The real Moddable timer that advances virtual time (tests pass a fake). */
  timer: PumpTimer;
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
  /** Sectors of each OTA application slot on the local board (default 0: no slots). */
  otaSlotSectors?: number;
  /** The firmware machine's heap after a full collection (the control port's `heap`); absent: not measurable. */
  heap?: () => string;
}

const MODE = deepFreeze({ Input: 0, InputPullUp: 1, InputPullDown: 2, InputPullUpDown: 3, Output: 8, OutputOpenDrain: 9 } as const);

function view(b: Bytes): Uint8Array {
  return b instanceof Uint8Array ? b : ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b as ArrayBuffer);
}

/** GPIO numbers of the ESP32 (0..39): the lines the simulated board can have. */
const PIN_COUNT = 40;

/** An IO instance that owns a line: told when the board drives it. */
interface PinOwner {
  pinChanged(level: number): void;
}

/** What the firmware's entry does when the supply goes and comes back (main.ts on lin). */
export interface PowerHooks {
  down(): void;
  up(): void;
}


/**
 * The firmware side of one simulated board: pins, power, virtual time and the pump, in one object
 * whose behaviour is on its prototype (the module is preloaded on lin, so the code is not in the
 * firmware's heap: only this object's fields are). The ECMA-419 classes below find it through a
 * static field of the small subclasses createLinHardware makes.
 */
export class LinMachine {
  readonly virtual: VirtualClock;
  readonly pins: PinMap;
  readonly partitionNames: string[];
  // The lines as the firmware sees them, by GPIO number: level, whether it was read from the
  // board yet, and the IO instance that owns it (typed arrays and one array: a handful of slots,
  // where an object and a Map entry per line took ~8 slots each in the firmware's heap).
  private readonly levels = new Uint8Array(PIN_COUNT);
  private readonly known = new Uint8Array(PIN_COUNT);
  private readonly owners: (PinOwner | null)[] = new Array<PinOwner | null>(PIN_COUNT).fill(null);
  /** Every firmware timer alive (a dying CPU stops them all). */
  readonly firmwareTimers = new Set<TimerId>();
  /** The firmware runs while `powered`; hooks from main.ts stop and boot it. */
  powered = true;
  hooks: PowerHooks | null = null;
  speed: number;
  /** Pin, level pairs from the board (a typed array: an emptied plain array would take a new chunk at each event). */
  private readonly events = new Int32Array(2 * EVENT_PAIRS);
  private readonly holdUpMs: number;
  private readonly stepMs: number;
  private runTarget = Infinity;
  private runDone: ((nowMs: number) => void) | null = null;
  private pump: object | null = null;
  private pumpMode = PUMP_OFF;
  private readonly stepBound: () => void;
  private readonly powerDownBound: () => void;
  private readonly powerUpBound: () => void;

  /** The options' timer and trace (the options themselves are not kept: they hold the parsed scenario). */
  readonly timer: PumpTimer;
  readonly trace: (text: string) => void;
  readonly heap: (() => string) | undefined;

  constructor(readonly link: BoardLink, options: LinHardwareOptions) {
    this.timer = options.timer;
    this.trace = options.trace;
    this.heap = options.heap;
    this.virtual = new VirtualClock(options.scenario.startUtcMs);
    this.pins = options.pins ?? REFERENCE_PINS;
    this.partitionNames = [options.flashPartition ?? "meterdata", options.profilePartition ?? "meterprof", "nextota"];
    this.holdUpMs = options.holdUpMs ?? 50;
    this.speed = options.speed ?? 1;
    this.stepMs = options.stepMs ?? 100;
    this.stepBound = this.step.bind(this);
    this.powerDownBound = this.powerDown.bind(this);
    this.powerUpBound = this.powerUp.bind(this);
  }

  /** A line's level as the firmware sees it (read from the board the first time). */
  level(pin: number): number {
    if (this.known[pin] === 0) {
      this.levels[pin] = this.link.level(pin) ? 1 : 0;
      this.known[pin] = 1;
    }
    return this.levels[pin];
  }

  /** The firmware drives an output (or a line is set while the firmware is down). */
  setLevel(pin: number, level: number): void {
    this.levels[pin] = level ? 1 : 0;
    this.known[pin] = 1;
  }

  claim(pin: number, owner: PinOwner): void {
    if (!(Number.isInteger(pin) && pin >= 0 && pin < PIN_COUNT)) throw new RangeError(`invalid pin ${pin}`);
    if (this.owners[pin] !== null) throw new Error(`pin ${pin} in use`);
    this.level(pin);
    this.owners[pin] = owner;
  }

  release(pin: number, owner: PinOwner): void {
    if (this.owners[pin] === owner) this.owners[pin] = null;
  }

  /** The board drives a line: its owner hears of a change. */
  private drive(pin: number, level: number): void {
    level = level ? 1 : 0;
    if (this.level(pin) === level) return;
    this.levels[pin] = level;
    this.owners[pin]?.pinChanged(level);
  }

  nowMs(): number {
    return this.virtual.nowMs();
  }

  wallClockMs(): number {
    return this.virtual.wallClockMs();
  }

  /** The board's pin changes since the last call reach the firmware (and the power-fail input the supply). */
  deliver(): void {
    const events = this.events;
    for (;;) {
      const n = this.link.takeEvents(events);
      for (let i = 0; i < n; i += 2) {
        const pin = events[i];
        const level = events[i + 1];
        if (pin === this.pins.powerFail) this.supplyChanged(level);
        if (this.powered) this.drive(pin, level);
        else this.setLevel(pin, level);
      }
      if (n < events.length) return;
    }
  }

  private supplyChanged(level: number): void {
    if (level === 0 && this.powered) {
      // The CPU runs on the hold-up capacitor for a moment after the power-fail edge.
      this.virtual.schedule(this.powerDownBound, this.holdUpMs);
    } else if (level === 1 && !this.powered) {
      this.virtual.schedule(this.powerUpBound, 0);
    }
  }

  powerDown(): void {
    if (!this.powered) return;
    this.hooks?.down();
    this.powered = false;
    for (const id of this.firmwareTimers) this.virtual.clearTimer(id);
    this.firmwareTimers.clear();
    this.owners.fill(null);
    this.trace("power down: the firmware stopped\n");
  }

  powerUp(): void {
    if (this.powered || this.level(this.pins.powerFail) === 0) return;
    this.powered = true;
    this.trace("power up: booting\n");
    this.hooks?.up();
  }

  track(id: TimerId): TimerId {
    this.firmwareTimers.add(id);
    return id;
  }

  /**
   * Runs the firmware's timers and the board's own events in time order up to `timeMs`: the
   * firmware's clock stops at each board event, the board catches up, and its pin changes reach
   * the firmware at that time.
   */
  runUntil(timeMs: number): void {
    const link = this.link;
    const virtual = this.virtual;
    for (;;) {
      const next = link.nextEventAt();
      if (next > timeMs) break;
      if (next > virtual.nowMs()) virtual.runUntil(next);
      if (link.nextEventAt() <= virtual.nowMs()) {
        link.sync(virtual.nowMs());
        this.deliver();
      }
    }
    virtual.runUntil(timeMs);
  }

  // The pump: `speed` virtual ms per real ms in steps of stepMs real ms; speed Infinity runs
  // BURST_MS of virtual time per step, as fast as the firmware keeps up. One repeating timer for
  // the whole run, rescheduled when the mode changes: a new timer per step would leave a host
  // object of garbage in the firmware's heap at every step.
  private step(): void {
    const fast = this.runDone !== null || this.speed === Infinity;
    const advance = fast ? BURST_MS : this.stepMs * this.speed;
    const target = Math.min(this.virtual.nowMs() + advance, this.runTarget);
    if (advance > 0) this.runUntil(target);
    if (this.runDone && this.virtual.nowMs() >= this.runTarget) {
      const done = this.runDone;
      this.runDone = null;
      this.runTarget = Infinity;
      done(this.virtual.nowMs());
    }
    this.schedulePump();
  }

  /** Puts the pump in the mode the speed and a pending run ask for (nothing when it is in it). */
  schedulePump(): void {
    const fast = this.runDone !== null || this.speed === Infinity;
    const mode = fast ? PUMP_FAST : this.speed > 0 ? PUMP_FREE : PUMP_OFF;
    if (mode === this.pumpMode) return;
    if (mode === PUMP_OFF) return this.stopPump();
    const interval = mode === PUMP_FAST ? 0 : this.stepMs;
    const repeat = mode === PUMP_FAST ? 1 : this.stepMs;
    const timer = this.timer;
    if (this.pump === null) this.pump = timer.set(this.stepBound, interval, repeat);
    else timer.schedule(this.pump, interval, repeat);
    this.pumpMode = mode;
  }

  private stopPump(): void {
    if (this.pump !== null && this.pumpMode !== PUMP_OFF) this.timer.schedule(this.pump);
    this.pumpMode = PUMP_OFF;
  }

  /** Virtual ms per real ms from now on (0 pauses, Infinity runs flat out). */
  setSpeed(value: number): void {
    this.speed = value;
    this.schedulePump();
  }

  /** Runs `ms` of virtual time as fast as the firmware keeps up, then calls `done` (the free-running speed resumes). */
  run(ms: number, done: (nowMs: number) => void): void {
    if (this.runDone) this.runDone(this.virtual.nowMs());
    this.runTarget = this.virtual.nowMs() + Math.max(0, ms);
    this.runDone = done;
    this.schedulePump();
  }

  stop(): void {
    this.stopPump();
    this.speed = 0;
  }

  /** Not in the ESP32 provider: main.ts stops and boots the meter across a simulated power cut. */
  attach(h: PowerHooks): void {
    this.hooks = h;
  }
}

const BURST_MS = 2_000;
const PUMP_OFF = 0;
const PUMP_FREE = 1;
const PUMP_FAST = 2;
/** Board events taken per round (more wait for the next round of the same delivery). */
const EVENT_PAIRS = 32;

/** Base of the IO classes: each createLinHardware makes subclasses whose `machine` is its board. */
class OnMachine {
  declare static readonly machine: LinMachine;
  protected readonly machine: LinMachine;
  constructor() {
    this.machine = (new.target as unknown as typeof OnMachine).machine;
  }
}

/**
 * A subclass of an IO class that only carries `machine`. Defined, not assigned: on lin the base
 * classes are preloaded, hence frozen, and an inherited read-only static would refuse an assignment.
 */
function onMachine<T extends object>(base: T, machine: LinMachine): T {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a class expression's base must take any[] (TS2545)
  const Sub = class extends (base as unknown as new (...args: any[]) => OnMachine) {};
  Object.defineProperty(Sub, "machine", { value: machine });
  return Sub as unknown as T;
}

export class LinSpi extends OnMachine {
  private selected = false;
  private readonly claimed: number[];
  constructor(o: { clock: number; in?: number; out?: number; select?: number; hz: number; mode?: number }) {
    super();
    const m = this.machine;
    if (!(o.hz >= 1 && o.hz <= 40e6)) throw new RangeError("invalid hz");
    if (o.select !== m.pins.meterCs) throw new Error(`no SPI device on select pin ${o.select} (the metering IC is on ${m.pins.meterCs})`);
    this.claimed = [o.clock, o.in, o.out, o.select].filter((p): p is number => p !== undefined);
    const done: number[] = [];
    try {
      for (const p of this.claimed) {
        m.claim(p, this);
        done.push(p);
      }
    } catch (e) {
      for (const p of done) m.release(p, this);
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
      const m = this.machine;
      this.selected = false;
      if (m.powered) m.link.deselect(m.nowMs());
      m.deliver();
    }
  }
  transaction(buffer: Bytes): void {
    this.exchange(buffer, SPI_TRANSFER);
    this.flush(true);
  }
  close(): void {
    this.flush(true);
    for (const p of this.claimed) this.machine.release(p, this);
  }
  /** The SPI lines are the firmware's outputs and one input nobody watches for edges. */
  pinChanged(): void {}
  private exchange(buffer: Bytes, mode: number): void {
    const m = this.machine;
    if (!m.powered) return;
    this.selected = true;
    m.link.spi(m.nowMs(), view(buffer), mode);
    m.deliver();
  }
}

export class LinDigital extends OnMachine {
  static readonly Input = MODE.Input;
  static readonly InputPullUp = MODE.InputPullUp;
  static readonly InputPullDown = MODE.InputPullDown;
  static readonly InputPullUpDown = MODE.InputPullUpDown;
  static readonly Output = MODE.Output;
  static readonly OutputOpenDrain = MODE.OutputOpenDrain;
  static readonly Rising = 1;
  static readonly Falling = 2;
  private readonly output: boolean;
  private readonly pin: number;
  /** The input's onReadable (called with the input as `this`) and its edges (1 rising, 2 falling). */
  private onReadable: ((this: LinDigital) => void) | null = null;
  private readonly edges: number;
  /** ECMA-419: the `target` option, for the callbacks (the SDK's builtinInitializeTarget). */
  readonly target: unknown;
  constructor(o: { pin: number; mode: number; edge?: number; target?: unknown; onReadable?: (this: LinDigital) => void }) {
    super();
    this.target = o.target;
    this.output = o.mode === MODE.Output || o.mode === MODE.OutputOpenDrain;
    this.pin = o.pin;
    this.edges = o.onReadable && !this.output ? (o.edge ?? 0) : 0;
    this.machine.claim(o.pin, this);
    if (o.onReadable && !this.output) this.onReadable = o.onReadable;
  }
  pinChanged(level: number): void {
    if (this.onReadable !== null && (this.edges & (level ? 1 : 2)) !== 0) this.onReadable.call(this);
  }
  read(): 0 | 1 {
    if (this.output) throw new Error("can't read output");
    return this.machine.level(this.pin) ? 1 : 0;
  }
  write(value: 0 | 1): void {
    if (!this.output) throw new Error("can't write input");
    const level = value ? 1 : 0;
    const m = this.machine;
    if (level === m.level(this.pin) || !m.powered) return;
    m.setLevel(this.pin, level);
    m.link.pinWrite(m.nowMs(), this.pin, level);
  }
  close(): void {
    this.onReadable = null;
    this.machine.release(this.pin, this);
  }
}

/** One flash partition opened by the firmware (`embedded:storage/flash`). */
class LinFlash {
  private readonly geometry: { size: number; sectorSize: number; sectorCount: number };
  constructor(private readonly machine: LinMachine, private readonly partition: number, private readonly readOnly: boolean) {
    this.geometry = machine.link.flashGeometry(partition);
  }
  read(buffer: Bytes, byteOffset: number): number {
    const b = view(buffer);
    const m = this.machine;
    if (m.powered) m.link.flashRead(m.nowMs(), this.partition, byteOffset, b);
    return b.length;
  }
  write(buffer: Bytes, byteOffset: number): void {
    if (this.readOnly) throw new Error("read-only");
    const m = this.machine;
    if (m.powered) m.link.flashWrite(m.nowMs(), this.partition, byteOffset, view(buffer));
  }
  eraseBlock(start: number, end = start + 1): void {
    if (this.readOnly) throw new Error("read-only");
    const m = this.machine;
    for (let s = start; s < end && m.powered; s++) m.link.flashErase(m.nowMs(), this.partition, s);
  }
  status() {
    const g = this.geometry;
    return { size: g.size, blockLength: g.sectorSize, blocks: g.sectorCount };
  }
  close(): void {}
}

/** `embedded:storage/flash` of the simulated board. */
class LinFlashStorage {
  constructor(private readonly machine: LinMachine) {}
  open(o: { path: string; mode?: "r" | "r+" }): LinFlash {
    // The board numbers its partitions in this order: 0 the journal's, 1 the profiles', 2 "nextota".
    const partition = this.machine.partitionNames.indexOf(o.path);
    if (partition < 0) throw new Error("can't find partition");
    return new LinFlash(this.machine, partition, o.mode !== "r+");
  }
}

/** Station Wi-Fi of the simulator: the host's network, up 300 ms after connect, -58 dBm. */
export class LinWifi extends OnMachine {
  connection = 200;
  address: string | undefined = undefined;
  RSSI: number | undefined = undefined;
  private readonly onChanged?: () => void;
  private pending: TimerId | undefined;
  constructor(o: { onChanged?: () => void }) {
    super();
    this.onChanged = o.onChanged;
  }
  connect(_o: { SSID: string; password?: string }): void {
    this.connection = 300;
    this.pending = this.machine.track(this.machine.virtual.schedule(this.connected.bind(this), 300));
  }
  private connected(): void {
    if (this.pending !== undefined) this.machine.firmwareTimers.delete(this.pending);
    this.pending = undefined;
    this.connection = 500;
    this.address = "127.0.0.1";
    this.RSSI = -58;
    this.onChanged?.();
  }
  disconnect(): void {
    this.connection = 200;
    this.address = undefined;
    this.RSSI = undefined;
  }
  close(): void {}
}

/**
 * A Moddable timer over the virtual clock: like the SDK's, an opaque object. It holds one virtual
 * one-shot timer for its whole life, re-armed for each expiry (a repeat, `Timer.schedule`): no
 * allocation after it is made, as on the device.
 */
class LinTimer {
  readonly id: TimerId;
  /** Repeat period in ms; 0: freed after it fires (the SDK's rule); -1: unscheduled, kept. */
  period: number;
  constructor(private readonly machine: LinMachine, private readonly callback: () => void, period: number) {
    this.period = period;
    // The virtual clock calls fire() on this object: no closure per timer in the firmware's heap.
    this.id = machine.track(machine.virtual.oneShot(this));
  }
  fire(): void {
    const m = this.machine;
    if (this.period > 0) m.virtual.arm(this.id, this.period);
    else if (this.period === 0) this.end();
    this.callback();
    // The callback may have re-armed it (Timer.schedule): then it lives on.
  }
  end(): void {
    this.machine.virtual.clearTimer(this.id);
    this.machine.firmwareTimers.delete(this.id);
  }
}

/** Moddable's `timer` module over the virtual clock. */
class LinTimerModule implements TimerModule {
  constructor(private readonly machine: LinMachine) {}
  set(callback: () => void, interval = 0, repeat = 0): object {
    const timer = new LinTimer(this.machine, callback, repeat);
    this.machine.virtual.arm(timer.id, interval);
    return timer;
  }
  repeat(callback: () => void, interval: number): object {
    const period = Math.max(1, interval);
    const timer = new LinTimer(this.machine, callback, period);
    this.machine.virtual.arm(timer.id, period);
    return timer;
  }
  schedule(timer: object, interval?: number, repeat = 0): void {
    if (!(timer instanceof LinTimer)) return;
    if (interval === undefined) {
      timer.period = -1;
      this.machine.virtual.disarm(timer.id);
    } else {
      timer.period = repeat;
      this.machine.virtual.arm(timer.id, interval);
    }
  }
  clear(timer: object | undefined | null): void {
    if (timer instanceof LinTimer) timer.end();
  }
}

/** Moddable's `time` module over the virtual clock. */
class LinTime implements TimeModule {
  constructor(private readonly machine: LinMachine) {}
  get ticks(): number {
    return this.machine.nowMs();
  }
  set(seconds: number): void {
    this.machine.virtual.setWallClockMs(seconds * 1000);
  }
}

/** `device.clock` of the lin provider (not in the ESP32's): main.ts runs the meter on virtual time with it. */
class LinClock {
  readonly Timer: LinTimerModule;
  readonly Time: LinTime;
  constructor(private readonly machine: LinMachine) {
    this.Timer = new LinTimerModule(machine);
    this.Time = new LinTime(machine);
  }
  wallClockMs(): number {
    return this.machine.wallClockMs();
  }
}

/** The lin provider (`embedded:provider/builtin`): the ESP32 provider's shape plus virtual time, power and the control port. */
class LinDevice {
  readonly clock: LinClock;
  constructor(private readonly machine: LinMachine, private readonly hardware: LinHardware) {
    this.clock = new LinClock(machine);
  }
  /** The IO classes (made at first use: the firmware on lin imports the preloaded stand-ins instead). */
  get io(): { SPI: typeof LinSpi; Digital: typeof LinDigital } {
    return { SPI: this.hardware.SPI, Digital: this.hardware.Digital };
  }
  get pin(): PinMap {
    return { ...this.machine.pins };
  }
  /** Not in the ESP32 provider: main.ts stops and boots the meter across a simulated power cut. */
  get power(): LinMachine {
    return this.machine;
  }
  /** Not in the ESP32 provider: the OTA slots for this boot (main.ts, at every boot), undefined without. */
  firmwareSlots(): FirmwareSlots | undefined {
    return openLinFirmwareSlots(this.machine, new LinFlashStorage(this.machine));
  }
  /** Not in the ESP32 provider: the simulator's control port (control.ts). */
  serveControl(network: Network, port: number): void {
    const m = this.machine;
    serveControl(network, port, m, m.nowMs.bind(m), m.trace);
  }
}

/**
 * One simulated board's parts: the machine, the provider, the flash and the IO classes. A class
 * (methods and getters in flash when preloaded), so the mcsim firmware machine holds only the
 * fields; the IO subclasses that carry the machine are made at first use.
 */
export class LinHardware {
  readonly device: LinDevice;
  readonly flashStorage: LinFlashStorage;
  private spiClass: typeof LinSpi | null = null;
  private digitalClass: typeof LinDigital | null = null;
  private wifiClass: typeof LinWifi | null = null;

  constructor(readonly simulation: LinMachine, readonly board: EmulatedBoard | null) {
    this.device = new LinDevice(simulation, this);
    this.flashStorage = new LinFlashStorage(simulation);
  }

  // The IO classes of this board, made at first use (onMachine).
  get SPI(): typeof LinSpi {
    return (this.spiClass ??= onMachine(LinSpi, this.simulation));
  }
  get Digital(): typeof LinDigital {
    return (this.digitalClass ??= onMachine(LinDigital, this.simulation));
  }
  get WiFi(): typeof LinWifi {
    return (this.wifiClass ??= onMachine(LinWifi, this.simulation));
  }
  get virtual(): VirtualClock {
    return this.simulation.virtual;
  }
  get link(): BoardLink {
    return this.simulation.link;
  }
  runUntil(timeMs: number): void {
    this.simulation.runUntil(timeMs);
  }
  get relay() {
    return this.board!.relay;
  }
  get flash() {
    return this.board!.flash;
  }
  lcdText(): string {
    return this.board!.lcdText();
  }
  stop(): void {
    this.simulation.stop();
  }
}

export function createLinHardware(options: LinHardwareOptions): LinHardware {
  const local = options.link
    ? null
    : new EmulatedBoard({ scenario: options.scenario, pins: options.pins ?? REFERENCE_PINS, trace: options.trace, flashSectors: options.flashSectors, profileSectors: options.profileSectors, outages: options.outages, otaSlotSectors: options.otaSlotSectors });
  const machine = new LinMachine(options.link ?? new DirectBoardLink(local!), options);
  machine.schedulePump();
  return new LinHardware(machine, local);
}
