import type { Board, Clock, Flash, TimerId } from "../firmware/hal";
import type { PoweredNetwork } from "./powered-network";
import type { Meter } from "../firmware/app/meter";
import { SimInput, SimOutput } from "./board";
import { NorFlashEmulator } from "../emulation/flash/emulator";
import { FlashPartition } from "../emulation/flash/partition";
import { EmulatedOtaSlots } from "../emulation/flash/ota-slots";
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
  oneShot(callback: () => void): TimerId {
    const id = this.inner.oneShot(callback);
    this.live.add(id);
    return id;
  }
  arm(id: TimerId, delayMs: number): void {
    if (this.live.has(id)) this.inner.arm(id, delayMs);
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

/**
 * The firmware's handle on a flash partition for one power-on life. A power cut closes it: a
 * meter that lost its supply cannot write any more, even once the supply (and the next meter)
 * is back; such a write is refused and counted (`PowerSupply.writesAfterDeath`). The handle
 * inherits the partition's methods (no wrapper call per access); closing shadows the writing ones.
 */
export interface FlashHandle extends Flash {
  close(): void;
}

function openFlashHandle(partition: Flash, refused: () => void): FlashHandle {
  const handle = Object.create(partition) as FlashHandle;
  handle.close = () => {
    const refuse = (): void => refused();
    Object.defineProperty(handle, "write", { value: refuse, writable: true, configurable: true });
    Object.defineProperty(handle, "eraseSector", { value: refuse, writable: true, configurable: true });
  };
  return handle;
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
  /** The OTA application slots and their boot loader (firmware update), when configured. */
  readonly ota: EmulatedOtaSlots | null;
  /** The firmware's network (closed with the power), when the board has one. */
  readonly network: PoweredNetwork | null;
  /** Flash writes or erases a meter tried after it lost power (refused): must stay 0. */
  writesAfterDeath: number;
  /** Fresh flash handles for the next power-on life (the previous ones are closed at a cut). */
  newLife(): void;
  /** Closes the flash handles of the running life (the power went). */
  closeFlash(): void;
}

export interface PowerOptions {
  /** Sectors of the journal partition (default 16). */
  journalSectors?: number;
  /** Sectors of the profiles' partition (default 64); 0: no such partition, profiles go in the journal's. */
  profileSectors?: number;
  flashSectorSize?: number;
  /** Sectors of each OTA application slot (default 0: no OTA slots, the meter cannot update itself). */
  otaSlotSectors?: number;
}

/**
 * Gives a simulated board its flash, power-fail input and a clock that die with the power, and
 * the network when there is one (host-sim/powered-network.ts: a power cut closes its sockets).
 */
export function attachPowerSupply(board: Board, clock: VirtualClock, options: PowerOptions = {}, network?: PoweredNetwork): PowerSupply {
  const journalSectors = options.journalSectors ?? SIM_JOURNAL_SECTORS;
  const profileSectors = options.profileSectors ?? SIM_PROFILE_SECTORS;
  const chip = new NorFlashEmulator(options.flashSectorSize ?? SIM_FLASH_SECTOR_SIZE, journalSectors + profileSectors);
  const handles: FlashHandle[] = [];
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
    network: network ?? null,
    ota: options.otaSlotSectors ? new EmulatedOtaSlots(options.otaSlotSectors, options.flashSectorSize ?? SIM_FLASH_SECTOR_SIZE) : null,
    writesAfterDeath: 0,
    closeFlash() {
      for (const h of handles) h.close();
      handles.length = 0;
    },
    newLife() {
      supply.closeFlash();
      const refused = (): void => {
        supply.writesAfterDeath++;
      };
      const journal = openFlashHandle(supply.journal, refused);
      handles.push(journal);
      board.flash = journal;
      if (supply.profiles) {
        const profiles = openFlashHandle(supply.profiles, refused);
        handles.push(profiles);
        board.profileFlash = profiles;
      }
      const ota = supply.ota;
      if (ota) {
        // The boot loader picks the slot; the firmware gets the other one to stage an image in.
        ota.bootLoader();
        const staging = openFlashHandle(ota.slots[ota.stagingSlot], refused);
        handles.push(staging);
        board.firmwareSlots = ota.port(staging);
      }
    },
  };
  board.powerFail = supply.powerFail;
  board.clock = supply.clock;
  if (supply.network) board.network = supply.network;
  return supply;
}

/**
 * The meter loses its supply now. With `signal` the power-fail input drops first and the
 * firmware runs its emergency save (synchronously, inside the edge handler, as in the hold-up
 * time); then the meter stops: its timers are gone, its input handlers detached, the flash takes
 * no more writes. Without `signal` it is a sudden reset.
 */
export function losePower(sim: Simulation, signal: boolean): void {
  const supply = sim.power;
  if (!supply.on) return;
  if (signal) {
    supply.powerFail.set(0);
    supply.signalledCuts++;
  }
  killFirmware(sim);
}

/** Ends the firmware's life (used by losePower and by an injected cut inside a flash operation). */
export function killFirmware(sim: Simulation, restart = false): void {
  const supply = sim.power;
  if (!supply.on) return;
  supply.on = false;
  supply.cuts++;
  supply.lastCutMs = sim.clock.nowMs();
  // RAM is gone: no timer fires, no socket delivers or sends, no flash handle writes again.
  supply.clock.killAll();
  supply.network?.powerOff();
  supply.closeFlash();
  for (const value of Object.values(sim.board)) if (value instanceof SimInput) value.onChange(null);
  // The MCU's pins float low: a monostable relay drops out, coils and LCD lines go idle.
  for (const value of Object.values(sim.board)) if (value instanceof SimOutput) value.write(0);
  // A restart keeps the flash chips powered (an armed cut stays armed).
  if (!restart) {
    supply.flash.powerOff();
    supply.ota?.chip.powerOff();
  }
  // The IC loses its supply too: registers back to defaults, it answers again long before the MCU boots.
  sim.chip.injectReset();
}

/** Supply back: new firmware boots on the same board and flash (the chip reset when the power went). */
export function restorePower(sim: Simulation): Meter {
  const supply = sim.power;
  if (supply.on) return sim.meter;
  supply.flash.powerOn();
  supply.ota?.chip.powerOn();
  supply.powerFail.set(1);
  supply.on = true;
  return sim.boot().meter;
}

/** The `power-cut` scenario event: outage on the line, power lost (signal or not), back after `durationMs`. */
export function scheduledPowerCut(sim: Simulation, atMs: number, durationMs: number, signal: boolean): void {
  sim.line.addOutage(atMs, atMs + durationMs);
  losePower(sim, signal);
  sim.clock.schedule(() => restorePower(sim), durationMs);
}

/** The MCU restarts (firmware update activation or rollback): the firmware dies and boots again at once, the supply stays. */
export function restartFirmware(sim: Simulation): Meter {
  killFirmware(sim, true);
  return restorePower(sim);
}
