/**
 * Report sections for the clock, the tariff calendar, demand and billing:
 *   report.clock    local time, status byte and its bits, deviation, time zone, DST rule
 *   report.tariffs  active tariff, calendars, special days, current and maximum demands with
 *                   capture times (W, ISO UTC), billing counter and next scheduled billing
 *   report.profiles["0.0.98.1.0.255"]  billing rows: { "time", "<OBIS>": the stored integer,
 *                   "<OBIS>:captureTime": ISO UTC or null }, in the registers' integer units
 *                   (mWh, mW); report.profileColumns gives each column's scaler and unit
 */
import { CLOCK_STATUS } from "../../firmware/time/dlms-datetime";
import { RATE_COUNT } from "../../firmware/metrology/energy-registers";
import type { ProfileBuffer } from "../../firmware/kernel/profile";
import type { Report } from "../report";
import { addProfile, profileColumns } from "./profiles-events";
import type { Simulation } from "../simulation";

const iso = (utcMs: number): string | null => (Number.isFinite(utcMs) && utcMs > 0 ? new Date(utcMs).toISOString() : null);

/** Billing rows as report objects (one row at a time from the buffer). */
export function billingRows(buffer: ProfileBuffer): Record<string, string | number | null>[] {
  const rows: Record<string, string | number | null>[] = [];
  const row = new Float64Array(buffer.columns.length);
  for (let i = 0; i < buffer.entriesInUse(); i++) {
    buffer.readEntry(i, row);
    const out: Record<string, string | number | null> = { time: iso(row[0]) };
    for (let c = 1; c < buffer.columns.length; c++) {
      const col = buffer.columns[c];
      if (col.attribute === 5) out[`${col.obis}:captureTime`] = iso(row[c]);
      else out[col.obis] = row[c];
    }
    rows.push(out);
  }
  return rows;
}

function localIso(utcMs: number, offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return `${new Date(utcMs + offsetMinutes * 60_000).toISOString().slice(0, 19)}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

export function tariffsBillingSection(sim: Simulation, report: Report): void {
  const m = sim.meter;
  const clock = m.clock;
  const now = clock.nowUtcMs();
  const status = clock.statusAt(now);
  report.clock = {
    local: localIso(now, clock.offsetMinutesAt(now)),
    status,
    statusBits: Object.entries(CLOCK_STATUS).filter(([, bit]) => (status & bit) !== 0).map(([name]) => name),
    deviation: clock.deviationAt(now),
    timeZone: clock.timeZone,
    dst: { ...clock.dst },
  };
  const t = m.tariffs;
  const d = t.demand;
  const maxDemand: Record<string, { valueW: number; captureTime: string | null }> = {};
  for (let r = 0; r <= RATE_COUNT; r++) maxDemand[`1.0.1.6.${r}.255`] = { valueW: d.maxImport[r] / 1000, captureTime: iso(d.maxImportTime[r]) };
  maxDemand["1.0.2.6.0.255"] = { valueW: d.maxExport / 1000, captureTime: iso(d.maxExportTime) };
  report.tariffs = {
    activeTariff: t.activeTariff,
    activeCalendar: t.tou.activeCalendar.name,
    passiveCalendar: t.tou.passiveCalendar.name,
    passiveActivation: t.tou.passiveActivationUtc === null ? null : iso(t.tou.passiveActivationUtc),
    specialDays: t.tou.specialDays.map((s) => ({ ...s })),
    demand: { periodS: d.periodS, subperiods: d.subperiods, currentAverageW: d.currentAverageImport / 1000, lastAverageW: d.lastAverageImport / 1000 },
    maxDemand,
    billing: { count: t.billing.count, nextExecution: iso(t.billing.nextExecutionUtc) },
  };
  addProfile(report, t.billing.profile.obis, billingRows(t.billing.profile), profileColumns(t.billing.profile));
}
