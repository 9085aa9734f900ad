import { expectedActiveEnergyWh } from "../../emulation/scenario/line-source";
import { ScenarioError } from "../../emulation/scenario/duration";
import { parseScenario } from "../../host-sim/event-types";
import { buildReport } from "../../host-sim/report";
import { constantLoad, simulate } from "./helpers";

const H = 3_600_000;

describe("tariff, clock and billing scenario events through the emulated chip", () => {
  it("calendar, special day, set-clock, shift-clock and billing-reset act and show in the report", () => {
    const sim = simulate(constantLoad({ voltage: 230, current: 10, angle: 30 }, {
      start: "2026-03-02T06:50:00", // Monday
      events: [
        { at: "0s", type: "special-day", date: "*-03-03", dayId: 2, index: 1 },
        { at: "15m", type: "calendar", activate: "2026-03-02T07:10:00", calendar: {
          name: "THREE", seasons: [{ name: "ALL", start: "01-01", week: "W" }], weeks: [{ name: "W", days: [1, 1, 1, 1, 1, 2, 2] }],
          days: [{ id: 1, switches: [{ at: "00:00", tariff: 3 }, { at: "07:20", tariff: 4 }] }, { id: 2, switches: [{ at: "00:00", tariff: 2 }] }],
        } },
        { at: "35m", type: "shift-clock", seconds: -600 },
        { at: "45m", type: "set-clock", time: "2026-03-03T00:00:00" },
        { at: "50m", type: "billing-reset" },
      ],
    }));
    sim.runFor(55 * 60_000);
    const report = buildReport(sim);
    const reg = (obis: string): number => report.registers[obis].value;
    const watts = 230 * 10 * Math.cos(Math.PI / 6);
    const near = (obis: string, minutes: number): void => {
      const wh = (watts * minutes) / 60;
      expect(Math.abs(reg(obis) / 1000 - wh)).toBeLessThan(wh * 0.002 + 0.01);
    };
    // 06:50-07:00 T2 (default), 07:00-07:10 T1, THREE from 07:10: T3, 07:20 T4; at 07:25 shifted back
    // to 07:15: T3 5 min, T4 5 min; set to Tuesday 00:00, a special day (day 2): T2 10 min.
    near("1.0.1.8.2.255", 20);
    near("1.0.1.8.1.255", 10);
    near("1.0.1.8.3.255", 15);
    near("1.0.1.8.4.255", 10);
    expect(reg("1.0.1.8.1.255") + reg("1.0.1.8.2.255") + reg("1.0.1.8.3.255") + reg("1.0.1.8.4.255")).toBe(reg("1.0.1.8.0.255"));
    expect(reg("0.0.96.14.0.255")).toBe(2);
    const codes = (report.events["0.0.99.98.0.255"] as { code: number }[]).map((e) => e.code);
    expect(codes).toEqual([19, 9, 4, 5, 4, 5]);
    const billing = (report.profiles as Record<string, Record<string, unknown>[]>)["0.0.98.1.0.255"];
    expect(billing).toHaveLength(1);
    // Rows hold the registers' integers; value x 10^scaler is in the column's unit.
    const columns = (report.profileColumns as Record<string, Record<string, { scaler: number; unit: string }>>)["0.0.98.1.0.255"];
    expect(columns["1.0.1.6.0.255"]).toEqual({ scaler: -3, unit: "W" });
    expect(columns["1.0.1.8.0.255"]).toEqual({ scaler: -3, unit: "Wh" });
    expect(Number.isInteger(billing[0]["1.0.1.6.0.255"])).toBe(true);
    const inUnit = (obis: string): number => (billing[0][obis] as number) * 10 ** columns[obis].scaler;
    expect(billing[0].time).toBe("2026-03-02T23:05:00.000Z");
    // Max demand: the full period 07:00-07:15 at constant load, captured at its end (06:15 UTC).
    expect(Math.abs(inUnit("1.0.1.6.0.255") - watts)).toBeLessThan(watts * 0.002);
    expect(billing[0]["1.0.1.6.0.255:captureTime"]).toBe("2026-03-02T06:15:00.000Z");
    // The maximum goes to the rate in force at the period end: THREE's T3 since 07:10.
    expect(billing[0]["1.0.1.6.3.255:captureTime"]).toBe("2026-03-02T06:15:00.000Z");
    expect(billing[0]["1.0.1.6.1.255:captureTime"]).toBeNull();
    // 06:45-07:00 (T2) held only 10 minutes of load: two thirds of the power over the nominal period.
    expect(Math.abs(inUnit("1.0.1.6.2.255") - (watts * 2) / 3)).toBeLessThan(watts * 0.002);
    expect(billing[0]["1.0.1.6.2.255:captureTime"]).toBe("2026-03-02T06:00:00.000Z");
    expect(billing[0]["1.0.2.6.0.255:captureTime"]).toBeNull();
    expect(Math.abs(inUnit("1.0.1.8.0.255") - (watts * 50) / 60)).toBeLessThan(watts * 0.002); // A+ at 50 min
    const tariffs = report.tariffs as { activeCalendar: string; maxDemand: Record<string, { valueW: number; captureTime: string | null }> };
    expect(tariffs.activeCalendar).toBe("THREE");
    expect(tariffs.maxDemand["1.0.1.6.0.255"]).toEqual({ valueW: 0, captureTime: null }); // reset at billing, no full period since
    expect((report.clock as { statusBits: string[]; local: string }).local).toBe("2026-03-03T00:10:00+01:00");
  });

  it("energy equals the scenario's exact energy within one unit per tick, through rates, shifts and power cuts", () => {
    const json = {
      ...constantLoad({}),
      start: "2026-03-02T06:40:00",
      repeat: "30m",
      load: [
        { at: "0s", voltage: 230, current: 6, angle: 10 },
        { at: "10m", voltage: 235, current: 12, angle: 170 },
        { at: "20m", voltage: 228, current: 3.3, angle: -40 },
      ],
      events: [
        { at: "19m30s", type: "shift-clock", seconds: 45 },
        { at: "30m", type: "power-cut", duration: "7m" },
        { at: "50m", type: "set-clock", time: "2026-03-02T06:55:00" },
      ],
    };
    const sim = simulate(json);
    sim.runFor(H);
    const exact = expectedActiveEnergyWh(sim.line, 0, H);
    const e = sim.meter.energy;
    const ticks = sim.meter.ticks;
    expect(Math.abs(e.activeImport - exact.importWh * 1000)).toBeLessThanOrEqual(Math.max(ticks, exact.importWh * 1000 * 0.001));
    expect(Math.abs(e.activeExport - exact.exportWh * 1000)).toBeLessThanOrEqual(Math.max(ticks, exact.exportWh * 1000 * 0.001));
    const sum = (a: Float64Array): number => a.reduce((x, y) => x + y, 0);
    expect(sum(e.activeImportRates)).toBe(e.activeImport);
    expect(sum(e.activeExportRates)).toBe(e.activeExport);
    expect(e.quadrants[1] + e.quadrants[2]).toBe(e.reactiveImport);
    expect(e.quadrants[3] + e.quadrants[4]).toBe(e.reactiveExport);
    expect(e.quadrants[2]).toBeGreaterThan(0); // export with +Q at 170 degrees
    expect(e.quadrants[4]).toBeGreaterThan(0); // import at -40 degrees
  });

  it("rejects bad tariff events with one clear message", () => {
    const bad = (event: Record<string, unknown>): void => {
      expect(() => parseScenario(constantLoad({}, { events: [event] }))).toThrow(ScenarioError);
    };
    bad({ at: "1h", type: "shift-clock" });
    bad({ at: "1h", type: "calendar", calendar: { name: "X", seasons: [], weeks: [], days: [] } });
    bad({ at: "1h", type: "calendar", calendar: { name: "X", seasons: [{ name: "S", start: "01-01", week: "W" }], weeks: [{ name: "W", days: [1, 1, 1, 1, 1, 1, 1] }], days: [{ id: 1, switches: [{ at: "07:00", tariff: 9 }] }] } });
    bad({ at: "1h", type: "special-day", date: "12/25", dayId: 1, index: 1 });
    bad({ at: "1h", type: "set-clock", time: "yesterday" });
    expect(() => parseScenario(constantLoad({}, { events: [{ at: "1h", type: "calendar", calendar: { name: "X", seasons: [{ name: "S", start: "01-01", week: "W" }], weeks: [{ name: "W", days: [1, 1, 1, 1, 1, 1, 1] }], days: [{ id: 1, switches: [{ at: "07:00", tariff: 9 }] }] } }] }))).toThrow(/tariff 9 must be 1..4/);
  });
});
