/**
 * Handle returned by the timer functions; opaque to the caller. Moddable's `timer` module returns
 * an object (its typings make it an opaque class), the virtual clock a number.
 */
export type TimerId = object | number;

/**
 * Time port. Monotonic milliseconds for scheduling, UTC wall-clock milliseconds for
 * timestamps. Nothing in the firmware reads the host's time directly: on the host the
 * simulator supplies virtual time, on the device it is Moddable's Timer and Time.
 */
export interface Clock {
  /** Monotonic milliseconds since boot; never goes backwards, not changed by clock sets. */
  nowMs(): number;
  /** UTC milliseconds since 1970 (the wall clock; may be invalid until set). */
  wallClockMs(): number;
  /** Sets the wall clock (SNTP, a DLMS clock write, the simulator). */
  setWallClockMs(utcMs: number): void;
  /**
   * One-shot timer. Callbacks take no parameters: an implementation may call them with
   * arguments of its own (the Moddable SDK passes its timer object).
   */
  schedule(callback: () => void, delayMs: number): TimerId;
  /** Repeating timer; the first call comes after `periodMs`. */
  repeat(callback: () => void, periodMs: number): TimerId;
  /**
   * A one-shot timer made once and armed again and again (work that comes back often, such as the
   * display's frame slices, sets no new timer each time: nothing to collect). Made unarmed;
   * `clearTimer` ends it.
   */
  oneShot(callback: () => void): TimerId;
  /** Arms a timer made by `oneShot` to fire once after `delayMs` (an armed one is moved); allowed from its own callback. */
  arm(id: TimerId, delayMs: number): void;
  clearTimer(id: TimerId): void;
}
