import type { Clock } from "../hal";
import { dayNumber, daysFromCivil, MS_PER_DAY, MS_PER_MINUTE, yearOfDays } from "./civil-date";
import { CLOCK_STATUS, DAY_LAST, dstPatternDay, type DateTimeFields, utcToDateTime } from "./dlms-datetime";
import { ALARM, EVENT } from "../kernel/event-codes";
import type { EventLogs } from "../records/event-log";
import { deepFreeze } from "../kernel/freeze";
import type { ChangeSaver } from "../kernel/change-saver";

/** A DST switch moment as a class-8 pattern: month, day (or 0xFE/0xFD), weekday (or 0xFF), local time. */
interface DstSwitch {
  month: number;
  day: number;
  /** 1 = Monday .. 7 = Sunday, 0xFF = any. */
  dayOfWeek: number;
  /** Local minutes after midnight: begin in standard time, end in daylight time. */
  minuteOfDay: number;
}

/** Class 8 attributes 5..8: daylight_savings_begin/end/deviation/enabled. */
interface DstSettings {
  enabled: boolean;
  begin: DstSwitch;
  end: DstSwitch;
  /** Minutes added to standard time while DST is active (class 8 attribute 7). */
  deviationMinutes: number;
}

/** Standard events this module records (docs/metering.md section 4). */
export const CLOCK_EVENT = deepFreeze({
  dstChange: EVENT.standard.dstChange,
  clockAdjustedOld: EVENT.standard.clockAdjustedOld,
  clockAdjustedNew: EVENT.standard.clockAdjustedNew,
  clockInvalid: EVENT.standard.clockInvalid,
} as const);

/**
 * The EU rule (last Sunday of March and of October, both at 01:00 UTC) as local switch times for
 * a zone `standardOffsetMinutes` ahead of UTC: begin 01:00 UTC in standard time, end 01:00 UTC in
 * summer time.
 */
export function euDstSettings(standardOffsetMinutes: number): DstSettings {
  const begin = 60 + standardOffsetMinutes;
  const end = begin + 60;
  if (begin < 0 || end >= 1440) throw new RangeError(`the EU DST rule needs a standard offset in -60..1319 minutes, got ${standardOffsetMinutes}`);
  return {
    enabled: true,
    begin: { month: 3, day: DAY_LAST, dayOfWeek: 7, minuteOfDay: begin },
    end: { month: 10, day: DAY_LAST, dayOfWeek: 7, minuteOfDay: end },
    deviationMinutes: 60,
  };
}

export function noDstSettings(): DstSettings {
  return { ...euDstSettings(0), enabled: false };
}

/**
 * Told after the wall clock was set or shifted (old and new UTC ms of the same instant): a
 * function, or an object whose `timeChanged` method is called (the meter's parts listen with
 * their own prototype method, not a closure each).
 */
type TimeChangeListener = ((oldUtcMs: number, newUtcMs: number) => void) | { timeChanged(oldUtcMs: number, newUtcMs: number): void };

/**
 * The meter's DLMS clock (class 8) over the Clock port: local time with time zone and DST rules,
 * clock status, set/shift with events 4/5, DST change event 3, invalid after a power loss
 * (event 6, alarm bit 0). UTC lives in the port; this class adds the rules.
 */
export class MeterClock {
  private standardOffset: number;
  /**
   * The DST rules as numbers (DST_RULE layout), not three objects: one array whose elements live
   * in a chunk. `dst` builds the object form when asked (a DLMS read, rare).
   */
  private readonly rule: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  private statusBits = 0;
  /** UTC range of the cached year (local standard time), so the tick skips the year arithmetic. */
  private cachedFromUtc = 0;
  private cachedToUtc = -1;
  private cachedBeginUtc = 0;
  private cachedEndUtc = 0;
  private lastDst: boolean;
  private readonly listeners: TimeChangeListener[] = [];
  /**
   * Told after a change the meter saves: `saver.saveIfRestored(kind)` (the meter's persistence
   * object and its state number; no closure kept). None until `saveChangesTo`.
   */
  private saver: ChangeSaver | null = null;
  private saverKind = 0;

  /**
   * @param standardOffsetMinutes local standard time minus UTC (CET: 60). The DLMS time_zone
   * attribute is its negation.
   */
  constructor(private readonly port: Clock, private readonly events: EventLogs, standardOffsetMinutes: number, dst: DstSettings) {
    this.standardOffset = checkOffset(standardOffsetMinutes);
    this.setRule(checkDst(dst));
    this.lastDst = this.isDst(port.wallClockMs());
  }

  nowUtcMs(): number {
    return this.port.wallClockMs();
  }

  /** From now on every change is told to `saver` as state `kind` (the meter's persistence). */
  saveChangesTo(saver: ChangeSaver | null, kind: number): void {
    this.saver = saver;
    this.saverKind = kind;
  }

  /** Local standard time minus UTC, minutes. */
  get standardOffsetMinutes(): number {
    return this.standardOffset;
  }

  /** DLMS class 8 time_zone: minutes from local standard time to UTC (CET: -60). */
  get timeZone(): number {
    return -this.standardOffset;
  }

  set timeZone(minutes: number) {
    this.standardOffset = checkOffset(-minutes);
    this.invalidateCache();
    this.lastDst = this.isDst(this.nowUtcMs());
    this.saver?.saveIfRestored(this.saverKind);
  }

  /** The DST rules (an object made for this call). */
  get dst(): Readonly<DstSettings> {
    const r = this.rule;
    return {
      enabled: r[0] === 1,
      begin: { month: r[1], day: r[2], dayOfWeek: r[3], minuteOfDay: r[4] },
      end: { month: r[5], day: r[6], dayOfWeek: r[7], minuteOfDay: r[8] },
      deviationMinutes: r[9],
    };
  }

  /** Takes checked rules into `rule`. */
  private setRule(d: DstSettings): void {
    const r = this.rule;
    r[0] = d.enabled ? 1 : 0;
    r[1] = d.begin.month;
    r[2] = d.begin.day;
    r[3] = d.begin.dayOfWeek;
    r[4] = d.begin.minuteOfDay;
    r[5] = d.end.month;
    r[6] = d.end.day;
    r[7] = d.end.dayOfWeek;
    r[8] = d.end.minuteOfDay;
    r[9] = d.deviationMinutes;
  }

  /** Replaces the DST rules (class 8 attributes 5..8). */
  setDst(settings: DstSettings): void {
    this.setRule(checkDst(settings));
    this.invalidateCache();
    this.lastDst = this.isDst(this.nowUtcMs());
    this.saver?.saveIfRestored(this.saverKind);
  }

  /**
   * What survives a power cut: time zone, DST rules and the invalid/doubtful status bits (a clock
   * that was invalid stays so until it is set). Flat numbers: [version, standard offset,
   * DST enabled, begin month/day/weekday/minute, end month/day/weekday/minute, deviation, status].
   */
  snapshot(): number[] {
    const r = this.rule;
    return [CLOCK_FORMAT, this.standardOffset, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], this.statusBits & PERSISTENT_STATUS];
  }

  /** Restores a snapshot (throws RangeError on a record of another format or with bad values; nothing changes then). */
  restore(s: readonly number[]): void {
    if (!Array.isArray(s) || s.length !== 13 || s[0] !== CLOCK_FORMAT || (s[2] !== 0 && s[2] !== 1)) throw new RangeError("clock state: not a version-1 record");
    const offset = checkOffset(s[1]);
    const dst = checkDst({
      enabled: s[2] === 1,
      begin: { month: s[3], day: s[4], dayOfWeek: s[5], minuteOfDay: s[6] },
      end: { month: s[7], day: s[8], dayOfWeek: s[9], minuteOfDay: s[10] },
      deviationMinutes: s[11],
    });
    if (!Number.isInteger(s[12]) || (s[12] & ~PERSISTENT_STATUS) !== 0) throw new RangeError(`clock state: status ${s[12]}`);
    this.standardOffset = offset;
    this.setRule(dst);
    this.statusBits = s[12];
    this.invalidateCache();
    this.lastDst = this.isDst(this.nowUtcMs());
  }

  isDst(utcMs: number): boolean {
    if (this.rule[0] === 0) return false;
    if (utcMs < this.cachedFromUtc || utcMs >= this.cachedToUtc) this.cacheYear(yearOfDays(dayNumber(utcMs + this.standardOffset * MS_PER_MINUTE)));
    if (this.cachedBeginUtc <= this.cachedEndUtc) return utcMs >= this.cachedBeginUtc && utcMs < this.cachedEndUtc;
    return utcMs >= this.cachedBeginUtc || utcMs < this.cachedEndUtc;
  }

  /** UTC ms of the next DST switch strictly after `utcMs` (Infinity without DST). */
  nextDstSwitchUtc(utcMs: number): number {
    if (this.rule[0] === 0) return Infinity;
    const year = yearOfDays(dayNumber(utcMs + this.standardOffset * MS_PER_MINUTE));
    let best = Infinity;
    for (let y = year; y <= year + 1; y++) {
      this.cacheYear(y);
      if (this.cachedBeginUtc > utcMs && this.cachedBeginUtc < best) best = this.cachedBeginUtc;
      if (this.cachedEndUtc > utcMs && this.cachedEndUtc < best) best = this.cachedEndUtc;
    }
    this.invalidateCache();
    return best;
  }

  /** Local time minus UTC at `utcMs`, minutes. */
  offsetMinutesAt(utcMs: number): number {
    return this.standardOffset + (this.isDst(utcMs) ? this.rule[9] : 0);
  }

  /** Local time minus UTC at `utcMs`, ms (the profiles' capture schedule takes the clock as its local-time rules). */
  offsetMs(utcMs: number): number {
    return this.offsetMinutesAt(utcMs) * MS_PER_MINUTE;
  }

  /** Local wall-clock time of `utcMs` as ms "as if UTC" (for calendar arithmetic). */
  localMs(utcMs: number): number {
    return utcMs + this.offsetMinutesAt(utcMs) * MS_PER_MINUTE;
  }

  /** DLMS deviation at `utcMs`: UTC = local + deviation. */
  deviationAt(utcMs: number): number {
    return -this.offsetMinutesAt(utcMs);
  }

  /**
   * UTC of a local wall-clock time (ms "as if UTC"). In the autumn overlap the earlier
   * (daylight) instant is chosen; a time in the spring gap is read as standard time.
   */
  localToUtc(localMs: number): number {
    const daylight = localMs - (this.standardOffset + this.rule[9]) * MS_PER_MINUTE;
    if (this.isDst(daylight)) return daylight;
    return localMs - this.standardOffset * MS_PER_MINUTE;
  }

  /** Clock status byte (class 8 attribute 4) at `utcMs`. */
  statusAt(utcMs: number): number {
    return this.statusBits | (this.isDst(utcMs) ? CLOCK_STATUS.daylightSaving : 0);
  }

  get status(): number {
    return this.statusAt(this.nowUtcMs());
  }

  get invalid(): boolean {
    return (this.statusBits & CLOCK_STATUS.invalid) !== 0;
  }

  /** Current time as DLMS date-time fields (local, deviation, status). */
  nowFields(out: DateTimeFields): DateTimeFields {
    const now = this.nowUtcMs();
    return utcToDateTime(now, this.deviationAt(now), this.statusAt(now), out);
  }

  onTimeChange(listener: TimeChangeListener): void {
    this.listeners.push(listener);
  }

  /**
   * Sets the clock (class 8 attribute 2 write, SNTP, the simulator): event 4 stamped with the old
   * time, event 5 with the new one; clears the invalid and doubtful bits.
   */
  setTime(utcMs: number): void {
    if (!Number.isFinite(utcMs) || utcMs < 0 || utcMs > 253_402_300_799_000) throw new RangeError(`clock time ${utcMs} out of range`);
    const old = this.nowUtcMs();
    this.events.record("standard", CLOCK_EVENT.clockAdjustedOld);
    this.port.setWallClockMs(utcMs);
    this.events.record("standard", CLOCK_EVENT.clockAdjustedNew);
    const status = this.statusBits;
    this.statusBits &= ~(CLOCK_STATUS.invalid | CLOCK_STATUS.doubtful);
    this.lastDst = this.isDst(utcMs);
    for (let i = 0; i < this.listeners.length; i++) {
      const listener = this.listeners[i];
      if (typeof listener === "function") listener(old, utcMs);
      else listener.timeChanged(old, utcMs);
    }
    if (status !== this.statusBits) this.saver?.saveIfRestored(this.saverKind);
  }

  /** Class 8 method shift_time (DLMS allows -900..900 s; see SHIFT_TIME_LIMIT_S). */
  shiftTime(seconds: number): void {
    if (!Number.isInteger(seconds)) throw new RangeError(`shift must be whole seconds, got ${seconds}`);
    this.setTime(this.nowUtcMs() + seconds * 1000);
  }

  /**
   * Called by the persistence layer at power up when no time source vouches for the clock:
   * status invalid, event 6, alarm bit 0.
   */
  markInvalidAfterPowerLoss(): void {
    const status = this.statusBits;
    this.statusBits |= CLOCK_STATUS.invalid;
    this.events.record("standard", CLOCK_EVENT.clockInvalid);
    this.events.raiseAlarm(ALARM.clockInvalid);
    if (status !== this.statusBits) this.saver?.saveIfRestored(this.saverKind);
  }

  /** Marks the time as doubtful (e.g. restored from a backup without a time source). */
  markDoubtful(): void {
    const status = this.statusBits;
    this.statusBits |= CLOCK_STATUS.doubtful;
    if (status !== this.statusBits) this.saver?.saveIfRestored(this.saverKind);
  }

  /** Per tick: logs event 3 when DST starts or ends. No allocation. */
  tick(utcMs: number): void {
    const dst = this.isDst(utcMs);
    if (dst !== this.lastDst) {
      this.lastDst = dst;
      this.events.record("standard", CLOCK_EVENT.dstChange);
    }
  }

  private cacheYear(year: number): void {
    const r = this.rule;
    const beginDay = dstPatternDay(year, r[1], r[2], r[3]);
    const endDay = dstPatternDay(year, r[5], r[6], r[7]);
    this.cachedBeginUtc = beginDay * MS_PER_DAY + (r[4] - this.standardOffset) * MS_PER_MINUTE;
    this.cachedEndUtc = endDay * MS_PER_DAY + (r[8] - this.standardOffset - r[9]) * MS_PER_MINUTE;
    this.cachedFromUtc = daysFromCivil(year, 1, 1) * MS_PER_DAY - this.standardOffset * MS_PER_MINUTE;
    this.cachedToUtc = daysFromCivil(year + 1, 1, 1) * MS_PER_DAY - this.standardOffset * MS_PER_MINUTE;
  }

  private invalidateCache(): void {
    this.cachedFromUtc = 0;
    this.cachedToUtc = -1;
  }
}

/** Format of the clock state record, and the status bits it keeps (invalid, doubtful). */
const CLOCK_FORMAT = 1;
const PERSISTENT_STATUS = CLOCK_STATUS.invalid | CLOCK_STATUS.doubtful;

/** DLMS limit of class 8 shift_time, seconds. */
export const SHIFT_TIME_LIMIT_S = 900;

function checkOffset(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < -720 || minutes > 840) throw new RangeError(`time zone offset must be whole minutes in -720..840, got ${minutes}`);
  return minutes;
}

function checkDst(s: DstSettings): DstSettings {
  for (const [what, sw] of [["begin", s.begin], ["end", s.end]] as const) {
    if (!Number.isInteger(sw.month) || sw.month < 1 || sw.month > 12) throw new RangeError(`DST ${what} month must be 1..12, got ${sw.month}`);
    const dayOk = (Number.isInteger(sw.day) && sw.day >= 1 && sw.day <= 31) || sw.day === 0xfe || sw.day === 0xfd;
    if (!dayOk) throw new RangeError(`DST ${what} day must be 1..31, 0xFE (last) or 0xFD (second last), got ${sw.day}`);
    if (sw.dayOfWeek !== 0xff && (!Number.isInteger(sw.dayOfWeek) || sw.dayOfWeek < 1 || sw.dayOfWeek > 7)) throw new RangeError(`DST ${what} day of week must be 1..7 or 0xFF, got ${sw.dayOfWeek}`);
    if (!Number.isInteger(sw.minuteOfDay) || sw.minuteOfDay < 0 || sw.minuteOfDay >= 1440) throw new RangeError(`DST ${what} time must be 0..1439 minutes, got ${sw.minuteOfDay}`);
  }
  if (!Number.isInteger(s.deviationMinutes) || s.deviationMinutes < -120 || s.deviationMinutes > 120) throw new RangeError(`DST deviation must be -120..120 minutes, got ${s.deviationMinutes}`);
  return s;
}
