import type { Clock, DigitalIn, DigitalOut } from "../../hal";
import { RelayBase, type RelayOptions } from "./relay";

/**
 * Bistable (latching) relay: a pulse on the set coil closes the contacts, a pulse on the reset
 * coil opens them; they stay put without power. One pulse per transition, the other coil is
 * always released first, so both coils are never energised together.
 */
export class LatchingRelay extends RelayBase {
  readonly kind = "latching" as const;

  constructor(
    private readonly setCoil: DigitalOut,
    private readonly resetCoil: DigitalOut,
    clock: Clock,
    contact: DigitalIn | undefined,
    options: RelayOptions,
  ) {
    super(clock, contact, options);
    setCoil.write(0);
    resetCoil.write(0);
  }

  protected energise(position: number): number {
    if (position === 1) {
      this.resetCoil.write(0);
      this.setCoil.write(1);
    } else {
      this.setCoil.write(0);
      this.resetCoil.write(1);
    }
    return Math.max(1, this.options.pulseMs);
  }

  protected deenergise(): void {
    this.setCoil.write(0);
    this.resetCoil.write(0);
  }
}
