import { civilPacked, dayNumber, daysFromCivil, daysInMonth, MS_PER_DAY, MS_PER_MINUTE, msOfDay, packedDay, packedMonth, packedYear, weekdayOfDays } from "./civil-date";
import { deepFreeze } from "../kernel/freeze";

/**
 * DLMS date-time (docs/dlms-profile.md section 4): a 12-byte octet-string
 *   year u16 | month | day | day-of-week (1 = Monday) | hour | minute | second | hundredths |
 *   deviation i16 (minutes) | clock status
 * Wildcards: 0xFFFF year, 0xFF any byte field, 0x8000 deviation; month 0xFD/0xFE = DST end/begin,
 * day 0xFD/0xFE = second-last/last day of the month.
 *
 * Deviation follows the Blue Book: minutes from local time to UTC, so UTC = local + deviation
 * (Central European Time is -60, summer time -120). Pure functions, no allocation unless a
 * function says it returns a new object.
 */
export const DATE_TIME_LENGTH = 12;
export const WILDCARD_YEAR = 0xffff;
export const WILDCARD = 0xff;
export const DEVIATION_UNSPECIFIED = -0x8000;
const MONTH_DST_END = 0xfd;
const MONTH_DST_BEGIN = 0xfe;
const DAY_SECOND_LAST = 0xfd;
export const DAY_LAST = 0xfe;

/** Clock status bits (class 8 attribute 4, date-time byte 11). */
export const CLOCK_STATUS = deepFreeze({
  invalid: 0x01,
  doubtful: 0x02,
  differentBase: 0x04,
  invalidStatus: 0x08,
  daylightSaving: 0x80,
} as const);

export interface DateTimeFields {
  year: number;
  month: number;
  day: number;
  dayOfWeek: number;
  hour: number;
  minute: number;
  second: number;
  hundredths: number;
  /** Minutes, UTC = local + deviation; DEVIATION_UNSPECIFIED when not given. */
  deviation: number;
  /** Clock status byte; 0xFF when not specified. */
  status: number;
}

export function newDateTimeFields(): DateTimeFields {
  return { year: WILDCARD_YEAR, month: WILDCARD, day: WILDCARD, dayOfWeek: WILDCARD, hour: WILDCARD, minute: WILDCARD, second: WILDCARD, hundredths: WILDCARD, deviation: DEVIATION_UNSPECIFIED, status: WILDCARD };
}

/** Writes `f` as 12 bytes at `offset`. */
export function encodeDateTime(f: DateTimeFields, out: Uint8Array, offset = 0): void {
  if (out.length < offset + DATE_TIME_LENGTH) throw new RangeError("date-time needs 12 bytes");
  out[offset] = (f.year >> 8) & 0xff;
  out[offset + 1] = f.year & 0xff;
  out[offset + 2] = f.month & 0xff;
  out[offset + 3] = f.day & 0xff;
  out[offset + 4] = f.dayOfWeek & 0xff;
  out[offset + 5] = f.hour & 0xff;
  out[offset + 6] = f.minute & 0xff;
  out[offset + 7] = f.second & 0xff;
  out[offset + 8] = f.hundredths & 0xff;
  const dev = f.deviation & 0xffff;
  out[offset + 9] = dev >> 8;
  out[offset + 10] = dev & 0xff;
  out[offset + 11] = f.status & 0xff;
}

/** Reads 12 bytes at `offset` into `out` (no validation; see `dateTimeError`). */
export function decodeDateTime(bytes: Uint8Array, offset: number, out: DateTimeFields): DateTimeFields {
  if (bytes.length < offset + DATE_TIME_LENGTH) throw new RangeError("date-time needs 12 bytes");
  out.year = bytes[offset] * 256 + bytes[offset + 1];
  out.month = bytes[offset + 2];
  out.day = bytes[offset + 3];
  out.dayOfWeek = bytes[offset + 4];
  out.hour = bytes[offset + 5];
  out.minute = bytes[offset + 6];
  out.second = bytes[offset + 7];
  out.hundredths = bytes[offset + 8];
  const dev = bytes[offset + 9] * 256 + bytes[offset + 10];
  out.deviation = dev >= 0x8000 ? dev - 0x10000 : dev;
  out.status = bytes[offset + 11];
  return out;
}

/**
 * Why `f` is not a legal date-time, or null. With `allowWildcards` false every date and time
 * field must be given (hundredths and deviation may still be unspecified).
 */
export function dateTimeError(f: DateTimeFields, allowWildcards: boolean): string | null {
  const wild = (v: number, w: number): boolean => allowWildcards && v === w;
  if (!wild(f.year, WILDCARD_YEAR) && (f.year < 1 || f.year > 0xfffe)) return `year ${f.year} out of range`;
  if (!wild(f.month, WILDCARD) && !(allowWildcards && (f.month === MONTH_DST_BEGIN || f.month === MONTH_DST_END)) && (f.month < 1 || f.month > 12)) return `month ${f.month} out of range`;
  if (!wild(f.day, WILDCARD) && !(allowWildcards && (f.day === DAY_LAST || f.day === DAY_SECOND_LAST)) && (f.day < 1 || f.day > 31)) return `day ${f.day} out of range`;
  if (f.dayOfWeek !== WILDCARD && (f.dayOfWeek < 1 || f.dayOfWeek > 7)) return `day of week ${f.dayOfWeek} out of range`;
  if (!wild(f.hour, WILDCARD) && (f.hour < 0 || f.hour > 23)) return `hour ${f.hour} out of range`;
  if (!wild(f.minute, WILDCARD) && (f.minute < 0 || f.minute > 59)) return `minute ${f.minute} out of range`;
  if (!wild(f.second, WILDCARD) && (f.second < 0 || f.second > 59)) return `second ${f.second} out of range`;
  if (f.hundredths !== WILDCARD && (f.hundredths < 0 || f.hundredths > 99)) return `hundredths ${f.hundredths} out of range`;
  if (f.deviation !== DEVIATION_UNSPECIFIED && (f.deviation < -720 || f.deviation > 720)) return `deviation ${f.deviation} out of range -720..720`;
  if (f.year !== WILDCARD_YEAR && f.month >= 1 && f.month <= 12 && f.day >= 1 && f.day <= 31 && f.day > daysInMonth(f.year, f.month)) return `day ${f.day} does not exist in ${f.year}-${f.month}`;
  return null;
}

/** Local wall-clock fields as ms "as if UTC" (days * 86400000 + time of day). Needs every field. */
export function localFieldsMs(f: DateTimeFields): number {
  const hundredths = f.hundredths === WILDCARD ? 0 : f.hundredths;
  return daysFromCivil(f.year, f.month, f.day) * MS_PER_DAY + ((f.hour * 60 + f.minute) * 60 + f.second) * 1000 + hundredths * 10;
}

/** UTC ms of a fully specified date-time with a deviation; NaN when the deviation is unspecified. */
export function dateTimeToUtcMs(f: DateTimeFields): number {
  if (f.deviation === DEVIATION_UNSPECIFIED) return NaN;
  return localFieldsMs(f) + f.deviation * MS_PER_MINUTE;
}

/** Fills `out` with the local time of `utcMs` at `deviation` (UTC = local + deviation). */
export function utcToDateTime(utcMs: number, deviation: number, status: number, out: DateTimeFields): DateTimeFields {
  const local = utcMs - deviation * MS_PER_MINUTE;
  setLocalFields(local, out);
  out.deviation = deviation;
  out.status = status;
  return out;
}

/** Fills the date and time fields of `out` from local ms "as if UTC". */
function setLocalFields(localMs: number, out: DateTimeFields): void {
  const days = dayNumber(localMs);
  const inDay = msOfDay(localMs);
  const civil = civilPacked(days);
  out.year = packedYear(civil);
  out.month = packedMonth(civil);
  out.day = packedDay(civil);
  out.dayOfWeek = weekdayOfDays(days);
  out.hour = Math.floor(inDay / 3_600_000);
  out.minute = Math.floor(inDay / 60_000) % 60;
  out.second = Math.floor(inDay / 1000) % 60;
  out.hundredths = Math.floor(inDay / 10) % 100;
}

/**
 * Does the local day `days` (days since 1970-01-01) match a date pattern with wildcards?
 * day-of-week, when given, must match too; day 0xFE/0xFD with a day-of-week means the last /
 * second-last such weekday of the month. Month 0xFD/0xFE (DST end/begin) never match here.
 */
export function dateMatches(days: number, year: number, month: number, day: number, dayOfWeek: number): boolean {
  const civil = civilPacked(days);
  const y = packedYear(civil);
  const m = packedMonth(civil);
  const d = packedDay(civil);
  const wd = weekdayOfDays(days);
  if (year !== WILDCARD_YEAR && year !== y) return false;
  if (month !== WILDCARD && month !== m) return false;
  if (dayOfWeek !== WILDCARD && dayOfWeek !== wd) return false;
  if (day === WILDCARD) return true;
  const dim = daysInMonth(y, m);
  if (day === DAY_LAST) return dayOfWeek === WILDCARD ? d === dim : d > dim - 7;
  if (day === DAY_SECOND_LAST) return dayOfWeek === WILDCARD ? d === dim - 1 : d > dim - 14 && d <= dim - 7;
  return day === d;
}

/**
 * The day (days since 1970) in `year` that a DST begin/end pattern (class 8 attributes 5/6)
 * names: month fixed; day N with a weekday = first such weekday on or after N; day 0xFE/0xFD
 * with a weekday = last/second-last such weekday; without a weekday the day itself.
 */
export function dstPatternDay(year: number, month: number, day: number, dayOfWeek: number): number {
  const dim = daysInMonth(year, month);
  if (dayOfWeek === WILDCARD) {
    const d = day === DAY_LAST ? dim : day === DAY_SECOND_LAST ? dim - 1 : Math.min(day, dim);
    return daysFromCivil(year, month, d);
  }
  if (day === DAY_LAST || day === DAY_SECOND_LAST) {
    const last = daysFromCivil(year, month, dim);
    const back = (weekdayOfDays(last) - dayOfWeek + 7) % 7;
    return last - back - (day === DAY_SECOND_LAST ? 7 : 0);
  }
  const from = daysFromCivil(year, month, day === WILDCARD ? 1 : Math.min(day, dim));
  return from + ((dayOfWeek - weekdayOfDays(from) + 7) % 7);
}
