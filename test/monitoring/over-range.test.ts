import { ALARM, EVENT } from "../../firmware/kernel/event-codes";
import type { EventLog } from "../../firmware/records/event-log";
import { parseScenario } from "../../host-sim/event-types";
import { Simulation } from "../../host-sim/simulation";

function run(chip: "ade7953" | "atm90e26", load: Record<string, unknown>[], ms = 40_000): Simulation {
  const sim = new Simulation(parseScenario({ start: "2026-03-02T00:00:00", chip, load }));
  sim.runFor(ms);
  return sim;
}

function codes(log: EventLog): number[] {
  return Array.from({ length: log.count }, (_, i) => log.codeAt(i));
}

const normal = { voltage: 230, current: 10, angle: 0 };

describe("over-range (issue 14 finding 9)", () => {
  describe.each(["ade7953", "atm90e26"] as const)("%s", (chip) => {
    it("500 A on a 60 A meter: current-above-Imax event and the alarm, then back below", () => {
      const sim = run(chip, [{ at: "0s", ...normal }, { at: "10s", current: 500 }, { at: "20s", current: 10 }]);
      expect(codes(sim.meter.events.standard)).toEqual([EVENT.standard.currentAboveImax, EVENT.standard.currentBelowImax]);
      expect(sim.meter.events.standard.timeAt(0) - sim.scenario.startUtcMs).toBe(10_000);
      expect(sim.meter.events.isAlarmSet(ALARM.measuringRangeExceeded)).toBe(true);
      expect(sim.meter.overRange.currentEpisodes).toBe(1);
    });

    it("1 MW (1,000 V x 1,000 A): voltage out of the measuring range and current above Imax", () => {
      const sim = run(chip, [{ at: "0s", ...normal }, { at: "10s", voltage: 1000, current: 1000 }, { at: "20s", voltage: 230, current: 10 }]);
      expect(codes(sim.meter.events.standard)).toEqual([EVENT.standard.currentAboveImax, EVENT.standard.currentBelowImax]);
      const pq = codes(sim.meter.events.powerQuality);
      expect(pq.filter((c) => c === EVENT.powerQuality.voltageOutOfMeasuringRange || c === EVENT.powerQuality.voltageInMeasuringRange)).toEqual([
        EVENT.powerQuality.voltageOutOfMeasuringRange, EVENT.powerQuality.voltageInMeasuringRange,
      ]);
      expect(sim.meter.events.isAlarmSet(ALARM.measuringRangeExceeded)).toBe(true);
    });

    it("within the range (60 A, 0.8 Un and 1.15 Un): no over-range event, no alarm", () => {
      const sim = run(chip, [{ at: "0s", ...normal }, { at: "5s", current: 60 }, { at: "10s", voltage: 184 }, { at: "20s", voltage: 264.5 }, { at: "30s", voltage: 230 }]);
      expect(codes(sim.meter.events.standard)).toEqual([]);
      expect(sim.meter.events.isAlarmSet(ALARM.measuringRangeExceeded)).toBe(false);
    });
  });

  it("a register the chip cannot measure is left out of its object model: the ATM90E26 has no apparent energy 1.0.9.8.0.255", () => {
    const atm = run("atm90e26", [{ at: "0s", ...normal }], 5_000).meter;
    const ade = run("ade7953", [{ at: "0s", ...normal }], 5_000).meter;
    expect(atm.register("1.0.9.8.0.255")).toBeUndefined();
    expect(atm.registers().some((r) => r.obis === "1.0.9.8.0.255")).toBe(false);
    expect(ade.register("1.0.9.8.0.255")?.read()).toBeGreaterThan(0);
    // Everything else the ATM90E26 meters is there.
    for (const obis of ["1.0.1.8.0.255", "1.0.2.8.0.255", "1.0.3.8.0.255", "1.0.4.8.0.255", "1.0.9.7.0.255"]) expect(atm.register(obis)).toBeDefined();
  });
});
