import type { Clock, DigitalIn, TimerId } from "../hal";

/**
 * A digital input accepted only after its level has stayed unchanged for `debounceMs`: every edge
 * restarts a one-shot timer; when it fires, the level read then is the new stable level if it
 * differs from the last one. Bounces shorter than the debounce time never reach `onStable`.
 * Works from edge interrupts and timers alone, so it keeps working when the metrology tick does
 * not run (cover switches on reserve power). Callbacks are created once here, not per edge: two
 * bound methods for the ports; the new level goes to the owner's `inputSettled(id, ...)` method
 * (an owner with several inputs tells them apart by `id`), not to a closure per input.
 */
export class DebouncedInput {
  /** The accepted (debounced) level. */
  level: number;
  /** Edges seen (bounces included), for diagnostics. */
  edges = 0;
  private timer: TimerId | undefined;
  /** Wall-clock time of the latest edge: the time the accepted level began. */
  private edgeUtcMs = 0;
  private readonly settle: () => void;

  constructor(
    private readonly input: DigitalIn,
    private readonly clock: Clock,
    readonly debounceMs: number,
    private readonly owner: StableLevelListener,
    private readonly id = 0,
  ) {
    this.level = input.read();
    this.settle = this.settled.bind(this);
    input.onChange(this.edge.bind(this));
  }

  private edge(): void {
    this.edges++;
    this.edgeUtcMs = this.clock.wallClockMs();
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = this.clock.schedule(this.settle, this.debounceMs);
  }

  private settled(): void {
    this.timer = undefined;
    const level = this.input.read();
    if (level === this.level) return;
    this.level = level;
    this.owner.inputSettled(this.id, level, this.edgeUtcMs);
  }

  close(): void {
    this.input.onChange(null);
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}

/** The owner of debounced inputs: told each accepted level, with the input's id and the time the level began. */
interface StableLevelListener {
  inputSettled(id: number, level: number, sinceUtcMs: number): void;
}
