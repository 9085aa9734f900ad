import { BILLING_PROFILE_OBIS } from "../../firmware/metrology/billing";
import { constant, Rig, type TickEnergy, utcOf } from "./harness";
import { type BillingYear, YEAR_START, yearPeaks } from "./billing-year";
import { runNodeJson } from "../node-run";

const MIN = 60_000;

/** Rate of the default calendar in force during the second before `utcEnd` (independent of the firmware: uses Intl). */
function defaultRateBefore(utcEnd: number): number {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", weekday: "short", hour: "2-digit", hourCycle: "h23" }).formatToParts(new Date(utcEnd - 1000));
  const weekday = parts.find((p) => p.type === "weekday")!.value;
  const hour = Number(parts.find((p) => p.type === "hour")!.value);
  return weekday !== "Sat" && weekday !== "Sun" && hour >= 7 && hour < 23 ? 1 : 2;
}

describe("demand", () => {
  it("block demand: current average grows through the period, max per rate with capture time at the period end", () => {
    const start = utcOf("2026-03-02T06:45:00", 60); // Monday
    const rig = new Rig(start, (utc, out) => (out.active = utc <= start + 15 * MIN ? 2 : 1));
    rig.runToUtc(start + 7.5 * MIN);
    expect(rig.metering.demand.currentAverageImport).toBe(3600); // 900 mWh so far over 900 s
    rig.runToUtc(start + 30 * MIN);
    const d = rig.metering.demand;
    // 06:45-07:00 (T2): 1800 mWh -> 7200 mW; 07:00-07:15 (T1): 900 mWh -> 3600 mW.
    expect(Array.from(d.maxImport)).toEqual([7200, 3600, 7200, 0, 0]);
    expect(Array.from(d.maxImportTime).slice(0, 3)).toEqual([start + 15 * MIN, start + 30 * MIN, start + 15 * MIN]);
    expect(d.maxImportTime[3]).toBeNaN();
    expect(d.lastAverageImport).toBe(3600);
  });

  it("sliding demand over 3 x 5 min: a 5-minute burst shows in three consecutive windows at a third", () => {
    const start = utcOf("2026-03-02T10:00:00", 60);
    const burst = (utc: number, out: TickEnergy): void => {
      out.active = utc > start + 10 * MIN && utc <= start + 15 * MIN ? 31 : 1;
    };
    const rig = new Rig(start, burst, { demand: { periodS: 900, subperiods: 3 } });
    const windows: number[] = [];
    rig.afterTick = () => {
      if ((rig.port.wallClockMs() - start) % (5 * MIN) === 0) windows.push(rig.metering.demand.lastAverageImport);
    };
    rig.runToUtc(start + 35 * MIN);
    // Sub-periods: 300, 300, 9300, 300, 300, 300, 300 mWh; window = sum of last 3 * 4 mW.
    expect(windows).toEqual([1200, 2400, 39600, 39600, 39600, 3600, 3600]);
    expect(rig.metering.demand.maxImport[0]).toBe(39600);
    expect(rig.metering.demand.maxImportTime[0]).toBe(start + 15 * MIN);
  });

  it("rejects a period that does not divide into sub-periods dividing the day", () => {
    expect(() => new Rig(0, constant(1), { demand: { periodS: 700, subperiods: 1 } })).toThrow(/demand period/);
    expect(() => new Rig(0, constant(1), { demand: { periodS: 900, subperiods: 7 } })).toThrow(/demand period/);
  });
});

describe("billing", () => {
  it("on command: a row with clock, every register and max demands; max demands reset, registers not", () => {
    const start = utcOf("2026-03-02T10:00:00", 60);
    const rig = new Rig(start, constant(2, 1, 3));
    rig.runToUtc(start + 30 * MIN);
    rig.metering.billing.capture();
    const p = rig.metering.billing.profile;
    expect(p.obis).toBe(BILLING_PROFILE_OBIS);
    expect(p.capacity).toBeGreaterThanOrEqual(13);
    const row = new Float64Array(p.columns.length);
    p.readEntry(0, row);
    const col = (obis: string, attribute = 2): number => row[p.columns.findIndex((c) => c.obis === obis && c.attribute === attribute)];
    expect(row[0]).toBe(start + 30 * MIN);
    expect(col("1.0.1.8.0.255")).toBe(3600);
    expect(col("1.0.1.8.1.255")).toBe(3600);
    expect(col("1.0.5.8.0.255")).toBe(1800); // Q1
    expect(col("1.0.9.8.0.255")).toBe(5400);
    expect(col("1.0.15.8.0.255")).toBe(3600);
    expect(col("1.0.1.6.0.255")).toBe(7200);
    expect(col("1.0.1.6.1.255", 5)).toBe(start + 15 * MIN);
    expect(rig.metering.demand.maxImport[0]).toBe(0);
    expect(rig.energy.activeImport).toBe(3600);
    expect(rig.metering.billing.count).toBe(1);
  });

  it("a forward set over the billing time bills once; a small backward set after it does not bill again", () => {
    const start = utcOf("2026-03-31T23:50:00", 120);
    const rig = new Rig(start, constant(1));
    rig.runFor(60_000);
    rig.clock.setTime(utcOf("2026-04-01T00:10:00", 120));
    expect(rig.metering.billing.profile.entriesInUse()).toBe(1);
    rig.runFor(60_000);
    rig.clock.setTime(utcOf("2026-03-31T23:55:00", 120));
    rig.runFor(30 * MIN);
    expect(rig.metering.billing.profile.entriesInUse()).toBe(1);
    expect(rig.metering.billing.nextExecutionUtc).toBe(utcOf("2026-05-01T00:00:00", 120));
  });

  it("a full year at 1 s ticks with monthly billing: 12 rows at local midnight of the 1st, exact energy and max demands", () => {
    const start = YEAR_START;
    const peaks = yearPeaks();
    // The year runs in plain Node (billing-year.ts): the same Rig, load and profile, read back here.
    const year = runNodeJson<BillingYear>("test/metrology/billing-year-runner.ts", []);
    const elapsed = year.elapsedMs;
    expect(year.entriesInUse).toBe(12);
    const idx = (obis: string, attribute = 2): number => year.columns.findIndex((c) => c.obis === obis && c.attribute === attribute);
    let periodStart = start;
    for (let i = 0; i < 12; i++) {
      const row = year.rows[i].map((v) => v ?? NaN); // JSON wrote NaN as null
      const y = i === 11 ? 2027 : 2026;
      const mm = String(i === 11 ? 1 : i + 2).padStart(2, "0");
      const offset = i + 2 >= 4 && i + 2 <= 10 ? 120 : 60;
      const capture = utcOf(`${y}-${mm}-01T00:00:00`, offset);
      expect(new Date(row[0]).toISOString()).toBe(new Date(capture).toISOString());
      const peaksSoFar = peaks.slice(0, i + 1).reduce((s, pk) => s + (pk.level - 1) * 900, 0);
      expect(row[idx("1.0.1.8.0.255")]).toBe((capture - start) / 1000 + peaksSoFar);
      const pk = peaks[i];
      const peakRate = defaultRateBefore(pk.endUtc);
      expect(row[idx("1.0.1.6.0.255")]).toBe(pk.level * 3600);
      expect(row[idx("1.0.1.6.0.255", 5)]).toBe(pk.endUtc);
      expect(row[idx(`1.0.1.6.${peakRate}.255`)]).toBe(pk.level * 3600);
      expect(row[idx(`1.0.1.6.${peakRate}.255`, 5)]).toBe(pk.endUtc);
      // The other rate's maximum is the base load, first reached at its first period end of the month.
      const other = 3 - peakRate;
      let firstOther = periodStart + 15 * MIN;
      while (defaultRateBefore(firstOther) !== other) firstOther += 15 * MIN;
      expect(row[idx(`1.0.1.6.${other}.255`)]).toBe(3600);
      expect(row[idx(`1.0.1.6.${other}.255`, 5)]).toBe(firstOther);
      expect(row[idx("1.0.1.6.3.255")]).toBe(0);
      expect(row[idx("1.0.2.6.0.255")]).toBe(0);
      const rates = [1, 2, 3, 4].map((r) => row[idx(`1.0.1.8.${r}.255`)]);
      expect(rates.reduce((a, b) => a + b, 0)).toBe(row[idx("1.0.1.8.0.255")]);
      periodStart = capture;
    }
    expect(year.activeImport).toBe(year.importCounts);
    process.stdout.write(`year at 1 s ticks (tariff chain only): ${elapsed} ms\n`);
  });
});
