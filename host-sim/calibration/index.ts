/**
 * Calibration and accuracy tooling of the host simulator. Chips with their own procedure
 * register it from a file imported here; the others get the standard procedure.
 */
import type { MeteringChip } from "../../firmware/kernel/metering-ic";
import { type CalibrationProcedure, registeredCalibrationProcedure } from "./procedure";
import { StandardCalibrationProcedure } from "./standard";
import "./atm90e26";

export { EmulatedBench, BenchLine } from "./bench";
export { type CalibrationBench, type CalibrationProcedure, type CalibrationRecord, registerCalibrationProcedure } from "./procedure";
export { StandardCalibrationProcedure } from "./standard";
export { accuracyTable, type AccuracyCell, classLimitPercent, formatAccuracyTable, ACCURACY_CURRENTS, ACCURACY_POWER_FACTORS } from "./accuracy";
export { calibrationFile, loadCalibrationConfig, saveCalibration } from "./store";

export function calibrationProcedureFor(chip: MeteringChip): CalibrationProcedure {
  return registeredCalibrationProcedure(chip) ?? new StandardCalibrationProcedure(chip);
}
