import { readFileSync } from "node:fs";
import { defaultPersistenceConfig, STORE_EVENT } from "../../firmware/app/persistence";
import { ALARM } from "../../firmware/kernel/event-codes";
import { parseScenario } from "../../host-sim/event-types";
import { Simulation } from "../../host-sim/simulation";

const HOUR = 3_600_000;

/** The household day with power cuts; 10 s ticks keep jest fast (the chip integrates exactly either way). */
function household(events: unknown[], aliveIntervalMs = defaultPersistenceConfig().aliveIntervalMs): Simulation {
  const json = JSON.parse(readFileSync("emulation/scenario/scenarios/household-day.json", "utf8"));
  json.events = events;
  return new Simulation(parseScenario(json), { config: { tickMs: 10_000, persistence: { ...defaultPersistenceConfig(), aliveIntervalMs } } });
}

function standardCodes(sim: Simulation): { time: number; code: number }[] {
  const log = sim.meter.events.standard;
  const out = [];
  for (let i = 0; i < log.count; i++) out.push({ time: log.timeAt(i), code: log.codeAt(i) });
  return out;
}

describe("power-cut scenario event: the meter really loses power", () => {
  test('with "signal": true the emergency save keeps every mWh; events 1/2 carry the outage', () => {
    const sim = household([{ at: "7h", type: "power-cut", duration: "10m" }]);
    sim.runUntil(7 * HOUR);
    const old = sim.meter;
    // The cut has run (events act before the meter's timers): the old meter saved and died.
    expect(sim.power.on).toBe(false);
    expect(old.persistence.lastEmergencySave).toMatchObject({ erases: 0 });
    const atCut = old.energy.snapshot();
    sim.runUntil(7 * HOUR + 10 * 60_000);
    expect(sim.meter).not.toBe(old);
    expect(sim.meter.energy.snapshot()).toEqual(atCut);
    const cutUtc = sim.scenario.startUtcMs + 7 * HOUR;
    expect(standardCodes(sim).filter((e) => e.code === 1 || e.code === 2 || e.code === STORE_EVENT.powerDownWithoutSave)).toEqual([
      { time: cutUtc, code: STORE_EVENT.powerDown },
      { time: cutUtc + 600_000, code: STORE_EVENT.powerUp },
    ]);
    expect(sim.meter.powerFailures.count).toBe(1);
    expect(sim.meter.powerFailures.lastDurationMs).toBe(600_000);
    expect(sim.meter.powerFailures.longCount).toBe(1);
    expect(sim.meter.events.isAlarmSet(ALARM.nvMemoryError)).toBe(false);
    // Metering resumes: an hour later A+ has grown by what the line delivered (6 A at 228 V, PF cos 15°).
    const a = sim.meter.energy.activeImport;
    sim.runUntil(8 * HOUR + 10 * 60_000);
    const expected = 228 * 6 * Math.cos((15 * Math.PI) / 180) * 1000; // mWh in one hour
    expect(Math.abs(sim.meter.energy.activeImport - a - expected)).toBeLessThan(expected * 0.01);
  });

  test('with "signal": false it is a sudden reset: energy since the last periodic save is lost, log says so', () => {
    // Without the alive tally (aliveIntervalMs 0): the periodic save's stamp dates the cut. With
    // it, the cut is dated within 5 s (test/storage/outage-stamp.test.ts).
    const sim = household([{ at: "18h00m35s", type: "power-cut", duration: "5m", signal: false }], 0);
    let savedImport = -1;
    sim.meter.persistence.addSavedListener(() => (savedImport = sim.meter.energy.activeImport));
    sim.runUntil(18 * HOUR + 34_999);
    const beforeCut = sim.meter.energy.activeImport; // ticks up to 18:00:30
    sim.runUntil(18 * HOUR + 35_000 + 5 * 60_000);
    const restored = sim.meter.energy.activeImport;
    expect(restored).toBe(savedImport);
    // The evening peak (12 A at 226 V, PF cos 25°) since the save at 18:00 is lost: 30 s, plus the
    // tick of 18:00:00 when the save timer fired first: at most one save interval plus one tick.
    const perSecond = (226 * 12 * Math.cos((25 * Math.PI) / 180) * 1000) / 3600;
    expect(beforeCut - restored).toBeGreaterThan(29 * perSecond);
    expect(beforeCut - restored).toBeLessThan(41 * perSecond);
    const cutUtc = sim.scenario.startUtcMs + 18 * HOUR;
    const log = standardCodes(sim).filter((e) => e.code === 1 || e.code === 2 || e.code === STORE_EVENT.powerDownWithoutSave);
    // The power down is dated by the last sign of life (the save at 18:00:00).
    expect(log).toEqual([
      { time: cutUtc, code: STORE_EVENT.powerDown },
      { time: cutUtc, code: STORE_EVENT.powerDownWithoutSave },
      { time: cutUtc + 335_000, code: STORE_EVENT.powerUp },
    ]);
    expect(sim.meter.persistence.lastRestore?.outage).toEqual({ startUtcMs: cutUtc, durationMs: 335_000, finalSave: false });
  });

  test("profiles and event logs come back from flash; no duplicate rows across the cut", () => {
    const sim = household([{ at: "7h05m", type: "power-cut", duration: "20m" }]);
    sim.runUntil(7 * HOUR + 4 * 60_000);
    const lp = sim.meter.profiles.load.buffer;
    const rowsBefore = lp.entriesInUse();
    expect(rowsBefore).toBe(7 * 4); // 00:15 .. 07:00
    sim.runUntil(9 * HOUR);
    const lp2 = sim.meter.profiles.load.buffer;
    const times: number[] = [];
    const row = new Float64Array(lp2.columns.length);
    for (let i = 0; i < lp2.entriesInUse(); i++) {
      lp2.readEntry(i, row);
      times.push(row[0]);
    }
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    // Rows 07:15 fell in the outage; everything before it survived the reset.
    expect(times.length).toBeGreaterThanOrEqual(rowsBefore + 6);
    expect(lp2.firstIndexAtOrAfter(times[5])).toBe(5);
  });
});
