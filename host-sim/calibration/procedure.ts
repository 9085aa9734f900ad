import type { MeterRating, StepMeasurement } from "../../firmware/kernel/calibration";
import type { MeteringChip, MeteringIc } from "../../firmware/kernel/metering-ic";

/**
 * A test bench as a calibration procedure sees it: a reference source it sets, and the meter's
 * metering IC it reads. The host simulator's bench (bench.ts) drives an emulated board; a real
 * bench (or the DLMS management client) would implement the same three calls.
 */
export interface CalibrationBench {
  readonly ic: MeteringIc;
  /** Applies reference conditions from now on (neutral current = phase current unless given). */
  setReference(voltageV: number, currentA: number, angleDeg: number, frequencyHz?: number, neutralCurrentA?: number): void;
  /** Writes the IC's (changed) calibration and discards what it measured meanwhile. */
  reinit(): void;
  /** Integrates `seconds` under the reference and returns what the IC measured. */
  measure(seconds: number): StepMeasurement;
}

/** What a procedure did, for printing and for the JSON file. */
export interface CalibrationRecord {
  chip: MeteringChip;
  procedure: string;
  rating: MeterRating;
  steps: { kind: string; reference: { voltageV: number; currentA: number; angleDeg: number; seconds: number }; measured: StepMeasurement; corrections: Record<string, number> }[];
  /** The chip's calibration values after the procedure (what the meter's config takes). */
  values: Record<string, unknown>;
}

/** One chip's calibration procedure. The standard one (standard.ts) fits any IcCalibration. */
export interface CalibrationProcedure {
  readonly chip: MeteringChip;
  readonly name: string;
  run(bench: CalibrationBench, rating: MeterRating, log?: (line: string) => void): CalibrationRecord;
}
