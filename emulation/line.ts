/** Electrical conditions at the meter's terminals, piecewise constant in virtual time. */
export interface LineConditions {
  /** RMS volts. */
  voltage: number;
  /** RMS amperes in the phase conductor. */
  current: number;
  /** Current lag behind voltage in degrees: 0 resistive import, 60 PF 0.5 inductive, 180 export. */
  angle: number;
  /** Hz. */
  frequency: number;
  /** RMS amperes in the neutral conductor (equals `current` without tamper). */
  neutralCurrent: number;
}

/** What the emulated analog front end sees: the conditions in effect at a time and until when. */
export interface LineSource {
  /** Fills `out` with the conditions at `timeMs`; returns the time they stop holding (or Infinity). */
  conditionsAt(timeMs: number, out: LineConditions): number;
  /**
   * Optional: a number that changes whenever the answer of conditionsAt for some time could
   * change (an outage added, a relay moving). While it stands, the conditions at a time already
   * asked for are the same, so an emulator reading again at the same instant need not ask again
   * (the simulator's hot path). NaN (never equal to itself) when it cannot tell. A source without
   * it (a test's mutable conditions) is asked on every read.
   */
  readonly revision?: number;
}

export function newLineConditions(): LineConditions {
  return { voltage: 0, current: 0, angle: 0, frequency: 50, neutralCurrent: 0 };
}

/** A byte-level SPI slave: chip select, then one byte in and one byte out per 8 clocks. */
export interface SpiSlave {
  select(): void;
  exchange(mosi: number): number;
  deselect(): void;
  /**
   * Optional: `exchange` of every byte of `buffer` in turn, in place (what the chip sends back
   * replaces what was sent). Exactly the same bytes and state as the byte loop, in one call: the
   * simulator's hot path (21 register reads a tick).
   */
  transferFrame?(buffer: Uint8Array): void;
  /**
   * Optional: `select()`, `transferFrame(buffer)` (or the `exchange` loop), `deselect()`: one
   * whole chip-select frame in one call, with exactly the same bytes and state (the port's
   * `transaction`, the simulator's hot path).
   */
  transaction?(buffer: Uint8Array): void;
}
