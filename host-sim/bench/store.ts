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
import { parseScenario } from "../grid/scenario";
import { simulateWear } from "../store-wear";
import { bundleForXs } from "../xs/bundle";
import { XsWorker } from "../xs/worker";
import type { StoreCost } from "./store-xs/entry";
import "../features";

export async function bench(): Promise<string[]> {
  const scenarioJson = readFileSync(DEFAULT_SCENARIO, "utf8");
  const wear = simulateWear(parseScenario(JSON.parse(scenarioJson)), 365);
  const lines = [
    `flash partition: ${wear.sectors} sectors x ${wear.sectorSize} bytes (${(wear.sectors * wear.sectorSize) / 1024} KiB); one simulated year at default settings`,
    `  bytes programmed per day: ${Math.round(wear.bytesPerDay)} (periodic records ${wear.periodicRecordBytes} bytes per save)`,
    `  erases per sector after a year: min ${wear.eraseMin}, mean ${wear.eraseMean.toFixed(0)}, max ${wear.eraseMax} (max/min ${(wear.eraseMax / Math.max(1, wear.eraseMin)).toFixed(2)})`,
    `  projected flash lifetime at 100,000 cycles per sector: ${wear.lifetimeYears.toFixed(0)} years (goal >= 20)`,
    `  load profile rows held: ${wear.loadProfileRows}`,
    `journal RAM (tables, scan buffer, CRC table, index): ~${wear.ramBytes} bytes`,
    `emergency save (Node run): ${wear.emergencySave.flashBytes} flash bytes in ${wear.emergencySave.records} records, ${wear.emergencySave.erases} erases`,
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
