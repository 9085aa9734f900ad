import { DEFAULT_ATM90E26_CALIBRATION, neutralAtm90e26Calibration } from "../../../firmware/drivers/atm90e26/calibration";
import { CarryingConverter } from "../../../firmware/kernel/rational";
import { Atm90e26Bench, atm90e26AccuracyTable, calibrateAtm90e26 } from "../../../host-sim/calibration/atm90e26";
import { type Atm90e26AnalogErrors, DEFAULT_ATM90E26_ANALOG_ERRORS } from "../../../emulation/atm90e26/emulator";

/** A board with other sensor errors than the default one (calibration must find them). */
const OTHER_BOARD: Atm90e26AnalogErrors = {
  voltageGain: 0.985, currentGain: 1.03, neutralGain: 0.97, phaseErrorDeg: -0.4, neutralPhaseErrorDeg: 0.9,
  activeOffsetW: -0.06, reactiveOffsetVar: 0.05, currentOffsetA: 0.003,
};

describe("ATM90E26 accuracy (class 0.5S limits, Ib 5 A, Imax 60 A, Un 230 V)", () => {
  const fractions = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 12];
  const limit = (f: number, angle: number): number => {
    const pf1 = angle % 180 === 0;
    if (pf1) return f >= 0.05 ? 0.5 : 1.0;
    return f >= 0.1 ? 0.6 : 1.0;
  };

  test("uncalibrated, the default board is outside the limits (calibration has work to do)", () => {
    const bench = new Atm90e26Bench(DEFAULT_ATM90E26_ANALOG_ERRORS, neutralAtm90e26Calibration(DEFAULT_ATM90E26_CALIBRATION));
    const [pf1] = atm90e26AccuracyTable(bench, [1], [0]);
    expect(Math.abs(pf1.errorPercent)).toBeGreaterThan(0.5);
  });

  test("the shipped default calibration meters the default simulated board within limits", () => {
    const bench = new Atm90e26Bench();
    for (const c of atm90e26AccuracyTable(bench, [0.02, 0.1, 1, 12], [0, 60, -36.87, 180, 240, 143.13], undefined, 1000)) {
      expect(Math.abs(c.errorPercent)).toBeLessThan(limit(c.fractionOfIb, c.angleDeg));
    }
  });

  test("calibrating the default board reproduces the shipped default calibration", () => {
    const bench = new Atm90e26Bench(DEFAULT_ATM90E26_ANALOG_ERRORS, neutralAtm90e26Calibration(DEFAULT_ATM90E26_CALIBRATION));
    const { values } = calibrateAtm90e26(bench);
    for (const key of ["lgain", "ngain", "lphi", "nphi", "ugain", "igainL", "igainN", "poffsetL", "qoffsetL"] as const) {
      expect({ key, off: Math.abs(values[key] - DEFAULT_ATM90E26_CALIBRATION[key]) <= 1 }).toEqual({ key, off: true });
    }
  });

  test("after calibrating another board every cell, import and export, PF 1 / 0.5L / 0.8C, is within limits", () => {
    const bench = new Atm90e26Bench(OTHER_BOARD, neutralAtm90e26Calibration(DEFAULT_ATM90E26_CALIBRATION));
    const before = atm90e26AccuracyTable(bench, [1], [60])[0];
    expect(Math.abs(before.errorPercent)).toBeGreaterThan(0.6);
    calibrateAtm90e26(bench);
    const cells = atm90e26AccuracyTable(bench, fractions, [0, 60, -36.87, 180, 240, 143.13], undefined, 2000);
    expect(cells).toHaveLength(48);
    for (const c of cells) {
      if (c.angleDeg % 180 !== 0 && c.fractionOfIb < 0.02) continue; // PF 0.5/0.8 limits start at 0.02 Ib
      expect({ ...c, within: Math.abs(c.errorPercent) < limit(c.fractionOfIb, c.angleDeg) }).toMatchObject({ within: true });
    }
  });

  test("starting current 0.004 Ib at PF 1 counts; 1.15 Un without current for 10 minutes does not move A+", () => {
    const bench = new Atm90e26Bench(OTHER_BOARD, neutralAtm90e26Calibration(DEFAULT_ATM90E26_CALIBRATION));
    calibrateAtm90e26(bench);
    const conv = new CarryingConverter(bench.driver.energyScale);
    bench.set({ voltage: 230, current: 0.02, neutralCurrent: 0.02, angle: 0 });
    const start = bench.measureLsb(600);
    expect(start.activeLsb).toBeGreaterThan(0);
    expect(conv.add(start.activeLsb)).toBeGreaterThan(0); // mWh
    // Creep: after load, then voltage only.
    bench.set({ voltage: 230 * 1.15, current: 0, neutralCurrent: 0, angle: 0 });
    const creep = bench.measureLsb(600);
    expect(creep.activeLsb).toBe(0);
    expect(creep.reactiveLsb).toBe(0);
  });
});

