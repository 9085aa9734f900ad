/**
 * Performance figures for `npm run bench` (`npm run bench -- performance`), docs/readme/performance.md:
 * - per chip, XS computrons of the whole metrology tick with every detector on (default scenario:
 *   mean and max, raw and with the calibrated cost of the harness's port wrappers taken out), the
 *   foundation share (driver sample + energy accumulation) and a per-component breakdown;
 * - the emergency save at power fail: computrons by part, flash bytes, records, and an estimate of
 *   its ESP32 time at the fixed rate of esp32-rate.ts;
 * - Node wall time per simulated day, per chip.
 * XS figures are deterministic instruction counts; ESP32 times are computrons at a fixed rate; Node times are wall-clock.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { MeteringChip } from "../../firmware/kernel/metering-ic";
import { DEFAULT_SCENARIO } from "../cli";
import { parseScenario } from "../event-types";
import { Simulation } from "../simulation";
import { bundleForXs } from "../xs/bundle";
import type { ProfileFigures, TickFigures } from "../xs/entry";
import { XsWorker } from "../xs/worker";
import { ESP32_COMPUTRONS_PER_MS, ESP32_RATE_NOTE, esp32Ms } from "../esp32-rate";

const CHIPS: MeteringChip[] = ["ade7953", "atm90e26"];
/** Ticks of the unprofiled run (covers four load-profile captures). */
const TICKS = 3600;
/** Seconds of the profiled run (one load-profile capture). */
const PROFILE_SECONDS = 900;

/**
 * NOR program time of a W25Q32-class SPI flash (datasheet typical): first byte of a program
 * operation 30 us, each further byte 2.5 us. Each journal record is two program operations
 * (header with payload, then the commit byte).
 */
const FLASH_FIRST_BYTE_US = 30;
const FLASH_NEXT_BYTE_US = 2.5;
/** ADE7953 SPI at 1 MHz: a 6-byte frame is 48 us of clock plus ~10 us of chip select and driver latency. */
const SPI_TRANSACTION_US: Record<MeteringChip, number> = { ade7953: 60, atm90e26: 200 };

export interface ChipFigures {
  chip: MeteringChip;
  ticks: TickFigures;
  profile: ProfileFigures;
  spiTransactionsPerTick: number;
}

/** Whole-tick and per-component computrons of one chip on the default scenario. */
export async function chipFigures(chip: MeteringChip, ticks = TICKS, profileSeconds = PROFILE_SECONDS): Promise<ChipFigures> {
  const json = JSON.stringify({ ...JSON.parse(readFileSync(DEFAULT_SCENARIO, "utf8")), chip });
  const worker = new XsWorker();
  try {
    await worker.evaluate(bundleForXs());
    await worker.call(`(xsHarness.boot(${JSON.stringify(json)}), null)`);
    const run = await worker.call<TickFigures>(`xsHarness.run(${ticks})`);
    const spi = await worker.call<number>(`(function () { const ic = xsHarness.sim.meter.ic; const t0 = ic.spiTransactions; xsHarness.run(60); return (ic.spiTransactions - t0) / 60; })()`);
    const profile = await worker.call<ProfileFigures>(`xsHarness.profileRun(${profileSeconds})`);
    return { chip, ticks: run.value, profile: profile.value, spiTransactionsPerTick: spi.value };
  } finally {
    worker.close();
  }
}

export interface EmergencyFigures {
  computrons: number;
  rawComputrons: number;
  flashBytes: number;
  records: number;
  erases: number;
  /** The meter tick that drains the IC first (computrons, SPI wrappers taken out). */
  drainTick: number;
  encodes: { id: string; computrons: number; bytes: number }[];
  periodic: { computrons: number; flashBytes: number; records: number };
}

/** The emergency save after two hours of the default scenario (store-xs harness), by part. */
export async function emergencyFigures(): Promise<EmergencyFigures> {
  const scenarioJson = readFileSync(DEFAULT_SCENARIO, "utf8");
  const worker = new XsWorker();
  try {
    await worker.evaluate(bundleForXs(join(__dirname, "store-xs", "entry.ts")));
    await worker.call(`(storeBench.boot(${JSON.stringify(scenarioJson)}), null)`);
    const periodic = (await worker.call<EmergencyFigures["periodic"]>("storeBench.periodicSave(10)")).value;
    // The parts, each measured alone right before the save (same state): encodes are pure; the
    // drain tick is the meter's tick at the same instant (its IC reads cost the same).
    const parts = (await worker.call<{ drainTick: number; encodes: EmergencyFigures["encodes"] }>(`(function () {
      const b = storeBench; const m = b.sim.meter; b.sim.runFor(30000);
      const swap = (n) => resetMeter(currentMeterLimit(), n);
      const encodes = [];
      for (const e of m.persistence.entries) {
        if (!(e.emergency ?? e.periodic)) continue;
        swap(0); const bytes = e.encode(); const c = swap(0);
        encodes.push({ id: e.id, computrons: c, bytes: bytes.length });
      }
      const calls = b.ports.calls; swap(0); m.tick(); const raw = swap(0);
      return { drainTick: Math.round(raw - (b.ports.calls - calls) * b.ports.overhead), encodes };
    })()`)).value;
    const save = (await worker.call<EmergencyFigures & { portCalls: number }>("storeBench.emergencySave()")).value;
    return { ...save, drainTick: parts.drainTick, encodes: parts.encodes, periodic };
  } finally {
    worker.close();
  }
}

/**
 * Node time of one simulated day at 1 s ticks (default scenario), after a JIT warm-up: CPU ms of
 * this process (what the machine's other work does not change much) and wall ms. The board has
 * no LCD, as in the year's command (`npm start -- --speed max` without `--report`).
 */
export function nodeMsPerDay(chip: MeteringChip, days = 2): { cpuMs: number; wallMs: number } {
  const sim = new Simulation(parseScenario({ ...JSON.parse(readFileSync(DEFAULT_SCENARIO, "utf8")), chip }), { display: false });
  sim.runFor(3_600_000); // warm-up (JIT)
  const cpu = process.cpuUsage();
  const started = performance.now();
  sim.runFor(days * 86_400_000);
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000 / days, wallMs: (performance.now() - started) / days };
}

const f0 = (x: number): string => Math.round(x).toLocaleString("en-US");

/** Issue 19's targets for the tick and the display (XS computrons, default scenario). */
export const TICK_TARGETS = Object.freeze({ tickMean: 3000, tickMax: 4500, displayRefreshMax: 4000 });

/** "<figure> (target <= N: met|NOT met)". */
function vsTarget(value: number, target: number): string {
  return `${f0(value)} (target <= ${f0(target)}: ${value <= target ? "met" : "NOT met"})`;
}

export async function bench(): Promise<string[]> {
  const lines: string[] = [];
  let ade7953Transactions = 0;
  for (const chip of CHIPS) {
    const f = await chipFigures(chip);
    if (chip === "ade7953") ade7953Transactions = f.spiTransactionsPerTick;
    const t = f.ticks;
    const byName = new Map(f.profile.components.map((c) => [c.name.trim(), c]));
    const driver = byName.get("driver sample()")?.perTick ?? 0;
    const energy = byName.get("energy registers addTick")?.perTick ?? 0;
    const tariffs = byName.get("tariffs (clock, TOU, energy, demand, billing)")?.perTick ?? 0;
    // A changed screen is sent over several timer slices: the figure is the largest slice.
    const display = byName.get("display refresh (own timer, per slice)");
    lines.push(
      `${chip}: metering tick (issue 19): mean ${vsTarget(t.meanComputrons, TICK_TARGETS.tickMean)}, max ${vsTarget(t.maxComputrons, TICK_TARGETS.tickMax)}; display refresh max (largest slice) ${vsTarget(display?.max ?? 0, TICK_TARGETS.displayRefreshMax)} (mean per slice ${f0(display?.perCall ?? 0)}, ${f0(display?.perTick ?? 0)} per second)`,
      `${chip}: whole metrology tick, every detector on (${t.ticks} ticks of the default scenario): mean ${f0(t.meanComputrons)}, max ${f0(t.maxComputrons)} computrons (budget 8,000)`,
      `  raw (harness wrappers included): mean ${f0(t.rawMeanComputrons)}, max ${f0(t.rawMaxComputrons)}; ${t.meanExcludedCalls.toFixed(0)} wrapped port calls a tick at ${t.wrapperOverhead.toFixed(0)} computrons each (calibrated in xsnap)`,
      `  foundation share (driver sample + energy accumulation): ${f0(driver + energy)} (budget 5,000); with the whole tariff chain (clock, TOU, demand, billing): ${f0(driver + tariffs)}`,
      `  SPI transactions per tick: ${f.spiTransactionsPerTick.toFixed(1)}; emulated chip work set aside: ${f0(t.meanEmulatorComputrons)} computrons a tick`,
      `  per component (${f.profile.seconds} s profiled, one load-profile capture; computrons per tick / per call / max):`,
    );
    for (const c of f.profile.components) {
      lines.push(`    ${c.name.padEnd(48)} ${f0(c.perTick).padStart(7)} ${f0(c.perCall).padStart(8)} ${f0(c.max).padStart(8)}  (${c.calls} calls)`);
    }
  }
  const e = await emergencyFigures();
  const encodeTotal = e.encodes.reduce((s, x) => s + x.computrons, 0);
  const cpuMs = esp32Ms(e.computrons);
  const programOps = 2 * e.records;
  const flashMs = (programOps * FLASH_FIRST_BYTE_US + Math.max(0, e.flashBytes - programOps) * FLASH_NEXT_BYTE_US) / 1000;
  const spiMs = (ade7953Transactions * SPI_TRANSACTION_US.ade7953) / 1000;
  lines.push(
    `emergency save (power-fail edge: drain tick + the emergency states + power stamp): ${f0(e.computrons)} computrons (target <= 12,000: ${e.computrons <= 12_000 ? "met" : "NOT met"}; issue 19: 26,683) (raw ${f0(e.rawComputrons)}), ${e.flashBytes} flash bytes in ${e.records} records, ${e.erases} erases`,
    `  drain tick ${f0(e.drainTick)}; each emergency state's encode() measured alone, ${f0(encodeTotal)} together (${e.encodes.map((x) => `${x.id} ${f0(x.computrons)}/${x.bytes} B`).join(", ")}): the save skips the states unchanged since their last record (billing, gas and water here) and writes energy and demand in place into one final record (stamp + states, one header, one CRC-32); its parts: npm run bench -- store`,
    `  periodic save: ${f0(e.periodic.computrons)} computrons (mean of 10 here; target <= 20,000, the 240-save mean is in the store section), ${e.periodic.flashBytes.toFixed(0)} flash bytes, ${e.periodic.records.toFixed(1)} records (unchanged states skipped)`,
    `  ESP32 time (estimate): CPU ${cpuMs.toFixed(1)} ms at the fixed ${f0(ESP32_COMPUTRONS_PER_MS)} computrons/ms;` +
      ` flash programming ${flashMs.toFixed(1)} ms (${programOps} program operations, W25Q32-class typical 30 us + 2.5 us/byte); ADE7953 drain SPI ${spiMs.toFixed(1)} ms (${ade7953Transactions.toFixed(0)} transactions); total ~${(cpuMs + flashMs + spiMs).toFixed(1)} ms (budget 10 ms)`,
  );
  lines.push(`  ${ESP32_RATE_NOTE}`);
  for (const chip of CHIPS) {
    const day = nodeMsPerDay(chip);
    lines.push(`Node per simulated day (${chip}, 1 s ticks, default scenario): CPU ${f0(day.cpuMs)} ms (wall ${f0(day.wallMs)} ms); a simulated year ~${((day.cpuMs * 365) / 1000).toFixed(0)} s of CPU (target <= 60 s for the default scenario)`);
  }
  return lines;
}

if (require.main === module) {
  bench().then((lines) => process.stdout.write(lines.join("\n") + "\n"));
}
