import { DEFAULT_RATING, type MeterRating, type StepMeasurement } from "../../firmware/kernel/calibration";
import { Atm90e26Driver } from "../../firmware/drivers/atm90e26/driver";
import { type Atm90e26Calibration, DEFAULT_ATM90E26_CALIBRATION, PHI_PER_ERROR } from "../../firmware/drivers/atm90e26/calibration";
import { ATM90E26, fromS16 } from "../../firmware/drivers/atm90e26/registers";
import { newMeteringSample } from "../../firmware/kernel/metering-ic";
import { SimSpi } from "../board";
import { type Atm90e26AnalogErrors, Atm90e26Emulator, DEFAULT_ATM90E26_ANALOG_ERRORS } from "../../emulation/atm90e26/emulator";
import type { LineConditions, LineSource } from "../../emulation/line";
import type { CalibrationBench, CalibrationProcedure, CalibrationRecord } from "./procedure";

/**
 * The ATM90E26 on a calibration bench: a reference source (set V, I, angle, f), the emulated
 * board with its analog errors, the real driver, and virtual time. Energy is measured the way a
 * bench reads CF pulses: through the driver's verified read-with-reset energy registers,
 * polled every 10 s so the 16-bit registers never wrap.
 */
export class Atm90e26Bench implements LineSource, CalibrationBench {
  readonly reference: LineConditions = { voltage: 230, current: 0, angle: 0, frequency: 50, neutralCurrent: 0 };
  nowMs = 0;
  readonly chip: Atm90e26Emulator;
  readonly driver: Atm90e26Driver;
  private readonly sample = newMeteringSample();

  constructor(analogErrors: Atm90e26AnalogErrors = DEFAULT_ATM90E26_ANALOG_ERRORS, calibration: Atm90e26Calibration = DEFAULT_ATM90E26_CALIBRATION) {
    this.chip = new Atm90e26Emulator(this, () => this.nowMs, { analogErrors });
    this.driver = new Atm90e26Driver(new SimSpi(this.chip), calibration);
    const st = this.driver.init();
    if (st !== "ok") throw new Error(`atm90e26 bench: init ${st}`);
  }

  get ic(): Atm90e26Driver {
    return this.driver;
  }

  setReference(voltageV: number, currentA: number, angleDeg: number, frequencyHz = 50, neutralCurrentA = currentA): void {
    this.set({ voltage: voltageV, current: currentA, angle: angleDeg, frequency: frequencyHz, neutralCurrent: neutralCurrentA });
  }

  reinit(): void {
    this.measureLsb(2);
  }

  measure(seconds: number): StepMeasurement {
    const m = this.measureLsb(seconds);
    const whPerLsb = 100 / this.driver.calibration.current.meterConstant;
    const r = this.reference;
    return {
      referenceVoltageV: r.voltage, referenceCurrentA: r.current, referenceAngleDeg: r.angle, seconds,
      activeWh: m.activeLsb * whPerLsb, neutralActiveWh: m.activeLsb * whPerLsb, reactiveVarh: m.reactiveLsb * whPerLsb,
      voltageV: m.voltageV, currentA: m.currentA, neutralCurrentA: m.neutralCurrentA,
    };
  }

  conditionsAt(_timeMs: number, out: LineConditions): number {
    out.voltage = this.reference.voltage;
    out.current = this.reference.current;
    out.angle = this.reference.angle;
    out.frequency = this.reference.frequency;
    out.neutralCurrent = this.reference.neutralCurrent;
    return Infinity;
  }

  /** Applies reference conditions, lets the chip settle 2 s and discards what it counted meanwhile. */
  set(conditions: Partial<LineConditions>): void {
    Object.assign(this.reference, conditions);
    this.measureLsb(2);
  }

  /** Active energy (signed LSB) and the mean readings over `seconds`. */
  measureLsb(seconds: number): { activeLsb: number; reactiveLsb: number; voltageV: number; currentA: number; neutralCurrentA: number } {
    let activeLsb = 0;
    let reactiveLsb = 0;
    let v = 0;
    let i = 0;
    let n = 0;
    let polls = 0;
    let left = seconds * 1000;
    while (left > 0) {
      const step = Math.min(10_000, left);
      this.nowMs += step;
      left -= step;
      const st = this.driver.sample(this.sample);
      if (st !== "ok") throw new Error(`atm90e26 bench: sample ${st}`);
      activeLsb += this.sample.activeEnergyLsb;
      reactiveLsb += this.sample.reactiveEnergyLsb;
      v += this.sample.voltageMilliV / 1000;
      i += this.sample.currentMilliA / 1000;
      n += this.sample.neutralCurrentMilliA / 1000;
      polls++;
    }
    return { activeLsb, reactiveLsb, voltageV: v / polls, currentA: i / polls, neutralCurrentA: n / polls };
  }

  /** Relative error of the counted active energy against the reference over `seconds`. */
  activeError(seconds: number): number {
    const m = this.measureLsb(seconds);
    const r = this.reference;
    const refWh = (r.voltage * Math.max(r.current, r.neutralCurrent) * Math.cos((r.angle * Math.PI) / 180) * seconds) / 3600;
    const wh = (m.activeLsb * 100) / this.driver.calibration.current.meterConstant;
    return wh / refWh - 1;
  }

  /** Seconds needed for `lsb` energy LSBs at the present reference (at least 20 s). */
  secondsFor(lsb: number): number {
    const r = this.reference;
    const watts = Math.abs(r.voltage * Math.max(r.current, r.neutralCurrent) * Math.cos((r.angle * Math.PI) / 180));
    const lsbPerSecond = (watts * this.driver.calibration.current.meterConstant * 10) / 3.6e6;
    return Math.max(20, Math.ceil(lsb / lsbPerSecond / 10) * 10);
  }
}

export interface Atm90e26CalibrationReport {
  values: Atm90e26Calibration;
  lines: string[];
  steps: CalibrationRecord["steps"];
}

/**
 * docs/chips.md B4 (AN 46102) on a bench, L then N:
 * 1. CalStart/AdjStart 0x5678 (the driver's init), chip-default gains;
 * 2. power offsets with the current disconnected, in small-power mode (0xA987): Poffset = -Pmean;
 * 3. gain at Ib PF 1: Lgain = LRATIO * 2^15 with LRATIO = -e/(1+e) (composed with the present gain);
 * 4. phase at Ib PF 0.5L: Lphi += e * 3763.74;
 * 5. RMS: Ugain = Ugain * Un/Urms, IgainL/N = Igain * Ib/Irms; current offsets at zero current:
 *    Ioffset = -Irms * Igain / 2^8;
 * 6. thresholds from the rating (start 0.002 Ib, no-load 0.001 Ib) stay as configured;
 * 7. the driver writes everything with CS1/CS2 computed and 0x8765, then checks SysStatus.
 * The N line is calibrated with the L current off, so the chip's anti-tamper logic meters N.
 * Energy windows are long enough for 20000 LSB (0.005 % resolution at the 0.1-pulse LSB).
 */
export function calibrateAtm90e26(bench: CalibrationBench, rating: MeterRating = DEFAULT_RATING, log: (line: string) => void = () => {}): Atm90e26CalibrationReport {
  const driver = bench.ic;
  if (!(driver instanceof Atm90e26Driver)) throw new Error("atm90e26 calibration: the bench's IC is not an ATM90E26");
  const un = rating.unMilliV / 1000;
  const ib = rating.ibMilliA / 1000;
  const fn = rating.fnMilliHz / 1000;
  const store = driver.calibration;
  const lines: string[] = [];
  const steps: CalibrationRecord["steps"] = [];
  const say = (line: string) => {
    lines.push(line);
    log(line);
  };
  const apply = (change: Partial<Atm90e26Calibration>) => {
    store.load(change as Record<string, unknown>);
    bench.reinit();
  };
  const set = (current: number, neutral: number, angle: number) => {
    bench.setReference(un, current, angle, fn, neutral);
    bench.reinit();
  };
  const secondsFor = (lsb: number, current: number, angle: number) => {
    const lsbPerSecond = (Math.abs(un * current * Math.cos((angle * Math.PI) / 180)) * store.current.meterConstant * 10) / 3.6e6;
    return Math.max(20, Math.ceil(lsb / lsbPerSecond / 10) * 10);
  };
  const energyError = (kind: string, current: number, neutral: number, angle: number): number => {
    set(current, neutral, angle);
    const seconds = secondsFor(20000, Math.max(current, neutral), angle);
    const m = bench.measure(seconds);
    const refWh = (un * Math.max(current, neutral) * Math.cos((angle * Math.PI) / 180) * seconds) / 3600;
    steps.push({ kind, reference: { voltageV: un, currentA: Math.max(current, neutral), angleDeg: angle, seconds }, measured: m, corrections: {} });
    return m.activeWh / refWh - 1;
  };
  store.reset();
  bench.reinit();

  // 2. Power offsets: voltage only, small-power mode.
  set(0, 0, 0);
  driver.setSmallPowerMode(true);
  bench.measure(2);
  const small = { p: 0, q: 0, pn: 0, qn: 0 };
  const reads = 8;
  for (let r = 0; r < reads; r++) {
    bench.measure(1);
    small.p += fromS16(driver.read(ATM90E26.Pmean));
    small.q += fromS16(driver.read(ATM90E26.Qmean));
    small.pn += fromS16(driver.read(ATM90E26.Pmean2));
    small.qn += fromS16(driver.read(ATM90E26.Qmean2));
  }
  driver.setSmallPowerMode(false);
  apply({
    poffsetL: -Math.round(small.p / reads), qoffsetL: -Math.round(small.q / reads),
    poffsetN: -Math.round(small.pn / reads), qoffsetN: -Math.round(small.qn / reads),
  });
  say(`offsets (small-power mode, no current): PoffsetL ${store.current.poffsetL} QoffsetL ${store.current.qoffsetL} PoffsetN ${store.current.poffsetN} QoffsetN ${store.current.qoffsetN}`);

  // 3. Gain at Ib, PF 1 (L, then N with the L current off). One pass: the 20000-LSB window
  // resolves 0.005 %, about the size of the 1/32768 gain step, so a second pass only chases noise.
  for (const line of ["L", "N"] as const) {
    const e = energyError(`gain ${line}`, line === "L" ? ib : 0, ib, 0);
    const key = line === "L" ? "lgain" : "ngain";
    const old = store.current[key];
    apply({ [key]: Math.round(((1 + old / 32768) / (1 + e) - 1) * 32768) });
    say(`gain ${line}: error ${(e * 100).toFixed(4)} % -> ${key} ${store.current[key]}`);
  }

  // 4. Phase at Ib, PF 0.5 inductive.
  for (const line of ["L", "N"] as const) {
    const e = energyError(`phase ${line}`, line === "L" ? ib : 0, ib, 60);
    const key = line === "L" ? "lphi" : "nphi";
    apply({ [key]: Math.max(-1023, Math.min(1023, store.current[key] + Math.round(e * PHI_PER_ERROR))) });
    say(`phase ${line}: error at PF 0.5L ${(e * 100).toFixed(4)} % -> ${key} ${store.current[key]}`);
  }

  // 5. RMS gains at Un, Ib (both lines), then current offsets at zero current.
  set(ib, ib, 0);
  let m = bench.measure(20);
  apply({
    ugain: Math.round((store.current.ugain * un) / m.voltageV),
    igainL: Math.round((store.current.igainL * ib) / m.currentA),
    igainN: Math.round((store.current.igainN * ib) / m.neutralCurrentA),
  });
  set(0, 0, 0);
  m = bench.measure(20);
  apply({
    ioffsetL: -Math.round((m.currentA * 1000 * store.current.igainL) / 256),
    ioffsetN: -Math.round((m.neutralCurrentA * 1000 * store.current.igainN) / 256),
  });
  say(`rms: Ugain ${store.current.ugain} IgainL ${store.current.igainL} IgainN ${store.current.igainN} IoffsetL ${store.current.ioffsetL} IoffsetN ${store.current.ioffsetN}`);
  say(`CS1 0x${driver.read(ATM90E26.CS1).toString(16).padStart(4, "0")} CS2 0x${driver.read(ATM90E26.CS2).toString(16).padStart(4, "0")} (chip-computed; the driver computes and writes them at every init)`);
  return { values: { ...store.current }, lines, steps };
}

/** The ATM90E26's own procedure for `npm run calibrate -- --chip atm90e26`. */
export const ATM90E26_CALIBRATION_PROCEDURE: CalibrationProcedure = {
  chip: "atm90e26",
  name: "ATM90E26 AN 46102 (small-power offsets, gain Ib PF1, phase Ib PF0.5L, RMS, CS1/CS2), L then N",
  run(bench: CalibrationBench, rating: MeterRating, log?: (line: string) => void): CalibrationRecord {
    const report = calibrateAtm90e26(bench, rating, log);
    return { chip: "atm90e26", procedure: this.name, rating, steps: report.steps, values: report.values as unknown as Record<string, unknown> };
  },
};

/** One accuracy cell. */
export interface AccuracyCell {
  fractionOfIb: number;
  angleDeg: number;
  errorPercent: number;
}

/**
 * Errors of the counted active energy against the reference for each current and angle (angle
 * 180 + x = export). Each cell integrates at least `minLsb` energy LSBs.
 */
export function atm90e26AccuracyTable(bench: Atm90e26Bench, fractions: readonly number[], angles: readonly number[], rating: MeterRating = DEFAULT_RATING, minLsb = 4000): AccuracyCell[] {
  const cells: AccuracyCell[] = [];
  const ib = rating.ibMilliA / 1000;
  for (const angle of angles) {
    for (const f of fractions) {
      bench.set({ voltage: rating.unMilliV / 1000, current: f * ib, neutralCurrent: f * ib, angle });
      const e = bench.activeError(bench.secondsFor(minLsb));
      cells.push({ fractionOfIb: f, angleDeg: angle, errorPercent: e * 100 });
    }
  }
  return cells;
}
