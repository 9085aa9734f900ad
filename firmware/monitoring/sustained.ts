/** Change reported by `Sustained.update`. */
import { deepFreeze } from "../kernel/freeze";
export const Transition = deepFreeze({ None: 0, Started: 1, Ended: 2 } as const);
export type Transition = (typeof Transition)[keyof typeof Transition];

/**
 * A condition that counts only after it has held at every sample for at least `thresholdMs`
 * (monotonic time, so clock sets do not shorten or stretch it). It ends at the first sample
 * where it no longer holds. `sinceUtcMs` is the wall time of the first sample where it held.
 */
export class Sustained {
  active = false;
  /** Monotonic time of the first sample in the current run (-1 = condition not holding). */
  sinceMonoMs = -1;
  sinceUtcMs = 0;

  update(holds: boolean, thresholdMs: number, monoMs: number, utcMs: number): Transition {
    if (!holds) {
      this.sinceMonoMs = -1;
      if (!this.active) return Transition.None;
      this.active = false;
      return Transition.Ended;
    }
    if (this.sinceMonoMs < 0) {
      this.sinceMonoMs = monoMs;
      this.sinceUtcMs = utcMs;
    }
    if (this.active || monoMs - this.sinceMonoMs < thresholdMs) return Transition.None;
    this.active = true;
    return Transition.Started;
  }

  reset(): void {
    this.active = false;
    this.sinceMonoMs = -1;
  }
}
