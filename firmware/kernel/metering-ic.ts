import type { Rational } from "./rational";
import type { IcCalibration } from "./calibration";

/**
 * What the meter needs from a metering IC, whichever chip it is. Drivers fill a caller-owned
 * sample each tick (no allocation on the hot path).
 *
 * Energy deltas are in the chip's own energy LSBs (integers) since the previous sample; the
 * metrology converts them with the driver's `energyScale` (mWh, mvarh, mVAh per LSB). Energy the
 * driver could not verify this tick is not in the sample: it stays in the chip (or in the chip's
 * verification record) and arrives in a later sample, never twice. Instantaneous values are in
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
  /** Neutral-channel reactive energy, signed like reactiveEnergyLsb (0 if the chip has none; the ADE7953 driver does not read it: no consumer). */
  neutralReactiveEnergyLsb: number;
  /** Neutral-channel apparent energy (0 if the chip has none; the ADE7953 driver does not read it: no consumer). */
  neutralApparentEnergyLsb: number;
  voltageMilliV: number;
  currentMilliA: number;
  neutralCurrentMilliA: number;
  activePowerMilliW: number;
  reactivePowerMilliVar: number;
  apparentPowerMilliVA: number;
  /** Neutral-channel active power, signed (0 from the ADE7953 driver, which does not read BWATT: no consumer). */
  neutralActivePowerMilliW: number;
  /** Power factor x1000, signed: negative when capacitive. */
  powerFactorMilli: number;
  frequencyMilliHz: number;
  /** Bit set of SAMPLE_FLAG_* (direction, no-load and interrupt facts of this tick). */
  flags: number;
  /** True when some of this tick's energy could not be verified; it is carried to a later sample. */
  energyDeferred: boolean;
  /**
   * True when energy may have been lost (chip reset or brown-out wiped its accumulators, or an
   * unverifiable read-with-reset had to be given up). The meter logs event 16 and raises
   * ALARM.measurementSystemError.
   */
  energyMayBeLost: boolean;
  /**
   * Active energy (LSB, signed like activeEnergyLsb) the driver read this tick but did not book
   * because the read could have wrapped (the time since the register was last cleared, at the
   * meter's maximum power, reaches the register's range): an estimate from the power seen now.
   * 0 when nothing was refused. energyMayBeLost is set with it.
   */
  lostActiveEnergyLsb: number;
}

/** Instantaneous active power is negative (export), from the chip's own sign bit. */
export const SAMPLE_FLAG_ACTIVE_REVERSE = 1;
/** Instantaneous reactive power is negative (capacitive). */
export const SAMPLE_FLAG_REACTIVE_NEGATIVE = 2;
/** The chip's active no-load (creep) suppression is engaged. */
export const SAMPLE_FLAG_ACTIVE_NO_LOAD = 4;
/** A voltage sag was signalled by the chip since the last sample. */
export const SAMPLE_FLAG_SAG = 8;
/** The active power direction changed since the last sample (chip interrupt). */
export const SAMPLE_FLAG_DIRECTION_CHANGED = 16;
/** The chip was found reset and was re-initialised with the stored calibration in this tick. */
export const SAMPLE_FLAG_REINITIALISED = 32;
/** The neutral channel meters more than the phase channel (anti-tamper line selection). */
export const SAMPLE_FLAG_NEUTRAL_METERED = 64;

export function newMeteringSample(): MeteringSample {
  return {
    activeEnergyLsb: 0, reactiveEnergyLsb: 0, apparentEnergyLsb: 0, neutralActiveEnergyLsb: 0,
    neutralReactiveEnergyLsb: 0, neutralApparentEnergyLsb: 0,
    voltageMilliV: 0, currentMilliA: 0, neutralCurrentMilliA: 0, activePowerMilliW: 0,
    reactivePowerMilliVar: 0, apparentPowerMilliVA: 0, neutralActivePowerMilliW: 0,
    powerFactorMilli: 0, frequencyMilliHz: 0, flags: 0,
    energyDeferred: false, energyMayBeLost: false, lostActiveEnergyLsb: 0,
  };
}

/**
 * Result of a driver operation that can fail without throwing.
 * - "ok": everything read and verified.
 * - "not-responding": the bus gives no plausible answers (dead, wrong mode); nothing counted,
 *   nothing lost: the energy waits in the chip.
 * - "verify-failed": a read did not verify; its energy is carried (see MeteringSample).
 * - "reset-detected": the chip had been reset; the driver re-initialised it with the stored
 *   calibration in this call (energyMayBeLost tells the meter to log event 16).
 */
export type IcStatus = "ok" | "not-responding" | "verify-failed" | "reset-detected";

/**
 * The statuses as constants, for code that runs every tick. In XS a string literal in preloaded
 * code is copied into a new chunk each time it is evaluated (`status === "ok"` allocates); a
 * module-level constant is made once, at preload, and reading it allocates nothing.
 */
export const IC_OK: IcStatus = "ok";
export const IC_RESET_DETECTED: IcStatus = "reset-detected";

export type MeteringChip = "ade7953" | "atm90e26";

export interface MeteringIc {
  readonly chip: MeteringChip;
  /**
   * OBIS codes of registers this chip cannot measure: they are left out of the meter's object
   * model rather than read as 0 (which would look like a measurement).
   */
  readonly unmeasured: readonly string[];
  /** Full (re)initialisation with the stored calibration; discards what the chip accumulated before. */
  init(): IcStatus;
  /**
   * Reads the accumulators and instantaneous registers into `sample`. Re-inits by itself after a
   * reset. `nowMs`: the tick's monotonic time, when the caller has it (saves the driver a clock
   * call; drivers built with a clock bound their energy reads with it).
   */
  sample(sample: MeteringSample, nowMs?: number): IcStatus;
  /** Energy LSB -> milli-units (mWh, mvarh, mVAh), exact ratio: the same object for the driver's life (a calibration change updates it in place), so the energy registers convert with it directly. */
  readonly energyScale: Rational;
  /** Chip-agnostic access to the calibration (used by the calibration routine, later over DLMS). */
  readonly calibration: IcCalibration;
  /** Number of SPI transactions and bytes since construction (for the bench). */
  readonly spiTransactions: number;
  readonly spiBytes: number;
  /**
   * Monotonic ms since which active energy sits in the chip unread (the last verified read of
   * its active energy register); NaN when the driver has no clock. At a power fail whose drain
   * tick cannot read the chip, the energy since then is lost: the meter logs it.
   */
  readonly unreadSinceMs: number;
}
