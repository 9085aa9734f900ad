import { STORE_EVENT } from "../../firmware/app/persistence";
import { ADE7953 } from "../../firmware/drivers/ade7953/registers";
import { ALARM } from "../../firmware/kernel/event-codes";
import { defaultCalendar, type CalendarDefinition } from "../../firmware/metrology/tou";
import type { Meter } from "../../firmware/app/meter";
import type { Ade7953Emulator } from "../../emulation/ade7953/emulator";
import { parseScenario } from "../../host-sim/event-types";
import { killFirmware, restorePower } from "../../host-sim/power";
import { Simulation } from "../../host-sim/simulation";

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

/** Constant 230 V load (`amps`, PF 1) from the start, `later` segments after; 10 s ticks keep it quick. */
function sim(events: unknown[], load: unknown[] = [], start = "2026-03-02T00:00:00", tickMs = 10_000): Simulation {
  const scenario = parseScenario({ start, load: [{ at: "0s", voltage: 230, current: 10, angle: 0 }, ...load], events });
  return new Simulation(scenario, { config: { tickMs } });
}

function rows(m: Meter, which: "billing" | "load"): number[][] {
  const buffer = which === "billing" ? m.tariffs.billing.profile : m.profiles.load.buffer;
  const out: number[][] = [];
  const row = new Float64Array(buffer.columns.length);
  for (let i = 0; i < buffer.entriesInUse(); i++) {
    buffer.readEntry(i, row);
    out.push(Array.from(row));
  }
  return out;
}

function codes(m: Meter, log: "standard" | "fraud" = "standard"): number[] {
  const l = m.events[log];
  const out: number[] = [];
  for (let i = 0; i < l.count; i++) out.push(l.codeAt(i));
  return out;
}

function demandState(m: Meter) {
  const d = m.tariffs.demand;
  return { max: Array.from(d.maxImport), times: Array.from(d.maxImportTime), exportMax: d.maxExport };
}

describe.each([true, false])("power cut with signal %s: every state comes back from flash", (signal) => {
  test("maximum demands with capture times, the billing state and the flash billing profile", () => {
    // 10 A, then 20 A from 1 h; billing on command at 2 h 30 m; cut at 3 h 05 m 30 s for 10 min
    // (the maximum of 3 h 00 m is in a periodic save by then, so even a sudden cut keeps it).
    const s = sim([{ at: "3h05m30s", type: "power-cut", duration: "10m", signal }], [{ at: "1h", voltage: 230, current: 20, angle: 0 }]);
    s.runUntil(2 * HOUR + 30 * MIN);
    s.meter.tariffs.billing.capture();
    s.runUntil(3 * HOUR + 5 * MIN + 30 * S - 1);
    const before = s.meter;
    const demand = demandState(before);
    // 20 A for whole periods since the billing reset: 4.6 kW in the total and in rate 1 (weekday day).
    expect(demand.max[0]).toBeGreaterThan(4_500_000);
    expect(demand.times[0]).toBeGreaterThanOrEqual(s.scenario.startUtcMs + 2 * HOUR + 45 * MIN);
    expect(demand.times[0] % (15 * MIN)).toBe(0);
    const billingRows = rows(before, "billing");
    expect(billingRows).toHaveLength(1);
    expect(billingRows[0][0]).toBe(s.scenario.startUtcMs + 2 * HOUR + 30 * MIN);
    s.runUntil(3 * HOUR + 16 * MIN);
    const after = s.meter;
    expect(after).not.toBe(before);
    expect(after.persistence.states().find((x) => x.id === "billing")?.restoredFrom).toBe("newest");
    expect(demandState(after)).toEqual(demand);
    expect(after.tariffs.billing.count).toBe(1);
    expect(rows(after, "billing")).toEqual(billingRows);
    expect(after.tariffs.billing.profile.constructor.name).toBe("FlashProfile");
    // The next end of billing period is still the 1st of April at 00:00 local (CEST).
    expect(after.tariffs.billing.nextExecutionUtc).toBe(Date.UTC(2026, 2, 31, 22));
    expect(codes(after)).not.toContain(STORE_EVENT.nvMemoryError);
  });

  test("an end of billing period that falls in the outage runs once at power up", () => {
    // 23:50 local on 31 March (CEST): the cut spans midnight of the 1st.
    const s = sim([{ at: "1h50m", type: "power-cut", duration: "30m", signal }], [], "2026-03-31T22:00:00");
    s.runUntil(HOUR + 49 * MIN);
    const maxBefore = s.meter.tariffs.demand.maxImport[0];
    expect(maxBefore).toBeGreaterThan(2_200_000);
    const registers = s.meter.energy.activeImport;
    s.runUntil(2 * HOUR + 21 * MIN);
    const m = s.meter;
    expect(m.tariffs.billing.count).toBe(1);
    const billing = rows(m, "billing");
    expect(billing).toHaveLength(1);
    // Captured at the first tick after power up, with the maxima of March, then reset.
    expect(billing[0][0]).toBeGreaterThanOrEqual(s.scenario.startUtcMs + 2 * HOUR + 20 * MIN);
    const firstMaxColumn = 1 + m.energy.descriptors().length;
    expect(billing[0][firstMaxColumn]).toBe(maxBefore);
    expect(billing[0][1]).toBeGreaterThanOrEqual(signal ? registers : registers - 2_000_000 / 60);
    expect(m.tariffs.demand.maxImport[0]).toBeLessThan(maxBefore);
    expect(m.tariffs.billing.nextExecutionUtc).toBe(Date.UTC(2026, 3, 30, 22));
    s.runFor(HOUR);
    expect(m.tariffs.billing.count).toBe(1);
  });

  test("clock rules and status, calendars and special days, run-time configuration, calibration", () => {
    const s = sim([{ at: "1h", type: "power-cut", duration: "2m", signal }]);
    s.runUntil(HOUR - 20 * S);
    const m = s.meter;
    const t0 = s.scenario.startUtcMs;
    // Clock: a DST rule of another zone and the doubtful bit.
    const dst = { enabled: true, begin: { month: 4, day: 1, dayOfWeek: 0xff, minuteOfDay: 120 }, end: { month: 9, day: 0xfe, dayOfWeek: 7, minuteOfDay: 180 }, deviationMinutes: 30 };
    m.clock.setDst(dst);
    m.clock.markDoubtful();
    // Tariff programme: a passive calendar activating tomorrow, a special day.
    const passive: CalendarDefinition = { ...defaultCalendar(), name: "SUMMER", days: [{ id: 1, actions: [{ startSecond: 0, tariff: 3 }, { startSecond: 12 * 3600, tariff: 4 }] }, { id: 2, actions: [{ startSecond: 0, tariff: 2 }] }] };
    m.tariffs.tou.programPassive(passive, t0 + 24 * HOUR);
    m.tariffs.tou.insertSpecialDay({ index: 3, year: 0xffff, month: 12, day: 25, dayOfWeek: 0xff, dayId: 2 });
    // Configuration a head end writes over DLMS.
    expect(m.limiter.configure({ thresholdNormal: 9_000_000, minOverThresholdDurationS: 30 }).ok).toBe(true);
    m.tariffs.billing.setSchedule([{ second: 3600, year: 0xffff, month: 0xff, day: 15, dayOfWeek: 0xff }]);
    m.events.alarmFilter = 0x2401;
    m.powerQuality.setLevels(200_000, 255_000, 100_000);
    m.powerQuality.setTimeThresholds(5, 6, 7);
    m.powerFailures.setLongThreshold(600);
    expect(m.disconnector.setControlMode(3).ok).toBe(true);
    // Calibration: +2 % energy gain.
    const cal = m.calibration;
    const gainBefore = cal.values().awGain;
    cal.apply({ energyGain: 1.02 });
    const calibration = cal.values();
    s.runUntil(HOUR + 3 * MIN);
    const r = s.meter;
    expect(r).not.toBe(m);
    expect(r.clock.dst).toEqual(dst);
    expect(r.clock.status & 0x03).toBe(0x02);
    expect(r.tariffs.tou.passiveCalendar).toEqual(m.tariffs.tou.passiveCalendar);
    expect(r.tariffs.tou.passiveActivationUtc).toBe(t0 + 24 * HOUR);
    expect(r.tariffs.tou.specialDays).toEqual([{ index: 3, year: 0xffff, month: 12, day: 25, dayOfWeek: 0xff, dayId: 2 }]);
    expect(r.limiter.settings.thresholdNormal).toBe(9_000_000);
    expect(r.limiter.settings.minOverThresholdDurationS).toBe(30);
    expect(r.tariffs.billing.executionTimes).toEqual([{ second: 3600, year: 0xffff, month: 0xff, day: 15, dayOfWeek: 0xff }]);
    expect(r.tariffs.billing.nextExecutionUtc).toBe(Date.UTC(2026, 2, 15, 0));
    expect(r.events.alarmFilter).toBe(0x2401);
    expect(r.powerQuality.thresholds()).toEqual([200_000, 255_000, 100_000, 5, 6, 7]);
    expect(r.powerFailures.longThresholdS).toBe(600);
    expect(r.disconnector.controlMode).toBe(3);
    expect(r.ic.calibration.values()).toEqual(calibration);
    // The driver re-initialised the chip with it: the emulator's AWGAIN holds the new gain.
    expect((s.chip as Ade7953Emulator).peek(ADE7953.AWGAIN.address)).toBe(calibration.awGain);
    expect(calibration.awGain).not.toBe(gainBefore);
    // The calendar still activates at its time (event 9) and then selects tariff 3 before noon.
    s.runUntil(24 * HOUR + 30 * S);
    expect(codes(r)).toContain(9);
    expect(r.tariffs.tou.activeCalendar.name).toBe("SUMMER");
    expect(r.tariffs.activeTariff).toBe(3);
    expect(codes(r)).not.toContain(STORE_EVENT.nvMemoryError);
  });

  test("tamper flag, gas and water volumes, power quality counters, alarms, a tripped limiter", () => {
    // Over 2 kW for 60 s trips the limiter (mode 5 allows the local reconnect); the load drops at 3 h.
    const s = sim(
      [
        { at: "10m", type: "cover-open" },
        { at: "11m", type: "cover-close" },
        { at: "20m", type: "gas-pulses", count: 30, rate: 1 },
        { at: "25m", type: "water-pulses", count: 12, rate: 2 },
        { at: "2h", type: "power-cut", duration: "5m", signal },
      ],
      [
        { at: "40m", voltage: 190, current: 10, angle: 0 },
        { at: "41m", voltage: 230, current: 10, angle: 0 },
        { at: "3h", voltage: 230, current: 5, angle: 0 },
      ],
    );
    s.runUntil(MIN);
    const m = s.meter;
    expect(m.disconnector.setControlMode(5).ok).toBe(true);
    expect(m.limiter.configure({ thresholdNormal: 2_000_000, minOverThresholdDurationS: 60, minUnderThresholdDurationS: 60 }).ok).toBe(true);
    s.runUntil(2 * HOUR - 30 * S);
    expect(m.tamper.tamperFlag).toBe(true);
    expect(m.gas.pulses).toBe(30);
    expect(m.water.pulses).toBe(12);
    expect(m.powerQuality.counts[1]).toBe(1);
    expect(m.limiter.over).toBe(true);
    expect(m.disconnector.controlState).toBe(2);
    expect(m.events.isAlarmSet(ALARM.fraudAttempt)).toBe(true);
    const gas = m.gas.snapshot();
    const pq = m.powerQuality.snapshot();
    s.runUntil(2 * HOUR + 6 * MIN);
    const r = s.meter;
    expect(r).not.toBe(m);
    expect(r.tamper.tamperFlag).toBe(true);
    expect(r.tamper.tamperEvents).toBe(1);
    expect(r.gas.snapshot()).toEqual(gas);
    expect(r.water.volumeMilliLitres).toBe(12 * 1000);
    expect(r.powerQuality.snapshot()).toEqual(pq);
    expect(r.events.isAlarmSet(ALARM.fraudAttempt)).toBe(true);
    expect(codes(r, "fraud")).toEqual(codes(m, "fraud"));
    // The limiter remembers it tripped: state 2, relay open, and reconnects once the load is low.
    expect(r.limiter.over).toBe(true);
    expect(r.disconnector.controlState).toBe(2);
    expect(s.panel.relay.closed).toBe(false);
    s.runUntil(3 * HOUR + 2 * MIN);
    expect(r.disconnector.controlState).toBe(1);
    expect(s.panel.relay.closed).toBe(true);
  });
});

describe("what the power-fail signal cannot give: torn states and clocks that lost their time", () => {
  test("the power goes between the billing row and the billing state's save: the capture is finished, not repeated", () => {
    const s = sim([], [{ at: "30m", voltage: 230, current: 20, angle: 0 }]);
    s.runUntil(HOUR);
    const m = s.meter;
    const max = m.tariffs.demand.maxImport[0];
    expect(max).toBeGreaterThan(4_500_000);
    // The row reaches flash, then the supply dies before the state (and the reset maxima) do.
    m.tariffs.billing.onChange = () => killFirmware(s);
    m.tariffs.billing.capture();
    s.runFor(MIN);
    const r = restorePower(s);
    s.runFor(MIN);
    expect(r.tariffs.billing.count).toBe(1);
    expect(rows(r, "billing")).toHaveLength(1);
    expect(r.tariffs.demand.maxImport[0]).toBe(0);
    expect(r.tariffs.demand.maxImportTime[0]).toBeNaN();
  });

  test("a wall clock behind the last sign of life at power up: clock invalid, event 6, alarm bit 0, kept until set", () => {
    const s = sim([{ at: "1h", type: "power-cut", duration: "10m", signal: true }]);
    // The RTC loses its time during the outage: it restarts a day back.
    s.clock.schedule(() => s.clock.setWallClockMs(s.clock.wallClockMs() - 24 * HOUR), HOUR + MIN);
    s.runUntil(HOUR + 11 * MIN);
    const r = s.meter;
    expect(r.clock.invalid).toBe(true);
    expect(codes(r)).toContain(6);
    expect(r.events.isAlarmSet(ALARM.clockInvalid)).toBe(true);
    expect(r.profiles.statusWord(r.clock.nowUtcMs()) & 0x02).toBe(0x02);
    // Another cut: still invalid (the status is stored), no second event 6 for it.
    killFirmware(s);
    s.runFor(MIN);
    const again = restorePower(s);
    expect(again.clock.invalid).toBe(true);
    expect(codes(again).filter((c) => c === 6)).toHaveLength(1);
    // A clock set clears it, and that survives too.
    again.clock.setTime(s.scenario.startUtcMs + 2 * HOUR);
    killFirmware(s);
    s.runFor(MIN);
    expect(restorePower(s).clock.invalid).toBe(false);
  });
});
