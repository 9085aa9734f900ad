/**
 * Time in COSEM: date-time values in local time with the deviation and clock status of the
 * instant (encoded by time/dlms-datetime.ts), the DST patterns, and IC 8 Clock.
 */
import { type AxdrWriter, DataType } from "./axdr";
import { defineClass, type ModelClock, type ObjectModel, type RequestContext } from "./object-model";
import { numberOf, numberWriter, numericSetter } from "./values";
import { RESULT } from "./xdlms";
import { type CivilDate, civilFromDays, MS_PER_DAY, MS_PER_MINUTE, weekdayOfDays } from "../../time/civil-date";
import { SHIFT_TIME_LIMIT_S } from "../../time/clock";
import { DATE_TIME_LENGTH, DEVIATION_UNSPECIFIED, encodeDateTime, newDateTimeFields, WILDCARD, WILDCARD_YEAR } from "../../time/dlms-datetime";

/** Deviation and status of local time at an instant (MeterClock provides both). */
export interface TimeRules {
  deviationAt(utcMs: number): number;
  statusAt(utcMs: number): number;
  /** UTC ms of the next DST switch strictly after `utcMs` (Infinity: none). */
  nextDstSwitchUtc?(utcMs: number): number;
}

/**
 * Deviation and status looked up once per stretch without a DST switch, for the rows of one
 * profile read (the rules are asked for every row). Without `nextDstSwitchUtc` every row asks.
 */
export function cachedTimeRules(rules: TimeRules): TimeRules {
  return rules.nextDstSwitchUtc ? new CachedTimeRules(rules) : rules;
}

/**
 * The cache of `cachedTimeRules`: the stretch [from, until) and its deviation and status (a
 * profile read looks at them directly: `refresh` when an instant is outside the stretch).
 */
export class CachedTimeRules implements TimeRules {
  from = NaN;
  until = NaN;
  deviation = 0;
  status = 0;
  constructor(private readonly rules: TimeRules) {}
  // The window check inline: a profile read asks twice per row, the refresh is rare.
  deviationAt(utcMs: number): number {
    if (!(utcMs >= this.from && utcMs < this.until)) this.refresh(utcMs);
    return this.deviation;
  }
  statusAt(utcMs: number): number {
    if (!(utcMs >= this.from && utcMs < this.until)) this.refresh(utcMs);
    return this.status;
  }
  refresh(utcMs: number): void {
    const rules = this.rules;
    this.from = utcMs;
    this.until = rules.nextDstSwitchUtc!(utcMs);
    this.deviation = rules.deviationAt(utcMs);
    this.status = rules.statusAt(utcMs);
  }
}

/**
 * Writes date-time octet strings: one per object that encodes them, so the 12-byte scratch and
 * the fields are the object's, not the module's (modules hold no mutable state).
 */
export class DateTimeWriter {
  private readonly bytes = new Uint8Array(DATE_TIME_LENGTH);
  /** The civil date of the last day encoded: profile rows come in runs of the same day. */
  private days = NaN;
  private readonly date: CivilDate = { year: 0, month: 0, day: 0 };
  private weekday = 0;

  /** date-time of `utcMs` in local time (NaN: every field "not specified", deviation unspecified). */
  write(w: AxdrWriter, utcMs: number, rules: TimeRules): void {
    if (!Number.isFinite(utcMs)) {
      const b = this.bytes;
      b.fill(WILDCARD);
      b[9] = 0x80;
      b[10] = 0x00;
      w.octetString(b);
      return;
    }
    w.ensure(14);
    this.writeAt(w.bytes, w.length, utcMs, rules.deviationAt(utcMs), rules.statusAt(utcMs));
    w.length += 14;
  }

  /**
   * The 14 bytes of a date-time (tag, length, fields) of the finite instant `utcMs` at b[at], the
   * deviation and status given (the caller checked the room): a profile read with its rules cached.
   */
  writeAt(b: Uint8Array, at: number, utcMs: number, deviation: number, status: number): void {
    const local = utcMs - deviation * MS_PER_MINUTE;
    const days = Math.floor(local / MS_PER_DAY);
    if (days !== this.days) {
      civilFromDays(days, this.date);
      this.days = days;
      this.weekday = weekdayOfDays(days);
    }
    // Whole seconds of the day and hundredths, in int32 arithmetic from here on.
    const msOfDay = local - days * MS_PER_DAY;
    const seconds = (msOfDay / 1000) | 0;
    const date = this.date;
    b[at] = 9; // octet-string (a literal: DataType's property is a look-up per use in XS)
    b[at + 1] = DATE_TIME_LENGTH;
    b[at + 2] = (date.year >> 8) & 0xff;
    b[at + 3] = date.year & 0xff;
    b[at + 4] = date.month;
    b[at + 5] = date.day;
    b[at + 6] = this.weekday;
    b[at + 7] = (seconds / 3600) | 0;
    b[at + 8] = ((seconds / 60) | 0) % 60;
    b[at + 9] = seconds % 60;
    b[at + 10] = ((msOfDay - seconds * 1000) / 10) | 0;
    b[at + 11] = (deviation >> 8) & 0xff;
    b[at + 12] = deviation & 0xff;
    b[at + 13] = status & 0xff;
  }

  /** A DST begin/end pattern: year, hundredths and status not specified, deviation `deviation`. */
  writePattern(w: AxdrWriter, p: DstPattern, deviation: number): void {
    // Rare (clock attributes 5 and 6): the fields are made here rather than kept.
    const f = newDateTimeFields();
    f.year = WILDCARD_YEAR;
    f.month = p.month;
    f.day = p.day;
    f.dayOfWeek = p.dayOfWeek;
    f.hour = Math.floor(p.minuteOfDay / 60);
    f.minute = p.minuteOfDay % 60;
    f.second = 0;
    f.hundredths = WILDCARD;
    f.deviation = deviation;
    f.status = WILDCARD;
    encodeDateTime(f, this.bytes, 0);
    w.octetString(this.bytes);
  }
}

/** The model's date-time writer and clock (throws when the model was built without a clock). */
export function modelTime(model: ObjectModel): { readonly dateTimes: DateTimeWriter; readonly clock: ModelClock } {
  if (!model.clock || !model.dateTimes) throw new Error("the object model has no clock");
  return model as { readonly dateTimes: DateTimeWriter; readonly clock: ModelClock };
}

// ---- IC 8 Clock ----

/** What the clock object reads and sets: its target (MeterClock is one). */
interface ClockSource extends TimeRules {
  nowUtcMs(): number;
  /** time_zone attribute (minutes, CET = -60). */
  timeZone: number;
  readonly status: number;
  readonly dst: { enabled: boolean; begin: DstPattern; end: DstPattern; deviationMinutes: number };
  /** Local ms "as if UTC" to UTC (used for date-times without a deviation). */
  localToUtc(localMs: number): number;
  setTime(utcMs: number): void;
  shiftTime(seconds: number): void;
}

interface DstPattern {
  month: number;
  day: number;
  dayOfWeek: number;
  minuteOfDay: number;
}

/** UTC ms of a fully specified date-time octet string (local time when the deviation is 0x8000); NaN if invalid. */
export function dateTimeBytesToUtc(b: Uint8Array, clock: Pick<ClockSource, "localToUtc">): number {
  if (b.length !== 12) return NaN;
  const year = b[0] * 256 + b[1];
  const month = b[2];
  const day = b[3];
  const hour = b[5];
  const minute = b[6];
  const second = b[7];
  const hundredths = b[8] === 0xff ? 0 : b[8];
  if (year === 0xffff || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 || hundredths > 99) return NaN;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, hundredths * 10);
  if (new Date(local).getUTCDate() !== day) return NaN;
  const rawDeviation = b[9] * 256 + b[10];
  if (rawDeviation === 0x8000) return clock.localToUtc(local);
  const deviation = rawDeviation >= 0x8000 ? rawDeviation - 0x10000 : rawDeviation;
  if (deviation < -720 || deviation > 720) return NaN;
  return local + deviation * 60_000;
}

function clockOf(ctx: RequestContext): ClockSource {
  return ctx.object.target as ClockSource;
}

function dateTimes(ctx: RequestContext): DateTimeWriter {
  return modelTime(ctx.model).dateTimes;
}

/** IC 8 Clock over a ClockSource (its target); date-times through the model's writer. */
export const CLOCK_CLASS = defineClass({
  classId: 8,
  version: 0,
  name: "Clock",
  group: "clock",
  attributes: [
    {
      get: (ctx, w) => {
        const clock = clockOf(ctx);
        dateTimes(ctx).write(w, clock.nowUtcMs(), clock);
        return 0;
      },
      set: (v, ctx) => {
        if (v.type !== DataType.octetString) return RESULT.typeUnmatched;
        const clock = clockOf(ctx);
        const utc = dateTimeBytesToUtc(v.bytes, clock);
        if (!Number.isFinite(utc)) return RESULT.otherReason;
        clock.setTime(utc);
        return RESULT.success;
      },
    },
    {
      get: (ctx, w) => (w.long(clockOf(ctx).timeZone), 0),
      set: numericSetter([DataType.long], -720, 840, (m, ctx) => {
        clockOf(ctx).timeZone = m;
      }),
    },
    { get: (ctx, w) => (w.unsigned(clockOf(ctx).status & 0xff), 0) },
    { get: (ctx, w) => (dateTimes(ctx).writePattern(w, clockOf(ctx).dst.begin, DEVIATION_UNSPECIFIED), 0) },
    { get: (ctx, w) => (dateTimes(ctx).writePattern(w, clockOf(ctx).dst.end, DEVIATION_UNSPECIFIED), 0) },
    { get: (ctx, w) => (w.integer(clockOf(ctx).dst.deviationMinutes), 0) },
    { get: (ctx, w) => (w.boolean(clockOf(ctx).dst.enabled), 0) },
    { get: (_c, w) => (w.enumValue(1), 0) }, // clock_base: internal crystal
  ],
  methods: [
    null,
    null,
    null,
    null,
    null,
    {
      // shift_time(long seconds), -900..900
      invoke: (p, ctx) => {
        if (!p || p.type !== DataType.long) return RESULT.typeUnmatched;
        const s = numberOf(p);
        if (s < -SHIFT_TIME_LIMIT_S || s > SHIFT_TIME_LIMIT_S) return RESULT.otherReason;
        clockOf(ctx).shiftTime(s);
        return RESULT.success;
      },
    },
  ],
  capturedWriter: (a, obj, model) => {
    if (a !== 2) return numberWriter(DataType.long64);
    const dt = modelTime(model).dateTimes;
    const clock = obj.target as ClockSource;
    return (w, v) => dt.write(w, v, clock);
  },
});
