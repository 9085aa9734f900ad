import type { Clock, TimerId } from "../../hal/clock";
import type { TimeModule, TimerHandle, TimerModule } from "./ecma419";

/** Repeat period given to a `oneShot` timer's SDK timer: never reached (it is unscheduled as it fires). */
const ONE_SHOT_IDLE_MS = 0x3fffffff;

/**
 * The Clock port on Moddable's `timer` and `time` modules.
 *
 * Monotonic time is `Time.ticks` extended past its wrap: on a microcontroller ticks are a 32-bit
 * millisecond count (wrapping after 24.8 or 49.7 days), so each reading adds the wrapped
 * difference to a running total. The metrology tick reads it every second, far inside a wrap.
 *
 * The wall clock is kept here as an offset from that monotonic time, seeded from the system time
 * (`systemTimeMs`, i.e. Date.now()) and moved by `setWallClockMs`, which also calls `Time.set` so
 * that the system time follows on the ESP32. On the simulators `Time.set` does nothing (see
 * docs/moddable-notes.md), which is why the offset, not Date, is the source of truth.
 */
export class ModdableClock implements Clock {
  private lastTicks: number;
  private monotonicMs = 0;
  private wallOffsetMs: number;

  constructor(private readonly timer: TimerModule, private readonly time: TimeModule, systemTimeMs: () => number) {
    this.lastTicks = time.ticks;
    this.wallOffsetMs = systemTimeMs();
  }

  nowMs(): number {
    const ticks = this.time.ticks;
    // Two's-complement difference: correct across a signed or unsigned 32-bit wrap.
    this.monotonicMs += (ticks - this.lastTicks) | 0;
    this.lastTicks = ticks;
    return this.monotonicMs;
  }

  wallClockMs(): number {
    return this.wallOffsetMs + this.nowMs();
  }

  setWallClockMs(utcMs: number): void {
    this.wallOffsetMs = utcMs - this.nowMs();
    this.time.set(Math.floor(utcMs / 1000));
  }

  // The callback goes to the SDK as it is (no wrapping closure per timer: the display sets a
  // zero-delay timer per frame slice). The SDK passes the timer as an argument, which the Clock
  // port's callbacks take none of (hal/clock.ts).
  schedule(callback: () => void, delayMs: number): TimerId {
    return this.timer.set(callback, delayMs);
  }

  repeat(callback: () => void, periodMs: number): TimerId {
    return this.timer.repeat(callback, periodMs);
  }

  // A repeating SDK timer kept unscheduled between uses: `Timer.schedule(t, delay, period)` arms
  // it and the wrapper (one closure per timer, made here once) unschedules it as it fires, so it
  // fires once. A one-shot SDK timer could not be re-armed: the SDK frees it after its callback
  // (modTimersExecute frees a timer whose repeat interval is 0).
  oneShot(callback: () => void): TimerId {
    const timer = this.timer;
    const handle: TimerHandle = timer.repeat(() => {
      timer.schedule(handle);
      callback();
    }, ONE_SHOT_IDLE_MS);
    timer.schedule(handle);
    return handle;
  }

  arm(id: TimerId, delayMs: number): void {
    this.timer.schedule(id as TimerHandle, delayMs, ONE_SHOT_IDLE_MS);
  }

  clearTimer(id: TimerId): void {
    // Only handles made by schedule/repeat above reach here: they are the SDK's timer objects.
    this.timer.clear(id as TimerHandle);
  }
}
