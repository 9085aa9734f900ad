import { CalibrationRoutine, type CalibrationStep, type MeterRating, STANDARD_CALIBRATION_STEPS } from "../../firmware/kernel/calibration";
import type { MeteringChip } from "../../firmware/kernel/metering-ic";
import type { CalibrationBench, CalibrationProcedure, CalibrationRecord } from "./procedure";

/**
 * The procedure of docs/chips.md A4 / B4 in chip-agnostic form: the firmware's CalibrationRoutine
 * (pure logic, reachable over DLMS later) fed by a bench. Gain at Ib PF 1, phase at Ib PF 0.5
 * inductive, offsets at 0.02 Ib PF 1, each step measured with the previous corrections applied.
 */
export class StandardCalibrationProcedure implements CalibrationProcedure {
  readonly name = "standard (gain Ib PF1, phase Ib PF0.5L, offset 0.02 Ib PF1)";

  constructor(readonly chip: MeteringChip, private readonly steps: readonly CalibrationStep[] = STANDARD_CALIBRATION_STEPS) {}

  run(bench: CalibrationBench, rating: MeterRating, log: (line: string) => void = () => {}): CalibrationRecord {
    const routine = new CalibrationRoutine(bench.ic.calibration, this.steps);
    const record: CalibrationRecord = { chip: this.chip, procedure: this.name, rating, steps: [], values: {} };
    const voltageV = rating.unMilliV / 1000;
    const frequencyHz = rating.fnMilliHz / 1000;
    for (let step = routine.next(); step; step = routine.next()) {
      bench.reinit();
      const currentA = (step.fractionOfIb * rating.ibMilliA) / 1000;
      bench.setReference(voltageV, currentA, step.angleDeg, frequencyHz);
      const measured = bench.measure(step.seconds);
      const corrections = routine.record(measured) as Record<string, number>;
      log(`${step.kind.padEnd(6)} ${voltageV} V ${currentA} A ${step.angleDeg} deg ${step.seconds} s: ` +
        Object.entries(corrections).map(([k, v]) => `${k}=${v.toPrecision(6)}`).join(" "));
      record.steps.push({ kind: step.kind, reference: { voltageV, currentA, angleDeg: step.angleDeg, seconds: step.seconds }, measured, corrections });
    }
    bench.reinit();
    record.values = bench.ic.calibration.values();
    return record;
  }
}
