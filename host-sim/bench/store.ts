/**
 * Persistence figures for `npm run bench` (issue 6):
 * - flash lifetime: a simulated year of the meter's persistence at default settings (periodic
 *   save every 60 s, 15-min load profile, daily profile, a few events a day), erase counts per
 *   sector, and the years until the most-erased sector reaches 100,000 cycles;
 * - the emergency save at power fail: XS computrons (firmware only) and flash bytes;
 * - a periodic save and a power-up restore in computrons; the journal's RAM.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SCENARIO } from "../cli";
import { parseScenario } from "../event-types";
import { simulateWear } from "../store-wear";
import { bundleForXs } from "../xs/bundle";
import { XsWorker } from "../xs/worker";
import type { PartFigures, StoreCost } from "./store-xs/entry";

/** Periodic saves averaged: a few state-journal sector rotations (one per ~20 saves) fall in them. */
const PERIODIC_SAVES = 240;

export async function bench(): Promise<string[]> {
  const scenarioJson = readFileSync(DEFAULT_SCENARIO, "utf8");
  const wear = simulateWear(parseScenario(JSON.parse(scenarioJson)), 365);
  const kib = (w: { sectors: number; sectorSize: number }) => (w.sectors * w.sectorSize) / 1024;
  const j = wear.journal;
  const pr = wear.profiles;
  const lines = [
    `flash: journal partition "${j.label}" ${j.sectors} x ${j.sectorSize} bytes (${kib(j)} KiB, states and event logs)` +
      (pr ? `, profiles partition "${pr.label}" ${pr.sectors} x ${pr.sectorSize} bytes (${kib(pr)} KiB); one simulated year at default settings` : ""),
    `  bytes programmed per day: ${Math.round(wear.bytesPerDay)} (journal ${Math.round(wear.journalBytesPerDay)}); periodic records as last written ${wear.periodicRecordBytes} bytes (unchanged ones are not rewritten)`,
    `  journal erases per sector after a year: min ${j.eraseMin}, mean ${j.eraseMean.toFixed(0)}, max ${j.eraseMax} (max/min ${(j.eraseMax / Math.max(1, j.eraseMin)).toFixed(2)}); event sectors moved by wear levelling: ${wear.eventSectorsReclaimed}`,
    pr ? `  profiles erases per sector after a year: max ${pr.eraseMax} (lifetime ${pr.lifetimeYears.toFixed(0)} years)` : "  profiles share the journal partition",
    `  projected flash lifetime at 100,000 cycles per sector: ${wear.lifetimeYears.toFixed(0)} years (goal >= 20)`,
    `  rows held: load profile ${wear.loadProfileRows}, daily ${wear.dailyProfileRows}, billing ${wear.billingRows}`,
    `journal RAM (tables, shared scan buffer, CRC table, index, last records): ~${wear.ramBytes} bytes`,
    `emergency save at the end of the simulated year (Node; states unchanged since the last periodic save are skipped): ${wear.emergencySave.flashBytes} flash bytes in ${wear.emergencySave.records} records, ${wear.emergencySave.erases} erases`,
  ];
  const worker = new XsWorker();
  try {
    await worker.evaluate(bundleForXs(join(__dirname, "store-xs", "entry.ts")));
    await worker.call(`(storeBench.boot(${JSON.stringify(scenarioJson)}), null)`);
    const periodic = (await worker.call<StoreCost>(`storeBench.periodicSave(${PERIODIC_SAVES})`)).value;
    const emergency = (await worker.call<StoreCost>("storeBench.emergencySave()")).value;
    const restore = (await worker.call<StoreCost>("storeBench.restore()")).value;
    const f0 = (x: number): string => Math.round(x).toLocaleString("en-US");
    const mark = (value: number, target: number): string => (value <= target ? "met" : "NOT met");
    lines.push(
      `XS computrons of the emergency save (drain tick + records, firmware only): ${f0(emergency.computrons)} (target <= 12,000: ${mark(emergency.computrons, 12_000)}; issue 19 measured 26,683); ${emergency.flashBytes} flash bytes, ${emergency.records} records, ${emergency.erases} erases (emulated IC/flash work set aside: ${f0(emergency.emulatorComputrons)})`,
      `XS computrons per periodic save: mean ${f0(periodic.computrons)} over ${PERIODIC_SAVES} saves a minute apart, sector rotations included (target <= 20,000: ${mark(periodic.computrons, 20_000)}; issue 19 measured 63,206), ${periodic.flashBytes.toFixed(0)} flash bytes, ${periodic.erases.toFixed(3)} erases`,
      `XS computrons of a power-up to the first tick (Meter construction with journal mount, restore, outage log, IC init, display start): ${f0(restore.computrons)} (target <= 400,000: ${mark(restore.computrons, 400_000)}; issue 19 measured 1,575,000)`,
    );
    // Per part, on a second meter of the same scenario (inclusive computrons; nested parts indented).
    await worker.call(`(storeBench.boot(${JSON.stringify(scenarioJson)}), null)`);
    const saves = (await worker.call<{ periodic: PartFigures[]; emergency: PartFigures[] }>("storeBench.saveProfile(10)")).value;
    await worker.call("(storeBench.sim.power.powerFail.set(1), null)");
    const power = (await worker.call<{ total: StoreCost; parts: PartFigures[] }>("storeBench.restoreProfile()")).value;
    const part = (x: PartFigures): string => `    ${x.name.padEnd(58)} ${f0(x.computrons).padStart(9)}  (${x.calls} calls)`;
    lines.push("  periodic save by part (mean of 10 saves of the meter's timer, a minute apart):", ...saves.periodic.map(part));
    lines.push("  emergency save by part:", ...saves.emergency.map(part));
    lines.push(`  power-up by part (total ${f0(power.total.computrons)}):`, ...power.parts.map(part));
  } finally {
    worker.close();
  }
  return lines;
}
