import type { Clock, TimerId } from "../../hal/clock";
import type { TimeModule, TimerModule } from "./ecma419";

/**
 * The Clock port on Moddable's `timer` and `time` modules. Monotonic time is `Time.ticks`; the
 * wall clock is the system time (set by SNTP or a DLMS clock write through `Time.set`).
 */
export class ModdableClock implements Clock {
  constructor(private readonly timer: TimerModule, private readonly time: TimeModule, private readonly systemTimeMs: () => number) {}

  nowMs(): number {
    return this.time.ticks;
  }

  wallClockMs(): number {
    return this.systemTimeMs();
  }

  setWallClockMs(utcMs: number): void {
    this.time.set(Math.floor(utcMs / 1000));
  }

  setTimeout(callback: () => void, delayMs: number): TimerId {
    return this.timer.set(() => callback(), delayMs);
  }

  setInterval(callback: () => void, periodMs: number): TimerId {
    return this.timer.repeat(() => callback(), periodMs);
  }

  clearTimer(id: TimerId): void {
    this.timer.clear(id);
  }
}
