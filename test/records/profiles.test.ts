import { euDstSettings, MeterClock } from "../../firmware/time/clock";
import { EventLogs } from "../../firmware/records/event-log";
import { defaultMonitoringConfig } from "../../firmware/monitoring/monitoring-config";
import { PowerFailures } from "../../firmware/monitoring/power-failures";
import type { ProfileBuffer } from "../../firmware/kernel/profile";
import { countRange, readEntries, readRange, selectEntries } from "../../firmware/records/profile-read";
import { PROFILE_STATUS, Profiles } from "../../firmware/records/profiles";
import type { RegisterDescriptor } from "../../firmware/kernel/register-table";
import { VirtualClock } from "../../emulation/virtual-clock";

const S = PROFILE_STATUS;
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * Profiles on a virtual clock with CET/CEST rules. A+ grows by 1 Wh (1000 mWh) per second of
 * monotonic time, so each row's A+ tells exactly when it was captured.
 */
function rig(startUtcMs: number, tickMs = 1000, options: { loadEntries?: number; dailyEntries?: number } = {}) {
  const port = new VirtualClock(startUtcMs);
  const events = new EventLogs(() => port.wallClockMs());
  const clock = new MeterClock(port, events, 60, euDstSettings(60));
  const state = { importMwh: 0, gasMl: 0, dataInvalid: false };
  const registers: RegisterDescriptor[] = [
    { obis: "1.0.1.8.0.255", name: "A+", unit: "Wh", scaler: -3, read: () => state.importMwh },
    { obis: "1.0.2.8.0.255", name: "A-", unit: "Wh", scaler: -3, read: () => 7 },
    { obis: "1.0.1.8.1.255", name: "A+ T1", unit: "Wh", scaler: -3, read: () => state.importMwh },
    { obis: "7.0.3.0.0.255", name: "gas", unit: "m3", scaler: -6, read: () => state.gasMl },
  ];
  const defaults = defaultMonitoringConfig();
  const profiles = new Profiles({
    rules: { offsetMs: (u) => clock.offsetMinutesAt(u) * MIN, isDst: (u) => clock.isDst(u), localToUtc: (l) => clock.localToUtc(l) },
    registers: { registerIndex: (obis) => registers.findIndex((r) => r.obis === obis), readRegister: (i) => registers[i].read() },
    loadPeriodS: defaults.loadProfilePeriodS,
    loadEntries: options.loadEntries ?? defaults.loadProfileEntries,
    dailyEntries: options.dailyEntries ?? defaults.dailyProfileEntries,
    clockInvalid: () => clock.invalid,
  });
  clock.onTimeChange(() => profiles.noteClockAdjusted());
  port.repeat(() => {
    state.importMwh += tickMs;
    profiles.update(port.wallClockMs(), port.nowMs(), state.dataInvalid);
    state.dataInvalid = false;
  }, tickMs);
  return { port, clock, profiles, state, events };
}

function rows(buffer: ProfileBuffer): number[][] {
  const out: number[][] = [];
  readEntries(buffer, selectEntries(buffer, 1, 0), new Float64Array(buffer.columns.length), (_i, row) => out.push(Array.from(row)));
  return out;
}

const iso = (t: number) => new Date(t).toISOString();

describe("load profile 1.0.99.1.0.255", () => {
  test("captures clock, status, A+, A- every 15 min aligned to the clock; the values are those at the boundary", () => {
    const start = Date.UTC(2026, 2, 2, 8, 7, 0); // 09:07 CET
    const r = rig(start);
    r.port.runUntil(HOUR);
    const b = r.profiles.load.buffer;
    expect(b.columns.map((c) => c.obis)).toEqual(["0.0.1.0.0.255", "0.0.96.10.1.255", "1.0.1.8.0.255", "1.0.2.8.0.255"]);
    expect(b.capturePeriodS).toBe(900);
    const got = rows(b);
    expect(got.map((row) => iso(row[0]))).toEqual(["2026-03-02T08:15:00.000Z", "2026-03-02T08:30:00.000Z", "2026-03-02T08:45:00.000Z", "2026-03-02T09:00:00.000Z"]);
    // A+ = 1 Wh per elapsed second since 08:07.
    expect(got.map((row) => row[2])).toEqual([8 * 60_000, 23 * 60_000, 38 * 60_000, 53 * 60_000]);
    expect(got.every((row) => row[1] === 0 && row[3] === 7)).toBe(true);
  });

  test("retention: more than 40 days kept; after 45 days the ring has overwritten the oldest rows", () => {
    const start = Date.UTC(2026, 0, 5, 23, 0, 0); // local midnight, no DST in the window
    const r = rig(start, 60_000);
    const capacity = r.profiles.load.buffer.capacity;
    expect(capacity * 900_000).toBeGreaterThanOrEqual(40 * DAY);
    r.port.runUntil(45 * DAY);
    const b = r.profiles.load.buffer;
    const written = 45 * 96;
    expect(b.entriesInUse()).toBe(capacity);
    const first = new Float64Array(b.columns.length);
    b.readEntry(0, first);
    const firstKept = written - capacity + 1; // 1-based number of the oldest row kept
    expect(first[0]).toBe(start + firstKept * 900_000);
    expect(first[2]).toBe(firstKept * 900_000);
    b.readEntry(capacity - 1, first);
    expect(first[0]).toBe(start + 45 * DAY);
  });

  test("autumn DST: the local day of 25 October 2026 has 100 rows, 900 s apart; DST bit until 01:00 UTC", () => {
    const start = Date.UTC(2026, 9, 24, 22, 0, 0); // 00:00 CEST on 25 October
    const r = rig(start);
    r.port.runUntil(25 * HOUR + 1000);
    const got = rows(r.profiles.load.buffer);
    expect(got.length).toBe(100);
    expect(iso(got[99][0])).toBe("2026-10-25T23:00:00.000Z"); // 00:00 CET on the 26th
    for (let i = 1; i < got.length; i++) expect(got[i][0] - got[i - 1][0]).toBe(900_000);
    const dstChange = Date.UTC(2026, 9, 25, 1, 0, 0);
    for (const row of got) expect(row[1]).toBe(row[0] < dstChange ? S.daylightSaving : 0);
    // The daily profile's row is at local midnight: 23:00 UTC once CET applies.
    expect(rows(r.profiles.daily.buffer).map((row) => iso(row[0]))).toEqual(["2026-10-25T23:00:00.000Z"]);
  });

  test("spring DST: the local day of 29 March 2026 has 92 rows, no gap in UTC", () => {
    const start = Date.UTC(2026, 2, 28, 23, 0, 0); // 00:00 CET on 29 March
    const r = rig(start);
    r.port.runUntil(23 * HOUR + 1000);
    const got = rows(r.profiles.load.buffer);
    expect(got.length).toBe(92);
    expect(iso(got[91][0])).toBe("2026-03-29T22:00:00.000Z"); // 00:00 CEST on the 30th
    for (let i = 1; i < got.length; i++) expect(got[i][0] - got[i - 1][0]).toBe(900_000);
    expect(got.filter((row) => row[1] & S.daylightSaving).length).toBe(92 - 7); // 23:15..00:45 UTC are CET
    expect(rows(r.profiles.daily.buffer).map((row) => iso(row[0]))).toEqual(["2026-03-29T22:00:00.000Z"]);
  });

  test("clock set backwards across a boundary: no duplicate row, the next row is marked clock adjusted, range reads stay exact", () => {
    const start = Date.UTC(2026, 2, 2, 9, 0, 0);
    const r = rig(start);
    r.port.runUntil(20 * MIN); // wall 09:20, rows 09:15
    r.clock.setTime(start + 5 * MIN); // back to 09:05
    r.port.runUntil(60 * MIN); // wall 09:45 at 55 min
    const got = rows(r.profiles.load.buffer);
    expect(got.map((row) => iso(row[0]))).toEqual(["2026-03-02T09:15:00.000Z", "2026-03-02T09:30:00.000Z", "2026-03-02T09:45:00.000Z"]);
    expect(got.map((row) => row[1])).toEqual([0, S.clockAdjusted, 0]);
    // The 09:30 row holds all energy up to it: wall 09:30 came 45 min of monotonic time after the start.
    expect(got[1][2]).toBe(45 * 60_000);
    const scratch = new Float64Array(4);
    const seen: number[] = [];
    expect(readRange(r.profiles.load.buffer, start, start + 30 * MIN, scratch, (_i, row) => seen.push(row[0]))).toBe(2);
    expect(seen).toEqual([start + 15 * MIN, start + 30 * MIN]);
    // The status word shows the adjustment while its interval runs.
    r.clock.setTime(start + 40 * MIN);
    expect(r.profiles.statusWord(r.port.wallClockMs()) & S.clockAdjusted).toBe(S.clockAdjusted);
  });

  test("clock set forward skips the boundaries jumped over and marks the next row", () => {
    const start = Date.UTC(2026, 2, 2, 9, 0, 0);
    const r = rig(start);
    r.port.runUntil(5 * MIN);
    r.clock.setTime(start + 65 * MIN); // 10:05
    r.port.runUntil(20 * MIN); // wall 10:20
    expect(rows(r.profiles.load.buffer).map((row) => [iso(row[0]), row[1]])).toEqual([["2026-03-02T10:15:00.000Z", S.clockAdjusted]]);
  });

  test("a clock set back by more than a day (the clock was wrong) resumes capturing; a range read returns exactly the rows in range", () => {
    const start = Date.UTC(2030, 0, 1, 0, 0, 0);
    const r = rig(start);
    r.port.runUntil(HOUR);
    const real = Date.UTC(2026, 2, 2, 9, 0, 0);
    r.clock.setTime(real);
    r.port.runUntil(2 * HOUR);
    const b = r.profiles.load.buffer;
    expect(b.entriesInUse()).toBe(8);
    const scratch = new Float64Array(4);
    const seen: string[] = [];
    readRange(b, real, real + HOUR, scratch, (_i, row) => seen.push(iso(row[0])));
    expect(seen).toEqual(["2026-03-02T09:15:00.000Z", "2026-03-02T09:30:00.000Z", "2026-03-02T09:45:00.000Z", "2026-03-02T10:00:00.000Z"]);
    expect(countRange(b, start, start + HOUR, scratch)).toBe(4);
  });

  test("status bits: power down during the interval (from the power failure log), data not valid, clock invalid", () => {
    const start = Date.UTC(2026, 2, 2, 9, 0, 0);
    const r = rig(start);
    const failures = new PowerFailures();
    r.port.runUntil(20 * MIN);
    // At power up the meter records the failure and marks the running interval (app/meter-persistence.ts).
    failures.recordPowerFailure(start + 10 * MIN, 4 * MIN);
    r.profiles.notePowerDown();
    r.port.runUntil(35 * MIN);
    r.state.dataInvalid = true;
    r.port.runUntil(50 * MIN);
    r.clock.markInvalidAfterPowerLoss();
    r.port.runUntil(60 * MIN);
    expect(rows(r.profiles.load.buffer).map((row) => row[1])).toEqual([0, S.powerDown, S.dataNotValid, S.clockInvalid]);
  });
});

describe("daily profile 1.0.99.2.0.255", () => {
  test("a row at each local midnight with the energy per rate and the gas volume; 62 days kept, circular", () => {
    const start = Date.UTC(2026, 0, 4, 23, 0, 0); // 5 January 00:00 CET
    const r = rig(start, 60_000);
    const b = r.profiles.daily.buffer;
    expect(b.columns.map((c) => c.obis)).toEqual(["0.0.1.0.0.255", "0.0.96.10.1.255", "1.0.1.8.0.255", "1.0.1.8.1.255", "1.0.2.8.0.255", "7.0.3.0.0.255"]);
    expect(b.columns[5].classId).toBe(4);
    r.state.gasMl = 12_345;
    r.port.runUntil(3 * DAY);
    const got = rows(b);
    expect(got.map((row) => iso(row[0]))).toEqual(["2026-01-05T23:00:00.000Z", "2026-01-06T23:00:00.000Z", "2026-01-07T23:00:00.000Z"]);
    expect(got.map((row) => row[2])).toEqual([DAY, 2 * DAY, 3 * DAY]);
    expect(got[2][5]).toBe(12_345);
    r.port.runUntil(70 * DAY);
    expect(b.capacity).toBeGreaterThanOrEqual(40);
    expect(b.entriesInUse()).toBe(62);
    const first = new Float64Array(b.columns.length);
    b.readEntry(0, first);
    expect(first[0]).toBe(start + 9 * DAY);
  });

  test("the clock set back across midnight does not repeat the midnight row", () => {
    const start = Date.UTC(2026, 0, 5, 22, 50, 0); // 23:50 CET
    const r = rig(start);
    r.port.runUntil(20 * MIN); // 00:10
    r.clock.setTime(start); // back to 23:50
    r.port.runUntil(DAY + 30 * MIN);
    expect(rows(r.profiles.daily.buffer).map((row) => [iso(row[0]), row[1]])).toEqual([
      ["2026-01-05T23:00:00.000Z", 0],
      ["2026-01-06T23:00:00.000Z", S.clockAdjusted],
    ]);
  });
});

describe("selective reads", () => {
  const start = Date.UTC(2026, 2, 2, 9, 0, 0);
  const r = rig(start, 60_000);
  r.port.runUntil(10 * HOUR);
  const b = r.profiles.load.buffer;

  test("entry_descriptor: 1-based, 0 = newest, clipped at the end", () => {
    expect(b.entriesInUse()).toBe(40);
    expect(selectEntries(b, 1, 0)).toEqual({ first: 0, count: 40 });
    expect(selectEntries(b, 5, 10)).toEqual({ first: 4, count: 6 });
    expect(selectEntries(b, 38, 99)).toEqual({ first: 37, count: 3 });
    expect(selectEntries(b, 41, 0)).toEqual({ first: 0, count: 0 });
    expect(selectEntries(b, 10, 5)).toEqual({ first: 0, count: 0 });
    expect(() => selectEntries(b, 0, 5)).toThrow(RangeError);
    const times: number[] = [];
    readEntries(b, selectEntries(b, 5, 6), new Float64Array(4), (_i, row) => times.push(row[0]));
    expect(times).toEqual([start + 5 * 900_000, start + 6 * 900_000]);
  });

  test("range_descriptor: inclusive bounds, rows streamed through one scratch row", () => {
    const scratch = new Float64Array(4);
    const seen: number[] = [];
    const rowsSeen = new Set<Float64Array>();
    const n = readRange(b, start + HOUR, start + 2 * HOUR, scratch, (_i, row) => { seen.push(row[0]); rowsSeen.add(row); });
    expect(n).toBe(5);
    expect(seen).toEqual([0, 1, 2, 3, 4].map((k) => start + HOUR + k * 900_000));
    expect(rowsSeen.size).toBe(1);
    expect(countRange(b, start + HOUR + 1, start + HOUR + 899_999, scratch)).toBe(0);
    expect(countRange(b, 0, Number.MAX_SAFE_INTEGER, scratch)).toBe(40);
  });
});
