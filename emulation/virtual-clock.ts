import type { Clock, TimerId } from "../firmware/hal";

const NOTHING = (): void => {};

/** `periodMs` of a timer made by `oneShot`: it stays live after firing, to be armed again. */
const ONE_SHOT = -1;

/** What a `oneShot` timer may call instead of a function: its `fire()` (an object's method costs no closure). */
export interface TimerTarget {
  fire(): void;
}

interface Timer {
  id: number;
  due: number;
  seq: number;
  periodMs: number;
  callback: (() => void) | TimerTarget;
  /** In the heap (a one-shot timer that is armed; every other live timer). */
  queued: boolean;
  /** In `live` (not cleared, not a fired `schedule` timer): a heap entry that is not is dropped when it comes to the top. */
  alive: boolean;
}

/**
 * Discrete-event virtual time. Timers fire in order of due time (ties in order of creation);
 * time jumps from one timer to the next, so a simulated year takes as long as its events.
 */
export class VirtualClock implements Clock {
  private now = 0;
  private wallOffsetMs: number;
  private readonly heap: Timer[] = [];
  private readonly live = new Map<TimerId, Timer>();
  private nextId = 1;
  private seq = 0;

  constructor(startUtcMs: number) {
    this.wallOffsetMs = startUtcMs;
  }

  nowMs(): number {
    return this.now;
  }

  wallClockMs(): number {
    return this.wallOffsetMs + this.now;
  }

  setWallClockMs(utcMs: number): void {
    this.wallOffsetMs = utcMs - this.now;
  }

  schedule(callback: () => void, delayMs: number): TimerId {
    return this.add(callback, delayMs, 0);
  }

  repeat(callback: () => void, periodMs: number): TimerId {
    if (!(periodMs > 0)) throw new RangeError("interval period must be > 0");
    return this.add(callback, periodMs, periodMs);
  }

  oneShot(callback: (() => void) | TimerTarget): TimerId {
    const timer: Timer = { id: this.nextId++, due: Infinity, seq: 0, periodMs: ONE_SHOT, callback, queued: false, alive: true };
    this.live.set(timer.id, timer);
    return timer.id;
  }

  arm(id: TimerId, delayMs: number): void {
    const timer = this.live.get(id);
    if (timer === undefined || timer.periodMs !== ONE_SHOT) return;
    if (timer.queued) this.unqueue(timer);
    timer.due = this.now + Math.max(0, delayMs);
    timer.seq = this.seq++;
    this.push(timer);
  }

  /** Unarms a timer made by `oneShot` (it stays, to be armed again). */
  disarm(id: TimerId): void {
    const timer = this.live.get(id);
    if (timer !== undefined && timer.periodMs === ONE_SHOT && timer.queued) this.unqueue(timer);
  }

  clearTimer(id: TimerId): void {
    const timer = this.live.get(id);
    if (!timer) return;
    // The entry stays in the heap until it comes to the top: drop what it holds now, so a cleared
    // timer due in a month does not keep its owner (a stopped meter) alive until then.
    timer.callback = NOTHING;
    timer.alive = false;
    this.live.delete(id);
  }

  /** Due time of the next live timer, or Infinity. */
  nextDue(): number {
    this.dropCancelled();
    return this.heap.length > 0 ? this.heap[0].due : Infinity;
  }

  /** Fires every timer due up to and including `timeMs`, then sets the time to `timeMs`. */
  runUntil(timeMs: number): void {
    const h = this.heap;
    for (;;) {
      this.dropCancelled();
      if (h.length === 0 || h[0].due > timeMs) break;
      const timer = h[0];
      this.now = timer.due;
      if (timer.periodMs > 0) {
        // Rescheduled in place: the top moves down to where a pop and a push would put it (the
        // order of (due, seq) is total, so the heap's later pops are the same).
        timer.due += timer.periodMs;
        timer.seq = this.seq++;
        this.siftDown(0);
      } else {
        this.pop();
        if (timer.periodMs === ONE_SHOT) {
          timer.queued = false;
        } else {
          timer.alive = false;
          this.live.delete(timer.id);
        }
      }
      const callback = timer.callback;
      if (typeof callback === "function") callback();
      else callback.fire();
    }
    if (timeMs > this.now) this.now = timeMs;
  }

  private add(callback: () => void, delayMs: number, periodMs: number): TimerId {
    const timer: Timer = { id: this.nextId++, due: this.now + Math.max(0, delayMs), seq: this.seq++, periodMs, callback, queued: false, alive: true };
    this.live.set(timer.id, timer);
    this.push(timer);
    return timer.id;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && !this.heap[0].alive) this.pop();
  }

  private less(a: Timer, b: Timer): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  /** Takes an armed one-shot timer out of the heap (wherever it is) and restores the order. */
  private unqueue(timer: Timer): void {
    const h = this.heap;
    const at = h.indexOf(timer);
    timer.queued = false;
    if (at < 0) return;
    const last = h.pop()!;
    if (at === h.length) return;
    h[at] = last;
    this.siftUp(at);
    this.siftDown(h.indexOf(last));
  }

  private push(timer: Timer): void {
    const h = this.heap;
    timer.queued = true;
    h.push(timer);
    this.siftUp(h.length - 1);
  }

  private siftUp(start: number): void {
    const h = this.heap;
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      const t = h[i];
      h[i] = h[parent];
      h[parent] = t;
      i = parent;
    }
  }

  private pop(): Timer {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftDown(start: number): void {
    const h = this.heap;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l], h[m])) m = l;
      if (r < h.length && this.less(h[r], h[m])) m = r;
      if (m === i) break;
      const t = h[i];
      h[i] = h[m];
      h[m] = t;
      i = m;
    }
  }
}
