import { readFileSync } from "node:fs";
import type { MeteringChip } from "../../firmware/kernel/metering-ic";
import { DEFAULT_SCENARIO } from "../cli";
import { parseScenario } from "../event-types";
import { Simulation } from "../simulation";
import { bundleForXs } from "../xs/bundle";
import { runScenarioInXs } from "../xs/run";
import { XsWorker } from "../xs/worker";

const CHIPS: MeteringChip[] = ["ade7953", "atm90e26"];
const TICKS = 600;

/** SPI traffic of the metering IC driver per tick (and at init) on the default scenario. */
export function spiPerTick(chip: MeteringChip, ticks = TICKS): { initTransactions: number; initBytes: number; transactions: number; bytes: number } {
  const json = { ...JSON.parse(readFileSync(DEFAULT_SCENARIO, "utf8")), chip };
  const sim = new Simulation(parseScenario(json));
  const ic = sim.meter.ic;
  const initTransactions = ic.spiTransactions;
  const initBytes = ic.spiBytes;
  sim.runFor(ticks * sim.config.tickMs);
  return {
    initTransactions, initBytes,
    transactions: (ic.spiTransactions - initTransactions) / sim.meter.ticks,
    bytes: (ic.spiBytes - initBytes) / sim.meter.ticks,
  };
}

/**
 * XS computrons of the driver's `sample()` alone (the meter's tick stopped, SPI and emulator
 * work set aside by the harness's wrappers, whose calibrated cost per call is subtracted).
 */
export async function xsDriverComputrons(chip: MeteringChip, ticks = 200): Promise<number> {
  const json = JSON.stringify({ ...JSON.parse(readFileSync(DEFAULT_SCENARIO, "utf8")), chip });
  const worker = new XsWorker();
  try {
    await worker.evaluate(bundleForXs());
    await worker.call(`(xsHarness.boot(${JSON.stringify(json)}), null)`);
    const result = await worker.call<number>(`(function () {
      const sim = xsHarness.sim; const m = sim.meter; m.stop();
      const swap = (n) => resetMeter(currentMeterLimit(), n); let total = 0; const ports = xsHarness.ports;
      for (let i = 0; i < ${ticks}; i++) { sim.runFor(m.config.tickMs); const calls = ports.calls; swap(0); m.ic.sample(m.instant); total += swap(0) - (ports.calls - calls) * ports.overhead; }
      return total / ${ticks}; })()`);
    return result.value;
  } finally {
    worker.close();
  }
}

/** `npm run bench chips`: SPI transactions and bytes per tick, and XS computrons per tick, per chip. */
export async function bench(): Promise<string[]> {
  const lines: string[] = [];
  for (const chip of CHIPS) {
    try {
      const spi = spiPerTick(chip);
      lines.push(`${chip}: ${spi.transactions.toFixed(1)} SPI transactions and ${spi.bytes.toFixed(1)} bytes per tick (${TICKS} ticks, default scenario); init ${spi.initTransactions} transactions, ${spi.initBytes} bytes`);
    } catch (e) {
      lines.push(`${chip}: not measured (${(e as Error).message})`);
      continue;
    }
    try {
      const json = JSON.stringify({ ...JSON.parse(readFileSync(DEFAULT_SCENARIO, "utf8")), chip });
      const xs = await runScenarioInXs(json, TICKS);
      lines.push(`${chip}: XS computrons per meter tick (firmware only, ${xs.ticks.ticks} ticks): mean ${xs.ticks.meanComputrons.toFixed(0)}, max ${xs.ticks.maxComputrons}`);
      lines.push(`${chip}: XS computrons of the driver's sample() alone: ${(await xsDriverComputrons(chip)).toFixed(0)} per tick`);
    } catch (e) {
      lines.push(`${chip}: XS computrons not measured (${(e as Error).message})`);
    }
  }
  return lines;
}
