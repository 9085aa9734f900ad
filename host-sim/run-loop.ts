/**
 * Driving a simulation from Node without blocking the event loop: work is done in slices of at
 * most one simulated minute and a few real milliseconds, so signals, keys and sockets are served
 * between slices whatever the speed.
 */
import type { Simulation } from "./simulation";
import type { Progress } from "./progress";

/** Simulated time run in one step (the meter's timers all fire within it, in order). */
const STEP_MS = 60_000;

/** Runs `sim` towards `targetMs` for at most `budgetMs` of real time; returns when either is reached. */
export function advance(sim: Simulation, targetMs: number, budgetMs: number, now: () => number = () => performance.now()): void {
  const started = now();
  while (sim.elapsedMs < targetMs) {
    sim.runUntil(Math.min(targetMs, sim.elapsedMs + STEP_MS));
    if (now() - started >= budgetMs) return;
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs to `untilMs` as fast as the machine goes, yielding to the event loop every ~100 ms of
 * real time; stops early when `stopped()` says so (SIGINT, SIGTERM).
 */
export async function runBatch(sim: Simulation, untilMs: number, progress: Progress | null, stopped: () => boolean): Promise<void> {
  const startMs = sim.elapsedMs;
  while (sim.elapsedMs < untilMs && !stopped()) {
    advance(sim, untilMs, 100);
    progress?.update(sim.elapsedMs - startMs, sim.clock.wallClockMs());
    await nextTurn();
  }
}
