import { DEFAULT_RATING, type MeterRating } from "../../firmware/drivers/calibration";
import { Atm90e26Driver } from "../../firmware/drivers/atm90e26/driver";
import { type Atm90e26Calibration, DEFAULT_ATM90E26_CALIBRATION, neutralAtm90e26Calibration, PHI_PER_ERROR } from "../../firmware/drivers/atm90e26/calibration";
import { ATM90E26, fromS16 } from "../../firmware/drivers/atm90e26/registers";
import { newMeteringSample } from "../../firmware/drivers/metering-ic";
import { SimSpi } from "../board";
import { type Atm90e26AnalogErrors, Atm90e26Emulator, DEFAULT_ATM90E26_ANALOG_ERRORS } from "../emulators/atm90e26/emulator";
import type { LineConditions, LineSource } from "../emulators/line";

/**
 * The ATM90E26 on a calibration bench: a reference source (set V, I, angle, f), the emulated
 * board with its analog errors, the real driver, and virtual time. Energy is measured the way a
 * bench reads CF pulses: through the driver's verified read-with-reset energy registers,
 * polled every 10 s so the 16-bit registers never wrap.
 */
export class Atm90e26Bench implements LineSource {
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
}

/**
 * chips.md B4 (AN 46102) on the bench, L then N:
 * 1. CalStart/AdjStart 0x5678 (the driver's init), chip-default gains;
 * 2. power offsets with the current disconnected, in small-power mode (0xA987): Poffset = -Pmean;
 * 3. gain at Ib PF 1: Lgain = LRATIO * 2^15 with LRATIO = -e/(1+e) (composed with the present gain);
 * 4. phase at Ib PF 0.5L: Lphi += e * 3763.74;
 * 5. RMS: Ugain = Ugain * Un/Urms, IgainL/N = Igain * Ib/Irms; current offsets at zero current:
 *    Ioffset = -Irms * Igain / 2^8;
 * 6. thresholds from the rating (start 0.002 Ib, no-load 0.001 Ib) stay as configured;
 * 7. the driver writes everything with CS1/CS2 computed and 0x8765, then checks SysStatus.
 * The N line is calibrated with the L current off, so the chip's anti-tamper logic meters N.
 */
export function calibrateAtm90e26(bench: Atm90e26Bench, rating: MeterRating = DEFAULT_RATING): Atm90e26CalibrationReport {
  const un = rating.unMilliV / 1000;
  const ib = rating.ibMilliA / 1000;
  const store = bench.driver.calibration;
  const lines: string[] = [];
  const apply = (change: Partial<Atm90e26Calibration>) => {
    store.current = { ...store.current, ...change };
    const st = bench.driver.init();
    if (st !== "ok") throw new Error(`atm90e26 calibration: init ${st}`);
  };
  apply(neutralAtm90e26Calibration(store.current));

  // 2. Power offsets: voltage only, small-power mode.
  bench.set({ voltage: un, current: 0, neutralCurrent: 0, angle: 0 });
  bench.driver.setSmallPowerMode(true);
  bench.measureLsb(2);
  const small = { p: 0, q: 0, pn: 0, qn: 0 };
  const reads = 8;
  for (let r = 0; r < reads; r++) {
    bench.nowMs += 1000;
    small.p += fromS16(bench.driver.read(ATM90E26.Pmean));
    small.q += fromS16(bench.driver.read(ATM90E26.Qmean));
    small.pn += fromS16(bench.driver.read(ATM90E26.Pmean2));
    small.qn += fromS16(bench.driver.read(ATM90E26.Qmean2));
  }
  bench.driver.setSmallPowerMode(false);
  apply({
    poffsetL: -Math.round(small.p / reads), qoffsetL: -Math.round(small.q / reads),
    poffsetN: -Math.round(small.pn / reads), qoffsetN: -Math.round(small.qn / reads),
  });
  lines.push(`offsets (small-power mode): PoffsetL ${store.current.poffsetL} QoffsetL ${store.current.qoffsetL} PoffsetN ${store.current.poffsetN} QoffsetN ${store.current.qoffsetN}`);

  // 3. Gain at Ib, PF 1 (L, then N with the L current off). Twice: the second pass removes the rounding.
  for (const line of ["L", "N"] as const) {
    for (let pass = 0; pass < 2; pass++) {
      bench.set({ voltage: un, current: line === "L" ? ib : 0, neutralCurrent: line === "N" ? ib : 0, angle: 0 });
      const e = bench.activeError(bench.secondsFor(20000));
      const key = line === "L" ? "lgain" : "ngain";
      const old = store.current[key];
      apply({ [key]: Math.round(((1 + old / 32768) / (1 + e) - 1) * 32768) });
      lines.push(`gain ${line} pass ${pass + 1}: error ${(e * 100).toFixed(4)} % -> ${key} ${store.current[key]}`);
    }
  }

  // 4. Phase at Ib, PF 0.5 inductive.
  for (const line of ["L", "N"] as const) {
    bench.set({ voltage: un, current: line === "L" ? ib : 0, neutralCurrent: line === "N" ? ib : 0, angle: 60 });
    const e = bench.activeError(bench.secondsFor(20000));
    const key = line === "L" ? "lphi" : "nphi";
    apply({ [key]: Math.max(-1023, Math.min(1023, store.current[key] + Math.round(e * PHI_PER_ERROR))) });
    lines.push(`phase ${line}: error at PF 0.5L ${(e * 100).toFixed(4)} % -> ${key} ${store.current[key]}`);
  }

  // 5. RMS gains at Un, Ib (both lines), then current offsets at zero current.
  bench.set({ voltage: un, current: ib, neutralCurrent: ib, angle: 0 });
  let m = bench.measureLsb(20);
  apply({
    ugain: Math.round((store.current.ugain * un) / m.voltageV),
    igainL: Math.round((store.current.igainL * ib) / m.currentA),
    igainN: Math.round((store.current.igainN * ib) / m.neutralCurrentA),
  });
  bench.set({ voltage: un, current: 0, neutralCurrent: 0, angle: 0 });
  m = bench.measureLsb(20);
  apply({
    ioffsetL: -Math.round((m.currentA * 1000 * store.current.igainL) / 256),
    ioffsetN: -Math.round((m.neutralCurrentA * 1000 * store.current.igainN) / 256),
  });
  lines.push(`rms: Ugain ${store.current.ugain} IgainL ${store.current.igainL} IgainN ${store.current.igainN} IoffsetL ${store.current.ioffsetL} IoffsetN ${store.current.ioffsetN}`);
  lines.push(`CS1 0x${bench.driver.read(ATM90E26.CS1).toString(16).padStart(4, "0")} CS2 0x${bench.driver.read(ATM90E26.CS2).toString(16).padStart(4, "0")} (chip-computed; written by the driver at every init)`);
  return { values: { ...store.current }, lines };
}

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
