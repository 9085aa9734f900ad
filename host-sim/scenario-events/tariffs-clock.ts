/**
 * Scenario events for the clock, the tariff calendar and billing:
 *   { "at": "2h", "type": "set-clock", "time": "2026-03-02T06:59:30" }   local time (or a duration from start)
 *   { "at": "2h", "type": "shift-clock", "seconds": -30 }
 *   { "at": "1d", "type": "calendar", "activate": "2026-04-01T00:00:00", "calendar": {
 *       "name": "SUMMER", "seasons": [{ "name": "ALL", "start": "01-01", "week": "W" }],
 *       "weeks": [{ "name": "W", "days": [1, 1, 1, 1, 1, 2, 2] }],
 *       "days": [{ "id": 1, "switches": [{ "at": "00:00", "tariff": 2 }, { "at": "06:00", "tariff": 1 }] },
 *                { "id": 2, "switches": [{ "at": "00:00", "tariff": 2 }] }] } }
 *     without "activate" the passive calendar is activated at once (activate method)
 *   { "at": "0s", "type": "special-day", "date": "*-12-25", "dayId": 2, "index": 1 }   ("delete": true removes index)
 *   { "at": "10d", "type": "billing-reset" }                                            end of billing period now
 * Season starts: "MM-DD" (every year) or "YYYY-MM-DD", optionally "THH:MM[:SS]". Special-day dates:
 * "YYYY-MM-DD" with "*" for any year, month or day, plus an optional "dayOfWeek" (1 = Monday).
 */
import { WILDCARD, WILDCARD_YEAR } from "../../firmware/time/dlms-datetime";
import { type CalendarDefinition, type SpecialDay, validateCalendar, validateSpecialDay } from "../../firmware/metrology/tou";
import type { EventTypeDefiner } from "../event-types";
import { ScenarioError } from "../../emulation/scenario/duration";

/** Adds this file's scenario event types (their fields and what they do) to the simulator's table (host-sim/event-types.ts). */
export function defineTariffClockEvents({ registerEventType, onEvent }: EventTypeDefiner): void {
  registerEventType("set-clock", { fields: { time: "time" }, required: ["time"] });
  onEvent("set-clock", (sim, event) => sim.meter.clock.setTime(event.fields.time as number));

  registerEventType("shift-clock", {
    fields: { seconds: "integer" },
    required: ["seconds"],
    validate(fields) {
      const s = fields.seconds as number;
      if (Math.abs(s) > 366 * 86_400) throw new ScenarioError(`"seconds" must be within one year, got ${s}`);
    },
  });
  onEvent("shift-clock", (sim, event) => sim.meter.clock.shiftTime(event.fields.seconds as number));

  registerEventType("calendar", {
    fields: { calendar: "object", activate: "time" },
    required: ["calendar"],
    validate(fields) {
      fields.calendar = parseCalendar(fields.calendar as Record<string, unknown>);
    },
  });
  onEvent("calendar", (sim, event) => {
    const tou = sim.meter.tariffs.tou;
    const activate = event.fields.activate as number | undefined;
    tou.programPassive(event.fields.calendar as CalendarDefinition, activate ?? null);
    if (activate === undefined) tou.activatePassive();
  });

  registerEventType("special-day", {
    fields: { date: "string", dayOfWeek: "integer", dayId: "integer", index: "integer", delete: "boolean" },
    required: ["index"],
    validate(fields) {
      const index = fields.index as number;
      if (index < 0 || index > 0xffff) throw new ScenarioError(`special-day: "index" must be 0..65535, got ${index}`);
      if (fields.delete === true) return;
      if (fields.date === undefined || fields.dayId === undefined) throw new ScenarioError(`special-day needs "date" and "dayId" (or "delete": true)`);
      fields.entry = parseSpecialDay(fields);
    },
  });
  onEvent("special-day", (sim, event) => {
    const tou = sim.meter.tariffs.tou;
    if (event.fields.delete === true) tou.deleteSpecialDay(event.fields.index as number);
    else tou.insertSpecialDay(event.fields.entry as SpecialDay);
  });

  registerEventType("billing-reset", { fields: {} });
  onEvent("billing-reset", (sim) => sim.meter.tariffs.billing.capture());
}

function timeOfDay(text: unknown, where: string): number {
  const m = typeof text === "string" ? /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text) : null;
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) throw new ScenarioError(`${where}: "${String(text)}" is not a time of day like 07:00 or 07:00:30`);
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
}

/** Friendly JSON calendar -> firmware CalendarDefinition (checked by the firmware's own validation). */
export function parseCalendar(raw: Record<string, unknown>): CalendarDefinition {
  const list = (key: string): Record<string, unknown>[] => {
    const v = raw[key];
    if (!Array.isArray(v)) throw new ScenarioError(`calendar: "${key}" must be an array`);
    v.forEach((entry, i) => {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new ScenarioError(`calendar: ${key}[${i}] must be an object, got ${JSON.stringify(entry)}`);
    });
    return v as Record<string, unknown>[];
  };
  const seasons = list("seasons").map((s, i) => {
    const m = typeof s.start === "string" ? /^(?:(\d{4})-)?(\d{2})-(\d{2})(?:T(.+))?$/.exec(s.start) : null;
    if (!m) throw new ScenarioError(`calendar: seasons[${i}].start must be "MM-DD" or "YYYY-MM-DD" with optional "THH:MM", got ${JSON.stringify(s.start)}`);
    return {
      name: s.name as string,
      start: { year: m[1] ? Number(m[1]) : WILDCARD_YEAR, month: Number(m[2]), day: Number(m[3]), second: m[4] ? timeOfDay(m[4], `calendar: seasons[${i}].start`) : 0 },
      week: s.week as string,
    };
  });
  const weeks = list("weeks").map((w) => ({ name: w.name as string, days: w.days as number[] }));
  const days = list("days").map((d, i) => {
    const switches = d.switches;
    if (!Array.isArray(switches)) throw new ScenarioError(`calendar: days[${i}].switches must be an array of { "at": "HH:MM", "tariff": n }`);
    return { id: d.id as number, actions: switches.map((s: Record<string, unknown>, k: number) => ({ startSecond: timeOfDay(s.at, `calendar: days[${i}].switches[${k}].at`), tariff: s.tariff as number })) };
  });
  try {
    return validateCalendar({ name: raw.name as string, seasons, weeks, days });
  } catch (e) {
    throw new ScenarioError((e as Error).message);
  }
}

function parseSpecialDay(fields: Record<string, unknown>): SpecialDay {
  const m = /^(\d{4}|\*)-(\d{2}|\*)-(\d{2}|\*)$/.exec(fields.date as string);
  if (!m) throw new ScenarioError(`special-day: "date" must be like 2026-12-25 or *-12-25 (* = any), got ${JSON.stringify(fields.date)}`);
  const entry: SpecialDay = {
    index: fields.index as number,
    year: m[1] === "*" ? WILDCARD_YEAR : Number(m[1]),
    month: m[2] === "*" ? WILDCARD : Number(m[2]),
    day: m[3] === "*" ? WILDCARD : Number(m[3]),
    dayOfWeek: (fields.dayOfWeek as number | undefined) ?? WILDCARD,
    dayId: fields.dayId as number,
  };
  if (entry.month !== WILDCARD && (entry.month < 1 || entry.month > 12)) throw new ScenarioError(`special-day: month ${entry.month} must be 01..12`);
  if (entry.day !== WILDCARD && (entry.day < 1 || entry.day > 31)) throw new ScenarioError(`special-day: day ${entry.day} must be 01..31`);
  if (entry.dayOfWeek !== WILDCARD && (entry.dayOfWeek < 1 || entry.dayOfWeek > 7)) throw new ScenarioError(`special-day: dayOfWeek must be 1 (Monday)..7`);
  if (entry.dayId < 0 || entry.dayId > 255) throw new ScenarioError(`special-day: dayId must be 0..255`);
  try {
    return validateSpecialDay(entry);
  } catch (e) {
    throw new ScenarioError(`special-day: ${(e as Error).message}`);
  }
}
