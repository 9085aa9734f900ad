import { defaultCalendar, type CalendarDefinition } from "../../firmware/metrology/tou";
import { constant, Rig, utcOf } from "./harness";

const SCALE = { num: 1_000_000, den: 23_739_295 };
const COUNTS = 15_000; // per 1 s tick: about 632 mWh, i.e. 2.27 kW
const units = (counts: number): number => Math.floor((counts * SCALE.num) / SCALE.den);

describe("tariff boundary at 07:00:00 local (default calendar, Monday)", () => {
  it("energy up to 07:00:00 lands in T2, from 07:00:00 in T1, exact to the mWh", () => {
    const start = utcOf("2026-03-02T06:59:00", 60);
    const rig = new Rig(start, constant(COUNTS), { scale: SCALE });
    rig.runToUtc(start + 60_000); // tick ending 07:00:00
    expect(rig.metering.activeTariff).toBe(1);
    expect(rig.rates()).toEqual([0, units(60 * COUNTS), 0, 0]);
    rig.runToUtc(start + 61_000); // tick 07:00:00 -> 07:00:01
    expect(rig.rates()).toEqual([units(61 * COUNTS) - units(60 * COUNTS), units(60 * COUNTS), 0, 0]);
    rig.runToUtc(start + 120_000);
    expect(rig.rates()).toEqual([units(120 * COUNTS) - units(60 * COUNTS), units(60 * COUNTS), 0, 0]);
    expect(rig.energy.activeImport).toBe(units(120 * COUNTS));
  });

  it("a tick straddling the boundary (ticks at .500) is split in proportion of time", () => {
    const start = utcOf("2026-03-02T06:59:00", 60);
    const rig = new Rig(start, constant(COUNTS), { scale: SCALE, firstTickDelayMs: 500 });
    rig.runToUtc(start + 59_500); // last tick wholly before 07:00 ends at 06:59:59.500
    const before = rig.energy.activeImport;
    expect(rig.rates()).toEqual([0, before, 0, 0]);
    rig.runToUtc(start + 60_500); // 06:59:59.500 -> 07:00:00.500
    const tickUnits = rig.energy.activeImport - before;
    expect(rig.rates()).toEqual([tickUnits - Math.floor(tickUnits / 2), before + Math.floor(tickUnits / 2), 0, 0]);
  });

  it("the evening switch at 23:00 and weekend night tariff follow the default calendar", () => {
    const start = utcOf("2026-03-06T22:00:00", 60); // Friday
    const rig = new Rig(start, constant(1), {});
    rig.runToUtc(utcOf("2026-03-09T00:00:00", 60)); // through the weekend to Monday 00:00
    // Friday 22:00-23:00 is T1 (3600 mWh), everything after T2.
    expect(rig.rates()).toEqual([3600, 2 * 86_400 + 3600, 0, 0]);
  });
});

function twoTariffDay(switchSecond: number, before = 1, after = 2): CalendarDefinition {
  return {
    name: "TEST",
    seasons: [{ name: "S", start: { year: 0xffff, month: 1, day: 1, second: 0 }, week: "W" }],
    weeks: [{ name: "W", days: [1, 1, 1, 1, 1, 1, 1] }],
    days: [{ id: 1, actions: [{ startSecond: 0, tariff: before }, { startSecond: switchSecond, tariff: after }] }],
  };
}

describe("daylight saving time", () => {
  it("spring: 02:00 CET jumps to 03:00 CEST at 01:00 UTC; a 03:00 switch takes effect at the jump", () => {
    const start = Date.UTC(2026, 2, 29, 0, 0, 0); // 01:00 CET
    const rig = new Rig(start, constant(1), { calendar: twoTariffDay(3 * 3600) });
    rig.runToUtc(Date.UTC(2026, 2, 29, 1, 0, 0));
    expect(rig.clock.status & 0x80).toBe(0x80);
    expect(rig.rates()).toEqual([3600, 0, 0, 0]);
    expect(rig.events.standard.codeAt(rig.events.standard.count - 1)).toBe(3);
    expect(rig.events.standard.timeAt(rig.events.standard.count - 1)).toBe(Date.UTC(2026, 2, 29, 1, 0, 0));
    rig.runToUtc(Date.UTC(2026, 2, 29, 2, 0, 0));
    expect(rig.rates()).toEqual([3600, 3600, 0, 0]);
    expect(rig.clock.deviationAt(Date.UTC(2026, 2, 29, 2, 0, 0))).toBe(-120);
  });

  it("autumn: 02:00-03:00 local happens twice; a 02:30 switch acts in both passes", () => {
    const start = Date.UTC(2026, 9, 25, 0, 0, 0); // 02:00 CEST
    const rig = new Rig(start, constant(1), { calendar: twoTariffDay(2 * 3600 + 1800) });
    const seen: number[] = [];
    rig.afterTick = () => seen.push(rig.metering.activeTariff);
    rig.runToUtc(Date.UTC(2026, 9, 25, 2, 0, 0)); // 03:00 CET
    // 02:00-02:30 CEST T1, 02:30-03:00 CEST T2, 02:00-02:30 CET T1, 02:30-03:00 CET T2.
    expect(rig.rates()).toEqual([3600, 3600, 0, 0]);
    expect(rig.clock.status & 0x80).toBe(0);
    const changes = seen.filter((t, i) => i > 0 && t !== seen[i - 1]).length;
    expect(changes).toBe(3);
    expect(rig.events.standard.codeAt(0)).toBe(3);
    expect(rig.events.standard.timeAt(0)).toBe(Date.UTC(2026, 9, 25, 1, 0, 0));
  });
});

describe("leap day", () => {
  it("a special day *-02-29 gives T3 for exactly the 86400 s of 2028-02-29 local; March billing follows", () => {
    const start = utcOf("2028-02-28T00:00:00", 60);
    const rig = new Rig(start, constant(1), { calendar: { ...defaultCalendar(), days: [...defaultCalendar().days, { id: 3, actions: [{ startSecond: 0, tariff: 3 }] }] } });
    rig.metering.tou.insertSpecialDay({ index: 1, year: 0xffff, month: 2, day: 29, dayOfWeek: 0xff, dayId: 3 });
    rig.runToUtc(utcOf("2028-03-02T00:00:00", 60));
    const r = rig.rates();
    expect(r[2]).toBe(86_400);
    expect(r[0] + r[1] + r[2] + r[3]).toBe(3 * 86_400);
    // 28 Feb (Mon) and 1 Mar (Wed): T1 07:00-23:00 each.
    expect(r[0]).toBe(2 * 16 * 3600);
    expect(rig.metering.billing.profile.entriesInUse()).toBe(1);
    const row = new Float64Array(rig.metering.billing.profile.columns.length);
    rig.metering.billing.profile.readEntry(0, row);
    expect(row[0]).toBe(utcOf("2028-03-01T00:00:00", 60));
    expect(row[1]).toBe(2 * 86_400); // A+ at the capture: 28 and 29 Feb
  });
});

describe("clock set backwards", () => {
  it("logs 4/5 with old and new times, returns to the old tariff, loses and creates no energy", () => {
    const start = utcOf("2026-03-02T06:59:00", 60);
    const rig = new Rig(start, constant(1), {});
    rig.runToUtc(start + 90_000); // 07:00:30
    expect(rig.rates()).toEqual([30, 60, 0, 0]);
    rig.port.runUntil(rig.port.nowMs() + 400);
    const old = rig.port.wallClockMs();
    rig.clock.setTime(start + 30_400); // 06:59:30.4
    const log = rig.events.standard;
    expect([log.codeAt(log.count - 2), log.codeAt(log.count - 1)]).toEqual([4, 5]);
    expect([log.timeAt(log.count - 2), log.timeAt(log.count - 1)]).toEqual([old, start + 30_400]);
    rig.port.runUntil(rig.port.nowMs() + 60_000);
    // 60 more ticks, at whole wall seconds again (06:59:31 .. 07:00:30): 30 end by 07:00:00 (T2), 30 after (T1).
    const r = rig.rates();
    expect(r[0] + r[1]).toBe(150);
    expect(r[1]).toBe(60 + 30);
    expect(rig.energy.activeImport).toBe(rig.importCounts);
  });
});
