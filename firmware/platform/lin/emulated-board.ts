/**
 * The hardware side of the simulated lin board: everything that on a real meter is silicon, not
 * firmware. The metering IC named by the scenario on the SPI chip select, the latching relay on its
 * coil pins (its auxiliary contact drives the contact input), the HT1621 on the LCD pins (each
 * changed frame is traced), the supply (the scenario's outages pull the power-fail input low), and
 * a NOR flash with the ESP32's two data partitions, and (when asked) the two OTA application slots
 * with otadata on a NOR chip of their own and a boot loader (emulation/flash/ota-slots.ts): the
 * firmware stages an image in the slot it does not run from (partition OTA_STAGING on the link),
 * and selects, confirms or gives up images through `otaControl`. The boot loader runs at power-up
 * and at a restart; a power cut torn into a write of the OTA chip cuts the board's supply.
 *
 * In mcsim this runs in its own XS machine (a Moddable worker, emulator-worker.ts), so the firmware's
 * machine holds exactly what the ESP32 would; the firmware side (hardware.ts) reaches it through a
 * BoardLink. Time here follows the firmware's: every request carries the firmware's virtual time and
 * the board first catches up to it, so the emulators see each access at its exact time.
 *
 * Levels the board drives (IRQ, relay contact, power fail) are queued as events and handed to the
 * firmware side after each request; `nextEventAt` says when the board itself will next act (a relay
 * armature moving, an outage starting or ending), so the firmware side stops its clock there.
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
import { EmulatedOtaSlots, OTA_STATE } from "../../../emulation/flash/ota-slots";
import { Ht1621Emulator } from "../../../emulation/ht1621/emulator";
import { lcdText } from "../../../emulation/ht1621/render";
import { DEFAULT_RELAY_EMULATOR, RelayEmulator } from "../../../emulation/relay/emulator";
import type { PinMap } from "../moddable/settings";

export interface EmulatedBoardOptions {
  scenario: Scenario;
  pins: PinMap;
  trace: (text: string) => void;
  /** Sectors of the journal partition (default 16: 64 KiB) and of the profiles' (default 64: 256 KiB). */
  flashSectors?: number;
  profileSectors?: number;
  /** The flash chip's bytes (the worker passes a SharedArrayBuffer-backed array: outside both XS heaps). */
  flashBytes?: Uint8Array;
  /** Outage windows [from, to) in ms since the scenario start. */
  outages?: readonly (readonly [number, number])[];
  /** Sectors of each OTA application slot (default 0: no OTA slots, the firmware cannot update itself). */
  otaSlotSectors?: number;
  /** The OTA chip's bytes (shared memory in the worker), otaChipSectors(otaSlotSectors) sectors of 4 KiB. */
  otaBytes?: Uint8Array;
}

/** The link's partition number of the OTA slot the firmware does not run from ("nextota"). */
export const OTA_STAGING = 2;
/** `otaControl` operations. */
export const OTA_OP = Object.freeze({ state: 0, select: 1, confirm: 2, invalidate: 3, restart: 4 });
/** Supply lost when an injected power cut tears a write of the OTA chip: back after this long. */
const OTA_CUT_OUTAGE_MS = 2000;

/** SPI transfer modes on the link. */
export const SPI_TRANSFER = 0;
export const SPI_WRITE = 1;
export const SPI_READ = 2;

export class EmulatedBoard {
  readonly clock: VirtualClock;
  readonly line: ScenarioLine;
  readonly chip: EmulatedMeteringIc;
  readonly relay: RelayEmulator;
  readonly lcd: Ht1621Emulator;
  readonly flash: NorFlashEmulator;
  readonly partitions: readonly FlashPartition[];
  /** Pin levels the board drove since the firmware side last took them: pin, level, pin, level... */
  readonly events: number[] = [];
  /** The OTA slots and their boot loader (null: none on this board). */
  readonly ota: EmulatedOtaSlots | null;
  /** The supply is on (the firmware's CPU runs). */
  supplied = true;
  private readonly pins: PinMap;
  private readonly slave: SpiSlave;
  private readonly trace: (text: string) => void;
  private readonly outages: readonly (readonly [number, number])[];
  private nextOutage = 0;
  private shown = "";
  private selected = false;

  constructor(options: EmulatedBoardOptions) {
    const scenario = options.scenario;
    this.pins = options.pins;
    this.trace = options.trace;
    const clock = (this.clock = new VirtualClock(scenario.startUtcMs));
    const line = (this.line = new ScenarioLine(scenario));
    this.outages = options.outages ?? [];
    for (const [from, to] of this.outages) line.addOutage(from, to);
    const now = (): number => clock.nowMs();
    this.chip = scenario.chip === "atm90e26" ? new Atm90e26Emulator(line, now) : new Ade7953Emulator(line, now);
    this.slave = this.chip as unknown as SpiSlave;
    this.relay = new RelayEmulator(now, (cb, ms) => clock.schedule(cb, ms), { ...DEFAULT_RELAY_EMULATOR });
    line.filters.push(this.relay);
    this.lcd = new Ht1621Emulator();
    const journalSectors = options.flashSectors ?? 16;
    const profileSectors = options.profileSectors ?? 64;
    this.flash = new NorFlashEmulator(4096, journalSectors + profileSectors, undefined, options.flashBytes);
    // Partition numbers on the link: 0 the journal's, 1 the profiles' (names stay on the firmware side).
    this.partitions = [new FlashPartition(this.flash, "meterdata", 0, journalSectors), new FlashPartition(this.flash, "meterprof", journalSectors, profileSectors)];
    const otaSectors = options.otaSlotSectors ?? 0;
    this.ota = otaSectors > 0 ? new EmulatedOtaSlots(otaSectors, 4096, options.otaBytes) : null;
    if (this.ota) {
      // A cut injected into a write or erase of the OTA chip (tests arm it): the supply goes at that byte.
      this.ota.chip.onPowerCut = () => this.suddenOutage(OTA_CUT_OUTAGE_MS);
      this.ota.bootLoader();
    }

    this.chip.onIrqChange = (level) => this.drive(this.pins.meterIrq, level);
    this.relay.onContact = (level) => {
      this.drive(this.pins.relayContact, level);
      this.trace(`relay ${level ? "closed" : "open"}\n`);
    };
    this.scheduleSupply();
  }

  /** Level of a board-driven input at power-up (the firmware side starts its wires from these). */
  initialLevel(pin: number): number {
    if (pin === this.pins.meterIrq) return this.chip.irqLevel;
    if (pin === this.pins.relayContact) return this.relay.contactLevel;
    if (pin === this.pins.powerFail) return this.supplied ? 1 : 0;
    return 1;
  }

  /** Catches up to the firmware's time (never goes back). */
  advance(timeMs: number): void {
    if (timeMs > this.clock.nowMs()) this.clock.runUntil(timeMs);
  }

  /** When the board next acts by itself (Infinity: only when asked). */
  nextEventAt(): number {
    return this.clock.nextDue();
  }

  /** The firmware drove an output pin. */
  pinWrite(pin: number, level: number): void {
    const p = this.pins;
    if (pin === p.relaySet) this.relay.setCoilChanged(level);
    else if (pin === p.relayReset) this.relay.resetCoilChanged(level);
    else if (pin === p.lcdCs) {
      this.lcd.csChanged(level);
      if (level === 1) this.showLcd();
    } else if (pin === p.lcdWr) this.lcd.wrChanged(level);
    else if (pin === p.lcdData) this.lcd.dataChanged(level);
  }

  /** Bytes on the SPI bus with the IC selected; MISO replaces the buffer's bytes in transfer and read modes. */
  spi(buffer: Uint8Array, length: number, mode: number): void {
    if (!this.selected) {
      this.selected = true;
      this.slave.select();
    }
    const slave = this.slave;
    for (let i = 0; i < length; i++) {
      const miso = slave.exchange(mode === SPI_READ ? 0 : buffer[i]);
      if (mode !== SPI_WRITE) buffer[i] = miso;
    }
  }

  deselect(): void {
    if (!this.selected) return;
    this.selected = false;
    this.slave.deselect();
  }

  partition(index: number): FlashPartition {
    const ota = this.ota;
    if (index === OTA_STAGING && ota) return ota.slots[ota.stagingSlot];
    const p = this.partitions[index];
    if (!p) throw new Error("can't find partition");
    return p;
  }

  /**
   * The firmware's requests to the OTA slots: `state` answers -1 without slots, else the boot
   * state code (0 normal, 1 trial, 2 rolled back) + 4 x the running slot; `select` takes the
   * staged payload's length; `restart` is the MCU's reset (the boot loader runs). Throws with the
   * boot loader's reason when it refuses.
   */
  otaControl(op: number, arg: number): number {
    const ota = this.ota;
    if (!ota) {
      if (op === OTA_OP.state) return -1;
      throw new Error("no OTA slots on this board");
    }
    switch (op) {
      case OTA_OP.state:
        return ota.bootStateCode + 4 * ota.running;
      case OTA_OP.select:
        ota.selectStaged(arg);
        return 0;
      case OTA_OP.confirm:
        ota.setRunningState(OTA_STATE.valid);
        return 0;
      case OTA_OP.invalidate:
        ota.setRunningState(OTA_STATE.invalid);
        return 0;
      case OTA_OP.restart:
        ota.bootLoader();
        this.trace(`restart: the boot loader starts ota_${ota.running} (${ota.bootState})\n`);
        return 0;
      default:
        throw new Error(`OTA: unknown request ${op}`);
    }
  }

  lcdText(): string {
    return lcdText(this.lcd.ram, this.lcd.visible);
  }

  private showLcd(): void {
    const text = this.lcdText();
    if (text === this.shown) return;
    this.shown = text;
    this.trace(`LCD ${text}\n`);
  }

  private drive(pin: number, level: number): void {
    this.events.push(pin, level ? 1 : 0);
  }

  /** The supply follows the outage windows: the power-fail input falls at each start and rises at each end. */
  private scheduleSupply(): void {
    if (this.nextOutage >= this.outages.length * 2) return;
    const [from, to] = this.outages[this.nextOutage >> 1];
    const at = this.nextOutage & 1 ? to : from;
    this.clock.schedule(() => {
      const on = (this.nextOutage & 1) === 1;
      this.nextOutage++;
      this.supply(on, to - from);
      this.scheduleSupply();
    }, Math.max(0, at - this.clock.nowMs()));
  }

  /** The supply goes now and comes back after `durationMs` (a cut torn into a flash write). */
  suddenOutage(durationMs: number): void {
    if (!this.supplied) return;
    this.supply(false, durationMs);
    this.clock.schedule(() => this.supply(true, durationMs), durationMs);
  }

  private supply(on: boolean, durationMs: number): void {
    // Overlapping outages (a torn OTA write during a scenario outage): one cut, one return.
    if (on === this.supplied) return;
    this.supplied = on;
    if (on) {
      // The IC lost its supply too: it starts from its reset state. The boot loader runs.
      this.chip.injectReset();
      this.trace(`supply restored after ${Math.round(durationMs / 1000)} s\n`);
      const ota = this.ota;
      if (ota) {
        ota.chip.powerOn();
        ota.bootLoader();
        if (ota.bootState !== "normal") this.trace(`boot loader: ota_${ota.running} (${ota.bootState})\n`);
      }
    } else {
      this.deselect();
      this.trace(`supply cut (outage of ${Math.round(durationMs / 1000)} s)\n`);
    }
    this.drive(this.pins.powerFail, on ? 1 : 0);
  }
}
