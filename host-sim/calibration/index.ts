/**
 * Calibration and accuracy tooling of the host simulator. Chips with their own procedure are
 * listed in `calibrationProcedureFor`; the others get the standard procedure.
 */
import type { MeteringChip } from "../../firmware/kernel/metering-ic";
import type { CalibrationProcedure } from "./procedure";
import { StandardCalibrationProcedure } from "./standard";
import { ATM90E26_CALIBRATION_PROCEDURE } from "./atm90e26";

export { EmulatedBench, BenchLine } from "./bench";
export type { CalibrationBench, CalibrationProcedure, CalibrationRecord } from "./procedure";
export { StandardCalibrationProcedure } from "./standard";
export { accuracyTable, type AccuracyCell, classLimitPercent, formatAccuracyTable, ACCURACY_CURRENTS, ACCURACY_POWER_FACTORS } from "./accuracy";
export { calibrationFile, loadCalibrationConfig, saveCalibration } from "./store";

export function calibrationProcedureFor(chip: MeteringChip): CalibrationProcedure {
  return chip === "atm90e26" ? ATM90E26_CALIBRATION_PROCEDURE : new StandardCalibrationProcedure(chip);
}
