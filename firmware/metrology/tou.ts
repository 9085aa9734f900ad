import { dayNumber, daysFromCivil, MS_PER_DAY, msOfDay, weekdayOfDays, yearOfDays } from "../time/civil-date";
import type { MeterClock } from "../time/clock";
import { dateMatches, WILDCARD, WILDCARD_YEAR } from "../time/dlms-datetime";
import { RATE_COUNT } from "./energy-registers";
import type { EventLogs } from "../records/event-log";
import { EVENT } from "../kernel/event-codes";
import { deepFreeze } from "../kernel/freeze";

/** One switching point of a day profile (class 20 day_schedule entry): from startSecond on, `tariff`. */
interface DayAction {
  /** Local seconds after midnight, 0..86399. */
  startSecond: number;
  /** Tariff (script_selector), 1..RATE_COUNT. */
  tariff: number;
}

interface DayProfile {
  /** day_id, 0..255. */
  id: number;
  actions: DayAction[];
}

interface WeekProfile {
  name: string;
  /** day_id for Monday..Sunday. */
  days: number[];
}

/** season_start: month and day fixed, year 0xFFFF = every year, local time of day. */
interface SeasonStart {
  year: number;
  month: number;
  day: number;
  /** Local seconds after midnight. */
  second: number;
}

interface SeasonProfile {
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
const MAX_CALENDAR_NAME = 32;

/** Which part of the tariff programme changed (TariffCalendar.onChange). */
export type CalendarPart = "active" | "passive" | "special";

/** Standard events of the tariff calendar. */
export const TOU_EVENT = deepFreeze({ activated: EVENT.standard.touActivated, passiveProgrammed: EVENT.standard.passiveTouProgrammed } as const);

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

/** Numbers per season in a packed calendar: start year, month, day, second, week index. */
const SEASON_FIELDS = 5;
/** Numbers per special day in the packed table: index, year, month, day, day of week, day_id. */
const SPECIAL_FIELDS = 6;

/**
 * A validated calendar packed into one Int32Array so evaluation allocates nothing and a calendar
 * at rest costs one array header and its names, not an object per season, week, day and action.
 * Layout: seasons (SEASON_FIELDS each), week days (7 per week: day profile index, Monday first),
 * day firsts (days + 1: actions of day i are [first(i), first(i + 1))), day ids, action starts
 * (local ms of day), action tariffs. The CalendarDefinition is rebuilt on demand (a DLMS read, a
 * save), equal to the validated one it was packed from.
 */
class CompiledCalendar {
  readonly seasons: number;
  readonly weeks: number;
  readonly days: number;
  readonly actions: number;
  private readonly data: Int32Array;
  /** The calendar's name, then the week names, then the season names. */
  private readonly names: readonly string[];

  constructor(c: CalendarDefinition) {
    this.seasons = c.seasons.length;
    this.weeks = c.weeks.length;
    this.days = c.days.length;
    let actions = 0;
    for (const d of c.days) actions += d.actions.length;
    this.actions = actions;
    const data = new Int32Array(SEASON_FIELDS * this.seasons + 7 * this.weeks + 2 * this.days + 1 + 2 * actions);
    const names = [c.name];
    for (const w of c.weeks) names.push(w.name);
    let at = 0;
    for (const s of c.seasons) {
      names.push(s.name);
      data[at++] = s.start.year;
      data[at++] = s.start.month;
      data[at++] = s.start.day;
      data[at++] = s.start.second;
      data[at++] = c.weeks.findIndex((w) => w.name === s.week);
    }
    for (const w of c.weeks) for (const id of w.days) data[at++] = c.days.findIndex((dp) => dp.id === id);
    let k = 0;
    for (const d of c.days) {
      data[at++] = k;
      k += d.actions.length;
    }
    data[at++] = k;
    for (const d of c.days) data[at++] = d.id;
    for (const d of c.days) for (const a of d.actions) data[at++] = a.startSecond * 1000;
    for (const d of c.days) for (const a of d.actions) data[at++] = a.tariff;
    this.data = data;
    this.names = names;
  }

  seasonYear(i: number): number {
    return this.data[i * SEASON_FIELDS];
  }

  seasonWeek(i: number): number {
    return this.data[i * SEASON_FIELDS + 4];
  }

  /** Day profile index of week `week` on `weekday` (1 = Monday .. 7). */
  weekDay(week: number, weekday: number): number {
    return this.data[SEASON_FIELDS * this.seasons + week * 7 + weekday - 1];
  }

  /** First action of day profile `i` (`i` = days: one past the last action). */
  dayFirst(i: number): number {
    return this.data[SEASON_FIELDS * this.seasons + 7 * this.weeks + i];
  }

  private dayId(i: number): number {
    return this.data[SEASON_FIELDS * this.seasons + 7 * this.weeks + this.days + 1 + i];
  }

  actionStartMs(k: number): number {
    return this.data[SEASON_FIELDS * this.seasons + 7 * this.weeks + 2 * this.days + 1 + k];
  }

  actionTariff(k: number): number {
    return this.data[SEASON_FIELDS * this.seasons + 7 * this.weeks + 2 * this.days + 1 + this.actions + k];
  }

  dayIndexOfId(id: number): number {
    for (let i = 0; i < this.days; i++) if (this.dayId(i) === id) return i;
    return -1;
  }

  /** Local ms of season `i`'s start in `year`. */
  seasonStartIn(i: number, year: number): number {
    const d = this.data;
    const at = i * SEASON_FIELDS;
    return daysFromCivil(year, d[at + 1], d[at + 2]) * MS_PER_DAY + d[at + 3] * 1000;
  }

  /** The calendar as objects (a new copy each call). */
  definition(): CalendarDefinition {
    const d = this.data;
    const weeks: WeekProfile[] = [];
    for (let w = 0; w < this.weeks; w++) {
      const days: number[] = [];
      for (let wd = 1; wd <= 7; wd++) days.push(this.dayId(this.weekDay(w, wd)));
      weeks.push({ name: this.names[1 + w], days });
    }
    const seasons: SeasonProfile[] = [];
    for (let i = 0; i < this.seasons; i++) {
      const at = i * SEASON_FIELDS;
      seasons.push({ name: this.names[1 + this.weeks + i], start: { year: d[at], month: d[at + 1], day: d[at + 2], second: d[at + 3] }, week: this.names[1 + d[at + 4]] });
    }
    const days: DayProfile[] = [];
    for (let i = 0; i < this.days; i++) {
      const actions: DayAction[] = [];
      for (let k = this.dayFirst(i); k < this.dayFirst(i + 1); k++) actions.push({ startSecond: this.actionStartMs(k) / 1000, tariff: this.actionTariff(k) });
      days.push({ id: this.dayId(i), actions });
    }
    return { name: this.names[0], seasons, weeks, days };
  }
}

/**
 * Activity calendar (class 20) with the special days table (class 11): selects the tariff in
 * force from local time, keeps it between boundaries, and reports where a boundary falls inside
 * a tick so the energy can be split to the millisecond.
 */
export class TariffCalendar {
  private active: CompiledCalendar;
  /** Packed like the active one (the same object when both are the same calendar). */
  private passive: CompiledCalendar;
  /** UTC ms of the scheduled activation of the passive calendar, or null. */
  private activationUtc: number | null = null;
  /** The special days table, SPECIAL_FIELDS numbers per entry, by index. */
  private special = new Int32Array(0);

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
    this.passive = this.active;
  }

  /** The active calendar (a new copy each read). */
  get activeCalendar(): CalendarDefinition {
    return this.active.definition();
  }

  /** The passive calendar (a new copy each read). */
  get passiveCalendar(): CalendarDefinition {
    return this.passive.definition();
  }

  /** activate_passive_calendar_time as UTC ms (null = not scheduled). */
  get passiveActivationUtc(): number | null {
    return this.activationUtc;
  }

  /** The special days table by index (new objects each read). */
  get specialDays(): readonly SpecialDay[] {
    const t = this.special;
    const out: SpecialDay[] = [];
    for (let at = 0; at < t.length; at += SPECIAL_FIELDS) out.push({ index: t[at], year: t[at + 1], month: t[at + 2], day: t[at + 3], dayOfWeek: t[at + 4], dayId: t[at + 5] });
    return out;
  }

  /**
   * Writes the passive calendar (event 19). `activationUtc` schedules its activation; null leaves
   * it for the activate method.
   */
  programPassive(calendar: CalendarDefinition, activationUtc: number | null): void {
    if (activationUtc !== null && !Number.isFinite(activationUtc)) throw new RangeError("activation time must be a finite UTC ms or null");
    this.passive = new CompiledCalendar(validateCalendar(calendar));
    this.activationUtc = activationUtc;
    this.events.record("standard", TOU_EVENT.passiveProgrammed);
    this.invalidate(this.clock.nowUtcMs());
    this.onChange?.("passive");
  }

  /** Class 20 method activate_passive_calendar: the passive calendar becomes active (event 9). */
  activatePassive(): void {
    this.active = this.passive;
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
    this.passive = new CompiledCalendar(validateCalendar(calendar));
    this.activationUtc = activationUtc;
    this.nextCheckUtc = -Infinity;
  }

  restoreSpecialDays(entries: readonly SpecialDay[]): void {
    if (entries.length > MAX_SPECIAL_DAYS) throw new RangeError(`special days table holds at most ${MAX_SPECIAL_DAYS} entries`);
    const list = entries.map(validateSpecialDay).sort((a, b) => a.index - b.index);
    for (let i = 1; i < list.length; i++) if (list[i].index === list[i - 1].index) throw new RangeError(`special day index ${list[i].index} twice`);
    this.setSpecialDays(list);
  }

  /** The active calendar changed: saved first, then the passive one (its activation time is spent). */
  private activated(): void {
    this.onChange?.("active");
    this.onChange?.("passive");
  }

  /** Class 11 insert: replaces an entry with the same index. */
  insertSpecialDay(entry: SpecialDay): void {
    const e = validateSpecialDay(entry);
    const others = this.specialDays.filter((s) => s.index !== e.index);
    if (others.length >= MAX_SPECIAL_DAYS) throw new RangeError(`special days table is full (${MAX_SPECIAL_DAYS} entries)`);
    this.setSpecialDays(others.concat(e).sort((a, b) => a.index - b.index));
    this.onChange?.("special");
  }

  /** Class 11 delete; returns false when no entry had that index. */
  deleteSpecialDay(index: number): boolean {
    const before = this.special.length;
    this.setSpecialDays(this.specialDays.filter((s) => s.index !== index));
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
      this.active = this.passive;
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
      for (let k = cal.dayFirst(profile); k < cal.dayFirst(profile + 1); k++) {
        if (cal.actionStartMs(k) > inDay) {
          nextLocal = days * MS_PER_DAY + cal.actionStartMs(k);
          break;
        }
      }
    }
    const year = yearOfDays(days);
    for (let i = 0; i < cal.seasons; i++) {
      let start = cal.seasonYear(i) === WILDCARD_YEAR ? cal.seasonStartIn(i, year) : cal.seasonStartIn(i, cal.seasonYear(i));
      if (start <= local && cal.seasonYear(i) === WILDCARD_YEAR) start = cal.seasonStartIn(i, year + 1);
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
      for (let k = cal.dayFirst(profile + 1) - 1; k >= cal.dayFirst(profile); k--) if (cal.actionStartMs(k) <= inDay) return cal.actionTariff(k);
    }
    // Before the first switching time of the day the last tariff of the previous day continues.
    profile = this.dayProfileOf(cal, days - 1, local - inDay - 1);
    if (profile >= 0 && cal.dayFirst(profile + 1) > cal.dayFirst(profile)) return cal.actionTariff(cal.dayFirst(profile + 1) - 1);
    return 1;
  }

  /** Day profile index for local day `days` (special day first, else the season's week). */
  private dayProfileOf(cal: CompiledCalendar, days: number, local: number): number {
    const t = this.special;
    for (let at = 0; at < t.length; at += SPECIAL_FIELDS) {
      if (dateMatches(days, t[at + 1], t[at + 2], t[at + 3], t[at + 4])) {
        const index = cal.dayIndexOfId(t[at + 5]);
        if (index >= 0) return index;
      }
    }
    const season = this.seasonAt(cal, local);
    if (season < 0) return -1;
    return cal.weekDay(cal.seasonWeek(season), weekdayOfDays(days));
  }

  /** Season in force at local time `local`: the latest start at or before it (wrapping years). */
  private seasonAt(cal: CompiledCalendar, local: number): number {
    const year = yearOfDays(dayNumber(local));
    let best = -1;
    let bestStart = -Infinity;
    for (let i = 0; i < cal.seasons; i++) {
      let start: number;
      if (cal.seasonYear(i) === WILDCARD_YEAR) {
        start = cal.seasonStartIn(i, year);
        if (start > local) start = cal.seasonStartIn(i, year - 1);
      } else {
        start = cal.seasonStartIn(i, cal.seasonYear(i));
        if (start > local) continue;
      }
      if (start > bestStart) {
        bestStart = start;
        best = i;
      }
    }
    // Before every fixed-year season start the first season applies.
    return best < 0 ? (cal.seasons > 0 ? 0 : -1) : best;
  }

  /** Packs `list` (validated, sorted by index) as the special days table. */
  private setSpecialDays(list: readonly SpecialDay[]): void {
    const t = new Int32Array(list.length * SPECIAL_FIELDS);
    let at = 0;
    for (const e of list) {
      t[at++] = e.index;
      t[at++] = e.year;
      t[at++] = e.month;
      t[at++] = e.day;
      t[at++] = e.dayOfWeek;
      t[at++] = e.dayId;
    }
    this.special = t;
    this.invalidate(this.clock.nowUtcMs());
  }
}
