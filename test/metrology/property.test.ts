import fc from "fast-check";
import type { EnergySnapshot } from "../../firmware/metrology/energy-registers";
import { isDstActive } from "../../firmware/time/local-time";
import type { CalendarDefinition, SpecialDay } from "../../firmware/metrology/tou";
import { Rig, type TickEnergy } from "./harness";

const SCALE = { num: 1_000_000, den: 23_739_295 };
const exact = (counts: number): number => Math.floor((counts * SCALE.num) / SCALE.den);

/** Independent tariff oracle: local time from the foundation's EU rule and Date, calendar walked naively. */
let oracleCache = new Map<number, number[][]>();
function oracleTariff(cal: CalendarDefinition, special: SpecialDay[], utc: number): number {
  const local = utc + (isDstActive(utc, "eu") ? 120 : 60) * 60_000;
  const profileOn = (localMs: number): number[][] => {
    const d = new Date(localMs);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    const wd = ((d.getUTCDay() + 6) % 7) + 1;
    // The season is found for this very instant: a season may start at any second of a day, so
    // one day can have two profiles (the cache is per day and season).
    let best = -Infinity;
    let seasonIndex = 0;
    cal.seasons.forEach((s, i) => {
      let start = Date.UTC(y, s.start.month - 1, s.start.day) + s.start.second * 1000;
      if (start > localMs) start = Date.UTC(y - 1, s.start.month - 1, s.start.day) + s.start.second * 1000;
      if (start > best) {
        best = start;
        seasonIndex = i;
      }
    });
    const key = Math.floor(localMs / 86_400_000) * 64 + seasonIndex;
    const cached = oracleCache.get(key);
    if (cached) return cached;
    let dayId = -1;
    for (const s of [...special].sort((a, b) => a.index - b.index)) {
      if ((s.year === 0xffff || s.year === y) && (s.month === 0xff || s.month === m) && (s.day === 0xff || s.day === day) && (s.dayOfWeek === 0xff || s.dayOfWeek === wd) && cal.days.some((p) => p.id === s.dayId)) {
        dayId = s.dayId;
        break;
      }
    }
    if (dayId < 0) dayId = cal.weeks.find((w) => w.name === cal.seasons[seasonIndex].week)!.days[wd - 1];
    const actions = cal.days.find((p) => p.id === dayId)!.actions.map((a) => [a.startSecond * 1000, a.tariff]).sort((a, b) => a[0] - b[0]);
    oracleCache.set(key, actions);
    return actions;
  };
  const inDay = ((local % 86_400_000) + 86_400_000) % 86_400_000;
  const today = profileOn(local);
  let tariff = -1;
  for (const [start, t] of today) if (start <= inDay) tariff = t;
  if (tariff > 0) return tariff;
  const yesterday = profileOn(local - inDay - 1);
  return yesterday[yesterday.length - 1][1];
}

const dayProfile = (id: number): fc.Arbitrary<CalendarDefinition["days"][number]> =>
  fc.uniqueArray(fc.oneof(fc.integer({ min: 0, max: 9000 }), fc.integer({ min: 0, max: 86_399 })), { minLength: 1, maxLength: 4 }).chain((starts) =>
    fc.array(fc.integer({ min: 1, max: 4 }), { minLength: starts.length, maxLength: starts.length }).map((tariffs) => ({ id, actions: starts.map((s, i) => ({ startSecond: s, tariff: tariffs[i] })) })),
  );

const calendarArb: fc.Arbitrary<CalendarDefinition> = fc.integer({ min: 1, max: 3 }).chain((nDays) =>
  fc.record({
    days: fc.tuple(...Array.from({ length: nDays }, (_, i) => dayProfile(i + 1))),
    weeks: fc.array(fc.array(fc.integer({ min: 1, max: nDays }), { minLength: 7, maxLength: 7 }), { minLength: 1, maxLength: 2 }),
    seasons: fc.array(fc.record({ month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }), second: fc.integer({ min: 0, max: 86_399 }), week: fc.nat() }), { minLength: 1, maxLength: 3 }),
  }).map(({ days, weeks, seasons }) => ({
    name: "PROP",
    days: [...days],
    weeks: weeks.map((d, i) => ({ name: `W${i}`, days: d })),
    seasons: seasons.map((s, i) => ({ name: `S${i}`, start: { year: 0xffff, month: s.month, day: s.day, second: s.second }, week: `W${s.week % weeks.length}` })),
  })),
);

const specialArb: fc.Arbitrary<SpecialDay[]> = fc.array(
  fc.record({ month: fc.oneof(fc.constant(0xff), fc.integer({ min: 1, max: 12 })), day: fc.oneof(fc.constant(0xff), fc.integer({ min: 1, max: 28 })), dayOfWeek: fc.oneof(fc.constant(0xff), fc.integer({ min: 1, max: 7 })), dayId: fc.integer({ min: 1, max: 4 }) }),
  { maxLength: 3 },
).map((list) => list.map((s, i) => ({ index: i + 1, year: 0xffff, ...s })));

const segmentArb = fc.record({ ticks: fc.integer({ min: 1, max: 4000 }), active: fc.integer({ min: -60_000, max: 60_000 }), reactive: fc.integer({ min: -60_000, max: 60_000 }), apparent: fc.integer({ min: 0, max: 90_000 }) });
const disturbanceArb = fc.record({ atTick: fc.integer({ min: 1, max: 9000 }), kind: fc.constantFrom("shift", "cut", "activate"), seconds: fc.integer({ min: -90_000, max: 90_000 }), length: fc.integer({ min: 1, max: 2000 }) });

describe("tariff chain invariants (property)", () => {
  it("rates sum to totals, registers never decrease, energy is exact, every tick lands in the oracle's tariff", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2024, 0, 1) / 1000, max: Date.UTC(2030, 11, 1) / 1000 }),
        calendarArb, calendarArb, specialArb, fc.array(segmentArb, { minLength: 1, maxLength: 6 }), fc.array(disturbanceArb, { maxLength: 4 }),
        fc.integer({ min: 1000, max: 9000 }),
        (startS, calendarIn, passiveIn, special, segments, disturbances, totalTicks) => {
          let cutUntil = -1;
          let seg = 0;
          let segLeft = segments[0].ticks;
          const load = (_utc: number, out: TickEnergy): void => {
            if (rig && rig.ticks < cutUntil) return;
            const s = segments[seg];
            out.active = s.active;
            out.reactive = s.reactive;
            out.apparent = s.apparent;
            if (--segLeft === 0) {
              seg = (seg + 1) % segments.length;
              segLeft = segments[seg].ticks;
            }
          };
          // Switching times are generated relative to the start's local time of day so that short
          // runs cross them.
          const startLocalS = Math.floor(((startS * 1000 + (isDstActive(startS * 1000, "eu") ? 120 : 60) * 60_000) % 86_400_000) / 1000);
          const shiftCal = (c: CalendarDefinition): CalendarDefinition => ({ ...c, days: c.days.map((d) => ({ id: d.id, actions: d.actions.map((a) => ({ startSecond: (a.startSecond + startLocalS) % 86_400, tariff: a.tariff })) })) });
          const calendar = shiftCal(calendarIn);
          const passive = shiftCal(passiveIn);
          oracleCache = new Map();
          const rig: Rig = new Rig(startS * 1000, load, { scale: SCALE, calendar });
          for (const s of special) rig.metering.tou.insertSpecialDay(s);
          let activeCalendar = calendar;
          const e = rig.energy;
          const read = (): number[] => [e.activeImport, e.activeExport, ...e.activeImportRates, ...e.activeExportRates, e.reactiveImport, e.reactiveExport, ...e.quadrants, e.apparent, e.absolute];
          let prev = read();
          let apparentCounts = 0;
          let prevUtc = rig.port.wallClockMs();
          const events = [...disturbances].sort((a, b) => a.atTick - b.atTick);
          rig.afterTick = () => {
            const now = rig.port.wallClockMs();
            apparentCounts += rig.sample.apparent;
            const cur = read();
            for (let i = 0; i < cur.length; i++) if (cur[i] < prev[i]) throw new Error(`register ${i} went down at tick ${rig.ticks}`);
            const sum = (a: Float64Array): number => a[1] + a[2] + a[3] + a[4];
            const check = (what: string, got: number, want: number): void => {
              if (got !== want) throw new Error(`tick ${rig.ticks}: ${what} = ${got}, expected ${want}`);
            };
            check("sum of A+ rates", sum(e.activeImportRates), e.activeImport);
            check("sum of A- rates", sum(e.activeExportRates), e.activeExport);
            check("Q1 + Q2", e.quadrants[1] + e.quadrants[2], e.reactiveImport);
            check("Q3 + Q4", e.quadrants[3] + e.quadrants[4], e.reactiveExport);
            check("A+ against the exact sum", e.activeImport, exact(rig.importCounts));
            check("A- against the exact sum", e.activeExport, exact(rig.exportCounts));
            check("apparent against the exact sum", e.apparent, exact(apparentCounts));
            // Where did this tick's active energy go? It must be the oracle's tariff for the interval.
            const expected = oracleTariff(activeCalendar, special, prevUtc);
            for (let r = 1; r <= 4; r++) {
              const moved = cur[2 + r] - prev[2 + r] + cur[7 + r] - prev[7 + r];
              if (moved > 0 && r !== expected) throw new Error(`tick ${rig.ticks} at ${new Date(prevUtc).toISOString()}: energy in T${r}, oracle says T${expected}`);
            }
            prev = cur;
            prevUtc = now;
            while (events.length > 0 && events[0].atTick <= rig.ticks) {
              const d = events.shift()!;
              if (d.kind === "shift") {
                rig.clock.shiftTime(d.seconds);
                prevUtc = rig.port.wallClockMs();
              } else if (d.kind === "activate") {
                rig.metering.tou.programPassive(passive, null);
                rig.metering.tou.activatePassive();
                activeCalendar = passive;
                oracleCache = new Map();
              } else {
                // Power cut: no energy for a while, registers pass through a persistence round trip.
                cutUntil = rig.ticks + d.length;
                const snap = JSON.parse(JSON.stringify(e.snapshot())) as EnergySnapshot;
                e.restore(snap);
                rig.clock.markInvalidAfterPowerLoss();
              }
            }
          };
          rig.runFor(totalTicks * 1000);
          expect(rig.ticks).toBe(totalTicks);
        },
      ),
      { numRuns: 60 },
    );
  });
});
