/** A conversion constant as an exact ratio of integers: out = in * num / den. */
export interface Rational {
  readonly num: number;
  readonly den: number;
}

/**
 * Converts integer chip counts to integer register units with the remainder carried, so no
 * energy is lost or created by rounding however many ticks pass. Products stay below 2^53
 * (num * counts per tick), so doubles hold them exactly.
 */
export class CarryingConverter {
  /** Carried sub-unit remainder (counts x num), 0 <= remainder < den; EnergyRegisters.addTick inlines add(). */
  remainder = 0;
  constructor(readonly scale: Rational) {
    if (!Number.isSafeInteger(scale.num) || !Number.isSafeInteger(scale.den) || scale.num <= 0 || scale.den <= 0) {
      throw new RangeError(`conversion constant must be positive integers, got ${scale.num}/${scale.den}`);
    }
  }

  /** Adds `counts` (>= 0) and returns the whole units now due. */
  add(counts: number): number {
    const scale = this.scale;
    const total = counts * scale.num + this.remainder;
    // total >= 0, so floor(total / den) = (total - total % den) / den, exactly in doubles: the
    // remainder is exact (fmod) and so is the division of an exact multiple of den below 2^53.
    const remainder = total % scale.den;
    this.remainder = remainder;
    return (total - remainder) / scale.den;
  }

  /** The carried sub-unit remainder, in chip counts * num (for persistence). */
  get carried(): number {
    return this.remainder;
  }

  set carried(value: number) {
    this.remainder = value;
  }
}
