/**
 * The harness bundled with the firmware and the emulators into one script for XS (xsnap-worker).
 * It also runs unchanged in Node, which is how the tests compare the two engines.
 *
 * Computrons: xsnap meters every instruction. Around each metrology tick the harness zeroes the
 * meter and, while the emulated chip (which on a board is silicon, not firmware) handles SPI
 * bytes, it sets the firmware's count aside, so the figure is the firmware's own work.
 */
import "../features";
import { parseScenario } from "../grid/scenario";
import { buildReport } from "../report";
import { Simulation } from "../simulation";
import { Meter } from "../../firmware/meter";

let currentHarness: XsHarness | undefined;

declare const resetMeter: ((limit: number, index: number) => number) | undefined;
declare const currentMeterLimit: (() => number) | undefined;

const metered = typeof resetMeter === "function" && typeof currentMeterLimit === "function";

/** Reads the meter and sets it to `next`; returns 0 outside XS. */
function swapMeter(next: number): number {
  return metered ? resetMeter!(currentMeterLimit!(), next) : 0;
}

export interface TickFigures {
  ticks: number;
  meanComputrons: number;
  maxComputrons: number;
  /** Work of the SPI peripheral and the emulated chip, excluded from the firmware figures. */
  meanEmulatorComputrons: number;
}

export class XsHarness {
  sim: Simulation | undefined;
  readonly tickCosts: number[] = [];
  emulatorCost = 0;
  emulatorTotal = 0;

  boot(scenarioJson: string): void {
    this.sim = new Simulation(parseScenario(JSON.parse(scenarioJson)));
    this.instrument(this.sim);
  }

  /** Wraps the meter tick and the chip emulator so that only firmware work is counted. */
  private instrument(sim: Simulation): void {
    // Every Meter the simulation boots (a power cut reboots the firmware) shares the prototype.
    const prototype = Meter.prototype as unknown as { tick(): void; __metered?: boolean };
    if (!prototype.__metered) {
      const tick = prototype.tick;
      prototype.tick = function (this: Meter) {
        const self = currentHarness;
        if (!self) return tick.call(this);
        self.emulatorCost = 0;
        swapMeter(0);
        tick.call(this);
        const cost = swapMeter(0);
        self.tickCosts.push(cost);
        self.emulatorTotal += self.emulatorCost;
      };
      prototype.__metered = true;
    }
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the prototype wrapper reports to the live harness
    currentHarness = this;
    // The Spi port stands for the SPI peripheral and the chip beyond it: not firmware work.
    const spi = sim.board.meteringSpi as unknown as Record<string, (x?: unknown) => unknown>;
    for (const name of ["transfer", "write", "read", "flush"]) {
      const original = spi[name].bind(spi);
      spi[name] = (x?: unknown) => {
        const firmwareSoFar = swapMeter(0);
        const result = original(x);
        this.emulatorCost += swapMeter(firmwareSoFar);
        return result;
      };
    }
  }

  /** Runs `seconds` of virtual time; returns the tick figures for that span. */
  run(seconds: number): TickFigures {
    const sim = this.sim!;
    this.tickCosts.length = 0;
    this.emulatorTotal = 0;
    sim.runFor(seconds * 1000);
    const n = this.tickCosts.length;
    let sum = 0;
    let max = 0;
    for (const c of this.tickCosts) {
      sum += c;
      if (c > max) max = c;
    }
    return { ticks: n, meanComputrons: n ? sum / n : 0, maxComputrons: max, meanEmulatorComputrons: n ? this.emulatorTotal / n : 0 };
  }

  registers(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [obis, r] of Object.entries(buildReport(this.sim!).registers)) out[obis] = r.value;
    return out;
  }
}

(globalThis as unknown as { xsHarness: XsHarness }).xsHarness = new XsHarness();
