import { EventLogs } from "../../firmware/records/event-log";
import { euDstSettings, MeterClock } from "../../firmware/time/clock";
import { type CalendarDefinition, TariffCalendar } from "../../firmware/metrology/tou";
import { VirtualClock } from "../../emulation/virtual-clock";

const T0 = Date.UTC(2026, 2, 2, 6);

describe("event logs in shared entry arrays", () => {
  it("a log that wraps overwrites only its own entries; snapshot and restore stay per log", () => {
    const events = new EventLogs(() => T0);
    events.recordAt("standard", T0 - 5, 1);
    events.recordAt("communication", T0 - 4, 250);
    for (let i = 0; i < 150; i++) events.recordAt("fraud", T0 + i, 40 + (i % 2));
    expect(events.fraud.count).toBe(100);
    expect(events.fraud.total).toBe(150);
    expect([events.fraud.timeAt(0), events.fraud.codeAt(0), events.fraud.timeAt(99), events.fraud.codeAt(99)]).toEqual([T0 + 50, 40, T0 + 149, 41]);
    expect([events.standard.count, events.standard.timeAt(0), events.standard.codeAt(0)]).toEqual([1, T0 - 5, 1]);
    expect([events.disconnector.count, events.powerQuality.count]).toEqual([0, 0]);
    expect([events.communication.count, events.communication.codeAt(0), events.communication.countAt(0)]).toEqual([1, 250, 1]);

    const snap = events.fraud.snapshot();
    expect(snap.times.length).toBe(100);
    const other = new EventLogs(() => T0);
    other.standard.load(T0 - 9, 3);
    other.fraud.restore(snap);
    expect([other.fraud.count, other.fraud.timeAt(0), other.fraud.codeAt(99)]).toEqual([100, T0 + 50, 41]);
    expect([other.standard.count, other.standard.timeAt(0), other.standard.codeAt(0)]).toEqual([1, T0 - 9, 3]);
    // The event clock may be the board clock object itself.
    const port = new VirtualClock(T0 + 7000);
    const onClock = new EventLogs(port);
    onClock.record("standard", 1);
    expect(onClock.standard.timeAt(0)).toBe(T0 + 7000);
  });
});

describe("packed tariff calendars", () => {
  const rig = () => {
    const port = new VirtualClock(T0);
    const events = new EventLogs(port);
    return { port, tou: new TariffCalendar(new MeterClock(port, events, 60, euDstSettings(60)), events) };
  };
  const summer: CalendarDefinition = {
    name: "SUMMER",
    seasons: [
      { name: "WINTER", start: { year: 0xffff, month: 10, day: 1, second: 0 }, week: "W" },
      { name: "SUMMER", start: { year: 2026, month: 4, day: 1, second: 3600 }, week: "S" },
    ],
    weeks: [
      { name: "W", days: [1, 1, 1, 1, 1, 2, 2] },
      { name: "S", days: [3, 3, 3, 3, 3, 3, 2] },
    ],
    days: [
      { id: 1, actions: [{ startSecond: 7 * 3600, tariff: 1 }, { startSecond: 0, tariff: 2 }] },
      { id: 2, actions: [{ startSecond: 0, tariff: 2 }] },
      { id: 3, actions: [{ startSecond: 43_200, tariff: 3 }, { startSecond: 600, tariff: 4 }] },
    ],
  };

  it("reads back the calendar as validated (actions sorted), a new copy each read, shared after activation", () => {
    const { tou } = rig();
    tou.programPassive(summer, null);
    const passive = tou.passiveCalendar;
    expect(passive).toEqual({
      ...summer,
      days: [
        { id: 1, actions: [{ startSecond: 0, tariff: 2 }, { startSecond: 7 * 3600, tariff: 1 }] },
        { id: 2, actions: [{ startSecond: 0, tariff: 2 }] },
        { id: 3, actions: [{ startSecond: 600, tariff: 4 }, { startSecond: 43_200, tariff: 3 }] },
      ],
    });
    passive.name = "CHANGED";
    passive.days[0].actions[0].tariff = 4;
    expect(tou.passiveCalendar.name).toBe("SUMMER");
    expect(tou.passiveCalendar.days[0].actions[0].tariff).toBe(2);
    expect(tou.activeCalendar.name).toBe("DEFAULT");
    tou.activatePassive();
    expect(tou.activeCalendar).toEqual(tou.passiveCalendar);
    // Monday 2 March 2026 08:00 CET: winter week, day 1 -> tariff 1; Sunday 5 April 2026 12:30 CEST: summer, day 2 -> 2.
    expect(tou.tariffAt(Date.UTC(2026, 2, 2, 7))).toBe(1);
    expect(tou.tariffAt(Date.UTC(2026, 3, 5, 10, 30))).toBe(2);
    // Monday 6 April 2026 12:30 CEST: summer week, day 3 -> 3. At 00:05, before day 3's first
    // switching time (00:10), Sunday's last tariff (2) continues.
    expect(tou.tariffAt(Date.UTC(2026, 3, 6, 10, 30))).toBe(3);
    expect(tou.tariffAt(Date.UTC(2026, 3, 5, 22, 5))).toBe(2);
  });

  it("keeps special days by index whatever the insertion order; delete says whether one went", () => {
    const { tou } = rig();
    tou.insertSpecialDay({ index: 7, year: 0xffff, month: 12, day: 25, dayOfWeek: 0xff, dayId: 2 });
    tou.insertSpecialDay({ index: 2, year: 2026, month: 3, day: 3, dayOfWeek: 0xff, dayId: 2 });
    tou.insertSpecialDay({ index: 7, year: 0xffff, month: 12, day: 26, dayOfWeek: 0xff, dayId: 1 });
    expect(tou.specialDays).toEqual([
      { index: 2, year: 2026, month: 3, day: 3, dayOfWeek: 0xff, dayId: 2 },
      { index: 7, year: 0xffff, month: 12, day: 26, dayOfWeek: 0xff, dayId: 1 },
    ]);
    // Tuesday 3 March 2026 08:00 CET is a special day with day profile 2 (night tariff all day).
    expect(tou.tariffAt(Date.UTC(2026, 2, 3, 7))).toBe(2);
    expect(tou.tariffAt(Date.UTC(2026, 2, 4, 7))).toBe(1);
    expect(tou.deleteSpecialDay(5)).toBe(false);
    expect(tou.deleteSpecialDay(2)).toBe(true);
    expect(tou.specialDays.map((s) => s.index)).toEqual([7]);
    expect(tou.tariffAt(Date.UTC(2026, 2, 3, 7))).toBe(1);
  });
});
