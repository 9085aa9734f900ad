import { PROFILE_STATUS } from "../../firmware/records/profiles";
import { parseScenario } from "../../host-sim/event-types";
import { Simulation } from "../../host-sim/simulation";

const MIN = 60_000;

function run(events: Record<string, unknown>[], untilMs: number): Simulation {
  const sim = new Simulation(parseScenario({ start: "2026-03-02T00:00:00", chip: "ade7953", load: [{ at: "0s", voltage: 230, current: 10, angle: 0 }], events }));
  sim.runUntil(untilMs);
  return sim;
}

function loadRows(sim: Simulation): { t: number; status: number; aPlus: number }[] {
  const buffer = sim.meter.profiles.load.buffer;
  const row = new Float64Array(buffer.columns.length);
  const rows = [];
  for (let i = 0; i < buffer.entriesInUse(); i++) {
    buffer.readEntry(i, row);
    rows.push({ t: row[0] - sim.scenario.startUtcMs, status: row[1], aPlus: row[2] });
  }
  return rows;
}

describe("records around outages (issue 14 finding 8)", () => {
  it.each([true, false])("a 1 s outage across a 15-minute boundary (signal %s): the row is written at power-up with the power-down bit", (signal) => {
    const sim = run([{ at: "14m59s500ms", type: "power-cut", duration: "1s", signal }], 31 * MIN);
    const rows = loadRows(sim);
    expect(rows.map((r) => r.t)).toEqual([15 * MIN, 30 * MIN]);
    expect(rows[0].status & PROFILE_STATUS.powerDown).toBe(PROFILE_STATUS.powerDown);
    // The interval the power came back in also saw the outage.
    expect(rows[1].status & PROFILE_STATUS.powerDown).toBe(PROFILE_STATUS.powerDown);
    if (signal) {
      // Nothing lost with the signal: the row holds A+ up to the cut (14m59s of 2.3 kW, ±1 tick).
      expect(Math.abs(rows[0].aPlus - 2300 * (14 * 60 + 59) / 3.6)).toBeLessThan(2300 / 3.6 + 5);
    }
  });

  it("a long outage over several boundaries writes one row (the newest boundary passed), not one per interval", () => {
    const sim = run([{ at: "20m", type: "power-cut", duration: "1h" }], 90 * MIN);
    expect(loadRows(sim).map((r) => r.t)).toEqual([15 * MIN, 75 * MIN, 90 * MIN]);
  });

  it("no power-down bit and no extra row without an outage", () => {
    const rows = loadRows(run([], 31 * MIN));
    expect(rows.map((r) => r.t)).toEqual([15 * MIN, 30 * MIN]);
    expect(rows.every((r) => (r.status & PROFILE_STATUS.powerDown) === 0)).toBe(true);
  });
});
