import { CarryingConverter, type Rational } from "./rational";

/**
 * Energy totals of the meter as integer milli-units (mWh, mvarh, mVAh). Doubles hold integers
 * exactly to 2^53, i.e. 9 * 10^15 mWh = 9 * 10^9 kWh, beyond the meter's lifetime.
 * Each direction has its own converter so the remainder of one never leaks into the other.
 */
export class EnergyRegisters {
  /** A+ (active import), mWh. */
  activeImport = 0;
  /** A- (active export), mWh. */
  activeExport = 0;
  private readonly importConverter: CarryingConverter;
  private readonly exportConverter: CarryingConverter;

  constructor(energyScale: Rational) {
    this.importConverter = new CarryingConverter(energyScale);
    this.exportConverter = new CarryingConverter(energyScale);
  }

  /** Adds one tick's signed active energy in chip counts: positive import, negative export. */
  addActive(counts: number): void {
    if (counts > 0) this.activeImport += this.importConverter.add(counts);
    else if (counts < 0) this.activeExport += this.exportConverter.add(-counts);
  }
}
