import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { WearResult } from "../../host-sim/store-wear";

test("a year at default settings spreads erases evenly and projects >= 20 years of flash life", () => {
  const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", join(__dirname, "wear-runner.ts"), "365"], {
    cwd: join(__dirname, "../.."),
    encoding: "utf8",
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
  });
  const w = JSON.parse(out.trim().split("\n").pop()!) as WearResult;
  expect(w.days).toBe(365);
  // Every sector took part in the rotation, and the most worn saw at most about twice the least.
  expect(w.eraseMin).toBeGreaterThan(100);
  expect(w.eraseMax / w.eraseMin).toBeLessThanOrEqual(2.5);
  expect(w.lifetimeYears).toBeGreaterThanOrEqual(20);
  // The 42-day load profile is whole in flash, and the emergency save never waits for an erase.
  expect(w.loadProfileRows).toBe(42 * 96);
  expect(w.emergencySave.erases).toBe(0);
  expect(w.emergencySave.flashBytes).toBeLessThan(600);
}, 180_000);
