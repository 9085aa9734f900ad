/**
 * Issue 19: `npm start -- --speed max` skips work that cannot change a result (no LCD on the
 * board when nobody reads the glass; no second look at the line at an instant it has not changed).
 * A run that skips and one that does not must agree on every register, event, profile row and
 * report section, every flash byte and every metering IC register, at the end of every
 * simulated hour (test/host-sim/skip-runner.ts, in plain Node).
 */
import { join } from "node:path";
import { runNodeJson } from "../node-run";

interface Checkpoint {
  hour: number;
  report: string;
  flash: string;
  chip: string;
  lcd: string;
  energyWh: number;
}
interface Runs {
  skipping: Checkpoint[];
  full: Checkpoint[];
  profileRows: Record<string, number>;
  events: number;
}

const SCENARIOS = join("emulation", "scenario", "scenarios");
const LOAD_PROFILE = "1.0.99.1.0.255";

function expectSame(runs: Runs, hours: number): void {
  expect(runs.skipping).toHaveLength(hours);
  expect(runs.full).toHaveLength(hours);
  for (let i = 0; i < hours; i++) {
    const a = runs.skipping[i];
    const b = runs.full[i];
    expect({ hour: a.hour, report: a.report, flash: a.flash, chip: a.chip }).toEqual({ hour: b.hour, report: b.report, flash: b.flash, chip: b.chip });
    // Only the glass differs: blank without the LCD, the meter's screen with it.
    expect(a.lcd).toBe("(LCD off)");
    expect(b.lcd).not.toBe("(LCD off)");
  }
}

describe("what the batch run skips changes no result", () => {
  it("household day with power cuts, a chip reset, an SPI fault, tamper, buttons and the relay: 30 hours, ADE7953", () => {
    const runs = runNodeJson<Runs>("test/host-sim/skip-runner.ts", [join(SCENARIOS, "household-day.json"), "30", "--extra-events"]);
    expectSame(runs, 30);
    // Something to compare: energy, load-profile rows (fewer than 120 quarter hours: the cuts) and events.
    expect(runs.full[29].energyWh).toBeGreaterThan(runs.full[0].energyWh);
    expect(runs.profileRows[LOAD_PROFILE]).toBeGreaterThan(100);
    expect(runs.profileRows[LOAD_PROFILE]).toBeLessThan(120);
    expect(runs.events).toBeGreaterThan(5);
  });

  it("the disconnector and limiter scenario (relay moves within a tick's instant): 2 hours", () => {
    expectSame(runNodeJson<Runs>("test/host-sim/skip-runner.ts", [join(SCENARIOS, "disconnector-limiter.json"), "2"]), 2);
  });

  it("household day on the ATM90E26 with the same events: 14 hours", () => {
    const runs = runNodeJson<Runs>("test/host-sim/skip-runner.ts", [join(SCENARIOS, "household-day.json"), "14", "--extra-events", "--atm90e26"]);
    expectSame(runs, 14);
    expect(runs.profileRows[LOAD_PROFILE]).toBeGreaterThan(45);
  });
});
