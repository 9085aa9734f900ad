/**
 * Chip-agnostic calibration: the procedure of docs/chips.md A4/B4 and docs/metering.md section 1 (gain at
 * Ib PF 1, phase at PF 0.5 inductive, offsets at low current) as pure logic over measurements.
 * Whoever drives the reference source (the host simulator's bench today, a DLMS management
 * client with a bench later) feeds it measured-vs-reference figures; the result is a set of
 * corrections expressed on the *readings*, which each driver translates into its own registers.
 *
 * Floating point is fine here: this runs once per calibration, not in the accumulation path;
 * the values that reach the chip and the config are integers.
 */
import { deepFreeze } from "./freeze";

/** Corrections to apply to what the chip reports; omitted fields mean "no change". */
export interface IcCorrections {
  /** Multiply the voltage reading by this. */
  voltageGain?: number;
  /** Multiply the phase (channel A / L) current reading by this. */
  currentGain?: number;
  /** Multiply the neutral (channel B / N) current reading by this. */
  neutralCurrentGain?: number;
  /** Multiply the phase active (and reactive, apparent) power and energy reading by this. */
  energyGain?: number;
  /** Multiply the neutral active power and energy reading by this. */
  neutralEnergyGain?: number;
  /** Extra lag of the phase current sensor in degrees the chip must compensate (positive = lags). */
  phaseLagDeg?: number;
  /** Same for the neutral current sensor. */
  neutralPhaseLagDeg?: number;
  /** Active power the phase channel shows with no load, W (to subtract). */
  activeOffsetW?: number;
  /** Reactive power the phase channel shows with no load, var (to subtract). */
  reactiveOffsetVar?: number;
  /** Active power the neutral channel shows with no load, W (to subtract). */
  neutralActiveOffsetW?: number;
  /** Reading² − true² of the phase current at low current, A² (to subtract). */
  currentOffsetA2?: number;
  /** Same for the neutral current, A². */
  neutralCurrentOffsetA2?: number;
}

/** What every driver exposes for calibration, whatever its registers. */
export interface IcCalibration {
  /** The chip's calibration values (plain JSON data in the chip's own terms, integers). */
  values(): Record<string, unknown>;
  /** Replaces the calibration (e.g. loaded from a file or the store); written at the next init. */
  load(values: Record<string, unknown>): void;
  /** Neutral calibration: unity gains, no phase or offset correction (start of a calibration). */
  reset(): void;
  /** Composes corrections into the calibration; written at the next init. */
  apply(corrections: IcCorrections): void;
}

/** The meter's rating, from which test points and the no-load threshold follow. */
export interface MeterRating {
  /** Reference (basic) current Ib, mA. */
  ibMilliA: number;
  /** Maximum current Imax, mA. */
  imaxMilliA: number;
  /** Nominal voltage Un, mV. */
  unMilliV: number;
  /** Nominal frequency, mHz. */
  fnMilliHz: number;
}

export const DEFAULT_RATING: MeterRating = deepFreeze({ ibMilliA: 5000, imaxMilliA: 60000, unMilliV: 230000, fnMilliHz: 50000 });

/**
 * Active power below which the chip suppresses accumulation (no-load / creep), W. Class 1 direct
 * meters must start at 0.004 Ib (docs/metering.md 1); half of the starting power at Un leaves margin
 * both ways: the starting current counts, voltage-only offsets at 1.15 Un do not.
 */
export function noLoadThresholdW(rating: MeterRating): number {
  return (0.5 * 0.004 * rating.ibMilliA * rating.unMilliV) / 1e6;
}

type CalibrationStepKind = "gain" | "phase" | "offset";

/** One reference condition of the procedure. */
export interface CalibrationStep {
  kind: CalibrationStepKind;
  /** Current as a fraction of Ib. */
  fractionOfIb: number;
  /** Current lag behind voltage, degrees (60 = PF 0.5 inductive). */
  angleDeg: number;
  /** How long to integrate energy, seconds. */
  seconds: number;
}

/**
 * docs/chips.md A4 / docs/metering.md 1: gain at Ib PF 1, phase at Ib PF 0.5L, offsets at 0.02 Ib PF 1,
 * then the gain once more: the first gain step also absorbed the offset (0.15 W is 0.013 % at
 * Ib), which the offset step has now removed.
 */
export const STANDARD_CALIBRATION_STEPS: readonly CalibrationStep[] = deepFreeze([
  { kind: "gain", fractionOfIb: 1, angleDeg: 0, seconds: 20 },
  { kind: "phase", fractionOfIb: 1, angleDeg: 60, seconds: 20 },
  { kind: "offset", fractionOfIb: 0.02, angleDeg: 0, seconds: 60 },
  { kind: "gain", fractionOfIb: 1, angleDeg: 0, seconds: 20 },
]);

/** Reference values applied and what the meter under test measured during one step. */
export interface StepMeasurement {
  referenceVoltageV: number;
  referenceCurrentA: number;
  referenceAngleDeg: number;
  seconds: number;
  /** Active energy the chip counted on the phase / neutral channel, Wh (signed). */
  activeWh: number;
  neutralActiveWh: number;
  /** Reactive energy on the phase channel, varh (signed). */
  reactiveVarh: number;
  /** Mean RMS readings over the step. */
  voltageV: number;
  currentA: number;
  neutralCurrentA: number;
}

const RAD = Math.PI / 180;

/** Corrections one step calls for, given what was measured with the corrections so far applied. */
function correctionsForStep(step: CalibrationStep, m: StepMeasurement): IcCorrections {
  const v = m.referenceVoltageV;
  const i = m.referenceCurrentA;
  const hours = m.seconds / 3600;
  const refWh = v * i * Math.cos(m.referenceAngleDeg * RAD) * hours;
  const refVarh = v * i * Math.sin(m.referenceAngleDeg * RAD) * hours;
  switch (step.kind) {
    case "gain": {
      if (!(m.voltageV > 0 && m.currentA > 0 && m.activeWh > 0)) throw new Error("gain step: the meter measured nothing");
      const out: IcCorrections = { voltageGain: v / m.voltageV, currentGain: i / m.currentA, energyGain: refWh / m.activeWh };
      if (m.neutralCurrentA > 0 && m.neutralActiveWh > 0) {
        out.neutralCurrentGain = i / m.neutralCurrentA;
        out.neutralEnergyGain = refWh / m.neutralActiveWh;
      }
      return out;
    }
    case "phase": {
      // measured = V I cos(phi + d) => d = acos(measured / (V I)) - phi, the sensor's extra lag.
      const lag = (energyWh: number) => Math.acos(Math.max(-1, Math.min(1, energyWh / (v * i * hours)))) / RAD - m.referenceAngleDeg;
      const out: IcCorrections = { phaseLagDeg: lag(m.activeWh) };
      if (m.neutralActiveWh !== 0) out.neutralPhaseLagDeg = lag(m.neutralActiveWh);
      return out;
    }
    case "offset": {
      const out: IcCorrections = {
        activeOffsetW: (m.activeWh - refWh) / hours,
        reactiveOffsetVar: (m.reactiveVarh - refVarh) / hours,
        currentOffsetA2: m.currentA * m.currentA - i * i,
      };
      if (m.neutralActiveWh !== 0) {
        out.neutralActiveOffsetW = (m.neutralActiveWh - refWh) / hours;
        out.neutralCurrentOffsetA2 = m.neutralCurrentA * m.neutralCurrentA - i * i;
      }
      return out;
    }
  }
}

/**
 * Runs a procedure step by step: `next()` says which reference to apply, `record()` takes what
 * was measured and applies the step's corrections. Pure and allocation-light, so the meter can
 * run it over DLMS (the management client sets the bench and reports the reference energy).
 */
export class CalibrationRoutine {
  private index = 0;
  readonly applied: { step: CalibrationStep; corrections: IcCorrections }[] = [];

  constructor(private readonly calibration: IcCalibration, readonly steps: readonly CalibrationStep[] = STANDARD_CALIBRATION_STEPS) {
    calibration.reset();
  }

  get done(): boolean {
    return this.index >= this.steps.length;
  }

  /** The step to measure next, or undefined when finished. */
  next(): CalibrationStep | undefined {
    return this.steps[this.index];
  }

  /** Records the measurement of the current step and applies its corrections. */
  record(measurement: StepMeasurement): IcCorrections {
    const step = this.steps[this.index];
    if (!step) throw new Error("calibration routine already finished");
    const corrections = correctionsForStep(step, measurement);
    this.calibration.apply(corrections);
    this.applied.push({ step, corrections });
    this.index++;
    return corrections;
  }
}
