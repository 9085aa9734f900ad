import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseScenario } from "./event-types";
import { Simulation } from "./simulation";
import { DEFAULT_SCENARIO } from "./cli";
import { runScenarioInXs } from "./xs/run";
import { ESP32_RATE_NOTE } from "./esp32-rate";

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

/** The bench sections: foundation, then every module in host-sim/bench/ by file name (each exports `bench()`). */
export function benchSectionNames(dir = join(__dirname, "bench")): string[] {
  return ["foundation", ...readdirSync(dir).filter((f) => f.endsWith(".ts")).sort().map((f) => f.replace(/\.ts$/, ""))];
}

/**
 * `npm run bench -- [SECTION]`: nothing but an optional section name (or --help). Anything else is
 * an Error with one line, which main() prints and exits 2 on, before any figure is measured.
 */
export function parseBenchArgs(argv: string[], sections: string[]): { only: string | null; help: boolean } {
  const usage = `usage: npm run bench -- [SECTION], SECTION one of ${sections.join(", ")}`;
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { help: { type: "boolean", short: "h" } } });
  } catch (e) {
    throw new Error(`${(e as Error).message.split("\n")[0].replace(/\. To specify a positional.*$/, "")} (${usage})`);
  }
  const { positionals, values } = parsed;
  if (positionals.length > 1) throw new Error(`one section at most, got ${positionals.join(" ")} (${usage})`);
  const only = positionals[0] ?? null;
  if (only !== null && !sections.includes(only)) throw new Error(`unknown section "${only}" (${usage})`);
  return { only, help: values.help === true };
}

async function main(): Promise<void> {
  const dir = join(__dirname, "bench");
  const names = benchSectionNames(dir);
  let args;
  try {
    args = parseBenchArgs(process.argv.slice(2), names);
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`usage: npm run bench -- [SECTION], SECTION one of ${names.join(", ")}\n`);
    return;
  }
  const sections: [string, () => Promise<string[]>][] = [];
  for (const name of names) {
    if (args.only !== null && args.only !== name) continue;
    if (name === "foundation") {
      sections.push([name, foundation]);
      continue;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(dir, `${name}.ts`)) as { bench?: () => Promise<string[]> };
    if (typeof mod.bench !== "function") throw new Error(`host-sim/bench/${name}.ts exports no bench()`);
    sections.push([name, mod.bench]);
  }
  process.stdout.write(`${ESP32_RATE_NOTE}\n`);
  for (const [name, run] of sections) {
    process.stdout.write(`== ${name}\n`);
    try {
      for (const line of await run()) process.stdout.write(`${line}\n`);
    } catch (e) {
      process.stdout.write(`  failed: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  }
}

if (require.main === module) void main();
