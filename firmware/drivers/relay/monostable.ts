import type { Clock, DigitalIn, DigitalOut } from "../../hal";
import { RelayBase, type RelayOptions } from "./relay";

/**
 * Monostable relay on one output: the output level is held for as long as the position is
 * wanted. `closedLevel` is the output level that closes the contacts (default 1: energised =
 * connected; a relay wired normally-closed uses 0).
 */
export class MonostableRelay extends RelayBase {
  readonly kind = "monostable" as const;

  constructor(
    private readonly output: DigitalOut,
    clock: Clock,
    contact: DigitalIn | undefined,
    options: RelayOptions,
    private readonly closedLevel = 1,
  ) {
    super(clock, contact, options);
  }

  protected energise(position: number): number {
    this.output.write(position === 1 ? this.closedLevel : 1 - this.closedLevel);
    return 0;
  }

  protected deenergise(): void {
    // The level is the state: nothing to release.
  }
}
