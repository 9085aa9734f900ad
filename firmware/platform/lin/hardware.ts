/**
 * The simulated board behind the `lin` platform (mcsim): the same ECMA-419 shapes the ESP32
 * provider offers (SPI, Digital, flash storage, station Wi-Fi), but the wires end in the host
 * simulator's emulators: the metering IC named by the scenario on the SPI chip select, the
 * latching relay on its coil pins (with its auxiliary contact driving the contact input), the
 * HT1621 on the LCD pins (each changed frame is printed to the trace log), and a NOR flash
 * partition in RAM. Time is virtual: a VirtualClock advanced by a real Moddable timer, offered to
 * main.ts as a Timer/Time pair so the firmware, the emulators and the scenario share one time line.
 *
 * Pure TypeScript over injected modules (the real Timer comes from provider.ts), so the system
 * test runs exactly this in Node.
 */
import type { Scenario } from "../../../emulation/scenario/scenario";
import { ScenarioLine } from "../../../emulation/scenario/line-source";
import { VirtualClock } from "../../../emulation/virtual-clock";
import { Ade7953Emulator } from "../../../emulation/ade7953/emulator";
import { Atm90e26Emulator } from "../../../emulation/atm90e26/emulator";
import type { EmulatedMeteringIc } from "../../../emulation/faults";
import type { SpiSlave } from "../../../emulation/line";
import { NorFlashEmulator } from "../../../emulation/flash/emulator";
import { FlashPartition } from "../../../emulation/flash/partition";
import { Ht1621Emulator } from "../../../emulation/ht1621/emulator";
import { lcdText } from "../../../emulation/ht1621/render";
import { DEFAULT_RELAY_EMULATOR, RelayEmulator } from "../../../emulation/relay/emulator";
import type { Bytes, TimeModule, TimerModule } from "../moddable/ecma419";
import type { TimerId } from "../../hal/clock";
import { type PinMap, REFERENCE_PINS } from "../moddable/settings";

export interface LinHardwareOptions {
  scenario: Scenario;
  /** The real Moddable timer that advances virtual time (tests pass a fake). */
  timer: TimerModule;
  trace: (text: string) => void;
  /** Virtual ms per real ms (1 = real time). */
  speed?: number;
  /** Real ms between virtual-time steps. */
  stepMs?: number;
  pins?: PinMap;
  /** Sectors of the journal partition (default 16: 64 KiB) and of the profiles' (default 64: 256 KiB). */
  flashSectors?: number;
  profileSectors?: number;
  flashPartition?: string;
  profilePartition?: string;
}

const MODE = { Input: 0, InputPullUp: 1, InputPullDown: 2, InputPullUpDown: 3, Output: 8, OutputOpenDrain: 9 } as const;

function view(b: Bytes): Uint8Array {
  return b instanceof Uint8Array ? b : ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b as ArrayBuffer);
}

/** One GPIO line: its level, who drives it from the board side, and the IO instance that owns it. */
class Wire {
  level: number;
  owner: object | null = null;
  /** Board-side observers of a level the firmware drives (emulator inputs). */
  readonly listeners: ((level: number) => void)[] = [];
  /** The owning Digital instance's edge callback. */
  edge: ((rising: boolean) => void) | null = null;
  constructor(level: number) {
    this.level = level;
  }
  /** The board drives the line (an input for the firmware). */
  drive(level: number): void {
    level = level ? 1 : 0;
    if (level === this.level) return;
    this.level = level;
    this.edge?.(level === 1);
  }
}

export type LinHardware = ReturnType<typeof createLinHardware>;

export function createLinHardware(options: LinHardwareOptions) {
  const scenario = options.scenario;
  const pins = options.pins ?? REFERENCE_PINS;
  const trace = options.trace;
  const virtual = new VirtualClock(scenario.startUtcMs);
  const line = new ScenarioLine(scenario);
  const chip: EmulatedMeteringIc = scenario.chip === "atm90e26" ? new Atm90e26Emulator(line, () => virtual.nowMs()) : new Ade7953Emulator(line, () => virtual.nowMs());
  const slave = chip as unknown as SpiSlave;
  const relay = new RelayEmulator(() => virtual.nowMs(), (cb, ms) => virtual.schedule(cb, ms), { ...DEFAULT_RELAY_EMULATOR });
  line.filters.push(relay);
  const lcd = new Ht1621Emulator();
  // One flash chip with the ESP32's two data partitions (partitions/esp32-devkitc-4mb.csv).
  const journalSectors = options.flashSectors ?? 16;
  const profileSectors = options.profileSectors ?? 64;
  const flash = new NorFlashEmulator(4096, journalSectors + profileSectors);
  const partitions = new Map<string, FlashPartition>([
    [options.flashPartition ?? "meterdata", new FlashPartition(flash, "meterdata", 0, journalSectors)],
    [options.profilePartition ?? "meterprof", new FlashPartition(flash, "meterprof", journalSectors, profileSectors)],
  ]);

  const wires = new Map<number, Wire>();
  const wire = (pin: number): Wire => {
    let w = wires.get(pin);
    if (!w) wires.set(pin, (w = new Wire(1)));
    return w;
  };
  const claim = (pin: number, owner: object): Wire => {
    const w = wire(pin);
    if (w.owner) throw new Error(`pin ${pin} in use`);
    w.owner = owner;
    return w;
  };

  // The board's wiring.
  wire(pins.meterIrq).level = chip.irqLevel;
  chip.onIrqChange = (level) => wire(pins.meterIrq).drive(level);
  wire(pins.relaySet).listeners.push((l) => relay.setCoilChanged(l));
  wire(pins.relayReset).listeners.push((l) => relay.resetCoilChanged(l));
  wire(pins.relayContact).level = relay.contactLevel;
  relay.onContact = (level) => {
    wire(pins.relayContact).drive(level);
    trace(`relay ${level ? "closed" : "open"}\n`);
  };
  let shown = "";
  wire(pins.lcdCs).listeners.push((l) => {
    lcd.csChanged(l);
    if (l !== 1) return;
    const text = lcdText(lcd.ram, lcd.visible);
    if (text !== shown) {
      shown = text;
      trace(`LCD ${text}\n`);
    }
  });
  wire(pins.lcdWr).listeners.push((l) => lcd.wrChanged(l));
  wire(pins.lcdData).listeners.push((l) => lcd.dataChanged(l));

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
      const b = view(buffer);
      this.begin();
      for (let i = 0; i < b.length; i++) b[i] = slave.exchange(b[i]);
    }
    write(buffer: Bytes): void {
      const b = view(buffer);
      this.begin();
      for (let i = 0; i < b.length; i++) slave.exchange(b[i]);
    }
    read(buffer: Bytes): void {
      const b = view(buffer);
      this.begin();
      for (let i = 0; i < b.length; i++) b[i] = slave.exchange(0);
    }
    flush(deselect?: boolean): void {
      if (deselect && this.selected) {
        this.selected = false;
        slave.deselect();
      }
    }
    close(): void {
      this.flush(true);
      for (const p of this.claimed) wire(p).owner = null;
    }
    private begin(): void {
      if (!this.selected) {
        this.selected = true;
        slave.select();
      }
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
    constructor(o: { pin: number; mode: number; edge?: number; onReadable?: (this: Digital) => void }) {
      this.output = o.mode === MODE.Output || o.mode === MODE.OutputOpenDrain;
      this.wire = claim(o.pin, this);
      const onReadable = o.onReadable;
      const edges = o.edge ?? 0;
      if (onReadable && !this.output) {
        this.wire.edge = (rising) => {
          if (edges & (rising ? Digital.Rising : Digital.Falling)) onReadable.call(this);
        };
      }
    }
    read(): 0 | 1 {
      if (this.output) throw new Error("can't read output");
      return this.wire.level ? 1 : 0;
    }
    write(value: 0 | 1): void {
      if (!this.output) throw new Error("can't write input");
      const level = value ? 1 : 0;
      if (level === this.wire.level) return;
      this.wire.level = level;
      for (const l of this.wire.listeners) l(level);
    }
    close(): void {
      this.wire.edge = null;
      this.wire.owner = null;
    }
  }

  const flashStorage = {
    open(o: { path: string; mode?: "r" | "r+" }) {
      const partition = partitions.get(o.path);
      if (!partition) throw new Error("can't find partition");
      const readOnly = o.mode !== "r+";
      return {
        read(buffer: Bytes, byteOffset: number): number {
          const b = view(buffer);
          partition.read(byteOffset, b);
          return b.length;
        },
        write(buffer: Bytes, byteOffset: number): void {
          if (readOnly) throw new Error("read-only");
          partition.write(byteOffset, view(buffer));
        },
        eraseBlock(start: number, end = start + 1): void {
          if (readOnly) throw new Error("read-only");
          for (let s = start; s < end; s++) partition.eraseSector(s);
        },
        status: () => ({ size: partition.size, blockLength: partition.sectorSize, blocks: partition.sectorCount }),
        close(): void {},
      };
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
      virtual.schedule(() => {
        this.connection = 500;
        this.address = "127.0.0.1";
        this.RSSI = -58;
        this.onChanged?.();
      }, 300);
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
  const Timer: TimerModule = {
    set(callback, interval = 0, repeat = 0) {
      const timer = new LinTimer();
      timer.current = virtual.schedule(() => {
        timer.current = repeat > 0 ? virtual.repeat(callback, repeat) : undefined;
        callback();
      }, interval);
      return timer;
    },
    repeat(callback, interval) {
      const timer = new LinTimer();
      timer.current = virtual.repeat(callback, Math.max(1, interval));
      return timer;
    },
    clear(timer) {
      if (!(timer instanceof LinTimer)) return;
      if (timer.current !== undefined) virtual.clearTimer(timer.current);
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

  const speed = options.speed ?? 1;
  const stepMs = options.stepMs ?? 100;
  const pump = options.timer.repeat(() => virtual.runUntil(virtual.nowMs() + stepMs * speed), stepMs);

  const device = {
    io: { SPI, Digital },
    pin: { ...pins },
    /** Not in the ESP32 provider: main.ts uses it when present (virtual time). */
    clock: { Timer, Time, wallClockMs: () => virtual.wallClockMs() },
  };
  return {
    device,
    SPI,
    Digital,
    flashStorage,
    WiFi,
    virtual,
    line,
    chip,
    relay,
    lcd,
    flash,
    lcdText: () => lcdText(lcd.ram, lcd.visible),
    stop: () => options.timer.clear(pump),
  };
}
