import { euDstSettings, MeterClock } from "../../firmware/time/clock";
import {
  dateMatches, dateTimeError, dateTimeToUtcMs, decodeDateTime, DEVIATION_UNSPECIFIED, dstPatternDay, encodeDateTime,
  newDateTimeFields, utcToDateTime,
} from "../../firmware/time/dlms-datetime";
import { daysFromCivil, weekdayOfDays, yearOfDays, monthOfDays, dayOfMonthOfDays } from "../../firmware/time/civil-date";
import { ALARM } from "../../firmware/kernel/event-codes";
import { EventLogs } from "../../firmware/records/event-log";
import { isDstActive } from "../../firmware/time/local-time";
import { VirtualClock } from "../../emulation/virtual-clock";
import fc from "fast-check";

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

describe("DLMS date-time codec", () => {
  it("encodes 2026-03-29 03:00:00 CEST with deviation -120 and the DST bit", () => {
    const f = utcToDateTime(Date.UTC(2026, 2, 29, 1, 0, 0), -120, 0x80, newDateTimeFields());
    const out = new Uint8Array(12);
    encodeDateTime(f, out);
    expect(hex(out)).toBe("07 ea 03 1d 07 03 00 00 00 ff 88 80");
    const back = decodeDateTime(out, 0, newDateTimeFields());
    expect(back).toEqual(f);
    expect(dateTimeToUtcMs(back)).toBe(Date.UTC(2026, 2, 29, 1, 0, 0));
  });

  it("decodes wildcards and an unspecified deviation", () => {
    const bytes = Uint8Array.from([0xff, 0xff, 0xff, 0x01, 0xff, 0x00, 0x00, 0x00, 0xff, 0x80, 0x00, 0xff]);
    const f = decodeDateTime(bytes, 0, newDateTimeFields());
    expect(f).toMatchObject({ year: 0xffff, month: 0xff, day: 1, dayOfWeek: 0xff, hour: 0, deviation: DEVIATION_UNSPECIFIED, status: 0xff });
    expect(dateTimeError(f, true)).toBeNull();
    expect(dateTimeError(f, false)).toMatch(/year/);
    expect(dateTimeToUtcMs(f)).toBeNaN();
  });

  it("rejects impossible dates and deviations", () => {
    const f = utcToDateTime(0, 0, 0, newDateTimeFields());
    expect(dateTimeError({ ...f, year: 2026, month: 2, day: 29 }, false)).toMatch(/does not exist/);
    expect(dateTimeError({ ...f, deviation: 900 }, false)).toMatch(/deviation/);
    expect(dateTimeError({ ...f, hour: 24 }, false)).toMatch(/hour/);
    expect(() => encodeDateTime(f, new Uint8Array(11))).toThrow(RangeError);
  });

  it("round-trips any instant and agrees with Date on the calendar fields (property)", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: -720, max: 720 }), (utc, dev) => {
      const ms = utc - (utc % 10);
      const f = utcToDateTime(ms, dev, 0, newDateTimeFields());
      const d = new Date(ms - dev * 60_000);
      expect([f.year, f.month, f.day, f.hour, f.minute, f.second]).toEqual([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]);
      expect(f.dayOfWeek).toBe(((d.getUTCDay() + 6) % 7) + 1);
      const bytes = new Uint8Array(14);
      encodeDateTime(f, bytes, 2);
      expect(dateTimeToUtcMs(decodeDateTime(bytes, 2, newDateTimeFields()))).toBe(ms);
    }));
  });

  it("civil day arithmetic matches Date over 1900..2200", () => {
    fc.assert(fc.property(fc.integer({ min: -25_567, max: 84_000 }), (days) => {
      const d = new Date(days * 86_400_000);
      expect([yearOfDays(days), monthOfDays(days), dayOfMonthOfDays(days)]).toEqual([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]);
      expect(daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())).toBe(days);
    }));
  });

  it("matches wildcard date patterns: last Sunday, second-last day, every 25 December", () => {
    const lastSundayMarch2026 = daysFromCivil(2026, 3, 29);
    expect(weekdayOfDays(lastSundayMarch2026)).toBe(7);
    expect(dateMatches(lastSundayMarch2026, 0xffff, 3, 0xfe, 7)).toBe(true);
    expect(dateMatches(lastSundayMarch2026 - 7, 0xffff, 3, 0xfe, 7)).toBe(false);
    expect(dateMatches(daysFromCivil(2026, 3, 30), 0xffff, 0xff, 0xfd, 0xff)).toBe(true);
    expect(dateMatches(daysFromCivil(2031, 12, 25), 0xffff, 12, 25, 0xff)).toBe(true);
    expect(dstPatternDay(2026, 10, 0xfe, 7)).toBe(daysFromCivil(2026, 10, 25));
    expect(dstPatternDay(2026, 3, 25, 7)).toBe(daysFromCivil(2026, 3, 29));
  });
});

function makeClock(startUtc: number, offset = 60): { port: VirtualClock; events: EventLogs; clock: MeterClock } {
  const port = new VirtualClock(startUtc);
  const events = new EventLogs(() => port.wallClockMs());
  return { port, events, clock: new MeterClock(port, events, offset, euDstSettings(offset)) };
}

describe("meter clock", () => {
  it("EU rule agrees with the foundation's local-time helper every hour of 2024..2030", () => {
    const { clock } = makeClock(0);
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2031, 0, 1); t += 3_600_000) {
      if (clock.isDst(t) !== isDstActive(t, "eu")) throw new Error(`mismatch at ${new Date(t).toISOString()}`);
    }
    expect(clock.nextDstSwitchUtc(Date.UTC(2026, 5, 1))).toBe(Date.UTC(2026, 9, 25, 1));
    expect(clock.timeZone).toBe(-60);
  });

  it("configurable rules: a southern-hemisphere style rule (begin October, end April)", () => {
    const { clock } = makeClock(0, 600);
    clock.setDst({ enabled: true, begin: { month: 10, day: 1, dayOfWeek: 7, minuteOfDay: 120 }, end: { month: 4, day: 1, dayOfWeek: 7, minuteOfDay: 180 }, deviationMinutes: 60 });
    // Sydney-like: DST from the first Sunday of October 02:00 standard to the first Sunday of April 03:00 daylight.
    expect(clock.isDst(Date.UTC(2026, 0, 15))).toBe(true);
    expect(clock.isDst(Date.UTC(2026, 6, 15))).toBe(false);
    expect(clock.offsetMinutesAt(Date.UTC(2026, 0, 15))).toBe(660);
    // 2026-10-04 02:00 local standard = 2026-10-03 16:00 UTC
    expect(clock.isDst(Date.UTC(2026, 9, 3, 15, 59, 59))).toBe(false);
    expect(clock.isDst(Date.UTC(2026, 9, 3, 16, 0, 0))).toBe(true);
    expect(() => clock.setDst({ ...clock.dst, deviationMinutes: 500 })).toThrow(/deviation/);
  });

  it("local times in the autumn overlap resolve to the first pass, in the spring gap to standard time", () => {
    const { clock } = makeClock(0);
    expect(clock.localToUtc(Date.UTC(2026, 9, 25, 2, 30))).toBe(Date.UTC(2026, 9, 25, 0, 30));
    expect(clock.localToUtc(Date.UTC(2026, 2, 29, 2, 30))).toBe(Date.UTC(2026, 2, 29, 1, 30));
  });

  it("invalid after power loss: status bit 0, event 6, alarm bit 0; a set clears the status", () => {
    const { clock, events } = makeClock(Date.UTC(2026, 0, 10));
    clock.markInvalidAfterPowerLoss();
    expect(clock.status).toBe(0x01);
    expect(events.standard.codeAt(0)).toBe(6);
    expect(events.alarmRegister & (1 << ALARM.clockInvalid)).toBe(1);
    clock.setTime(Date.UTC(2026, 0, 11));
    expect(clock.status).toBe(0);
    expect(clock.invalid).toBe(false);
    expect([events.standard.codeAt(1), events.standard.codeAt(2)]).toEqual([4, 5]);
    expect([events.standard.timeAt(1), events.standard.timeAt(2)]).toEqual([Date.UTC(2026, 0, 10), Date.UTC(2026, 0, 11)]);
  });

  it("shift_time moves the clock by whole seconds and tells the listeners", () => {
    const { clock } = makeClock(Date.UTC(2026, 0, 10));
    const seen: number[][] = [];
    clock.onTimeChange((o, n) => seen.push([o, n]));
    clock.shiftTime(-30);
    expect(clock.nowUtcMs()).toBe(Date.UTC(2026, 0, 10) - 30_000);
    expect(seen).toEqual([[Date.UTC(2026, 0, 10), Date.UTC(2026, 0, 10) - 30_000]]);
    expect(() => clock.shiftTime(0.5)).toThrow(RangeError);
    expect(() => clock.setTime(NaN)).toThrow(RangeError);
  });

  it("nowFields gives local fields with deviation and status", () => {
    const { clock } = makeClock(Date.UTC(2026, 6, 1, 10, 0, 0));
    const f = clock.nowFields(newDateTimeFields());
    expect([f.hour, f.deviation, f.status]).toEqual([12, -120, 0x80]);
  });
});
