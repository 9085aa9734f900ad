/**
 * The billing schedule search (issue 19, power up): `nextExecutionAfter` skips the days no
 * execution time can match; it must give exactly what a visit of every day gives.
 */
import fc from "fast-check";
import { type ExecutionTime } from "../../firmware/metrology/billing";
import { dayNumber, MS_PER_DAY } from "../../firmware/time/civil-date";
import { dateMatches, WILDCARD, WILDCARD_YEAR } from "../../firmware/time/dlms-datetime";
import { constant, Rig, utcOf } from "./harness";

/** The search as it was: every day, up to 8 years. */
function everyDay(rig: Rig, schedule: readonly ExecutionTime[], utcMs: number): number {
  const clock = rig.metering.clock;
  const firstDay = dayNumber(clock.localMs(utcMs)) - 1;
  for (let day = firstDay; day < firstDay + 366 * 8; day++) {
    let best = Infinity;
    for (const e of schedule) {
      if (!dateMatches(day, e.year, e.month, e.day, e.dayOfWeek)) continue;
      const at = clock.localToUtc(day * MS_PER_DAY + e.second * 1000);
      if (at > utcMs && at < best) best = at;
    }
    if (best < Infinity) return best;
  }
  return Infinity;
}

const entry = fc.record({
  second: fc.integer({ min: 0, max: 86_399 }),
  year: fc.oneof(fc.constant(WILDCARD_YEAR), fc.integer({ min: 2026, max: 2031 })),
  month: fc.oneof(fc.constant(WILDCARD), fc.integer({ min: 1, max: 12 })),
  day: fc.oneof(fc.constant(WILDCARD), fc.integer({ min: 1, max: 31 }), fc.constant(0xfe), fc.constant(0xfd)),
  dayOfWeek: fc.oneof(fc.constant(WILDCARD), fc.integer({ min: 1, max: 7 })),
});

describe("billing schedule search", () => {
  test("(property) the next execution equals a day-by-day search for any schedule and instant", () => {
    const rig = new Rig(utcOf("2026-03-02T10:00:00", 60), constant(1));
    const billing = rig.metering.billing;
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 5 * 366 * 86_400 }), (list, offsetS) => {
        let schedule: readonly ExecutionTime[];
        try {
          billing.setSchedule(list);
          schedule = billing.executionTimes;
        } catch {
          return; // a schedule the class refuses
        }
        const at = utcOf("2026-01-01T00:00:00", 60) + offsetS * 1000;
        expect(billing.nextExecutionAfter(at)).toBe(everyDay(rig, schedule, at));
      }),
      { numRuns: 300 },
    );
  });

  test("monthly on the 1st, the 31st, and the 29th across February", () => {
    const rig = new Rig(utcOf("2026-03-02T10:00:00", 60), constant(1));
    const billing = rig.metering.billing;
    for (const day of [1, 29, 31]) {
      const schedule = [{ second: 0, year: WILDCARD_YEAR, month: WILDCARD, day, dayOfWeek: WILDCARD }];
      billing.setSchedule(schedule);
      for (const start of ["2026-01-30T12:00:00", "2026-02-27T00:00:00", "2027-12-31T23:59:59", "2028-02-28T10:00:00"]) {
        const at = utcOf(start, 60);
        expect(billing.nextExecutionAfter(at)).toBe(everyDay(rig, billing.executionTimes, at));
      }
    }
  });
});
