import { dayNumber, daysFromCivil, MS_PER_DAY, msOfDay, weekdayOfDays, yearOfDays } from "../time/civil-date";
import type { MeterClock } from "../time/clock";
import { dateMatches, WILDCARD, WILDCARD_YEAR } from "../time/dlms-datetime";
import { RATE_COUNT } from "./energy-registers";
import type { EventLogs } from "../records/event-log";
import { EVENT } from "../kernel/event-codes";

/** One switching point of a day profile (class 20 day_schedule entry): from startSecond on, `tariff`. */
export interface DayAction {
  /** Local seconds after midnight, 0..86399. */
  startSecond: number;
  /** Tariff (script_selector), 1..RATE_COUNT. */
  tariff: number;
}

export interface DayProfile {
  /** day_id, 0..255. */
  id: number;
  actions: DayAction[];
}

export interface WeekProfile {
  name: string;
  /** day_id for Monday..Sunday. */
  days: number[];
}

/** season_start: month and day fixed, year 0xFFFF = every year, local time of day. */
export interface SeasonStart {
  year: number;
  month: number;
  day: number;
  /** Local seconds after midnight. */
  second: number;
}

export interface SeasonProfile {
  name: string;
  start: SeasonStart;
  /** week_name of the week profile in force during the season. */
  week: string;
}

/** A class-20 calendar (active or passive half). */
export interface CalendarDefinition {
  name: string;
  seasons: SeasonProfile[];
  weeks: WeekProfile[];
  days: DayProfile[];
}

/** A class-11 special day: a date with wildcards mapped to a day profile of the active calendar. */
export interface SpecialDay {
  index: number;
  /** 0xFFFF = any year. */
  year: number;
  /** 0xFF = any month. */
  month: number;
  /** 0xFF = any day, 0xFE last, 0xFD second last. */
  day: number;
  /** 1..7, 0xFF = any. */
  dayOfWeek: number;
  dayId: number;
}

/** Entries the special days table holds (a bound keeps its flash record within one sector). */
export const MAX_SPECIAL_DAYS = 128;
/** Longest calendar, week and season name (characters 0..255, like the DLMS octet strings). */
export const MAX_CALENDAR_NAME = 32;

/** Which part of the tariff programme changed (TariffCalendar.onChange). */
export type CalendarPart = "active" | "passive" | "special";

/** Standard events of the tariff calendar. */
export const TOU_EVENT = { activated: EVENT.standard.touActivated, passiveProgrammed: EVENT.standard.passiveTouProgrammed } as const;

/**
 * The default calendar: T1 (day) Monday to Friday 07:00-23:00, T2 (night) otherwise and all
 * weekend. One season all year.
 */
export function defaultCalendar(): CalendarDefinition {
  return {
    name: "DEFAULT",
    seasons: [{ name: "ALL", start: { year: WILDCARD_YEAR, month: 1, day: 1, second: 0 }, week: "WEEK" }],
    weeks: [{ name: "WEEK", days: [1, 1, 1, 1, 1, 2, 2] }],
    days: [
      { id: 1, actions: [{ startSecond: 0, tariff: 2 }, { startSecond: 7 * 3600, tariff: 1 }, { startSecond: 23 * 3600, tariff: 2 }] },
      { id: 2, actions: [{ startSecond: 0, tariff: 2 }] },
    ],
  };
}

/** Checks a calendar; throws RangeError naming the first problem. Returns a sorted deep copy. */
export function validateCalendar(c: CalendarDefinition): CalendarDefinition {
  const fail = (msg: string): never => {
    throw new RangeError(`calendar "${c?.name}": ${msg}`);
  };
  if (typeof c !== "object" || c === null) fail("must be an object");
  if (typeof c.name !== "string" || c.name.length === 0 || c.name.length > MAX_CALENDAR_NAME || !isLatin1(c.name)) fail(`name must be 1..${MAX_CALENDAR_NAME} characters 0..255`);
  if (!Array.isArray(c.days) || c.days.length === 0 || c.days.length > 32) fail("needs 1..32 day profiles");
  if (!Array.isArray(c.weeks) || c.weeks.length === 0 || c.weeks.length > 16) fail("needs 1..16 week profiles");
  if (!Array.isArray(c.seasons) || c.seasons.length === 0 || c.seasons.length > 16) fail("needs 1..16 season profiles");
  const dayIds = new Set<number>();
  const days = c.days.map((d) => {
    if (!Number.isInteger(d.id) || d.id < 0 || d.id > 255) fail(`day_id ${d.id} must be 0..255`);
    if (dayIds.has(d.id)) fail(`day_id ${d.id} defined twice`);
    dayIds.add(d.id);
    if (!Array.isArray(d.actions) || d.actions.length === 0 || d.actions.length > 16) fail(`day ${d.id} needs 1..16 switching times`);
    const actions = d.actions.map((a) => {
      if (!Number.isInteger(a.startSecond) || a.startSecond < 0 || a.startSecond >= 86_400) fail(`day ${d.id}: start ${a.startSecond} s must be 0..86399`);
      if (!Number.isInteger(a.tariff) || a.tariff < 1 || a.tariff > RATE_COUNT) fail(`day ${d.id}: tariff ${a.tariff} must be 1..${RATE_COUNT}`);
      return { startSecond: a.startSecond, tariff: a.tariff };
    });
    actions.sort((a, b) => a.startSecond - b.startSecond);
    for (let i = 1; i < actions.length; i++) if (actions[i].startSecond === actions[i - 1].startSecond) fail(`day ${d.id}: two switching times at ${actions[i].startSecond} s`);
    return { id: d.id, actions };
  });
  const weekNames = new Set<string>();
  const weeks = c.weeks.map((w) => {
    if (typeof w.name !== "string" || w.name.length === 0) fail("week profile without a name");
    if (w.name.length > MAX_CALENDAR_NAME || !isLatin1(w.name)) fail(`week "${w.name}": name must be 1..${MAX_CALENDAR_NAME} characters 0..255`);
    if (weekNames.has(w.name)) fail(`week "${w.name}" defined twice`);
    weekNames.add(w.name);
    if (!Array.isArray(w.days) || w.days.length !== 7) fail(`week "${w.name}" needs 7 day_ids (Monday..Sunday)`);
    for (const id of w.days) if (!dayIds.has(id)) fail(`week "${w.name}" refers to unknown day_id ${id}`);
    return { name: w.name, days: [...w.days] };
  });
  const seasonNames = new Set<string>();
  const seasons = c.seasons.map((s) => {
    if (typeof s.name !== "string" || s.name.length === 0) fail("season profile without a name");
    if (s.name.length > MAX_CALENDAR_NAME || !isLatin1(s.name)) fail(`season "${s.name}": name must be 1..${MAX_CALENDAR_NAME} characters 0..255`);
    if (seasonNames.has(s.name)) fail(`season "${s.name}" defined twice`);
    seasonNames.add(s.name);
    if (!weekNames.has(s.week)) fail(`season "${s.name}" refers to unknown week "${s.week}"`);
    const st = s.start;
    if (typeof st !== "object" || st === null) fail(`season "${s.name}" needs a start`);
    if (st.year !== WILDCARD_YEAR && (!Number.isInteger(st.year) || st.year < 1970 || st.year > 9999)) fail(`season "${s.name}": start year ${st.year} must be 1970..9999 or 0xFFFF`);
    if (!Number.isInteger(st.month) || st.month < 1 || st.month > 12) fail(`season "${s.name}": start month ${st.month} must be 1..12`);
    if (!Number.isInteger(st.day) || st.day < 1 || st.day > 31) fail(`season "${s.name}": start day ${st.day} must be 1..31`);
    if (!Number.isInteger(st.second) || st.second < 0 || st.second >= 86_400) fail(`season "${s.name}": start time ${st.second} s must be 0..86399`);
    return { name: s.name, start: { ...st }, week: s.week };
  });
  return { name: c.name, seasons, weeks, days };
}

function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

export function validateSpecialDay(s: SpecialDay): SpecialDay {
  const fail = (msg: string): never => {
    throw new RangeError(`special day ${s?.index}: ${msg}`);
  };
  if (!Number.isInteger(s.index) || s.index < 0 || s.index > 0xffff) fail("index must be 0..65535");
  if (s.year !== WILDCARD_YEAR && (!Number.isInteger(s.year) || s.year < 1970 || s.year > 9999)) fail(`year ${s.year} must be 1970..9999 or 0xFFFF`);
  if (s.month !== WILDCARD && (!Number.isInteger(s.month) || s.month < 1 || s.month > 12)) fail(`month ${s.month} must be 1..12 or 0xFF`);
  if (s.day !== WILDCARD && s.day !== 0xfe && s.day !== 0xfd && (!Number.isInteger(s.day) || s.day < 1 || s.day > 31)) fail(`day ${s.day} must be 1..31, 0xFD, 0xFE or 0xFF`);
  if (s.dayOfWeek !== WILDCARD && (!Number.isInteger(s.dayOfWeek) || s.dayOfWeek < 1 || s.dayOfWeek > 7)) fail(`day of week ${s.dayOfWeek} must be 1..7 or 0xFF`);
  if (!Number.isInteger(s.dayId) || s.dayId < 0 || s.dayId > 255) fail(`day_id ${s.dayId} must be 0..255`);
  return { index: s.index, year: s.year, month: s.month, day: s.day, dayOfWeek: s.dayOfWeek, dayId: s.dayId };
}

/** A calendar flattened into index arrays so evaluation allocates nothing. */
class CompiledCalendar {
  readonly seasonYear: Int32Array;
  readonly seasonMonth: Int32Array;
  readonly seasonDay: Int32Array;
  readonly seasonSecond: Int32Array;
  readonly seasonWeek: Int32Array;
  /** week * 7 + (weekday - 1) -> day profile index. */
  readonly weekDay: Int32Array;
  /** day profile index -> first action; actions of day i are [dayFirst[i], dayFirst[i + 1]). */
  readonly dayFirst: Int32Array;
  readonly actionStartMs: Float64Array;
  readonly actionTariff: Int32Array;
  readonly dayIds: Int32Array;

  constructor(readonly definition: CalendarDefinition) {
    const c = definition;
    const n = c.seasons.length;
    this.seasonYear = new Int32Array(n);
    this.seasonMonth = new Int32Array(n);
    this.seasonDay = new Int32Array(n);
    this.seasonSecond = new Int32Array(n);
    this.seasonWeek = new Int32Array(n);
    c.seasons.forEach((s, i) => {
      this.seasonYear[i] = s.start.year;
      this.seasonMonth[i] = s.start.month;
      this.seasonDay[i] = s.start.day;
      this.seasonSecond[i] = s.start.second;
      this.seasonWeek[i] = c.weeks.findIndex((w) => w.name === s.week);
    });
    this.dayIds = Int32Array.from(c.days.map((d) => d.id));
    this.weekDay = new Int32Array(c.weeks.length * 7);
    c.weeks.forEach((w, wi) => w.days.forEach((id, d) => (this.weekDay[wi * 7 + d] = c.days.findIndex((dp) => dp.id === id))));
    this.dayFirst = new Int32Array(c.days.length + 1);
    const total = c.days.reduce((s, d) => s + d.actions.length, 0);
    this.actionStartMs = new Float64Array(total);
    this.actionTariff = new Int32Array(total);
    let k = 0;
    c.days.forEach((d, i) => {
      this.dayFirst[i] = k;
      for (const a of d.actions) {
        this.actionStartMs[k] = a.startSecond * 1000;
        this.actionTariff[k] = a.tariff;
        k++;
      }
    });
    this.dayFirst[c.days.length] = k;
  }

  dayIndexOfId(id: number): number {
    for (let i = 0; i < this.dayIds.length; i++) if (this.dayIds[i] === id) return i;
    return -1;
  }

  /** Local ms of season `i`'s start in `year`. */
  seasonStartIn(i: number, year: number): number {
    return daysFromCivil(year, this.seasonMonth[i], this.seasonDay[i]) * MS_PER_DAY + this.seasonSecond[i] * 1000;
  }
}

/**
 * Activity calendar (class 20) with the special days table (class 11): selects the tariff in
 * force from local time, keeps it between boundaries, and reports where a boundary falls inside
 * a tick so the energy can be split to the millisecond.
 */
export class TariffCalendar {
  private active: CompiledCalendar;
  private passiveDefinition: CalendarDefinition;
  /** UTC ms of the scheduled activation of the passive calendar, or null. */
  private activationUtc: number | null = null;
  private special: SpecialDay[] = [];
  private specialYear = new Int32Array(0);
  private specialMonth = new Int32Array(0);
  private specialDay = new Int32Array(0);
  private specialWeekday = new Int32Array(0);
  private specialDayId = new Int32Array(0);

  /** The tariff in force (currently active tariff, 0.0.96.14.0.255). */
  rate = 1;
  /** Called after the active or passive calendar or the special days changed (the meter saves them then). */
  onChange: ((part: CalendarPart) => void) | null = null;
  /** UTC ms at or after which the tariff must be evaluated again. */
  private nextCheckUtc = -Infinity;
  /** Outputs of the last `advance`: the tick's energy split. */
  rateBefore = 1;
  rateAfter = 1;
  beforeMs = 0;
  spanMs = 0;

  constructor(private readonly clock: MeterClock, private readonly events: EventLogs, calendar: CalendarDefinition = defaultCalendar()) {
    this.active = new CompiledCalendar(validateCalendar(calendar));
    this.passiveDefinition = validateCalendar(calendar);
  }

  get activeCalendar(): CalendarDefinition {
    return this.active.definition;
  }

  get passiveCalendar(): CalendarDefinition {
    return this.passiveDefinition;
  }

  /** activate_passive_calendar_time as UTC ms (null = not scheduled). */
  get passiveActivationUtc(): number | null {
    return this.activationUtc;
  }

  get specialDays(): readonly SpecialDay[] {
    return this.special;
  }

  /**
   * Writes the passive calendar (event 19). `activationUtc` schedules its activation; null leaves
   * it for the activate method.
   */
  programPassive(calendar: CalendarDefinition, activationUtc: number | null): void {
    if (activationUtc !== null && !Number.isFinite(activationUtc)) throw new RangeError("activation time must be a finite UTC ms or null");
    this.passiveDefinition = validateCalendar(calendar);
    this.activationUtc = activationUtc;
    this.events.record("standard", TOU_EVENT.passiveProgrammed);
    this.invalidate(this.clock.nowUtcMs());
    this.onChange?.("passive");
  }

  /** Class 20 method activate_passive_calendar: the passive calendar becomes active (event 9). */
  activatePassive(): void {
    this.active = new CompiledCalendar(this.passiveDefinition);
    this.activationUtc = null;
    this.events.record("standard", TOU_EVENT.activated);
    this.invalidate(this.clock.nowUtcMs());
    this.activated();
  }

  /** Brings back stored calendars and special days at power up (no events: nothing changed). */
  restoreActive(calendar: CalendarDefinition): void {
    this.active = new CompiledCalendar(validateCalendar(calendar));
    this.nextCheckUtc = -Infinity;
  }

  restorePassive(calendar: CalendarDefinition, activationUtc: number | null): void {
    if (activationUtc !== null && !Number.isFinite(activationUtc)) throw new RangeError("activation time must be a finite UTC ms or null");
    this.passiveDefinition = validateCalendar(calendar);
    this.activationUtc = activationUtc;
    this.nextCheckUtc = -Infinity;
  }

  restoreSpecialDays(entries: readonly SpecialDay[]): void {
    if (entries.length > MAX_SPECIAL_DAYS) throw new RangeError(`special days table holds at most ${MAX_SPECIAL_DAYS} entries`);
    const list = entries.map(validateSpecialDay).sort((a, b) => a.index - b.index);
    for (let i = 1; i < list.length; i++) if (list[i].index === list[i - 1].index) throw new RangeError(`special day index ${list[i].index} twice`);
    this.special = list;
    this.compileSpecialDays();
  }

  /** The active calendar changed: saved first, then the passive one (its activation time is spent). */
  private activated(): void {
    this.onChange?.("active");
    this.onChange?.("passive");
  }

  /** Class 11 insert: replaces an entry with the same index. */
  insertSpecialDay(entry: SpecialDay): void {
    const e = validateSpecialDay(entry);
    const others = this.special.filter((s) => s.index !== e.index);
    if (others.length >= MAX_SPECIAL_DAYS) throw new RangeError(`special days table is full (${MAX_SPECIAL_DAYS} entries)`);
    this.special = others.concat(e).sort((a, b) => a.index - b.index);
    this.compileSpecialDays();
    this.onChange?.("special");
  }

  /** Class 11 delete; returns false when no entry had that index. */
  deleteSpecialDay(index: number): boolean {
    const before = this.special.length;
    this.special = this.special.filter((s) => s.index !== index);
    this.compileSpecialDays();
    const deleted = this.special.length !== before;
    if (deleted) this.onChange?.("special");
    return deleted;
  }

  /**
   * Power up, after the restore: evaluates the tariff in force at `utcMs` (the start of the first
   * tick's interval) now rather than in the first tick, which would otherwise carry the first
   * calendar look-up. Leaves a due passive-calendar activation (event 9) to the tick.
   */
  prepare(utcMs: number): void {
    if (this.nextCheckUtc > utcMs) return;
    if (this.activationUtc !== null && utcMs >= this.activationUtc) return;
    this.evaluate(utcMs);
  }

  /** Forces a re-evaluation at `utcMs` (the next tick splits its energy there). */
  invalidate(utcMs: number): void {
    if (utcMs < this.nextCheckUtc) this.nextCheckUtc = utcMs;
  }

  /**
   * Moves the tariff from `prevUtc` to `nowUtc` (one tick) and sets rateBefore/rateAfter/
   * beforeMs/spanMs. A boundary exactly at `nowUtc` leaves the whole tick in the old rate.
   * No allocation.
   */
  advance(prevUtc: number, nowUtc: number): void {
    const span = nowUtc > prevUtc ? nowUtc - prevUtc : 0;
    this.spanMs = span;
    this.beforeMs = span;
    if (nowUtc < this.nextCheckUtc) {
      this.rateBefore = this.rate;
      this.rateAfter = this.rate;
      return;
    }
    // A check due at or before the interval start (first tick, clock set, calendar change)
    // decides the rate of the whole interval.
    if (this.nextCheckUtc <= prevUtc) this.evaluate(prevUtc);
    this.rateBefore = this.rate;
    // Boundaries strictly inside the interval split it at the first one; with ticks longer than
    // the gap between two boundaries the rest goes to the last rate.
    let guard = 0;
    while (this.nextCheckUtc < nowUtc && guard++ < 64) {
      if (this.beforeMs === span) this.beforeMs = this.nextCheckUtc - prevUtc;
      this.evaluate(this.nextCheckUtc);
    }
    this.rateAfter = this.rate;
    // A boundary exactly at the end of the tick takes effect from the next tick on.
    if (this.nextCheckUtc === nowUtc) this.evaluate(nowUtc);
  }

  /** The tariff that a pure evaluation gives at `utcMs` (tests, display). Does not change state. */
  tariffAt(utcMs: number): number {
    const local = this.clock.localMs(utcMs);
    return this.tariffOfLocal(this.active, local);
  }

  /** Sets `rate` and `nextCheckUtc` for time `utcMs`, activating a due passive calendar first. */
  private evaluate(utcMs: number): void {
    if (this.activationUtc !== null && utcMs >= this.activationUtc) {
      this.active = new CompiledCalendar(this.passiveDefinition);
      this.activationUtc = null;
      this.events.record("standard", TOU_EVENT.activated);
      this.activated();
    }
    const cal = this.active;
    const local = this.clock.localMs(utcMs);
    this.rate = this.tariffOfLocal(cal, local);
    // Next candidate in local time: the next switching time today, else the next midnight, or
    // an earlier season start. Converted with the current offset, which is exact because DST
    // switches are candidates of their own.
    const days = dayNumber(local);
    const inDay = msOfDay(local);
    let nextLocal = (days + 1) * MS_PER_DAY;
    const profile = this.dayProfileOf(cal, days, local);
    if (profile >= 0) {
      for (let k = cal.dayFirst[profile]; k < cal.dayFirst[profile + 1]; k++) {
        if (cal.actionStartMs[k] > inDay) {
          nextLocal = days * MS_PER_DAY + cal.actionStartMs[k];
          break;
        }
      }
    }
    const year = yearOfDays(days);
    for (let i = 0; i < cal.seasonYear.length; i++) {
      let start = cal.seasonYear[i] === WILDCARD_YEAR ? cal.seasonStartIn(i, year) : cal.seasonStartIn(i, cal.seasonYear[i]);
      if (start <= local && cal.seasonYear[i] === WILDCARD_YEAR) start = cal.seasonStartIn(i, year + 1);
      if (start > local && start < nextLocal) nextLocal = start;
    }
    let next = utcMs + (nextLocal - local);
    const dstSwitch = this.clock.nextDstSwitchUtc(utcMs);
    if (dstSwitch < next) next = dstSwitch;
    if (this.activationUtc !== null && this.activationUtc < next) next = this.activationUtc;
    this.nextCheckUtc = next;
  }

  private tariffOfLocal(cal: CompiledCalendar, local: number): number {
    const days = dayNumber(local);
    const inDay = msOfDay(local);
    let profile = this.dayProfileOf(cal, days, local);
    if (profile >= 0) {
      for (let k = cal.dayFirst[profile + 1] - 1; k >= cal.dayFirst[profile]; k--) if (cal.actionStartMs[k] <= inDay) return cal.actionTariff[k];
    }
    // Before the first switching time of the day the last tariff of the previous day continues.
    profile = this.dayProfileOf(cal, days - 1, local - inDay - 1);
    if (profile >= 0 && cal.dayFirst[profile + 1] > cal.dayFirst[profile]) return cal.actionTariff[cal.dayFirst[profile + 1] - 1];
    return 1;
  }

  /** Day profile index for local day `days` (special day first, else the season's week). */
  private dayProfileOf(cal: CompiledCalendar, days: number, local: number): number {
    for (let i = 0; i < this.specialYear.length; i++) {
      if (dateMatches(days, this.specialYear[i], this.specialMonth[i], this.specialDay[i], this.specialWeekday[i])) {
        const index = cal.dayIndexOfId(this.specialDayId[i]);
        if (index >= 0) return index;
      }
    }
    const season = this.seasonAt(cal, local);
    if (season < 0) return -1;
    return cal.weekDay[cal.seasonWeek[season] * 7 + weekdayOfDays(days) - 1];
  }

  /** Season in force at local time `local`: the latest start at or before it (wrapping years). */
  private seasonAt(cal: CompiledCalendar, local: number): number {
    const year = yearOfDays(dayNumber(local));
    let best = -1;
    let bestStart = -Infinity;
    for (let i = 0; i < cal.seasonYear.length; i++) {
      let start: number;
      if (cal.seasonYear[i] === WILDCARD_YEAR) {
        start = cal.seasonStartIn(i, year);
        if (start > local) start = cal.seasonStartIn(i, year - 1);
      } else {
        start = cal.seasonStartIn(i, cal.seasonYear[i]);
        if (start > local) continue;
      }
      if (start > bestStart) {
        bestStart = start;
        best = i;
      }
    }
    // Before every fixed-year season start the first season applies.
    return best < 0 ? (cal.seasonYear.length > 0 ? 0 : -1) : best;
  }

  private compileSpecialDays(): void {
    this.specialYear = Int32Array.from(this.special, (s) => s.year);
    this.specialMonth = Int32Array.from(this.special, (s) => s.month);
    this.specialDay = Int32Array.from(this.special, (s) => s.day);
    this.specialWeekday = Int32Array.from(this.special, (s) => s.dayOfWeek);
    this.specialDayId = Int32Array.from(this.special, (s) => s.dayId);
    this.invalidate(this.clock.nowUtcMs());
  }
}
