import type { Board, Clock, TimerId } from "../firmware/hal";
import { Meter } from "../firmware/app/meter";
import { SimInput, SimOutput } from "./board";
import { NorFlashEmulator } from "../emulation/flash/emulator";
import { FlashPartition } from "../emulation/flash/partition";
import type { Simulation } from "./simulation";
import type { VirtualClock } from "../emulation/virtual-clock";

/**
 * The simulated flash chip holds the ESP32's two data partitions (partitions/esp32-devkitc-4mb.csv,
 * docs/readme/persistence.md): "meterdata", the journal of states and event logs, 16 x 4 KiB
 * (64 KiB, issue 6's default), and "meterprof", the profiles (42-day load profile, daily and
 * billing profiles, power failure log), 64 x 4 KiB (256 KiB).
 */
export const SIM_JOURNAL_SECTORS = 16;
export const SIM_PROFILE_SECTORS = 64;
export const SIM_FLASH_SECTOR_SIZE = 4096;

/**
 * The firmware's view of time on a board that can lose power: every timer the firmware starts is
 * tracked, so a power cut stops them all at once (RAM is gone). The simulator's own timers
 * (scenario events, emulators) use the VirtualClock directly and survive.
 */
export class PoweredClock implements Clock {
  private readonly live = new Set<TimerId>();
  constructor(private readonly inner: VirtualClock) {}
  nowMs(): number {
    return this.inner.nowMs();
  }
  wallClockMs(): number {
    return this.inner.wallClockMs();
  }
  setWallClockMs(utcMs: number): void {
    this.inner.setWallClockMs(utcMs);
  }
  schedule(callback: () => void, delayMs: number): TimerId {
    const id: TimerId = this.inner.schedule(() => {
      this.live.delete(id);
      callback();
    }, delayMs);
    this.live.add(id);
    return id;
  }
  repeat(callback: () => void, periodMs: number): TimerId {
    const id = this.inner.repeat(callback, periodMs);
    this.live.add(id);
    return id;
  }
  clearTimer(id: TimerId): void {
    this.live.delete(id);
    this.inner.clearTimer(id);
  }
  /** Power lost: no firmware timer fires again. */
  killAll(): void {
    for (const id of this.live) this.inner.clearTimer(id);
    this.live.clear();
  }
  get timers(): number {
    return this.live.size;
  }
}

/** The board's supply: flash partition, power-fail comparator input, firmware clock, on/off. */
export interface PowerSupply {
  /** The whole flash chip (power-cut injection, erase counts of every partition). */
  readonly flash: NorFlashEmulator;
  /** The journal partition ("meterdata", `board.flash`) and the profiles' ("meterprof", `board.profileFlash`; null when configured without). */
  readonly journal: FlashPartition;
  readonly profiles: FlashPartition | null;
  /** Supply comparator: 1 healthy, 0 failing. */
  readonly powerFail: SimInput;
  readonly clock: PoweredClock;
  on: boolean;
  /** Power cuts so far, and how many came with the power-fail signal. */
  cuts: number;
  signalledCuts: number;
  /** Virtual ms of the last power loss (NaN before any). */
  lastCutMs: number;
}

export interface PowerOptions {
  /** Sectors of the journal partition (default 16). */
  journalSectors?: number;
  /** Sectors of the profiles' partition (default 64); 0: no such partition, profiles go in the journal's. */
  profileSectors?: number;
  flashSectorSize?: number;
}

const supplies = new WeakMap<Board, PowerSupply>();

/** Gives a simulated board its flash, power-fail input and a clock that dies with the power. */
export function attachPowerSupply(board: Board, clock: VirtualClock, options: PowerOptions = {}): PowerSupply {
  const journalSectors = options.journalSectors ?? SIM_JOURNAL_SECTORS;
  const profileSectors = options.profileSectors ?? SIM_PROFILE_SECTORS;
  const chip = new NorFlashEmulator(options.flashSectorSize ?? SIM_FLASH_SECTOR_SIZE, journalSectors + profileSectors);
  const supply: PowerSupply = {
    flash: chip,
    journal: new FlashPartition(chip, "meterdata", 0, journalSectors),
    profiles: profileSectors > 0 ? new FlashPartition(chip, "meterprof", journalSectors, profileSectors) : null,
    powerFail: new SimInput(1),
    clock: new PoweredClock(clock),
    on: true,
    cuts: 0,
    signalledCuts: 0,
    lastCutMs: NaN,
  };
  board.flash = supply.journal;
  if (supply.profiles) board.profileFlash = supply.profiles;
  board.powerFail = supply.powerFail;
  board.clock = supply.clock;
  supplies.set(board, supply);
  return supply;
}

export function powerSupplyOf(board: Board): PowerSupply {
  const s = supplies.get(board);
  if (!s) throw new Error("this board has no simulated power supply");
  return s;
}

/**
 * The meter loses its supply now. With `signal` the power-fail input drops first and the
 * firmware runs its emergency save (synchronously, inside the edge handler, as in the hold-up
 * time); then the meter stops: its timers are gone, its input handlers detached, the flash takes
 * no more writes. Without `signal` it is a sudden reset.
 */
export function losePower(sim: Simulation, signal: boolean): void {
  const supply = powerSupplyOf(sim.board);
  if (!supply.on) return;
  if (signal) {
    supply.powerFail.set(0);
    supply.signalledCuts++;
  }
  killFirmware(sim);
}

/** Ends the firmware's life (used by losePower and by an injected cut inside a flash operation). */
export function killFirmware(sim: Simulation): void {
  const supply = powerSupplyOf(sim.board);
  if (!supply.on) return;
  supply.on = false;
  supply.cuts++;
  supply.lastCutMs = sim.clock.nowMs();
  supply.clock.killAll();
  for (const value of Object.values(sim.board)) if (value instanceof SimInput) value.onChange(null);
  // The MCU's pins float low: a monostable relay drops out, coils and LCD lines go idle.
  for (const value of Object.values(sim.board)) if (value instanceof SimOutput) value.write(0);
  supply.flash.powerOff();
  // The IC loses its supply too: registers back to defaults, it answers again long before the MCU boots.
  sim.chip.injectReset();
}

/** Supply back: a new Meter boots on the same board and flash (the chip reset when the power went). */
export function restorePower(sim: Simulation): Meter {
  const supply = powerSupplyOf(sim.board);
  if (supply.on) return sim.meter;
  supply.flash.powerOn();
  supply.powerFail.set(1);
  supply.on = true;
  sim.meter = new Meter(sim.board, sim.config);
  sim.meter.start();
  return sim.meter;
}

/** The `power-cut` scenario event: outage on the line, power lost (signal or not), back after `durationMs`. */
export function scheduledPowerCut(sim: Simulation, atMs: number, durationMs: number, signal: boolean): void {
  sim.line.addOutage(atMs, atMs + durationMs);
  losePower(sim, signal);
  sim.clock.schedule(() => restorePower(sim), durationMs);
}
