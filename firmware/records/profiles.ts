import { CircularProfile, CLOCK_COLUMN, registerValueColumn, STATUS_COLUMN, type CaptureColumn, type ProfileBuffer } from "./profile-buffer";
import { ENERGY_REGISTERS } from "../metrology/energy-registers";
import { MONITORING_REGISTERS } from "../monitoring/monitoring-registers";

import { PROFILE_OBIS } from "../kernel/obis";
import { deepFreeze } from "../kernel/freeze";
export { PROFILE_OBIS } from "../kernel/obis";

/** Profile status word bits (IDIS AMR profile status, 0.0.96.10.1.255). */
export const PROFILE_STATUS = deepFreeze({
  criticalError: 0x01,
  clockInvalid: 0x02,
  dataNotValid: 0x04,
  daylightSaving: 0x08,
  clockAdjusted: 0x20,
  powerDown: 0x80,
} as const);

/** Values captured after clock and status, in this order; those the meter lacks are left out. */
const LOAD_PROFILE_VALUES = deepFreeze(["1.0.1.8.0.255", "1.0.2.8.0.255", "1.0.3.8.0.255", "1.0.4.8.0.255"] as const);
const DAILY_PROFILE_VALUES = deepFreeze([
  "1.0.1.8.0.255", "1.0.1.8.1.255", "1.0.1.8.2.255", "1.0.1.8.3.255", "1.0.1.8.4.255",
  "1.0.2.8.0.255", "1.0.2.8.1.255", "1.0.2.8.2.255", "1.0.2.8.3.255", "1.0.2.8.4.255",
  "7.0.3.0.0.255", "8.0.1.0.0.255",
] as const);

/**
 * A profile's full column list (clock, status, then `values`), frozen at module level: preloaded
 * into flash on the device. The constants come from the registers' own frozen tables.
 */
function profileColumns(values: readonly string[]): readonly CaptureColumn[] {
  const out: CaptureColumn[] = [CLOCK_COLUMN, STATUS_COLUMN];
  for (const obis of values) {
    const row = ENERGY_REGISTERS.find((r) => r.obis === obis) ?? MONITORING_REGISTERS.find((r) => r.obis === obis);
    if (row === undefined) throw new RangeError(`profile value ${obis}: no such register`);
    out.push(registerValueColumn(row));
  }
  return Object.freeze(out);
}

const LOAD_PROFILE_COLUMNS = profileColumns(LOAD_PROFILE_VALUES);
const DAILY_PROFILE_COLUMNS = profileColumns(DAILY_PROFILE_VALUES);

/**
 * How the profiles read their registers: by row index in the meter's register table (the Meter
 * itself), so a profile keeps one number per value column, no descriptor.
 */
export interface RegisterReader {
  /** Row of `obis`, -1 if the meter has no such register. */
  registerIndex(obis: string): number;
  /** The value of row `index` now. No allocation. */
  readRegister(index: number): number;
}

/** Local-time rules the schedules need; the clock feature may supply its own (configurable DST). */
interface LocalTimeRules {
  /** Local time minus UTC at `utcMs`, ms. */
  offsetMs(utcMs: number): number;
  isDst(utcMs: number): boolean;
  /** UTC ms of a local wall time given as `Date.UTC` of its fields. */
  localToUtc(localAsUtcMs: number): number;
  /** Whether the clock is invalid now (CIV bit), when the rules are the meter's clock. */
  readonly invalid?: boolean;
}

export type ProfileBufferFactory = (obis: string, columns: readonly CaptureColumn[], capturePeriodS: number, capacity: number) => ProfileBuffer;

interface ProfilesOptions {
  rules: LocalTimeRules;
  /** Reads the registers by row index (the meter). */
  registers: RegisterReader;
  loadPeriodS: number;
  loadEntries: number;
  dailyEntries: number;
  /** Whether the clock is invalid now (CIV bit); default: the rules' `invalid` (false if they have none). */
  clockInvalid?: () => boolean;
  /** Supplies the buffers (the flash-backed store); default: RAM rings. */
  createBuffer?: ProfileBufferFactory;
  /**
   * Runs a task right after the current tick (the meter passes its Clock: `schedule(task, 0)`).
   * When given, a scheduled capture takes the row's values in the tick (so the row holds exactly
   * the energy up to its boundary) and leaves the append to the buffer (row encoding, CRC, flash
   * writes: persistence work) to that task, keeping profile-capture ticks cheap. `flush()`
   * appends a waiting row at once (the emergency save, stop). An object, not a closure: the
   * profiles keep no function of their own but the one bound flush.
   */
  scheduler?: { schedule(task: () => void, delayMs: number): unknown };
}

/** A clock change smaller than this is not a "clock adjusted" (ms). */
const CLOCK_CHANGE_TOLERANCE_MS = 1000;
const DAY_MS = 86_400_000;

/** Schedule state of one profile, for persistence (plain numbers). */
export interface ScheduleState {
  pending: number;
  lastCaptureUtcMs: number;
  nextCaptureUtcMs: number;
}

export interface ProfilesState {
  load: ScheduleState;
  daily: ScheduleState;
  wallOffsetMs: number;
}

/** One profile with its capture schedule. */
class ScheduledProfile {
  /** Status bits collected during the current interval, written into its row. */
  pending = 0;
  /** Capture time of the newest row (-1 = none). */
  lastCaptureUtcMs = -1;
  /** The next boundary (NaN until the first update). */
  nextCaptureUtcMs = NaN;
  /**
   * The row being captured, and a captured row whose append was deferred while `waiting` (see
   * ProfilesOptions.scheduler); scratch for reading the newest row otherwise. One array: a capture
   * and a read first append the waiting row (flush).
   */
  private readonly row: Float64Array;
  private waiting = false;

  constructor(
    readonly buffer: ProfileBuffer,
    private readonly registers: RegisterReader,
    /** Register rows of the value columns (after clock and status), in column order. */
    private readonly sources: readonly number[],
    /** Capture period, ms; a whole day means local midnights. */
    readonly periodMs: number,
    /** A clock set backwards by at most this much holds captures until the time passes the newest row. */
    readonly holdLimitMs: number,
    private readonly rules: LocalTimeRules,
  ) {
    this.row = new Float64Array(buffer.columns.length);
    this.syncFromBuffer();
  }

  /** Appends the row whose append was deferred, if any. */
  flush(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.buffer.append(this.row);
  }

  /** Takes the newest row's time from the buffer (a flash-backed buffer may be restored after construction). */
  syncFromBuffer(): void {
    this.flush();
    const n = this.buffer.entriesInUse();
    if (n === 0) return;
    this.buffer.readEntry(n - 1, this.row);
    if (this.row[0] > this.lastCaptureUtcMs) this.lastCaptureUtcMs = this.row[0];
  }

  /** The newest boundary at or before `utcMs`. */
  boundaryAtOrBefore(utcMs: number): number {
    const off = this.rules.offsetMs(utcMs);
    if (this.periodMs === DAY_MS) return this.rules.localToUtc(Math.floor((utcMs + off) / DAY_MS) * DAY_MS);
    return utcMs - ((utcMs + off) % this.periodMs);
  }

  /** The first boundary strictly after `utcMs`. */
  boundaryAfter(utcMs: number): number {
    const off = this.rules.offsetMs(utcMs);
    if (this.periodMs === DAY_MS) return this.rules.localToUtc((Math.floor((utcMs + off) / DAY_MS) + 1) * DAY_MS);
    return utcMs - ((utcMs + off) % this.periodMs) + this.periodMs;
  }

  /** Plans the next capture from `utcMs`, holding back after a (small) backward clock set. */
  schedule(utcMs: number): void {
    const last = this.lastCaptureUtcMs;
    const hold = last >= utcMs && last - utcMs <= this.holdLimitMs;
    this.nextCaptureUtcMs = this.boundaryAfter(hold ? last : utcMs);
  }

  /**
   * Appends a row stamped `rowUtcMs` with `status`; returns false if it would not be newer than
   * the last. With `deferAppend` the values are taken now and the row waits for `flush` (the
   * deferred task).
   */
  capture(rowUtcMs: number, status: number, deferAppend = false): boolean {
    if (rowUtcMs <= this.lastCaptureUtcMs && this.lastCaptureUtcMs - rowUtcMs <= this.holdLimitMs) return false;
    this.flush();
    const row = this.row;
    row[0] = rowUtcMs;
    row[1] = status;
    for (let i = 0; i < this.sources.length; i++) row[i + 2] = this.registers.readRegister(this.sources[i]);
    if (deferAppend) {
      this.waiting = true;
    } else {
      this.buffer.append(row);
    }
    this.lastCaptureUtcMs = rowUtcMs;
    this.pending = 0;
    return true;
  }

  snapshot(): ScheduleState {
    return { pending: this.pending, lastCaptureUtcMs: this.lastCaptureUtcMs, nextCaptureUtcMs: this.nextCaptureUtcMs };
  }

  restore(s: ScheduleState): void {
    this.pending = s.pending;
    this.lastCaptureUtcMs = s.lastCaptureUtcMs;
    this.nextCaptureUtcMs = s.nextCaptureUtcMs;
  }
}

/**
 * Load profile 1.0.99.1.0.255 and daily profile 1.0.99.2.0.255 (docs/metering.md section 4).
 *
 * Captures happen when the tick's wall time reaches the next boundary (one comparison per tick;
 * the capture itself only at boundaries). Doing it from the tick, after the energy of that tick
 * is added, makes a row hold exactly the energy up to its boundary, and lets a clock set be seen
 * at once: the wall-minus-monotonic offset changes. Rows are stamped with the boundary (UTC ms).
 *
 * Clock sets: the rows of both profiles carry "clock adjusted" for the interval in which the
 * clock was set. After a set backwards by up to a day (load) or two days (daily), no row is
 * captured until the time passes the newest row, so capture times stay strictly increasing and
 * a range read never sees a duplicate; the energy of the repeated time goes into the next row.
 * A larger backward set (the clock was far wrong) resumes capturing at once; range reads still
 * return exactly the rows inside the range (profile-read.ts does not assume order).
 */
export class Profiles {
  readonly load: ScheduledProfile;
  readonly daily: ScheduledProfile;
  private wallOffsetMs = NaN;
  /** Start of the outage noted at this power up (-1: none or unknown). */
  private powerDownUtcMs = -1;
  private readonly clockInvalid: (() => boolean) | undefined;
  private readonly rules: LocalTimeRules;
  private readonly scheduler: { schedule(task: () => void, delayMs: number): unknown } | undefined;
  /** The deferred append of both profiles (one task; a profile with no waiting row does nothing). */
  private readonly flushTask: (() => void) | null;

  constructor(options: ProfilesOptions) {
    this.rules = options.rules;
    this.scheduler = options.scheduler;
    this.flushTask = options.scheduler ? this.flush.bind(this) : null;
    this.clockInvalid = options.clockInvalid;
    const create = options.createBuffer ?? ((obis, columns, period, capacity) => new CircularProfile(obis, columns, period, capacity));
    const registers = options.registers;
    const build = (obis: string, all: readonly CaptureColumn[], periodS: number, capacity: number, holdLimitMs: number) => {
      // Values the meter lacks are left out; with none missing the column list is the frozen table.
      const sources: number[] = [];
      const present: CaptureColumn[] = [CLOCK_COLUMN, STATUS_COLUMN];
      for (let c = 2; c < all.length; c++) {
        const index = registers.registerIndex(all[c].obis);
        if (index < 0) continue;
        sources.push(index);
        present.push(all[c]);
      }
      const columns = present.length === all.length ? all : present;
      return new ScheduledProfile(create(obis, columns, periodS, capacity), registers, sources, periodS * 1000, holdLimitMs, options.rules);
    };
    this.load = build(PROFILE_OBIS.load, LOAD_PROFILE_COLUMNS, options.loadPeriodS, options.loadEntries, DAY_MS);
    this.daily = build(PROFILE_OBIS.daily, DAILY_PROFILE_COLUMNS, 86_400, options.dailyEntries, 2 * DAY_MS);
  }

  /**
   * Power up, after the restore: resumes after the newest row held and plans the next captures
   * (reads the buffers' newest rows: flash work), so the first tick does not. Optional: the first
   * `update` does it when this was not called.
   */
  prepare(utcMs: number, monoMs: number): void {
    this.resume(utcMs);
    this.wallOffsetMs = utcMs - monoMs;
  }

  private resume(utcMs: number): void {
    this.load.syncFromBuffer();
    this.daily.syncFromBuffer();
    this.catchUp(this.load, utcMs);
    this.catchUp(this.daily, utcMs);
    this.load.schedule(utcMs);
    this.daily.schedule(utcMs);
  }

  /**
   * Power up: a boundary that passed while the meter was off (newer than the newest row, not
   * after now) gets its row now, stamped with that boundary and flagged "power down" (the
   * registers did not move meanwhile: the row holds what they held at the cut). Only the newest
   * such boundary: an outage of many intervals writes one row, not one per interval. The
   * interval running at power up keeps the power-down bit too (the outage reached into it).
   */
  private catchUp(profile: ScheduledProfile, utcMs: number): void {
    // The boundary must lie after both the newest row and the start of the outage (when known).
    const after = Math.max(profile.lastCaptureUtcMs, this.powerDownUtcMs);
    if (after < 0 || (profile.pending & PROFILE_STATUS.powerDown) === 0) return;
    const boundary = profile.boundaryAtOrBefore(utcMs);
    if (boundary <= after) return;
    const pending = profile.pending;
    profile.capture(boundary, pending | this.timeStatus(boundary));
    profile.pending = pending;
  }

  /** Per tick, after the energy registers were updated. `dataInvalid`: this tick's measurement was not good. */
  update(utcMs: number, monoMs: number, dataInvalid: boolean): void {
    const offset = utcMs - monoMs;
    if (offset !== this.wallOffsetMs) {
      if (this.wallOffsetMs !== this.wallOffsetMs) {
        // First update since start or restore: resume after the newest row held.
        this.resume(utcMs);
      } else if (offset - this.wallOffsetMs >= CLOCK_CHANGE_TOLERANCE_MS || this.wallOffsetMs - offset >= CLOCK_CHANGE_TOLERANCE_MS) {
        this.load.pending |= PROFILE_STATUS.clockAdjusted;
        this.daily.pending |= PROFILE_STATUS.clockAdjusted;
        this.load.schedule(utcMs);
        this.daily.schedule(utcMs);
      }
      this.wallOffsetMs = offset;
    }
    if (dataInvalid) {
      this.load.pending |= PROFILE_STATUS.dataNotValid;
      this.daily.pending |= PROFILE_STATUS.dataNotValid;
    }
    if (utcMs >= this.load.nextCaptureUtcMs) this.captureScheduled(this.load, utcMs);
    if (utcMs >= this.daily.nextCaptureUtcMs) this.captureScheduled(this.daily, utcMs);
  }

  /**
   * A power failure happened (called at power up): both current intervals get "power down".
   * `startUtcMs`: when it began, if known (a boundary between it and now gets its row at resume).
   */
  notePowerDown(startUtcMs = -1): void {
    this.powerDownUtcMs = startUtcMs;
    this.load.pending |= PROFILE_STATUS.powerDown;
    this.daily.pending |= PROFILE_STATUS.powerDown;
  }

  /** The clock feature tells of a set it made (also detected from the wall offset). */
  noteClockAdjusted(): void {
    this.load.pending |= PROFILE_STATUS.clockAdjusted;
    this.daily.pending |= PROFILE_STATUS.clockAdjusted;
  }

  /** As the clock's time-change listener: a set or shift is a clock adjustment. */
  timeChanged(): void {
    this.noteClockAdjusted();
  }

  /** Profile status word 0.0.96.10.1.255: the load profile's status for the interval now running. */
  statusWord(utcMs: number): number {
    return this.load.pending | this.timeStatus(utcMs);
  }

  /** DLMS capture method: a row now, stamped with the current time (refused if not newer than the last). */
  captureNow(profile: ScheduledProfile, utcMs: number): boolean {
    return profile.capture(utcMs, profile.pending | this.timeStatus(utcMs));
  }

  /** Appends any row whose append was deferred (emergency save, stop). */
  flush(): void {
    this.load.flush();
    this.daily.flush();
  }

  /** DLMS reset method. */
  reset(profile: ScheduledProfile): void {
    profile.flush();
    profile.buffer.clear();
    profile.lastCaptureUtcMs = -1;
  }

  snapshot(): ProfilesState {
    return { load: this.load.snapshot(), daily: this.daily.snapshot(), wallOffsetMs: this.wallOffsetMs };
  }

  restore(s: ProfilesState): void {
    this.load.restore(s.load);
    this.daily.restore(s.daily);
    // The wall offset is not restored: monotonic time restarts at boot. The next update reschedules
    // from the restored last capture times.
    this.wallOffsetMs = NaN;
  }

  private captureScheduled(profile: ScheduledProfile, utcMs: number): void {
    const rowTime = profile.boundaryAtOrBefore(utcMs);
    const flushTask = this.flushTask;
    if (profile.capture(rowTime, profile.pending | this.timeStatus(rowTime), flushTask !== null) && flushTask) this.scheduler?.schedule(flushTask, 0);
    profile.schedule(utcMs);
  }

  private timeStatus(utcMs: number): number {
    return (this.rules.isDst(utcMs) ? PROFILE_STATUS.daylightSaving : 0) | ((this.clockInvalid ? this.clockInvalid() : this.rules.invalid === true) ? PROFILE_STATUS.clockInvalid : 0);
  }
}
