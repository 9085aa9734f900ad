import { civilPacked, dayNumber, daysInMonth, MS_PER_DAY, packedDay, packedMonth, packedYear } from "../time/civil-date";
import type { MeterClock } from "../time/clock";
import type { DemandMeter } from "./demand";
import { dateMatches, WILDCARD, WILDCARD_YEAR } from "../time/dlms-datetime";
import { ENERGY_REGISTERS, type EnergyRegisters, RATE_COUNT } from "./energy-registers";
import { type CaptureColumn, CircularProfile, CLOCK_COLUMN, type ProfileBuffer, registerValueColumn } from "../records/profile-buffer";
import type { ProfileBufferFactory } from "../records/profiles";

/** One class-22 execution_time entry: a local time of day on dates matching a wildcard pattern. */
export interface ExecutionTime {
  /** Local seconds after midnight. */
  second: number;
  /** 0xFFFF = every year. */
  year: number;
  /** 0xFF = every month. */
  month: number;
  /** 1..31, 0xFE last, 0xFD second last, 0xFF every day. */
  day: number;
  /** 1..7, 0xFF any. */
  dayOfWeek: number;
}

import { BILLING_PROFILE_OBIS } from "../kernel/obis";
export { BILLING_PROFILE_OBIS, BILLING_SCHEDULE_OBIS } from "../kernel/obis";
/** Billing periods kept (the spec asks for at least 13). */
const BILLING_PROFILE_ENTRIES = 15;

/** Default end of billing period: 00:00:00 local on the 1st of every month. */
function defaultBillingSchedule(): ExecutionTime[] {
  return [{ second: 0, year: WILDCARD_YEAR, month: WILDCARD, day: 1, dayOfWeek: WILDCARD }];
}

/** Billing state record (persistence): execution times as [second, year, month, day, dayOfWeek]. */
export interface BillingState {
  v: number;
  count: number;
  nextUtc: number;
  lastScheduledUtc: number;
  /** Capture time of the newest billing row when the state was saved (-1 none). */
  lastRowUtc: number;
  schedule: number[][];
}

const BILLING_FORMAT = 1;

/** Maximum demand A+ (total and per rate) and A-, each value (W, scaler -3) then its capture time (attribute 5). */
function demandColumns(): readonly CaptureColumn[] {
  const out: CaptureColumn[] = [];
  const add = (obis: string) => out.push(Object.freeze({ classId: 4, obis, attribute: 2, dataIndex: 0, scaler: -3, unit: "W" as const }), Object.freeze({ classId: 4, obis, attribute: 5, dataIndex: 0 }));
  for (let rate = 0; rate <= RATE_COUNT; rate++) add(`1.0.1.6.${rate}.255`);
  add("1.0.2.6.0.255");
  return Object.freeze(out);
}

/**
 * The billing profile's columns: the clock, every energy register (ENERGY_REGISTERS order, each
 * read with `EnergyRegisters.valueAt`), then the maximum demands. Constant, so one frozen module
 * table (flash on the device): the profile keeps no column object in RAM.
 */
function billingColumns(): readonly CaptureColumn[] {
  const out: CaptureColumn[] = [CLOCK_COLUMN];
  for (const r of ENERGY_REGISTERS) out.push(registerValueColumn(r));
  for (const c of demandColumns()) out.push(c);
  return Object.freeze(out);
}

export const BILLING_COLUMNS = billingColumns();

/** A backward clock set shorter than this does not repeat a billing already done. */
const REPEAT_GUARD_MS = MS_PER_DAY;
/** How far ahead the schedule is searched (covers 29 February patterns). */
const SEARCH_DAYS = 366 * 8;

function validateSchedule(entries: ExecutionTime[]): ExecutionTime[] {
  if (!Array.isArray(entries) || entries.length > 12) throw new RangeError("billing schedule needs 0..12 execution times");
  return entries.map((e, i) => {
    const fail = (msg: string): never => {
      throw new RangeError(`billing schedule entry ${i}: ${msg}`);
    };
    if (!Number.isInteger(e.second) || e.second < 0 || e.second >= 86_400) fail(`time ${e.second} s must be 0..86399`);
    if (e.year !== WILDCARD_YEAR && (!Number.isInteger(e.year) || e.year < 1970 || e.year > 9999)) fail(`year ${e.year} must be 1970..9999 or 0xFFFF`);
    if (e.month !== WILDCARD && (!Number.isInteger(e.month) || e.month < 1 || e.month > 12)) fail(`month ${e.month} must be 1..12 or 0xFF`);
    if (e.day !== WILDCARD && e.day !== 0xfe && e.day !== 0xfd && (!Number.isInteger(e.day) || e.day < 1 || e.day > 31)) fail(`day ${e.day} must be 1..31, 0xFD, 0xFE or 0xFF`);
    if (e.dayOfWeek !== WILDCARD && (!Number.isInteger(e.dayOfWeek) || e.dayOfWeek < 1 || e.dayOfWeek > 7)) fail(`day of week ${e.dayOfWeek} must be 1..7 or 0xFF`);
    return { ...e };
  });
}

/**
 * End of billing period (class 22 single-action schedule driving the billing profile, class 7):
 * captures the clock, every energy register and every maximum demand with its capture time,
 * then resets the maximum demands. Energy registers are never reset.
 */
export class Billing {
  /** Billing profile 0.0.98.1.0.255 (flash-backed when the meter's store supplies the buffer). */
  readonly profile: ProfileBuffer;
  /** Called after each end of billing period and schedule change (the meter saves the billing state then). */
  onChange: (() => void) | null = null;
  /** Billing periods closed since manufacture (scheduled and on command). */
  count = 0;
  private schedule: ExecutionTime[];
  /** Next scheduled end of billing period (nextExecutionUtc); TariffMetering.tick compares with it before calling tick(). */
  nextUtc = Infinity;
  /** Scheduled time of the last scheduled execution (to not repeat it after a small backward set). */
  private lastScheduledUtc = -Infinity;
  private readonly row: Float64Array;

  constructor(
    private readonly clock: MeterClock,
    private readonly energy: EnergyRegisters,
    private readonly demand: DemandMeter,
    schedule: ExecutionTime[] = defaultBillingSchedule(),
    capacity = BILLING_PROFILE_ENTRIES,
    createBuffer?: ProfileBufferFactory,
  ) {
    const columns = BILLING_COLUMNS;
    this.profile = createBuffer ? createBuffer(BILLING_PROFILE_OBIS, columns, 0, capacity) : new CircularProfile(BILLING_PROFILE_OBIS, columns, 0, capacity);
    this.row = new Float64Array(columns.length);
    this.schedule = validateSchedule(schedule);
    this.nextUtc = this.nextExecutionAfter(clock.nowUtcMs());
  }

  get executionTimes(): readonly ExecutionTime[] {
    return this.schedule;
  }

  /** UTC ms of the next scheduled end of billing period (Infinity if none). */
  get nextExecutionUtc(): number {
    return this.nextUtc;
  }

  /** Class 22 execution_time write. */
  setSchedule(entries: ExecutionTime[]): void {
    this.schedule = validateSchedule(entries);
    this.nextUtc = this.nextExecutionAfter(this.clock.nowUtcMs());
    this.onChange?.();
  }

  /**
   * What survives a power cut: the schedule, the period counter, and the next and last scheduled
   * executions, so an end of billing period that fell in an outage runs at power up.
   */
  snapshot(): BillingState {
    return {
      v: BILLING_FORMAT,
      count: this.count,
      nextUtc: Number.isFinite(this.nextUtc) ? this.nextUtc : -1,
      lastScheduledUtc: Number.isFinite(this.lastScheduledUtc) ? this.lastScheduledUtc : -1,
      lastRowUtc: this.newestRowUtc(),
      schedule: this.schedule.map((e) => [e.second, e.year, e.month, e.day, e.dayOfWeek]),
    };
  }

  /**
   * Restores the state (throws RangeError on a record it cannot take). A scheduled end of billing
   * period still due (it fell in the outage) runs at the first tick; one is enough, however long
   * the outage (the registers did not move meanwhile).
   */
  restore(s: BillingState): void {
    if (typeof s !== "object" || s === null || s.v !== BILLING_FORMAT) throw new RangeError("billing state: not a version-1 record");
    for (const k of ["count", "nextUtc", "lastScheduledUtc", "lastRowUtc"] as const) {
      if (typeof s[k] !== "number" || !Number.isSafeInteger(s[k]) || s[k] < -1) throw new RangeError(`billing state: ${k} is ${String(s[k])}`);
    }
    if (!Array.isArray(s.schedule)) throw new RangeError("billing state: no schedule");
    const schedule = validateSchedule(s.schedule.map((e) => {
      if (!Array.isArray(e) || e.length !== 5) throw new RangeError("billing state: bad execution time");
      return { second: e[0], year: e[1], month: e[2], day: e[3], dayOfWeek: e[4] };
    }));
    this.schedule = schedule;
    this.count = Math.max(0, s.count);
    this.lastScheduledUtc = s.lastScheduledUtc < 0 ? -Infinity : s.lastScheduledUtc;
    const next = this.nextExecutionAfter(this.clock.nowUtcMs());
    // A stored next execution that is already due was missed during the outage.
    this.nextUtc = s.nextUtc >= 0 && s.nextUtc < next && s.nextUtc > this.lastScheduledUtc ? s.nextUtc : next;
    // A row newer than the state: the power went between the row and the state's save. The
    // capture happened: finish it (counter, maxima reset) instead of capturing twice.
    const newest = this.newestRowUtc();
    this.demand.noteMaxReset(Math.max(newest, s.lastRowUtc));
    if (newest > s.lastRowUtc) {
      this.count++;
      this.demand.resetMax(newest);
      if (s.nextUtc >= 0 && newest >= s.nextUtc) {
        this.lastScheduledUtc = s.nextUtc;
        this.nextUtc = next;
      }
    }
  }

  private newestRowUtc(): number {
    const n = this.profile.entriesInUse();
    if (n === 0) return -1;
    this.profile.readEntry(n - 1, this.row);
    return Number.isFinite(this.row[0]) ? this.row[0] : -1;
  }

  /** Per tick, after energy and demand. No allocation unless a billing period ends. */
  tick(nowUtc: number): void {
    if (nowUtc < this.nextUtc) return;
    this.lastScheduledUtc = this.nextUtc;
    this.capture(nowUtc);
    this.nextUtc = this.nextExecutionAfter(nowUtc);
  }

  /** End of billing period now (on command, or scheduled): one profile row, then max demand reset. */
  capture(atUtc: number = this.clock.nowUtcMs()): void {
    const row = this.row;
    const d = this.demand;
    let c = 0;
    row[c++] = atUtc;
    const energy = this.energy;
    for (let i = 0; i < ENERGY_REGISTERS.length; i++) row[c++] = energy.valueAt(i);
    for (let rate = 0; rate <= RATE_COUNT; rate++) {
      row[c++] = d.maxImport[rate];
      row[c++] = d.maxImportTime[rate];
    }
    row[c++] = d.maxExport;
    row[c++] = d.maxExportTime;
    this.profile.append(row);
    d.resetMax(atUtc);
    this.count++;
    this.onChange?.();
  }

  /**
   * The clock was set. Forward over a scheduled time: that billing runs now (once). Backward by
   * less than a day: a billing already done is not repeated.
   */
  onTimeChange(oldUtc: number, newUtc: number): void {
    if (newUtc >= oldUtc) {
      if (this.nextUtc <= newUtc) {
        this.lastScheduledUtc = this.nextUtc;
        this.capture(newUtc);
      }
      this.nextUtc = this.nextExecutionAfter(newUtc);
      return;
    }
    const guard = this.lastScheduledUtc > newUtc && this.lastScheduledUtc - newUtc < REPEAT_GUARD_MS;
    this.nextUtc = this.nextExecutionAfter(guard ? this.lastScheduledUtc : newUtc);
  }

  /** First scheduled execution strictly after `utcMs` (Infinity if none within the search window). */
  nextExecutionAfter(utcMs: number): number {
    if (this.schedule.length === 0) return Infinity;
    const firstDay = dayNumber(this.clock.localMs(utcMs)) - 1;
    const schedule = this.schedule;
    for (let day = firstDay; day < firstDay + SEARCH_DAYS; ) {
      let best = Infinity;
      let matched = false;
      for (let i = 0; i < schedule.length; i++) {
        const e = schedule[i];
        if (!dateMatches(day, e.year, e.month, e.day, e.dayOfWeek)) continue;
        matched = true;
        const at = this.clock.localToUtc(day * MS_PER_DAY + e.second * 1000);
        if (at > utcMs && at < best) best = at;
      }
      if (best < Infinity) return best;
      day += matched ? 1 : daysToNextCandidate(schedule, day);
    }
    return Infinity;
  }
}

/**
 * Days from `day` (matched by no execution time) to the next day that may match one: an
 * execution time on a fixed day of the month (1..31) matches no day before that day of this month,
 * or, once past it, before the 1st of the next; any other (wildcard, last days of the month) may
 * match tomorrow. The smallest over the schedule, so no matching day is ever skipped: the search
 * visits a few days a month instead of every day (power up: ~22,000 XS computrons a search for a
 * monthly schedule).
 */
function daysToNextCandidate(schedule: readonly ExecutionTime[], day: number): number {
  const civil = civilPacked(day);
  const d = packedDay(civil);
  let skip = Infinity;
  for (let i = 0; i < schedule.length; i++) {
    const e = schedule[i].day;
    if (!(e >= 1 && e <= 31)) return 1;
    const k = e > d ? e - d : daysInMonth(packedYear(civil), packedMonth(civil)) - d + 1;
    if (k < skip) skip = k;
  }
  return skip >= 1 && skip < Infinity ? skip : 1;
}
