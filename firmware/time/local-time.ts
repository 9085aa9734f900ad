/**
 * Local time from UTC with a fixed standard offset and the EU summer-time rule (last Sunday of
 * March 01:00 UTC to last Sunday of October 01:00 UTC, +60 min). Pure integer date math.
 */
type DstRule = "eu" | "none";

const MS_PER_MIN = 60_000;
const MS_PER_DAY = 86_400_000;

/** UTC ms of 01:00 UTC on the last Sunday of `month` (1-12) in `year`. */
function lastSundayAt0100Utc(year: number, month: number): number {
  const firstOfNext = Date.UTC(year, month, 1); // month is 1-based, so this is the next month
  const lastDay = firstOfNext - MS_PER_DAY;
  const weekday = new Date(lastDay).getUTCDay(); // 0 = Sunday
  return lastDay - weekday * MS_PER_DAY + 3_600_000;
}

export function isDstActive(utcMs: number, rule: DstRule): boolean {
  if (rule === "none") return false;
  const year = new Date(utcMs).getUTCFullYear();
  return utcMs >= lastSundayAt0100Utc(year, 3) && utcMs < lastSundayAt0100Utc(year, 10);
}

/**
 * UTC ms for a local wall-clock time given as if it were UTC (`Date.UTC` of the local fields).
 * In the autumn overlap the earlier (summer-time) instant is chosen; in the spring gap the time
 * is read as standard time.
 */
export function localFieldsToUtc(localAsUtcMs: number, standardOffsetMinutes: number, rule: DstRule): number {
  const summer = localAsUtcMs - (standardOffsetMinutes + 60) * MS_PER_MIN;
  if (isDstActive(summer, rule)) return summer;
  return localAsUtcMs - standardOffsetMinutes * MS_PER_MIN;
}
