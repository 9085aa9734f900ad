import type { MeterRating } from "../kernel/calibration";
import type { Rational } from "../kernel/rational";

/**
 * Upper end of the voltage measuring range, per mille of Un (docs/readme/faults.md). The most
 * power the meter can see is Imax at this voltage; a read-with-reset energy register cannot
 * have gathered more than that power times the time since it was last cleared.
 */
const VOLTAGE_RANGE_HIGH_PER_MILLE = 1200;

/** Monotonic milliseconds (the Clock port's nowMs). */
export interface MonotonicClock {
  nowMs(): number;
}

/** Imax at the top of the voltage measuring range, W. */
function maxPowerW(rating: MeterRating): number {
  return (rating.imaxMilliA * rating.unMilliV * VOLTAGE_RANGE_HIGH_PER_MILLE) / 1e9;
}

/**
 * How much energy a read-with-reset register can hold after `elapsedMs` (docs/chips.md: the
 * registers wrap, the ADE7953's at ±2^23 LSB, the ATM90E26's at 2^16). A read whose bound
 * reaches the register's unambiguous range could have wrapped: its value is not booked in either
 * direction (a wrapped import would look like export); the driver reports it as lost, with an
 * estimate from the power seen after the fault (the one candidate value nearest to it).
 * Only numbers: no allocation per use.
 */
export class EnergyReadBound {
  /** Most LSB the register gathers per ms at the meter's maximum power. */
  readonly maxLsbPerMs: number;
  /** LSB gathered per ms at 1 W. */
  private readonly lsbPerWattMs: number;

  /** Longest time after a clear in which the register cannot wrap, ms. */
  readonly safeMs: number;

  constructor(rating: MeterRating, scale: Rational, readonly rangeLsb: number, readonly modulusLsb: number) {
    // LSB per mWh is den/num; at 1 W, 1/3600 mWh per ms.
    this.lsbPerWattMs = scale.den / (3600 * scale.num);
    this.maxLsbPerMs = maxPowerW(rating) * this.lsbPerWattMs;
    this.safeMs = rangeLsb / this.maxLsbPerMs;
  }

  /** The most the register can hold after `elapsedMs`, LSB. */
  ceilingLsb(elapsedMs: number): number {
    return this.maxLsbPerMs * elapsedMs;
  }

  /** True when a read covering `elapsedMs` may have wrapped (its value is ambiguous). */
  couldWrap(elapsedMs: number): boolean {
    return this.maxLsbPerMs * elapsedMs >= this.rangeLsb;
  }

  /** What `powerW` gathers in `elapsedMs`, LSB (signed like the power). */
  lsbAt(powerW: number, elapsedMs: number): number {
    return powerW * elapsedMs * this.lsbPerWattMs;
  }

  /**
   * The candidate for a refused read (`raw` plus a whole number of wraps) nearest to what
   * `powerW` would have gathered in `elapsedMs`, LSB, within the ceiling.
   */
  estimateLsb(raw: number, powerW: number, elapsedMs: number): number {
    const m = this.modulusLsb;
    const candidate = raw + Math.round((this.lsbAt(powerW, elapsedMs) - raw) / m) * m;
    const ceiling = this.ceilingLsb(elapsedMs);
    return candidate > ceiling ? ceiling : candidate < -ceiling ? -ceiling : candidate;
  }
}
