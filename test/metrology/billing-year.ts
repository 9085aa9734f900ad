/**
 * The year of billing.test.ts ("a full year at 1 s ticks with monthly billing"): its load and
 * the run itself. The test runs it in plain Node (billing-year-runner.ts, test/node-run.ts):
 * 31.5 million ticks take about 9 times longer inside jest's vm context.
 */
import { Rig, type TickEnergy, utcOf } from "./harness";

const MIN = 60_000;

export const YEAR_START = utcOf("2026-01-01T00:00:00", 60);

export interface Peak {
  startUtc: number;
  endUtc: number;
  level: number;
}

/** Month m has one 15-minute peak of (10 + 3m) mWh per second starting on day m+2 at hour (5m mod 24), minute 15(m mod 4). */
export function yearPeaks(): Peak[] {
  return Array.from({ length: 12 }, (_, i) => {
    const m = i + 1;
    const from = new Date(Date.UTC(2026, i, m + 2, (5 * m) % 24, 15 * (m % 4)));
    const local = from.toISOString().slice(0, 19);
    const berlinOffset = m >= 4 && m <= 10 ? 120 : 60; // no peak falls on a DST day
    const startUtc = utcOf(local, berlinOffset);
    return { startUtc, endUtc: startUtc + 15 * MIN, level: 10 + 3 * m };
  });
}

export interface BillingYear {
  entriesInUse: number;
  columns: { obis: string; attribute: number }[];
  /** The billing profile's rows as read with readEntry (NaN written as null by JSON). */
  rows: (number | null)[][];
  activeImport: number;
  importCounts: number;
  elapsedMs: number;
}

/** The year from 2026-01-01 to 2027-01-01 00:00:01 local at 1 s ticks, tariff chain only. */
export function runBillingYear(): BillingYear {
  const peaks = yearPeaks();
  let k = 0;
  const load = (utc: number, out: TickEnergy): void => {
    while (k < 11 && utc > peaks[k].endUtc) k++;
    out.active = utc > peaks[k].startUtc && utc <= peaks[k].endUtc ? peaks[k].level : 1;
  };
  const rig = new Rig(YEAR_START, load);
  const t0 = Date.now();
  rig.runToUtc(utcOf("2027-01-01T00:00:01", 60));
  const elapsedMs = Date.now() - t0;
  const p = rig.metering.billing.profile;
  const row = new Float64Array(p.columns.length);
  const rows: number[][] = [];
  for (let i = 0; i < p.entriesInUse(); i++) {
    p.readEntry(i, row);
    rows.push(Array.from(row));
  }
  return {
    entriesInUse: p.entriesInUse(),
    columns: p.columns.map((c) => ({ obis: c.obis, attribute: c.attribute })),
    rows,
    activeImport: rig.energy.activeImport,
    importCounts: rig.importCounts,
    elapsedMs,
  };
}
