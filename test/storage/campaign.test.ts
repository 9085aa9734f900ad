import { runNodeJson } from "../node-run";

/**
 * The randomized power-cut campaign (campaign-runner.ts): a month of the household scenario
 * with 10,000 cuts (signalled, sudden, and torn inside flash writes and erases). It runs in a
 * plain Node child process: jest's vm context slows the chip emulator's hot path tenfold.
 */
interface Summary {
  cuts: number;
  modes: { signal: number; sudden: number; torn: number };
  tornOps: { write: number; erase: number };
  violations: string[];
  maxLossSignal: number;
  maxLossNoSignal: number;
  intervalBoundMilli: number;
  powerEvents: number;
  lpChecks: number;
  lpRows: number;
  rowsCaptured: number;
  lpCapacity: number;
  powerFailures: number;
  virtualDays: number;
  elapsedMs: number;
}

test("a month of the household scenario with 10,000 random power cuts loses nothing it must keep", () => {
  const s = runNodeJson<Summary>("test/storage/campaign-runner.ts", ["10000", "30", "2026"]);
  expect(s.violations).toEqual([]);
  expect(s.cuts).toBeGreaterThanOrEqual(9_900);
  expect(s.virtualDays).toBe(30);
  // Every kind of cut happened many times, torn ones inside writes and inside erases.
  expect(s.modes.signal).toBeGreaterThan(3000);
  expect(s.modes.sudden).toBeGreaterThan(2000);
  expect(s.tornOps.write).toBeGreaterThan(1000);
  expect(s.tornOps.erase).toBeGreaterThan(300);
  // With the power-fail signal nothing at all was lost; without it, at most one save interval.
  expect(s.maxLossSignal).toBe(0);
  expect(s.maxLossNoSignal).toBeLessThanOrEqual(s.intervalBoundMilli);
  expect(s.maxLossNoSignal).toBeGreaterThan(0);
  // Every restore logged its outage, and the power failure counter saw every one.
  expect(s.powerEvents).toBe(s.cuts);
  expect(s.powerFailures).toBe(s.cuts);
  expect(s.lpChecks).toBeGreaterThanOrEqual(19);
  // Every row captured over the month is in flash. (Captures themselves are missed when a cut falls
  // between a boundary and the next 60 s tick, or an outage spans it: hence fewer than 30 x 96.)
  expect(s.lpRows).toBe(s.rowsCaptured);
  expect(s.lpRows).toBeGreaterThan(1000);
  expect(s.lpCapacity).toBe(42 * 96);
}, 180_000);
