import type { Clock, DigitalIn } from "../hal";
import { DebouncedInput } from "./debounced-input";

/** Snapshot of a pulse counter for persistence. */
export interface PulseCounterState {
  pulses: number;
  captureUtcMs: number;
}

/**
 * Reed-switch sub-meter input (gas or water, docs/metering.md section 8): the contact pulls the input
 * low, so a pulse is one debounced high-to-low transition. Volume is kept exactly as
 * pulses x millilitres per pulse; the DLMS class 4 value is that in mL (m3, scaler -6) with the
 * time of the last counted pulse as capture_time.
 */
export class PulseCounter {
  pulses = 0;
  /** UTC ms of the edge that began the last counted pulse (0 = none yet). */
  captureUtcMs = 0;
  private readonly debounced: DebouncedInput | undefined;

  /** Without an input (not wired on this board) the volume stays 0. */
  constructor(readonly obis: string, input: DigitalIn | undefined, clock: Clock, debounceMs: number, readonly milliLitresPerPulse: number) {
    if (!Number.isInteger(milliLitresPerPulse) || milliLitresPerPulse <= 0) throw new RangeError(`${obis}: millilitres per pulse must be a positive integer, got ${milliLitresPerPulse}`);
    this.debounced = input && new DebouncedInput(input, clock, debounceMs, this);
  }

  /** A debounced level of the input: a pulse is the high-to-low transition. */
  inputSettled(_id: number, level: number, sinceUtcMs: number): void {
    if (level !== 0) return;
    this.pulses++;
    this.captureUtcMs = sinceUtcMs;
  }

  /** Volume in millilitres (= 10^-6 m3). */
  get volumeMilliLitres(): number {
    return this.pulses * this.milliLitresPerPulse;
  }

  /** Edges seen including rejected bounces. */
  get edges(): number {
    return this.debounced?.edges ?? 0;
  }

  snapshot(): PulseCounterState {
    return { pulses: this.pulses, captureUtcMs: this.captureUtcMs };
  }

  /** Restores a snapshot (throws RangeError on bad values; nothing changes then). */
  restore(state: PulseCounterState): void {
    if (typeof state !== "object" || state === null || !Number.isSafeInteger(state.pulses) || state.pulses < 0 || !Number.isSafeInteger(state.captureUtcMs) || state.captureUtcMs < 0) {
      throw new RangeError(`${this.obis}: pulse counter state is not whole`);
    }
    this.pulses = state.pulses;
    this.captureUtcMs = state.captureUtcMs;
  }

  close(): void {
    this.debounced?.close();
  }
}
