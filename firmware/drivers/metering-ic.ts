/**
 * What the meter needs from a metering IC, whichever chip it is. Drivers fill a caller-owned
 * sample each tick (no allocation on the hot path).
 *
 * Energy deltas are in the chip's own energy LSBs (integers) since the previous sample; the
 * metrology converts them with the configured rational constants. Instantaneous values are in
 * milli-units (mV, mA, mW, mvar, mVA, mHz) and PF in 1/1000, as integers.
 */
export interface MeteringSample {
  /** Active energy since the last sample, signed: positive import, negative export. */
  activeEnergyLsb: number;
  /** Reactive energy since the last sample, signed: positive inductive (Q1/Q4 sign rules apply). */
  reactiveEnergyLsb: number;
  /** Apparent energy since the last sample (never negative). */
  apparentEnergyLsb: number;
  /** Neutral-channel active energy (channel B / N line), signed like activeEnergyLsb. */
  neutralActiveEnergyLsb: number;
  voltageMilliV: number;
  currentMilliA: number;
  neutralCurrentMilliA: number;
  activePowerMilliW: number;
  reactivePowerMilliVar: number;
  apparentPowerMilliVA: number;
  /** Power factor x1000, signed: negative when capacitive. */
  powerFactorMilli: number;
  frequencyMilliHz: number;
  /** True when this sample's energy could not be verified; its energy was carried to the next. */
  energyDeferred: boolean;
}

export function newMeteringSample(): MeteringSample {
  return {
    activeEnergyLsb: 0, reactiveEnergyLsb: 0, apparentEnergyLsb: 0, neutralActiveEnergyLsb: 0,
    voltageMilliV: 0, currentMilliA: 0, neutralCurrentMilliA: 0, activePowerMilliW: 0,
    reactivePowerMilliVar: 0, apparentPowerMilliVA: 0, powerFactorMilli: 0, frequencyMilliHz: 0,
    energyDeferred: false,
  };
}

/** Result of a driver operation that can fail without throwing. */
export type IcStatus = "ok" | "not-responding" | "verify-failed" | "reset-detected";

export interface MeteringIc {
  readonly chip: "ade7953" | "atm90e26";
  /** Full (re)initialisation with the stored calibration. */
  init(): IcStatus;
  /** Reads the accumulators and instantaneous registers into `sample`. */
  sample(sample: MeteringSample): IcStatus;
  /** Number of SPI transactions and bytes since construction (for the bench). */
  readonly spiTransactions: number;
  readonly spiBytes: number;
}
