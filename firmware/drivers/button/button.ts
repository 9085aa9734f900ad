import type { Clock, DigitalIn, TimerId } from "../../hal";
import { deepFreeze } from "../../kernel/freeze";

export interface ButtonOptions {
  /** The level stays unchanged this long before an edge counts (contact bounce), ms. */
  debounceMs: number;
  /** Held at least this long = long press (fires while still held), ms. */
  longPressMs: number;
  /** Input level while pressed (0: a button to ground with a pull-up). */
  pressedLevel: number;
}

export const DEFAULT_BUTTON_OPTIONS: ButtonOptions = deepFreeze({ debounceMs: 30, longPressMs: 3000, pressedLevel: 0 });

/**
 * A push button on a DigitalIn: debounced by waiting for the level to stay put for
 * `debounceMs` after the last edge. A release before `longPressMs` is a short press; holding
 * for `longPressMs` fires the long press once (the release that follows does nothing).
 * Handlers are bound once; no allocation per edge.
 */
/** What a press does: given once at construction (the meter's composition root binds them). */
export interface ButtonActions {
  shortPress?(): void;
  longPress?(): void;
}

export class Button {
  /** Debounced state. */
  pressed = false;
  shortPresses = 0;
  longPresses = 0;
  private longFired = false;
  private debounceTimer: TimerId | undefined;
  private longTimer: TimerId | undefined;
  // Bound methods for the port and the timers (8 slots each in XS, an arrow capturing `this` 13).
  private readonly edge: () => void = this.restartDebounce.bind(this);
  private readonly settled: () => void = this.debounced.bind(this);
  private readonly held: () => void = this.longPress.bind(this);

  constructor(private readonly input: DigitalIn, private readonly clock: Clock, private readonly options: ButtonOptions = DEFAULT_BUTTON_OPTIONS, private readonly actions: ButtonActions = {}) {}

  start(): void {
    this.pressed = this.input.read() === this.options.pressedLevel;
    // A button held through power-up does not count until released.
    this.longFired = this.pressed;
    this.input.onChange(this.edge);
  }

  stop(): void {
    this.input.onChange(null);
    this.clear();
  }

  private restartDebounce(): void {
    if (this.debounceTimer !== undefined) this.clock.clearTimer(this.debounceTimer);
    this.debounceTimer = this.clock.schedule(this.settled, this.options.debounceMs);
  }

  private debounced(): void {
    this.debounceTimer = undefined;
    const pressed = this.input.read() === this.options.pressedLevel;
    if (pressed === this.pressed) return;
    this.pressed = pressed;
    if (pressed) {
      this.longFired = false;
      this.longTimer = this.clock.schedule(this.held, Math.max(0, this.options.longPressMs - this.options.debounceMs));
      return;
    }
    if (this.longTimer !== undefined) this.clock.clearTimer(this.longTimer);
    this.longTimer = undefined;
    if (!this.longFired) {
      this.shortPresses++;
      this.actions.shortPress?.();
    }
  }

  private longPress(): void {
    this.longTimer = undefined;
    if (!this.pressed) return;
    this.longFired = true;
    this.longPresses++;
    this.actions.longPress?.();
  }

  private clear(): void {
    if (this.debounceTimer !== undefined) this.clock.clearTimer(this.debounceTimer);
    if (this.longTimer !== undefined) this.clock.clearTimer(this.longTimer);
    this.debounceTimer = undefined;
    this.longTimer = undefined;
  }
}
