/**
 * Bundled into xsnap by host-sim/bench/store.ts: the persistence layer's own work in computrons.
 * The metering IC (SPI peripheral + emulated chip) and the flash (ESP32 SPI flash driver +
 * emulated NOR chip) are silicon and ROM on the board: their emulators' work is set aside, the
 * firmware's (draining the IC through a tick, encoding, CRC, journal bookkeeping) is counted.
 */
import { parseScenario } from "../../event-types";
import { restorePower, losePower } from "../../power";
import { Simulation } from "../../simulation";
import { type AnyFunction, PortExclusion, swapMeter } from "../../xs/metering";

export interface StoreCost {
  /** Firmware computrons, the calibrated cost of the port wrappers subtracted. */
  computrons: number;
  /** As measured (wrappers included). */
  rawComputrons: number;
  /** Port calls set aside (IC SPI, flash). */
  portCalls: number;
  /** Work of the emulated IC and flash, excluded above. */
  emulatorComputrons: number;
  flashBytes: number;
  records: number;
  erases: number;
}

export class StoreXsBench {
  sim!: Simulation;
  /** IC SPI and flash calls set aside, with their wrapper cost calibrated in this engine. */
  readonly ports = new PortExclusion();

  boot(scenarioJson: string): void {
    this.ports.calibrate();
    this.sim = new Simulation(parseScenario(JSON.parse(scenarioJson)));
    this.exclude(this.sim.board.meteringSpi as unknown as Record<string, AnyFunction>, ["transfer", "write", "read", "flush"]);
    this.exclude(this.sim.power.flash as unknown as Record<string, AnyFunction>, ["read", "write", "eraseSector"]);
    this.sim.runFor(7_200_000);
  }

  private exclude(target: Record<string, AnyFunction>, names: string[]): void {
    for (const name of names) this.ports.exclude(target, name);
  }

  private measure(action: () => void): StoreCost {
    const stats = this.sim.meter.persistence.journal!.stats;
    const bytes = stats.bytesWritten;
    const records = stats.recordsWritten;
    const erases = stats.erases;
    this.ports.cost = 0;
    const calls = this.ports.calls;
    swapMeter(0);
    action();
    const raw = swapMeter(0);
    const portCalls = this.ports.calls - calls;
    const j = this.sim.meter.persistence.journal!.stats;
    return {
      computrons: Math.round(raw - portCalls * this.ports.overhead), rawComputrons: raw, portCalls,
      emulatorComputrons: this.ports.cost, flashBytes: j.bytesWritten - bytes, records: j.recordsWritten - records, erases: j.erases - erases,
    };
  }

  /** One periodic save (mean over `n`, run a minute apart). */
  periodicSave(n: number): StoreCost {
    const total: StoreCost = { computrons: 0, rawComputrons: 0, portCalls: 0, emulatorComputrons: 0, flashBytes: 0, records: 0, erases: 0 };
    for (let i = 0; i < n; i++) {
      this.sim.runFor(60_000);
      const c = this.measure(() => this.sim.meter.persistence.savePeriodic());
      total.computrons += c.computrons / n;
      total.rawComputrons += c.rawComputrons / n;
      total.portCalls += c.portCalls / n;
      total.emulatorComputrons += c.emulatorComputrons / n;
      total.flashBytes += c.flashBytes / n;
      total.records += c.records / n;
      total.erases += c.erases / n;
    }
    return total;
  }

  /** The power-fail edge: drain the IC (one tick) and the emergency save. */
  emergencySave(): StoreCost {
    this.sim.runFor(30_000);
    return this.measure(() => this.sim.power.powerFail.set(0));
  }

  /** Power up after the cut: the persistence restore alone (mount is in the Meter constructor). */
  restore(): StoreCost & { bootComputrons: number } {
    losePower(this.sim, false);
    const calls = this.ports.calls;
    this.ports.cost = 0;
    swapMeter(0);
    restorePower(this.sim);
    const raw = swapMeter(0);
    const portCalls = this.ports.calls - calls;
    const boot = Math.round(raw - portCalls * this.ports.overhead);
    return { computrons: boot, rawComputrons: raw, portCalls, emulatorComputrons: this.ports.cost, flashBytes: 0, records: 0, erases: 0, bootComputrons: boot };
  }
}

(globalThis as unknown as { storeBench: StoreXsBench }).storeBench = new StoreXsBench();
