import type { IcCalibration, IcCorrections } from "../../kernel/calibration";
import { deepFreeze } from "../../kernel/freeze";

/**
 * Calibration of an ATM90E26 front end, in the chip's own terms (integers). Gains, phases and
 * offsets are kept as signed integers; the driver encodes them (two's complement or
 * sign-magnitude) when it writes the registers. CS1/CS2 are not stored: the driver computes them.
 */
export interface Atm90e26Calibration {
  /** Meter constant, imp/kWh: energy register LSB = 0.1 pulse, Wh = raw * 100 / MC. */
  meterConstant: number;
  /** PL_constant = 838860800 * GL * VL * VU / (MC * Un * Ib) (docs/chips.md B3), 32 bits. */
  plConst: number;
  /** MMode: L PGA, N gain, LNSel, HPF, Amod/Rmod, Zxcon, Pthresh. */
  mmode: number;
  /** FuncEn: SagEn, SagWo, RevQEn, RevPEn. */
  funcEn: number;
  /** Sag threshold as a percentage of the nominal voltage (SagTh is derived from it and Ugain). */
  sagPercent: number;
  nominalVoltageV: number;
  /** Lgain/Ngain: metering gain, multiplier = 1 + gain / 2^15 (signed, within +-16383 here). */
  lgain: number;
  ngain: number;
  /** Lphi/Nphi: phase compensation, signed (|value| <= 1023), Lphi = eps(PF 0.5L) * 3763.74. */
  lphi: number;
  nphi: number;
  pStartTh: number;
  pNolTh: number;
  qStartTh: number;
  qNolTh: number;
  ugain: number;
  igainL: number;
  igainN: number;
  /** RMS offsets (signed), offset = -read * gain / 2^8 (AN 46102 3.2.5). */
  uoffset: number;
  ioffsetL: number;
  ioffsetN: number;
  /** Power offsets in small-power-mode LSBs (signed). */
  poffsetL: number;
  qoffsetL: number;
  poffsetN: number;
  qoffsetN: number;
}

/** AN 46102 threshold formula: int(93.2067556 * GL * VL * VU * K). */
function powerThreshold(pga: number, shuntMvAtIb: number, dividerMvAtUn: number, fractionOfIb: number): number {
  return Math.floor(93.2067556 * pga * shuntMvAtIb * dividerMvAtUn * fractionOfIb);
}

/** PL_constant formula (docs/chips.md B3), rounded down to a multiple of 4. */
function plConstant(pga: number, shuntMvAtIb: number, dividerMvAtUn: number, meterConstant: number, unV: number, ibA: number): number {
  const pl = Math.floor((838860800 * pga * shuntMvAtIb * dividerMvAtUn) / (meterConstant * unV * ibA));
  return pl - (pl % 4);
}

/**
 * The default simulated board (host-sim ATM90E26 emulator with DEFAULT_ATM90E26_ANALOG_ERRORS):
 * L shunt 1 mV at Ib 5 A with PGA x24, N current transformer 24 mV at Ib with N gain x1, divider
 * 250 mV at Un 230 V, MC 3200 imp/kWh. Thresholds: start at 0.002 Ib (half the class starting
 * current 0.004 Ib), no-load below 0.001 Ib. The gain, phase and offset values come from
 * `npm run calibrate -- --chip atm90e26` on that board (test/drivers/atm90e26 checks they still do).
 */
export const DEFAULT_ATM90E26_CALIBRATION: Atm90e26Calibration = deepFreeze({
  meterConstant: 3200,
  plConst: plConstant(24, 1, 250, 3200, 230, 5),
  mmode: 0x7422, // L x24, N x1, LNSel L, HPF on, CF not absolute, ZX both edges, Pthresh 3.125 %
  funcEn: 0x003c, // SagEn, SagWo, RevQEn, RevPEn
  sagPercent: 78,
  nominalVoltageV: 230,
  lgain: 235,
  ngain: -644,
  lphi: -28,
  nphi: -68,
  pStartTh: powerThreshold(24, 1, 250, 0.002),
  pNolTh: powerThreshold(24, 1, 250, 0.001),
  qStartTh: powerThreshold(24, 1, 250, 0.002),
  qNolTh: powerThreshold(24, 1, 250, 0.001),
  ugain: 26190,
  igainL: 31714,
  igainN: 29633,
  uoffset: 0,
  ioffsetL: -248,
  ioffsetN: -116,
  poffsetL: -20,
  qoffsetL: -15,
  poffsetN: -21,
  qoffsetN: -15,
});

/** Neutral values: chip-default gains, no phase or offset correction, board constants kept. */
export function neutralAtm90e26Calibration(base: Atm90e26Calibration): Atm90e26Calibration {
  return {
    ...base,
    lgain: 0, ngain: 0, lphi: 0, nphi: 0, ugain: 26400, igainL: 31251, igainN: 30000,
    uoffset: 0, ioffsetL: 0, ioffsetN: 0, poffsetL: 0, qoffsetL: 0, poffsetN: 0, qoffsetN: 0,
  };
}

const KEYS: readonly (keyof Atm90e26Calibration)[] = deepFreeze(Object.keys(DEFAULT_ATM90E26_CALIBRATION) as (keyof Atm90e26Calibration)[]);

/** Normal-mode power = small-mode power * Ugain * Igain / SMALL_POWER_SCALE (AN 46102; the datasheet's 2^42 is taken as a typo). */
const SMALL_POWER_SCALE = 100000 * 2 ** 22;

/** Lphi LSBs per unit of relative error at PF 0.5 inductive (AN 46102 3.2.4.3). */
export const PHI_PER_ERROR = 3763.74;

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}

/** IcCalibration over Atm90e26Calibration: corrections on the readings become register values. */
export class Atm90e26CalibrationStore implements IcCalibration {
  current: Atm90e26Calibration;
  /** Bumped on every change: the driver re-initialises the chip when it differs from what it wrote. */
  version = 0;

  constructor(initial: Atm90e26Calibration = DEFAULT_ATM90E26_CALIBRATION) {
    this.current = { ...initial };
  }

  values(): Record<string, unknown> {
    return { ...this.current };
  }

  load(values: Record<string, unknown>): void {
    const next = { ...this.current };
    for (const key of Object.keys(values)) {
      if (!KEYS.includes(key as keyof Atm90e26Calibration)) throw new Error(`atm90e26 calibration: unknown field "${key}"`);
      const v = values[key];
      if (typeof v !== "number" || !Number.isInteger(v)) throw new Error(`atm90e26 calibration: "${key}" must be an integer`);
      next[key as keyof Atm90e26Calibration] = v;
    }
    if (next.meterConstant <= 0) throw new Error("atm90e26 calibration: meterConstant must be > 0");
    if (next.ugain <= 0 || next.ugain > 0x7fff) throw new Error("atm90e26 calibration: ugain must be 1..32767 (bit 15 must be 0)");
    this.current = next;
    this.version++;
  }

  reset(): void {
    this.current = neutralAtm90e26Calibration(this.current);
    this.version++;
  }

  apply(c: IcCorrections): void {
    this.version++;
    const k = this.current;
    if (c.voltageGain !== undefined) k.ugain = clamp(Math.round(k.ugain * c.voltageGain), 1, 0x7fff);
    if (c.currentGain !== undefined) k.igainL = clamp(Math.round(k.igainL * c.currentGain), 1, 0xffff);
    if (c.neutralCurrentGain !== undefined) k.igainN = clamp(Math.round(k.igainN * c.neutralCurrentGain), 1, 0xffff);
    if (c.energyGain !== undefined) k.lgain = composeGain(k.lgain, c.energyGain);
    if (c.neutralEnergyGain !== undefined) k.ngain = composeGain(k.ngain, c.neutralEnergyGain);
    if (c.phaseLagDeg !== undefined) k.lphi = clamp(k.lphi + phiFor(c.phaseLagDeg), -1023, 1023);
    if (c.neutralPhaseLagDeg !== undefined) k.nphi = clamp(k.nphi + phiFor(c.neutralPhaseLagDeg), -1023, 1023);
    const perWattL = SMALL_POWER_SCALE / (k.ugain * k.igainL);
    const perWattN = SMALL_POWER_SCALE / (k.ugain * k.igainN);
    if (c.activeOffsetW !== undefined) k.poffsetL = clamp(Math.round(k.poffsetL - c.activeOffsetW * perWattL), -32768, 32767);
    if (c.reactiveOffsetVar !== undefined) k.qoffsetL = clamp(Math.round(k.qoffsetL - c.reactiveOffsetVar * perWattL), -32768, 32767);
    if (c.neutralActiveOffsetW !== undefined) k.poffsetN = clamp(Math.round(k.poffsetN - c.neutralActiveOffsetW * perWattN), -32768, 32767);
    // RMS current offsets of this chip are linear (IoffsetL = -read * Igain / 2^8), not in the
    // squared domain; the ATM90E26 procedure sets them from a zero-current reading instead.
  }
}

/** Lgain such that the new multiplier is the old one times `gain` (AN: Lgain = LRATIO * 2^15). */
function composeGain(old: number, gain: number): number {
  return clamp(Math.round(((1 + old / 32768) * gain - 1) * 32768), -16384, 16383);
}

/** Lphi step for a sensor lag of `lagDeg`: the error it causes at PF 0.5L times 3763.74 (AN). */
function phiFor(lagDeg: number): number {
  const rad = Math.PI / 180;
  const error = Math.cos((60 + lagDeg) * rad) / Math.cos(60 * rad) - 1;
  return Math.round(error * PHI_PER_ERROR);
}
