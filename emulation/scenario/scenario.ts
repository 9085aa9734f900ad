import { type DstRule, wallClockToUtc } from "./wall-clock";
import { parseDuration, ScenarioError } from "./duration";

export interface LoadSegment {
  /** Offset from the scenario start, ms. */
  atMs: number;
  voltage: number;
  current: number;
  angle: number;
  frequency: number;
  neutralCurrent: number;
}

export interface ScenarioEvent {
  atMs: number;
  type: string;
  /** The event's own fields as written in the file (durations already checked). */
  fields: Record<string, unknown>;
}

export interface Scenario {
  /** Local start time as written, e.g. 2026-03-01T00:00:00. */
  start: string;
  startUtcMs: number;
  utcOffsetMinutes: number;
  dst: DstRule;
  chip: "ade7953" | "atm90e26";
  load: LoadSegment[];
  /** Load pattern repeats with this period (ms), 0 = no repeat. */
  repeatMs: number;
  /** Default run length (ms) for `--speed max` without `--until`. */
  durationMs: number;
  events: ScenarioEvent[];
  /** Extra top-level sections later features read (e.g. "meter" configuration overrides). */
  extra: Record<string, unknown>;
}

/** Field kinds an event type declares; the parser checks values against them. */
export type FieldKind = "duration" | "number" | "integer" | "string" | "boolean" | "time" | "object" | "array" | "any";

export interface EventTypeSpec {
  /** Fields other than `at` and `type`; required ones are listed in `required`. */
  fields: Record<string, FieldKind>;
  required?: string[];
  /** Extra checks beyond kinds; throw ScenarioError naming the problem. */
  validate?(fields: Record<string, unknown>): void;
  /**
   * The event is physical (load, an input, a fault on a wire or chip): it happens whether or not
   * the meter is powered, so it may fall in an outage. Anything else (a command, a clock or
   * tariff change, a billing reset) needs a powered meter: inside an outage it is a load-time
   * error (checkOutages).
   */
  physical?: boolean;
}

/** The event types a scenario may use, by name (the simulator's table: host-sim/event-types.ts). */
export type EventTypeTable = Readonly<Record<string, EventTypeSpec>>;

/** The names of a table's event types, sorted (for error messages). */
export function knownEventTypes(types: EventTypeTable): string[] {
  return Object.keys(types).sort();
}

/** Event types that are outages: [at, at + duration] with the meter off. */
const OUTAGE_TYPES: readonly string[] = ["power-cut"];

const LOAD_FIELDS = ["at", "voltage", "current", "angle", "frequency", "neutralCurrent"];
const TOP_FIELDS = ["start", "utcOffsetMinutes", "dst", "chip", "load", "events", "repeat", "duration", "description"];

/** Parses a scenario; its events must be of the types in `eventTypes`. Errors are ScenarioErrors naming the place. */
export function parseScenario(json: unknown, source: string, eventTypes: EventTypeTable): Scenario {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ScenarioError(`${source}: must be a JSON object`);
  const obj = json as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!TOP_FIELDS.includes(key)) throw new ScenarioError(`${source}: unknown field "${key}"`);
  }
  const start = obj.start ?? "2026-03-01T00:00:00";
  if (typeof start !== "string") throw new ScenarioError(`${source}: "start" must be a local time like 2026-03-01T00:00:00`);
  const utcOffsetMinutes = obj.utcOffsetMinutes ?? 60;
  if (typeof utcOffsetMinutes !== "number" || !Number.isInteger(utcOffsetMinutes) || Math.abs(utcOffsetMinutes) > 840) {
    throw new ScenarioError(`${source}: "utcOffsetMinutes" must be an integer between -840 and 840`);
  }
  const dst = obj.dst ?? "eu";
  if (dst !== "eu" && dst !== "none") throw new ScenarioError(`${source}: "dst" must be "eu" or "none", got ${JSON.stringify(dst)}`);
  const chip = obj.chip ?? "ade7953";
  if (chip !== "ade7953" && chip !== "atm90e26") throw new ScenarioError(`${source}: "chip" must be "ade7953" or "atm90e26", got ${JSON.stringify(chip)}`);
  const localMs = parseLocalTime(start, `${source}: "start"`);
  const startUtcMs = wallClockToUtc(localMs, utcOffsetMinutes, dst);

  if (!Array.isArray(obj.load) || obj.load.length === 0) throw new ScenarioError(`${source}: "load" must be a non-empty array of segments`);
  let previous: LoadSegment = { atMs: 0, voltage: 230, current: 0, angle: 0, frequency: 50, neutralCurrent: 0 };
  const load: LoadSegment[] = obj.load.map((raw, i) => {
    const where = `${source}: load[${i}]`;
    if (typeof raw !== "object" || raw === null) throw new ScenarioError(`${where} must be an object`);
    const seg = raw as Record<string, unknown>;
    for (const key of Object.keys(seg)) if (!LOAD_FIELDS.includes(key)) throw new ScenarioError(`${where}: unknown field "${key}"`);
    const num = (key: string, fallback: number, min: number, max: number): number => {
      const v = seg[key] ?? fallback;
      if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) throw new ScenarioError(`${where}: "${key}" must be a number in ${min}..${max}, got ${JSON.stringify(seg[key])}`);
      return v;
    };
    const current = num("current", previous.current, 0, 1000);
    const next: LoadSegment = {
      atMs: parseTimeOffset(seg.at ?? 0, `${where}: "at"`, startUtcMs, utcOffsetMinutes, dst),
      voltage: num("voltage", previous.voltage, 0, 1000),
      current,
      angle: num("angle", previous.angle, -360, 360),
      frequency: num("frequency", previous.frequency, 1, 1000),
      neutralCurrent: num("neutralCurrent", seg.current !== undefined ? current : previous.neutralCurrent, 0, 1000),
    };
    if (i > 0 && next.atMs < previous.atMs) throw new ScenarioError(`${where}: "at" goes backwards`);
    previous = next;
    return next;
  });
  if (load[0].atMs !== 0) load.unshift({ ...load[0], atMs: 0, current: 0, neutralCurrent: 0 });

  const repeatMs = obj.repeat === undefined ? 0 : parseDuration(obj.repeat as string, `${source}: "repeat"`);
  const lastAt = load[load.length - 1].atMs;
  if (obj.repeat !== undefined && repeatMs <= lastAt) {
    throw new ScenarioError(`${source}: "repeat" ${JSON.stringify(obj.repeat)} is not longer than the load pattern (its last segment starts at ${lastAt / 1000} s)`);
  }
  const durationMs = obj.duration === undefined ? 86_400_000 : parseDuration(obj.duration as string, `${source}: "duration"`);

  const rawEvents = obj.events ?? [];
  if (!Array.isArray(rawEvents)) throw new ScenarioError(`${source}: "events" must be an array`);
  const events = rawEvents.map((raw, i) => parseEvent(raw, `${source}: events[${i}]`, startUtcMs, utcOffsetMinutes, dst, eventTypes));
  checkOutages(events, source, eventTypes);
  events.sort((a, b) => a.atMs - b.atMs);
  const extra: Record<string, unknown> = {};
  return { start, startUtcMs, utcOffsetMinutes, dst, chip, load, repeatMs, durationMs, events, extra };
}

/**
 * Outages must not overlap (the meter would power up inside the second one), and an event that
 * needs a powered meter must not fall in an outage, ends included (it would act on, or be lost
 * by, a meter that is off). Physical events (EventTypeSpec.physical) may. The error names both
 * events by their index in the file. `events` is in file order.
 */
function checkOutages(events: readonly ScenarioEvent[], source: string, eventTypes: EventTypeTable): void {
  const name = (i: number): string => `events[${i}] (${events[i].type} at ${formatOffset(events[i].atMs)})`;
  const outages: number[] = [];
  for (let i = 0; i < events.length; i++) if (OUTAGE_TYPES.includes(events[i].type)) outages.push(i);
  const end = (i: number): number => events[i].atMs + (events[i].fields.duration as number);
  for (let a = 0; a < outages.length; a++) {
    for (let b = a + 1; b < outages.length; b++) {
      const i = outages[a];
      const j = outages[b];
      if (events[i].atMs < end(j) && events[j].atMs < end(i)) {
        const [first, second] = events[i].atMs <= events[j].atMs ? [i, j] : [j, i];
        throw new ScenarioError(`${source}: ${name(second)} overlaps the outage of ${name(first)}, which lasts until ${formatOffset(end(first))}`);
      }
    }
  }
  for (let k = 0; k < events.length; k++) {
    const ev = events[k];
    if (OUTAGE_TYPES.includes(ev.type) || eventTypes[ev.type]?.physical === true) continue;
    for (const o of outages) {
      if (ev.atMs >= events[o].atMs && ev.atMs <= end(o)) {
        throw new ScenarioError(`${source}: ${name(k)} falls in the outage of ${name(o)} (${formatOffset(events[o].atMs)} to ${formatOffset(end(o))}); the meter is off, only load, input and fault events may happen then`);
      }
    }
  }
}

/** A scenario offset as h/m/s/ms text (e.g. 1h2m3s). */
function formatOffset(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let text = "";
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text;
}

function parseEvent(raw: unknown, where: string, startUtcMs: number, offset: number, dst: DstRule, eventTypes: EventTypeTable): ScenarioEvent {
  if (typeof raw !== "object" || raw === null) throw new ScenarioError(`${where} must be an object`);
  const ev = raw as Record<string, unknown>;
  if (typeof ev.type !== "string") throw new ScenarioError(`${where}: missing "type"`);
  const spec = Object.hasOwn(eventTypes, ev.type) ? eventTypes[ev.type] : undefined;
  if (!spec) throw new ScenarioError(`${where}: unknown event type "${ev.type}" (known: ${knownEventTypes(eventTypes).join(", ")})`);
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(ev)) {
    if (key === "at" || key === "type") continue;
    const kind = spec.fields[key];
    if (!kind) throw new ScenarioError(`${where}: unknown field "${key}" for event type "${ev.type}"`);
    fields[key] = checkKind(value, kind, `${where}: "${key}"`, startUtcMs, offset, dst);
  }
  for (const key of spec.required ?? []) if (!(key in fields)) throw new ScenarioError(`${where}: event type "${ev.type}" needs "${key}"`);
  spec.validate?.(fields);
  return { atMs: parseTimeOffset(ev.at ?? 0, `${where}: "at"`, startUtcMs, offset, dst), type: ev.type, fields };
}

function checkKind(value: unknown, kind: FieldKind, where: string, startUtcMs: number, offset: number, dst: DstRule): unknown {
  switch (kind) {
    case "duration":
      return parseDuration(value as string, where);
    case "time":
      // An absolute local time (ISO without zone) becomes UTC ms; a duration is an offset from start.
      return typeof value === "string" && value.includes("T") ? wallClockToUtc(parseLocalTime(value, where), offset, dst) : startUtcMs + parseDuration(value as string, where);
    case "number":
    case "integer":
      if (typeof value !== "number" || !Number.isFinite(value) || (kind === "integer" && !Number.isInteger(value))) throw new ScenarioError(`${where} must be ${kind === "integer" ? "an integer" : "a number"}`);
      return value;
    case "string":
      if (typeof value !== "string") throw new ScenarioError(`${where} must be a string`);
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw new ScenarioError(`${where} must be true or false`);
      return value;
    case "object":
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ScenarioError(`${where} must be an object`);
      return value;
    case "array":
      if (!Array.isArray(value)) throw new ScenarioError(`${where} must be an array`);
      return value;
    default:
      return value;
  }
}

/** `at` values: a duration from the start, or an absolute local time (2026-03-01T07:00:00). */
export function parseTimeOffset(value: unknown, where: string, startUtcMs: number, offset: number, dst: DstRule): number {
  if (typeof value === "string" && value.includes("T")) {
    const ms = wallClockToUtc(parseLocalTime(value, where), offset, dst) - startUtcMs;
    if (ms < 0) throw new ScenarioError(`${where}: ${value} is before the scenario start`);
    return ms;
  }
  return parseDuration(value as string, where);
}

/** Parses `YYYY-MM-DDTHH:MM[:SS]` local fields into `Date.UTC` of those fields. */
export function parseLocalTime(text: string, where: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m) throw new ScenarioError(`${where}: "${text}" is not a local time like 2026-03-01T00:00:00`);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number);
  // Date.UTC maps years 0..99 to 1900..1999: "0026" would run in 1926.
  if (y < 1970 || y > 2099) throw new ScenarioError(`${where}: year ${m[1]} must be 1970..2099`);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw new ScenarioError(`${where}: "${text}" is not a valid date-time`);
  return ms;
}
