import type { WearResult } from "../../host-sim/store-wear";
import { runNodeJson } from "../node-run";

test("a year at default settings: the 64 KiB journal spreads erases evenly and lasts >= 20 years; the profiles' partition holds 42 days", () => {
  const w = runNodeJson<WearResult>("test/storage/wear-runner.ts", ["365"], 170_000);
  expect(w.days).toBe(365);
  // The journal partition is issue 6's default 64 KiB; every sector took part in the rotation
  // (the event chain's sectors too: static wear levelling), none saw much more than another.
  expect(w.journal.sectors * w.journal.sectorSize).toBe(64 * 1024);
  expect(w.journal.eraseMin).toBeGreaterThan(1000);
  expect(w.journal.eraseMax / w.journal.eraseMin).toBeLessThanOrEqual(1.25);
  expect(w.eventSectorsReclaimed).toBeGreaterThan(0);
  expect(w.journal.lifetimeYears).toBeGreaterThanOrEqual(20);
  expect(w.lifetimeYears).toBe(w.journal.lifetimeYears);
  // The profiles live on their own partition, which they hardly wear: the 42-day load profile,
  // the daily profile and the billing profile are whole there.
  expect(w.profiles!.label).toBe("meterprof");
  expect(w.profiles!.lifetimeYears).toBeGreaterThan(1000);
  expect(w.loadProfileRows).toBe(42 * 96);
  expect(w.dailyProfileRows).toBe(62);
  expect(w.billingRows).toBe(12);
  // Unchanged states are not rewritten: the emergency save wrote only what changed since the
  // last periodic save, and never waits for an erase.
  expect(w.emergencySave.erases).toBe(0);
  expect(w.emergencySave.flashBytes).toBeLessThan(600);
  expect(w.journalBytesPerDay).toBeLessThan(500_000);
}, 180_000);
