/**
 * `client calendar FILE`: a passive activity calendar from the same JSON as the scenario's
 * "calendar" event, written to the meter's class 20 object attribute by attribute. Each write
 * is checked by the meter against the rest of the passive calendar, so the new day and week
 * profiles are first added beside the old ones, then the seasons switched, then the old ones
 * dropped.
 */
import { readFileSync } from "node:fs";
import type { CalendarDefinition } from "../../firmware/metrology/tou";
import { parseCalendar } from "../scenario-events/tariffs-clock";
import { array, type Data, int, octets, ProtocolError, struct } from "./codec";

export const ACTIVITY_CALENDAR = "0.0.13.0.0.255";
const TARIFF_SCRIPT = [0, 0, 10, 0, 100, 255];
const WILDCARD_YEAR = 0xffff;

const ascii = (text: string): Data => octets(Array.from(text, (c) => c.charCodeAt(0) & 0xff));

export function readCalendarFile(file: string): CalendarDefinition {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ProtocolError(`cannot read calendar ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ProtocolError(`${file}: a calendar is a JSON object with "name", "seasons", "weeks" and "days"`);
  try {
    return parseCalendar(json as Record<string, unknown>);
  } catch (e) {
    throw new ProtocolError(`${file}: ${(e as Error).message}`);
  }
}

/** The passive calendar's attributes 6..9 as A-XDR values. */
export function calendarData(c: CalendarDefinition): { name: Data; seasons: Data; weeks: Data; days: Data } {
  return {
    name: ascii(c.name),
    seasons: array(...c.seasons.map((s) => {
      const y = s.start.year === WILDCARD_YEAR ? WILDCARD_YEAR : s.start.year;
      const t = s.start.second;
      return struct(ascii(s.name), octets([y >> 8, y & 0xff, s.start.month, s.start.day, 0xff, Math.floor(t / 3600), Math.floor(t / 60) % 60, t % 60, 0xff, 0x80, 0x00, 0xff]), ascii(s.week));
    })),
    weeks: array(...c.weeks.map((w) => struct(ascii(w.name), ...w.days.map((d) => int(17, d))))),
    days: array(...c.days.map((d) => struct(int(17, d.id), array(...d.actions.map((a) => struct(
      octets([Math.floor(a.startSecond / 3600), Math.floor(a.startSecond / 60) % 60, a.startSecond % 60, 0]),
      octets(TARIFF_SCRIPT),
      int(18, a.tariff),
    )))))),
  };
}

/** `next` plus the items of `old` whose key (first element) `next` does not have. */
export function unionByKey(next: Data, old: Data): Data {
  if (next.kind !== "array" || old.kind !== "array") return next;
  const key = (d: Data) => JSON.stringify(d.kind === "structure" ? d.items[0] : d, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  const have = new Set(next.items.map(key));
  return array(...next.items, ...old.items.filter((i) => !have.has(key(i))));
}
