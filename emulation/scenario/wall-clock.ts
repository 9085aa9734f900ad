/**
 * Scenario times are written as local wall-clock times ("2025-03-30T02:30"); this turns them
 * into UTC with a fixed standard offset and, optionally, the EU summer-time rule (+60 min from
 * 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October).
 *
 * Kept apart from the firmware's clock on purpose: a scenario is the test's statement of when
 * things happen, so it must not inherit a mistake of the code under test.
 */
export type DstRule = "eu" | "none";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** 01:00 UTC on the last Sunday of `month` (1-12) of `year`, as UTC ms. */
function euSwitchUtc(year: number, month: number): number {
  let day = Date.UTC(year, month, 0); // day 0 of the next month = last day of `month`
  while (new Date(day).getUTCDay() !== 0) day -= DAY_MS;
  return day + HOUR_MS;
}

function summerTimeAt(utcMs: number, rule: DstRule): boolean {
  if (rule === "none") return false;
  const year = new Date(utcMs).getUTCFullYear();
  return utcMs >= euSwitchUtc(year, 3) && utcMs < euSwitchUtc(year, 10);
}

/**
 * UTC ms of a local wall-clock time given as `Date.UTC` of its fields. A time that occurs twice
 * (the autumn hour) is the first, summer-time one; a time that does not occur (the spring gap) is
 * read as standard time.
 */
export function wallClockToUtc(localAsUtcMs: number, standardOffsetMinutes: number, rule: DstRule): number {
  const ifSummer = localAsUtcMs - (standardOffsetMinutes + 60) * MINUTE_MS;
  return summerTimeAt(ifSummer, rule) ? ifSummer : localAsUtcMs - standardOffsetMinutes * MINUTE_MS;
}
