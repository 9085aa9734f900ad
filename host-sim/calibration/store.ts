import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { MeterConfig } from "../../firmware/app/config";
import type { MeteringChip } from "../../firmware/kernel/metering-ic";
import { ScenarioError } from "../../emulation/scenario/duration";
import type { CalibrationRecord } from "./procedure";

/** Default place of a chip's calibration until the persistent store takes it: build/calibration-<chip>.json. */
export function calibrationFile(chip: MeteringChip): string {
  return join(__dirname, "..", "..", "build", `calibration-${chip}.json`);
}

export function saveCalibration(record: CalibrationRecord, file = calibrationFile(record.chip)): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
  return file;
}

/**
 * The configuration change that loads a calibration file: `{ <chip>: values }` on top of the
 * default calibration of that chip (MeterConfig has one calibration field per chip, named after it).
 */
export function loadCalibrationConfig(file: string, base: MeterConfig): Partial<MeterConfig> {
  let record: CalibrationRecord;
  try {
    record = JSON.parse(readFileSync(file, "utf8")) as CalibrationRecord;
  } catch (e) {
    throw new ScenarioError(`cannot read calibration file ${file}: ${(e as Error).message}`);
  }
  if ((record.chip !== "ade7953" && record.chip !== "atm90e26") || typeof record.values !== "object" || record.values === null) {
    throw new ScenarioError(`${file}: not a calibration file (needs "chip" and "values")`);
  }
  const current = (base as unknown as Record<string, Record<string, unknown> | undefined>)[record.chip];
  // The chip itself stays the scenario's choice; a file for the other chip is simply unused.
  return { [record.chip]: { ...(current ?? {}), ...record.values } } as Partial<MeterConfig>;
}
