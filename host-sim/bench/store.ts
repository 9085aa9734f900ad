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
import type { StoreCost } from "./store-xs/entry";

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
    const periodic = (await worker.call<StoreCost>("storeBench.periodicSave(20)")).value;
    const emergency = (await worker.call<StoreCost>("storeBench.emergencySave()")).value;
    const restore = (await worker.call<StoreCost>("storeBench.restore()")).value;
    lines.push(
      `XS computrons of the emergency save (drain tick + records, firmware only): ${emergency.computrons}; ${emergency.flashBytes} flash bytes, ${emergency.records} records, ${emergency.erases} erases (emulated IC/flash work set aside: ${emergency.emulatorComputrons})`,
      `XS computrons per periodic save: mean ${periodic.computrons.toFixed(0)}, ${periodic.flashBytes.toFixed(0)} flash bytes, ${periodic.erases.toFixed(2)} erases`,
      `XS computrons of a power-up (Meter construction with journal mount, restore, IC init, outage log): ${restore.computrons}`,
    );
  } finally {
    worker.close();
  }
  return lines;
}
