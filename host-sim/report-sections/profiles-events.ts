/**
 * Report sections for profiles, alarms, power quality, power failures, tamper and sub-meters.
 * Profile rows: { "time": ISO UTC, "status": profile status word, "<OBIS>": the stored integer },
 * in the registers' own integer units (mWh, mvarh, mL, s); report.profileColumns[<profile OBIS>]
 * gives each value column's scaler and unit (value x 10^scaler is in the unit), as the meter's
 * capture objects do over DLMS.
 */
import { ALARM } from "../../firmware/kernel/event-codes";
import type { ProfileBuffer } from "../../firmware/kernel/profile";
import { readEntries, selectEntries } from "../../firmware/records/profile-read";
import { VOLTAGE_BAND } from "../../firmware/monitoring/power-quality";
import type { Report } from "../report";
import type { Simulation } from "../simulation";

export type ProfileRow = Record<string, string | number>;

/** Every row of a profile buffer as report objects (streamed one row at a time). */
export function profileRows(buffer: ProfileBuffer): ProfileRow[] {
  const rows: ProfileRow[] = [];
  const scratch = new Float64Array(buffer.columns.length);
  const cols = buffer.columns;
  readEntries(buffer, selectEntries(buffer, 1, 0), scratch, (_i, row) => {
    const out: ProfileRow = { time: new Date(row[0]).toISOString() };
    for (let c = 1; c < cols.length; c++) {
      const col = cols[c];
      const key = col.obis === "0.0.96.10.1.255" ? "status" : col.obis;
      out[key] = row[c];
    }
    rows.push(out);
  });
  return rows;
}

/** Scaler and unit of each value column of a profile (capture-time columns have none). */
export type ProfileColumns = Record<string, { scaler: number; unit: string }>;

/** The scaler and unit of a buffer's value columns, keyed like its rows. */
export function profileColumns(buffer: ProfileBuffer): ProfileColumns {
  const out: ProfileColumns = {};
  for (let c = 1; c < buffer.columns.length; c++) {
    const col = buffer.columns[c];
    if (col.attribute === 5) continue; // a capture time, an ISO string in the rows
    out[col.obis === "0.0.96.10.1.255" ? "status" : col.obis] = { scaler: col.scaler ?? 0, unit: col.unit ?? "" };
  }
  return out;
}

/** Adds a profile's rows and its column scalers/units to the report. */
export function addProfile(report: Report, obis: string, rows: unknown[], columns: ProfileColumns): void {
  const profiles = (report.profiles ?? {}) as Record<string, unknown[]>;
  const all = (report.profileColumns ?? {}) as Record<string, ProfileColumns>;
  profiles[obis] = rows;
  all[obis] = columns;
  report.profiles = profiles;
  report.profileColumns = all;
}

const ALARM_NAMES = Object.entries(ALARM);

export function profilesEventsSection(sim: Simulation, report: Report): void {
  const m = sim.meter;
  for (const buffer of [m.profiles.load.buffer, m.profiles.daily.buffer, m.powerFailures.log]) {
    const rows = profileRows(buffer);
    if (buffer === m.powerFailures.log) for (const r of rows) { r.start = r.time; delete r.time; }
    addProfile(report, buffer.obis, rows, profileColumns(buffer));
  }
  report.alarms = {
    register: m.events.alarmRegister,
    filter: m.events.alarmFilter,
    set: ALARM_NAMES.filter(([, bit]) => m.events.isAlarmSet(bit)).map(([name]) => name),
  };
  const pq = m.powerQuality;
  const kind = (b: number) => ({
    count: pq.counts[b],
    lastDurationS: pq.lastDurationMs[b] / 1000,
    totalDurationS: pq.totalDurationMs[b] / 1000,
    lastMagnitudeV: pq.lastMagnitudeMilliV[b] / 1000,
  });
  report.powerQuality = {
    sag: kind(VOLTAGE_BAND.sag),
    swell: kind(VOLTAGE_BAND.swell),
    missingVoltage: kind(VOLTAGE_BAND.missing),
    frequency: {
      count: pq.frequencyCount,
      lastDurationS: pq.frequencyLastDurationMs / 1000,
      totalDurationS: pq.frequencyTotalDurationMs / 1000,
      lastExtremeHz: pq.frequencyLastExtremeMilliHz / 1000,
    },
    activeEvent: Object.keys(VOLTAGE_BAND)[pq.activeBand],
    thresholds: {
      sagV: pq.sagLevelMilliV / 1000, swellV: pq.swellLevelMilliV / 1000, missingV: pq.missingLevelMilliV / 1000,
      sagS: pq.timeThresholdMs[VOLTAGE_BAND.sag] / 1000, swellS: pq.timeThresholdMs[VOLTAGE_BAND.swell] / 1000, missingS: pq.timeThresholdMs[VOLTAGE_BAND.missing] / 1000,
    },
  };
  const pf = m.powerFailures;
  report.powerFailures = { count: pf.count, long: pf.longCount, longThresholdS: pf.longThresholdS, lastDurationS: pf.lastDurationMs / 1000, totalDurationS: pf.totalDurationMs / 1000 };
  const t = m.tamper;
  report.tamper = {
    tamperFlag: t.tamperFlag, active: t.tamperActive, events: t.tamperEvents, terminalCoverOpen: t.terminalCoverOpen, meterCoverOpen: t.meterCoverOpen,
    magnetPresent: t.magnetPresent, reverseEnergy: t.reverse.active, currentMismatch: t.mismatch.active, meteringLine: t.meteringLine === 1 ? "neutral" : "phase",
  };
  const sub = (c: typeof m.gas) => ({ volumeM3: c.volumeMilliLitres / 1e6, pulses: c.pulses, captureTime: c.captureUtcMs > 0 ? new Date(c.captureUtcMs).toISOString() : null });
  report.subMeters = { gas: sub(m.gas), water: sub(m.water) };
}
