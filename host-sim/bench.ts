import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseScenario } from "./event-types";
import { Simulation } from "./simulation";
import { DEFAULT_SCENARIO } from "./cli";
import { runScenarioInXs } from "./xs/run";

/**
 * `npm run bench`: the foundation figures, then every feature's bench module in host-sim/bench/
 * (each exports `bench(): Promise<string[]>`). XS figures are computrons (deterministic instruction
 * counts from xsnap); Node figures are wall-clock and informative only.
 */
async function foundation(): Promise<string[]> {
  const scenarioJson = readFileSync(DEFAULT_SCENARIO, "utf8");
  const xs = await runScenarioInXs(scenarioJson, 3600);
  const started = performance.now();
  const sim = new Simulation(parseScenario(JSON.parse(scenarioJson)));
  sim.runFor(86_400_000);
  const nodeMs = performance.now() - started;
  return [
    `XS computrons per meter tick (firmware only, 3600 ticks of the default scenario): mean ${xs.ticks.meanComputrons.toFixed(0)}, max ${xs.ticks.maxComputrons} — the whole tick with every detector (budget 8,000); the driver read + energy accumulation share, budget 5,000, is in the performance section`,
    `  raw, the harness's port wrappers included: mean ${xs.ticks.rawMeanComputrons.toFixed(0)}, max ${xs.ticks.rawMaxComputrons} (${xs.ticks.meanExcludedCalls.toFixed(0)} wrapped calls a tick at ${xs.ticks.wrapperOverhead.toFixed(0)} computrons, calibrated in xsnap; see npm run bench -- performance)`,
    `  excluded SPI peripheral + emulated chip work per tick: ${xs.ticks.meanEmulatorComputrons.toFixed(0)} computrons`,
    `XS heap after boot: ${xs.heapSlotsAfterBoot} slots (~${Math.round((xs.heapSlotsAfterBoot * 16) / 1024)} KiB at 16 bytes/slot) for the whole bundle (firmware + emulators + simulator + harness code), boot ${xs.boot.compute} computrons`,
    `  of which one Meter instance (its objects; typed-array contents live in chunks, not slots): ${xs.meterHeapSlots} slots (~${Math.round((xs.meterHeapSlots * 16) / 1024)} KiB)`,
    `Node wall time to simulate one day at 1 s ticks: ${nodeMs.toFixed(0)} ms (${sim.meter.ticks} ticks)`,
  ];
}

async function main(): Promise<void> {
  const only = process.argv[2];
  const sections: [string, () => Promise<string[]>][] = [["foundation", foundation]];
  const dir = join(__dirname, "bench");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts")).sort()) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(dir, file)) as { bench?: () => Promise<string[]> };
    if (typeof mod.bench === "function") sections.push([file.replace(/\.ts$/, ""), mod.bench]);
  }
  for (const [name, run] of sections) {
    if (only && only !== name) continue;
    process.stdout.write(`== ${name}\n`);
    try {
      for (const line of await run()) process.stdout.write(`${line}\n`);
    } catch (e) {
      process.stdout.write(`  failed: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  }
}

void main();
