import type { Clock, DigitalIn, TimerId } from "../hal";

/**
 * A digital input accepted only after its level has stayed unchanged for `debounceMs`: every edge
 * restarts a one-shot timer; when it fires, the level read then is the new stable level if it
 * differs from the last one. Bounces shorter than the debounce time never reach `onStable`.
 * Works from edge interrupts and timers alone, so it keeps working when the metrology tick does
 * not run (cover switches on reserve power). Callbacks are created once here, not per edge.
 */
export class DebouncedInput {
  /** The accepted (debounced) level. */
  level: number;
  /** Edges seen (bounces included), for diagnostics. */
  edges = 0;
  private timer: TimerId | undefined;
  /** Wall-clock time of the latest edge: the time the accepted level began. */
  private edgeUtcMs = 0;
  private readonly handleEdge: (level: number) => void;
  private readonly settle: () => void;

  constructor(
    private readonly input: DigitalIn,
    private readonly clock: Clock,
    readonly debounceMs: number,
    private readonly onStable: (level: number, sinceUtcMs: number) => void,
  ) {
    this.level = input.read();
    this.handleEdge = () => {
      this.edges++;
      this.edgeUtcMs = this.clock.wallClockMs();
      if (this.timer !== undefined) this.clock.clearTimer(this.timer);
      this.timer = this.clock.schedule(this.settle, this.debounceMs);
    };
    this.settle = () => {
      this.timer = undefined;
      const level = this.input.read();
      if (level === this.level) return;
      this.level = level;
      this.onStable(level, this.edgeUtcMs);
    };
    input.onChange(this.handleEdge);
  }

  close(): void {
    this.input.onChange(null);
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}
