import { BILLING_COLUMNS, Billing } from "../../firmware/metrology/billing";
import { DemandMeter, DEFAULT_DEMAND } from "../../firmware/metrology/demand";
import { ENERGY_REGISTERS, EnergyRegisters } from "../../firmware/metrology/energy-registers";
import { Profiles } from "../../firmware/records/profiles";
import { EventLogs } from "../../firmware/records/event-log";
import { euDstSettings, MeterClock } from "../../firmware/time/clock";
import { VirtualClock } from "../../emulation/virtual-clock";

/** Column lists are frozen module tables; registers are read by row index (records' RAM, docs/readme/profiles-events.md). */
describe("profile and billing columns", () => {
  const start = Date.UTC(2026, 2, 2, 6);

  function parts() {
    const port = new VirtualClock(start);
    const events = new EventLogs(port);
    const clock = new MeterClock(port, events, 60, euDstSettings(60));
    const energy = new EnergyRegisters({ num: 1, den: 1 });
    return { port, events, clock, energy };
  }

  it("billing: the frozen table's energy columns in ENERGY_REGISTERS order, captured with valueAt", () => {
    const { clock, energy } = parts();
    const billing = new Billing(clock, energy, new DemandMeter(DEFAULT_DEMAND, clock));
    expect(billing.profile.columns).toBe(BILLING_COLUMNS);
    expect(Object.isFrozen(BILLING_COLUMNS) && BILLING_COLUMNS.every((c) => Object.isFrozen(c))).toBe(true);
    expect(BILLING_COLUMNS).toHaveLength(1 + ENERGY_REGISTERS.length + 12);
    expect(BILLING_COLUMNS[1]).toEqual({ classId: 3, obis: "1.0.1.8.0.255", attribute: 2, dataIndex: 0, scaler: -3, unit: "Wh" });
    energy.addTick(123_456, -7_000, 9_000, 2, 2, 1000, 1000);
    billing.capture(start + 1000);
    const row = new Float64Array(BILLING_COLUMNS.length);
    billing.profile.readEntry(0, row);
    expect(row[0]).toBe(start + 1000);
    // A+ 123456 mWh (rate 2), R+ 0, R- 7000 mvarh (Q4), apparent 9000 mVAh, |A| and net.
    expect(Array.from(row.subarray(1, 1 + ENERGY_REGISTERS.length))).toEqual([123_456, 0, 123_456, 0, 0, 0, 0, 0, 0, 0, 0, 7_000, 0, 0, 0, 7_000, 9_000, 123_456, 123_456]);
  });

  it("profiles: all registers present: the frozen table; one missing: only the present, values read by row", () => {
    const { clock, energy } = parts();
    const all = { registerIndex: (obis: string) => ENERGY_REGISTERS.findIndex((r) => r.obis === obis), readRegister: (i: number) => energy.valueAt(i) };
    const full = new Profiles({ rules: clock, registers: all, loadPeriodS: 900, loadEntries: 4, dailyEntries: 2 });
    const load = full.load.buffer.columns;
    expect(Object.isFrozen(load)).toBe(true);
    expect(load.map((c) => `${c.classId}/${c.obis}/${c.scaler ?? ""}/${c.unit ?? ""}`)).toEqual([
      "8/0.0.1.0.0.255//", "1/0.0.96.10.1.255//", "3/1.0.1.8.0.255/-3/Wh", "3/1.0.2.8.0.255/-3/Wh", "3/1.0.3.8.0.255/-3/varh", "3/1.0.4.8.0.255/-3/varh",
    ]);
    // No gas and water: the daily profile has the ten energy columns only.
    expect(full.daily.buffer.columns.map((c) => c.obis).slice(2)).toEqual(ENERGY_REGISTERS.slice(0, 10).map((r) => r.obis));
    energy.addTick(5_000, 0, 0, 1, 1, 1000, 1000);
    expect(full.captureNow(full.load, start + 60_000)).toBe(true);
    const row = new Float64Array(6);
    full.load.buffer.readEntry(0, row);
    expect(Array.from(row.subarray(2))).toEqual([5_000, 0, 0, 0]);
  });

  it("clock: DST rules kept as numbers come back as the object written, and in the state record", () => {
    const { clock } = parts();
    const rules = { enabled: true, begin: { month: 4, day: 0xfe, dayOfWeek: 7, minuteOfDay: 120 }, end: { month: 9, day: 15, dayOfWeek: 0xff, minuteOfDay: 180 }, deviationMinutes: 30 };
    clock.setDst(rules);
    expect(clock.dst).toEqual(rules);
    expect(clock.snapshot().slice(2, 12)).toEqual([1, 4, 0xfe, 7, 120, 9, 15, 0xff, 180, 30]);
    expect(() => clock.setDst({ ...rules, deviationMinutes: 121 })).toThrow("DST deviation must be -120..120 minutes, got 121");
    expect(clock.dst).toEqual(rules);
  });
});
