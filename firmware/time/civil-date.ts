/**
 * Proleptic Gregorian calendar arithmetic on integers (Howard Hinnant's days_from_civil), so the
 * tick path never creates a `Date`. Days count from 1970-01-01 = 0.
 */
/** Module-level alias: one global lookup at load instead of one per call (matters in jest's VM context). */
const floor = Math.floor;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of year-month(1..12)-day. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** A civil date, filled in place by `civilFromDays` (callers keep one and reuse it). */
export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/**
 * Inverse of daysFromCivil (Hinnant's civil_from_days) as one number: year * 512 + month * 32 +
 * day (month 1..12, day 1..31), so callers need no object (nor a module-level scratch one).
 */
export function civilPacked(days: number): number {
  const z = days + 719468;
  const era = floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100));
  const mp = floor((5 * doy + 2) / 153);
  const day = doy - floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 512 + month * 32 + day;
}

/** Year of a packed civil date (civilPacked). */
export function packedYear(packed: number): number {
  return floor(packed / 512);
}

/** Month (1..12) of a packed civil date. */
export function packedMonth(packed: number): number {
  return (packed >> 5) & 15;
}

/** Day of month (1..31) of a packed civil date. */
export function packedDay(packed: number): number {
  return packed & 31;
}

/** Inverse of daysFromCivil into `out`; allocation-free. */
export function civilFromDays(days: number, out: CivilDate): CivilDate {
  const p = civilPacked(days);
  out.year = packedYear(p);
  out.month = packedMonth(p);
  out.day = packedDay(p);
  return out;
}

/** Year of a day number. */
export function yearOfDays(days: number): number {
  return packedYear(civilPacked(days));
}

/** Month (1..12) of a day number. */
export function monthOfDays(days: number): number {
  return packedMonth(civilPacked(days));
}

/** Day of month (1..31) of a day number. */
export function dayOfMonthOfDays(days: number): number {
  return packedDay(civilPacked(days));
}

/** ISO day of week, 1 = Monday .. 7 = Sunday (1970-01-01 was a Thursday). */
export function weekdayOfDays(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Splits ms since the epoch (of some time scale) into whole days and ms within the day. */
export function dayNumber(ms: number): number {
  return floor(ms / MS_PER_DAY);
}

export function msOfDay(ms: number): number {
  return ms - floor(ms / MS_PER_DAY) * MS_PER_DAY;
}
