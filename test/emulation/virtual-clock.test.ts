/**
 * The virtual clock fires timers in order of due time, ties in order of (re)scheduling. Its heap
 * reschedules a periodic timer in place and marks cleared timers instead of looking them up
 * (issue 19, the simulated year); this compares it with a plain model that scans every timer
 * for the earliest (due, seq) at each step, on random programs of schedule / repeat / oneShot /
 * arm / disarm / clearTimer, made at top level and from inside callbacks, with wall-clock sets.
 */
import fc from "fast-check";
import { VirtualClock } from "../../emulation/virtual-clock";
import type { TimerId } from "../../firmware/hal";

interface ModelTimer {
  id: number;
  due: number;
  seq: number;
  periodMs: number;
  callback: () => void;
  queued: boolean;
  alive: boolean;
}

/** The clock's documented behaviour, written the simplest way (a linear scan per firing). */
class ModelClock {
  private now = 0;
  private readonly timers: ModelTimer[] = [];
  private nextId = 1;
  private seq = 0;
  constructor(private wallOffsetMs: number) {}
  nowMs(): number {
    return this.now;
  }
  wallClockMs(): number {
    return this.wallOffsetMs + this.now;
  }
  setWallClockMs(utcMs: number): void {
    this.wallOffsetMs = utcMs - this.now;
  }
  private add(callback: () => void, delayMs: number, periodMs: number): number {
    const t = { id: this.nextId++, due: this.now + Math.max(0, delayMs), seq: this.seq++, periodMs, callback, queued: true, alive: true };
    this.timers.push(t);
    return t.id;
  }
  schedule(callback: () => void, delayMs: number): number {
    return this.add(callback, delayMs, 0);
  }
  repeat(callback: () => void, periodMs: number): number {
    return this.add(callback, periodMs, periodMs);
  }
  oneShot(callback: () => void): number {
    const t = { id: this.nextId++, due: Infinity, seq: 0, periodMs: -1, callback, queued: false, alive: true };
    this.timers.push(t);
    return t.id;
  }
  private find(id: number): ModelTimer | undefined {
    return this.timers.find((t) => t.id === id && t.alive);
  }
  arm(id: number, delayMs: number): void {
    const t = this.find(id);
    if (!t || t.periodMs !== -1) return;
    t.due = this.now + Math.max(0, delayMs);
    t.seq = this.seq++;
    t.queued = true;
  }
  disarm(id: number): void {
    const t = this.find(id);
    if (t && t.periodMs === -1) t.queued = false;
  }
  clearTimer(id: number): void {
    const t = this.find(id);
    if (t) t.alive = false;
  }
  runUntil(timeMs: number): void {
    for (;;) {
      let next: ModelTimer | undefined;
      for (const t of this.timers) if (t.alive && t.queued && (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq))) next = t;
      if (!next || next.due > timeMs) break;
      this.now = next.due;
      if (next.periodMs > 0) {
        next.due += next.periodMs;
        next.seq = this.seq++;
      } else if (next.periodMs === -1) {
        next.queued = false;
      } else {
        next.alive = false;
      }
      next.callback();
    }
    if (timeMs > this.now) this.now = timeMs;
  }
}

type Op =
  | { kind: "schedule"; delay: number }
  | { kind: "repeat"; period: number }
  | { kind: "oneShot" }
  | { kind: "arm"; pick: number; delay: number }
  | { kind: "disarm"; pick: number }
  | { kind: "clear"; pick: number }
  | { kind: "wall"; utc: number }
  | { kind: "none" };

const delayArb = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3000 }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("schedule" as const), delay: delayArb }),
  fc.record({ kind: fc.constant("repeat" as const), period: fc.integer({ min: 1, max: 700 }) }),
  fc.constant({ kind: "oneShot" as const }),
  fc.record({ kind: fc.constant("arm" as const), pick: fc.nat(), delay: delayArb }),
  fc.record({ kind: fc.constant("disarm" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("clear" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("wall" as const), utc: fc.integer({ min: 0, max: 2 ** 40 }) }),
  fc.constant({ kind: "none" as const }),
);

type AnyClock = Pick<VirtualClock, "nowMs" | "wallClockMs" | "setWallClockMs" | "runUntil"> & {
  schedule(cb: () => void, d: number): TimerId;
  repeat(cb: () => void, p: number): TimerId;
  oneShot(cb: () => void): TimerId;
  arm(id: TimerId, d: number): void;
  disarm(id: TimerId): void;
  clearTimer(id: TimerId): void;
};

/** Runs the program on a clock; returns what fired, when, and the wall clock each callback saw. */
function run(clock: AnyClock, topLevel: Op[], inCallbacks: Op[], steps: number[]): string[] {
  const log: string[] = [];
  const ids: TimerId[] = [];
  let script = 0;
  let fired = 0;
  const apply = (op: Op): void => {
    const make = (n: number) => () => {
      log.push(`${n}@${clock.nowMs()}/${clock.wallClockMs()}`);
      // Every callback runs the next op of the script (a bounded number of them in all).
      if (++fired < 400 && script < inCallbacks.length) apply(inCallbacks[script++]);
    };
    const pick = (p: number): TimerId | undefined => (ids.length ? ids[p % ids.length] : undefined);
    switch (op.kind) {
      case "schedule": ids.push(clock.schedule(make(ids.length), op.delay)); break;
      case "repeat": ids.push(clock.repeat(make(ids.length), op.period)); break;
      case "oneShot": ids.push(clock.oneShot(make(ids.length))); break;
      case "arm": { const id = pick(op.pick); if (id !== undefined) clock.arm(id, op.delay); break; }
      case "disarm": { const id = pick(op.pick); if (id !== undefined) clock.disarm(id); break; }
      case "clear": { const id = pick(op.pick); if (id !== undefined) clock.clearTimer(id); break; }
      case "wall": clock.setWallClockMs(op.utc); break;
      case "none": break;
    }
  };
  for (let i = 0; i < topLevel.length; i++) {
    apply(topLevel[i]);
    clock.runUntil(clock.nowMs() + steps[i % steps.length]);
    log.push(`run to ${clock.nowMs()}`);
  }
  return log;
}

describe("virtual clock", () => {
  it("fires exactly as a linear-scan model of its rules, callbacks that add, arm and clear timers included", () => {
    fc.assert(fc.property(
      fc.array(opArb, { minLength: 1, maxLength: 40 }),
      fc.array(opArb, { maxLength: 120 }),
      fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2000 })), { minLength: 1, maxLength: 10 }),
      (topLevel, inCallbacks, steps) => {
        const real = run(new VirtualClock(1_000_000), topLevel, inCallbacks, steps);
        const model = run(new ModelClock(1_000_000) as unknown as AnyClock, topLevel, inCallbacks, steps);
        expect(real).toEqual(model);
      },
    ), { numRuns: 300 });
  });

  it("keeps a periodic timer's phase and fires ties in order of scheduling", () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    clock.repeat(() => log.push(`a${clock.nowMs()}`), 1000);
    clock.schedule(() => log.push(`b${clock.nowMs()}`), 2000);
    const c = clock.repeat(() => log.push(`c${clock.nowMs()}`), 1000);
    clock.runUntil(3000);
    clock.clearTimer(c);
    clock.runUntil(4500);
    expect(log).toEqual(["a1000", "c1000", "b2000", "a2000", "c2000", "a3000", "c3000", "a4000"]);
    expect(clock.nowMs()).toBe(4500);
  });
});
