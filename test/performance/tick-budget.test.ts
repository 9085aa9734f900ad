import { runScenarioInXs } from "../../host-sim/xs/run";

/** Boots, runs, loses power with and without the power-fail signal, boots again (twice). */
function scenario(chip: string): string {
  return JSON.stringify({
    start: "2026-03-29T00:40:00",
    utcOffsetMinutes: 60,
    dst: "eu",
    chip,
    load: [
      { at: "0s", voltage: 230, current: 6, angle: 20, frequency: 50 },
      { at: "9m", voltage: 234, current: 8, angle: 180 },
    ],
    events: [
      { at: "7m", type: "power-cut", duration: "2m", signal: true },
      { at: "16m", type: "power-cut", duration: "1m", signal: false },
    ],
  });
}

/**
 * Issue 19's targets (mean <= 3,000, max <= 4,500 computrons), here on this scenario of boots and
 * cuts: measured mean 2,941 / 2,967 and max 4,327 / 4,353 (ADE7953 / ATM90E26; a load-profile
 * capture tick). The budget of issue 4 was 8,000.
 */
const MAX_TICK = 4500;
const MEAN_TICK = 3000;

describe("tick budget in XS, first ticks after each boot included", () => {
  for (const chip of ["ade7953", "atm90e26"]) {
    it(`${chip}: no tick over ${MAX_TICK} computrons and a mean of at most ${MEAN_TICK} across boots, a signalled cut and a sudden one`, async () => {
      // 25 minutes minus 3 minutes off: three boots, load-profile captures at 00:45 and 01:00 UTC.
      const xs = await runScenarioInXs(scenario(chip), 25 * 60);
      // 22 powered minutes of 1 s ticks (each boot's first tick comes a second after it, the
      // signalled cut adds its drain tick).
      expect(xs.ticks.ticks).toBeGreaterThanOrEqual(22 * 60 - 3);
      expect(xs.ticks.ticks).toBeLessThanOrEqual(22 * 60 + 1);
      expect(xs.ticks.maxComputrons).toBeLessThanOrEqual(MAX_TICK);
      expect(xs.ticks.meanComputrons).toBeLessThanOrEqual(MEAN_TICK);
      expect(xs.ticks.meanComputrons).toBeGreaterThan(1000);
    }, 60_000);
  }
});
