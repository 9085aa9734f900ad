import type { Rational } from "../../kernel/rational";
import type { IcCalibration, IcCorrections, MeterRating } from "../../kernel/calibration";
import type { DigitalIn } from "../../hal";
import type { MonotonicClock } from "../energy-bound";
import { PHCAL_MAX, PHCAL_SECONDS_PER_LSB, POWER_OFFSET_SCALE, RMSOS_SCALE, UNITY_GAIN } from "./registers";
import { deepFreeze } from "../../kernel/freeze";

/**
 * Board constants and calibration of an ADE7953 front end, all integers (register values) or
 * integer ratios. The board constants say what one count means on the nominal board; the gain,
 * offset and phase registers correct the individual board to that nominal.
 */
export interface Ade7953Calibration {
  /** VRMS counts per volt. */
  voltageLsbPerVolt: number;
  /** IRMSA counts per ampere. */
  currentLsbPerAmp: number;
  /** IRMSB counts per ampere (neutral channel). */
  neutralCurrentLsbPerAmp: number;
  /** AWATT/AVAR/AVA counts per kW (integer). */
  powerLsbPerKw: number;
  /** Energy register counts -> mWh (also mvarh and mVAh). */
  energyMilliWhPerLsb: Rational;
  /** PGA codes (0..5 = x1, 2, 4, 8, 16, 22). */
  pgaV: number;
  pgaIA: number;
  pgaIB: number;
  /** Chip gain registers, 0x400000 = x1 (BVGAIN is written equal to AVGAIN). */
  avGain: number;
  aiGain: number;
  awGain: number;
  avarGain: number;
  avaGain: number;
  biGain: number;
  bwGain: number;
  bvarGain: number;
  bvaGain: number;
  /** Offsets as signed register values (RMS: squared domain / 4096; power: 1/512 power LSB). */
  vrmsOs: number;
  airmsOs: number;
  birmsOs: number;
  awattOs: number;
  avarOs: number;
  avaOs: number;
  bwattOs: number;
  bvarOs: number;
  bvaOs: number;
  /** PHCALA/PHCALB as sign-magnitude register values (bit 9 set = advance the current). */
  phcalA: number;
  phcalB: number;
}

/** The nominal board: what an ideal front end gives (docs/chips.md A3), before individual calibration. */
const NOMINAL_ADE7953_BOARD: Ade7953Calibration = deepFreeze({
  voltageLsbPerVolt: 26000,
  currentLsbPerAmp: 100000,
  neutralCurrentLsbPerAmp: 100000,
  powerLsbPerKw: 154973,
  energyMilliWhPerLsb: { num: 1_000_000, den: 23_739_295 },
  pgaV: 0, pgaIA: 0, pgaIB: 0,
  avGain: UNITY_GAIN, aiGain: UNITY_GAIN, awGain: UNITY_GAIN, avarGain: UNITY_GAIN, avaGain: UNITY_GAIN,
  biGain: UNITY_GAIN, bwGain: UNITY_GAIN, bvarGain: UNITY_GAIN, bvaGain: UNITY_GAIN,
  vrmsOs: 0, airmsOs: 0, birmsOs: 0, awattOs: 0, avarOs: 0, avaOs: 0, bwattOs: 0, bvarOs: 0, bvaOs: 0,
  phcalA: 0, phcalB: 0,
});

/**
 * The default meter calibration: what `npm run calibrate -- --chip ade7953` produces for the
 * default simulated board (host-sim/emulators/ade7953/analog.ts DEFAULT_ADE7953_BOARD_ERRORS), so
 * `npm start` meters accurately out of the box. test/drivers/ade7953/ade7953-accuracy.test.ts checks
 * that these values and a fresh calibration run agree.
 */
export const DEFAULT_ADE7953_CALIBRATION: Ade7953Calibration = deepFreeze({
  ...NOMINAL_ADE7953_BOARD,
  avGain: 4161016, aiGain: 4245247, awGain: 4194308, avarGain: 4194308, avaGain: 4194308,
  biGain: 4169288, bwGain: 4194290, bvarGain: 4194290, bvaGain: 4194290,
  awattOs: -11819, bwattOs: -19440,
  phcalA: 0x20c, phcalB: 0x213,
});

const INTEGER_FIELDS: readonly (keyof Ade7953Calibration)[] = deepFreeze([
  "voltageLsbPerVolt", "currentLsbPerAmp", "neutralCurrentLsbPerAmp", "powerLsbPerKw", "pgaV", "pgaIA", "pgaIB",
  "avGain", "aiGain", "awGain", "avarGain", "avaGain", "biGain", "bwGain", "bvarGain", "bvaGain",
  "vrmsOs", "airmsOs", "birmsOs", "awattOs", "avarOs", "avaOs", "bwattOs", "bvarOs", "bvaOs", "phcalA", "phcalB",
]);

/** Sign-magnitude PHCAL <-> signed advance in LSBs (positive = advance the current). */
function phcalToSigned(register: number): number {
  const magnitude = register & 0x1ff;
  return register & 0x200 ? magnitude : -magnitude;
}

function signedToPhcal(advance: number): number {
  const magnitude = Math.min(PHCAL_MAX, Math.abs(Math.round(advance)));
  return advance > 0 ? 0x200 | magnitude : magnitude;
}

const GAIN_MIN = 0x100000;
const GAIN_MAX = 0x7fffff;
const OFFSET_LIMIT = 0x7fffff;

function scaleGain(gain: number, factor: number): number {
  if (!Number.isFinite(factor) || factor <= 0) throw new RangeError(`gain correction must be a positive number, got ${factor}`);
  return Math.max(GAIN_MIN, Math.min(GAIN_MAX, Math.round(gain * factor)));
}

function addOffset(offset: number, delta: number): number {
  if (!Number.isFinite(delta)) throw new RangeError(`offset correction must be finite, got ${delta}`);
  return Math.max(-OFFSET_LIMIT, Math.min(OFFSET_LIMIT, offset + Math.round(delta)));
}

/** Driver options (driver.ts). */
export interface Ade7953Options {
  /** The chip's IRQ output (active low), when wired: the status register is read only when it asks. */
  irq?: DigitalIn;
  /** Meter rating: the no-load threshold, the sag level and the energy-read bound follow from it. */
  rating?: MeterRating;
  /**
   * Monotonic time: with it, an energy read that could have wrapped (the time since the register
   * was last cleared, at the meter's maximum power, reaches 2^23 LSB) is refused and reported
   * as lost instead of booked (energy-bound.ts). Without it, reads are not bounded.
   */
  clock?: MonotonicClock;
}

/** The driver, as its calibration facet sees it (methods, not closures: no RAM per driver). */
export interface CalibrationOwner {
  /** Nominal line frequency (Hz) of the meter's rating. */
  nominalHz(): number;
  /** The calibration changed: the chip must be configured again. */
  calibrationChanged(): void;
}

/**
 * The chip-agnostic calibration facet of the ADE7953 driver. Corrections are on readings; the
 * ADE7953 applies AVGAIN and AIGAIN to powers as well as RMS, so the power gain registers get
 * only what voltage and current gains leave over.
 */
export class Ade7953CalibrationAccess implements IcCalibration {
  constructor(private readonly cal: Ade7953Calibration, private readonly owner: CalibrationOwner) {}

  values(): Record<string, unknown> {
    return { ...this.cal, energyMilliWhPerLsb: { ...this.cal.energyMilliWhPerLsb } };
  }

  load(values: Record<string, unknown>): void {
    const next: Partial<Ade7953Calibration> = {};
    for (const [key, value] of Object.entries(values)) {
      if (key === "energyMilliWhPerLsb") {
        const r = value as Rational;
        if (typeof r !== "object" || r === null || !Number.isSafeInteger(r.num) || !Number.isSafeInteger(r.den) || r.num <= 0 || r.den <= 0) {
          throw new RangeError("energyMilliWhPerLsb must be { num, den } with positive integers");
        }
        next.energyMilliWhPerLsb = { num: r.num, den: r.den };
      } else if ((INTEGER_FIELDS as readonly string[]).includes(key)) {
        if (!Number.isSafeInteger(value)) throw new RangeError(`calibration ${key} must be an integer, got ${JSON.stringify(value)}`);
        (next as Record<string, unknown>)[key] = value;
      } else {
        throw new RangeError(`unknown ADE7953 calibration field "${key}"`);
      }
    }
    // The energy scale is one object for the meter's life: the registers convert with it
    // (metrology/energy-registers.ts), so a new scale is written into it, never swapped.
    const scale = next.energyMilliWhPerLsb;
    delete next.energyMilliWhPerLsb;
    Object.assign(this.cal, next);
    if (scale) {
      const own = this.cal.energyMilliWhPerLsb as { num: number; den: number };
      own.num = scale.num;
      own.den = scale.den;
    }
    this.owner.calibrationChanged();
  }

  reset(): void {
    const c = this.cal;
    c.avGain = c.aiGain = c.awGain = c.avarGain = c.avaGain = UNITY_GAIN;
    c.biGain = c.bwGain = c.bvarGain = c.bvaGain = UNITY_GAIN;
    c.vrmsOs = c.airmsOs = c.birmsOs = c.awattOs = c.avarOs = c.avaOs = c.bwattOs = c.bvarOs = c.bvaOs = 0;
    c.phcalA = c.phcalB = 0;
    this.owner.calibrationChanged();
  }

  apply(k: IcCorrections): void {
    const c = this.cal;
    const vg = k.voltageGain ?? 1;
    const ig = k.currentGain ?? 1;
    const ng = k.neutralCurrentGain ?? 1;
    c.avGain = scaleGain(c.avGain, vg);
    c.aiGain = scaleGain(c.aiGain, ig);
    c.biGain = scaleGain(c.biGain, ng);
    const powerA = (k.energyGain ?? vg * ig) / (vg * ig);
    c.awGain = scaleGain(c.awGain, powerA);
    c.avarGain = scaleGain(c.avarGain, powerA);
    c.avaGain = scaleGain(c.avaGain, powerA);
    const powerB = (k.neutralEnergyGain ?? vg * ng) / (vg * ng);
    c.bwGain = scaleGain(c.bwGain, powerB);
    c.bvarGain = scaleGain(c.bvarGain, powerB);
    c.bvaGain = scaleGain(c.bvaGain, powerB);
    const degPerLsb = PHCAL_SECONDS_PER_LSB * 360 * this.owner.nominalHz();
    if (k.phaseLagDeg !== undefined) c.phcalA = signedToPhcal(phcalToSigned(c.phcalA) + k.phaseLagDeg / degPerLsb);
    if (k.neutralPhaseLagDeg !== undefined) c.phcalB = signedToPhcal(phcalToSigned(c.phcalB) + k.neutralPhaseLagDeg / degPerLsb);
    const powerLsbPerW = c.powerLsbPerKw / 1000;
    if (k.activeOffsetW !== undefined) c.awattOs = addOffset(c.awattOs, -k.activeOffsetW * powerLsbPerW * POWER_OFFSET_SCALE);
    if (k.reactiveOffsetVar !== undefined) c.avarOs = addOffset(c.avarOs, -k.reactiveOffsetVar * powerLsbPerW * POWER_OFFSET_SCALE);
    if (k.neutralActiveOffsetW !== undefined) c.bwattOs = addOffset(c.bwattOs, -k.neutralActiveOffsetW * powerLsbPerW * POWER_OFFSET_SCALE);
    if (k.currentOffsetA2 !== undefined) c.airmsOs = addOffset(c.airmsOs, (-k.currentOffsetA2 * c.currentLsbPerAmp * c.currentLsbPerAmp) / RMSOS_SCALE);
    if (k.neutralCurrentOffsetA2 !== undefined) {
      c.birmsOs = addOffset(c.birmsOs, (-k.neutralCurrentOffsetA2 * c.neutralCurrentLsbPerAmp * c.neutralCurrentLsbPerAmp) / RMSOS_SCALE);
    }
    this.owner.calibrationChanged();
  }
}
