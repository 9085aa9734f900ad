/**
 * The analog front end of the emulated ADE7953 board: what the chip's ADC pins see for the line
 * conditions. The nominal board (docs/chips.md A3, Shelly-like constants): VRMS = 26000 counts/V,
 * IRMS = 100000 counts/A at PGA x1, so full scale (9,032,007 counts) is 347.4 V and 90.32 A.
 *
 * A real board deviates from nominal: divider and shunt/CT tolerances (gain), the current
 * sensor's phase shift, and small offsets (crosstalk from the voltage into the current channel,
 * ADC offset and noise). Those errors are what calibration corrects.
 */
export interface Ade7953BoardErrors {
  /** Voltage channel gain relative to nominal (1 = exact). */
  voltageGain: number;
  /** Phase (channel A) current sensor gain relative to nominal. */
  currentGain: number;
  /** Neutral (channel B) current sensor gain relative to nominal. */
  neutralGain: number;
  /** Extra lag of the phase current sensor, degrees (positive = current appears later). */
  phaseLagDeg: number;
  /** Extra lag of the neutral current sensor, degrees. */
  neutralPhaseLagDeg: number;
  /** Active / reactive power seen with no current at Un (crosstalk), W / var; scales with (V/Un)^2. */
  activeOffsetW: number;
  reactiveOffsetVar: number;
  neutralActiveOffsetW: number;
  /** RMS noise floor of the current channels, A (adds in quadrature to IRMS). */
  currentNoiseA: number;
  neutralCurrentNoiseA: number;
}

/** An ideal board: no errors at all. */
/** Copies every field of `from` into `into` (field by field: Object.assign allocates in XS). */
export function copyBoardErrors(into: Ade7953BoardErrors, from: Ade7953BoardErrors): void {
  into.voltageGain = from.voltageGain;
  into.currentGain = from.currentGain;
  into.neutralGain = from.neutralGain;
  into.phaseLagDeg = from.phaseLagDeg;
  into.neutralPhaseLagDeg = from.neutralPhaseLagDeg;
  into.activeOffsetW = from.activeOffsetW;
  into.reactiveOffsetVar = from.reactiveOffsetVar;
  into.neutralActiveOffsetW = from.neutralActiveOffsetW;
  into.currentNoiseA = from.currentNoiseA;
  into.neutralCurrentNoiseA = from.neutralCurrentNoiseA;
}

export const IDEAL_ADE7953_BOARD: Ade7953BoardErrors = {
  voltageGain: 1, currentGain: 1, neutralGain: 1, phaseLagDeg: 0, neutralPhaseLagDeg: 0,
  activeOffsetW: 0, reactiveOffsetVar: 0, neutralActiveOffsetW: 0, currentNoiseA: 0, neutralCurrentNoiseA: 0,
};

/**
 * The default simulated board: small, realistic errors (0.1 % resistor divider, 1 % shunt, CT on
 * the neutral with 0.4 degrees of phase error, 0.1-0.2 W of crosstalk). Uncalibrated it misses
 * class 0.5S at PF 0.5 and at low current; `npm run calibrate` brings it within limits, and the
 * meter's default calibration (firmware/drivers/ade7953/calibration.ts) is that result.
 */
export const DEFAULT_ADE7953_BOARD_ERRORS: Ade7953BoardErrors = {
  voltageGain: 1.008,
  currentGain: 0.988,
  neutralGain: 1.006,
  phaseLagDeg: 0.25,
  neutralPhaseLagDeg: 0.4,
  activeOffsetW: 0.15,
  reactiveOffsetVar: 0.125,
  neutralActiveOffsetW: 0.25,
  currentNoiseA: 0.004,
  neutralCurrentNoiseA: 0.006,
};

export const ADE7953_FRONT_END = {
  voltageCountsPerVolt: 26000,
  currentCountsPerAmp: 100000,
  rmsFullScale: 9_032_007,
  powerFullScale: 4_862_401,
  energyFullScaleRate: 206_900,
  /** Waveform register full scale (500 mV peak). */
  waveformFullScale: 6_500_000,
  /** The voltage the crosstalk offsets are specified at. */
  nominalVolts: 230,
} as const;
