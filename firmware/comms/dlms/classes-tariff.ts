/**
 * IC 20 Activity calendar, IC 11 Special days table and IC 22 Single action schedule over the
 * tariff calendar and billing of the metrology. Reads encode the owner's definitions; writes
 * build a new definition and hand it to the owner, which validates it (a refused value answers
 * other-reason and changes nothing).
 */
import { type AxdrWriter, DataType, type DlmsData } from "./axdr";
import { numberOf } from "./values";
import { type AttributeDef, defineClass, type ObjectClass, type RequestContext } from "./object-model";
import { dateTimeBytesToUtc, modelTime } from "./classes-clock";
import { parseObis, RESULT } from "./xdlms";
import type { CalendarDefinition, SpecialDay, TariffCalendar } from "../../metrology/tou";
import type { Billing, ExecutionTime } from "../../metrology/billing";

/** IDIS tariffication script table (script_selector = tariff) and end-of-billing script. */
const TARIFF_SCRIPT = parseObis("0.0.10.0.100.255");
const BILLING_SCRIPT = parseObis("0.0.10.0.1.255");

const ascii = (s: string): Uint8Array => {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
};
const text = (b: Uint8Array): string => String.fromCharCode(...b);

function writeTime(w: AxdrWriter, second: number): void {
  w.octetString(new Uint8Array([Math.floor(second / 3600), Math.floor(second / 60) % 60, second % 60, 0]));
}

function writeDate(w: AxdrWriter, year: number, month: number, day: number, dayOfWeek: number): void {
  w.octetString(new Uint8Array([(year >> 8) & 0xff, year & 0xff, month, day, dayOfWeek]));
}

function readTime(d: DlmsData): number {
  if (d.type !== DataType.octetString || d.bytes.length !== 4) throw new RangeError("time must be an octet-string(4)");
  const [h, m, s] = d.bytes;
  if (h > 23 || m > 59 || s > 59) throw new RangeError("time out of range");
  return h * 3600 + m * 60 + s;
}

function items(d: DlmsData, type: 1 | 2, n?: number): DlmsData[] {
  if (d.type !== type || (n !== undefined && d.items.length !== n)) throw new TypeError(`expected ${type === 1 ? "array" : `structure of ${n}`}`);
  return d.items;
}

function bytesOf(d: DlmsData): Uint8Array {
  if (d.type !== DataType.octetString) throw new TypeError("expected an octet-string");
  return d.bytes;
}

function int(d: DlmsData): number {
  const v = numberOf(d);
  if (!Number.isInteger(v)) throw new TypeError("expected an integer");
  return v;
}

/** Runs a decoder + apply; TypeError = type-unmatched, RangeError (the owner's validation) = other-reason. */
function guarded(run: () => void): number {
  try {
    run();
    return RESULT.success;
  } catch (e) {
    return e instanceof TypeError ? RESULT.typeUnmatched : RESULT.otherReason;
  }
}

function writeSeasons(w: AxdrWriter, c: CalendarDefinition): void {
  w.array(c.seasons.length);
  for (const s of c.seasons) {
    w.structure(3);
    w.octetString(ascii(s.name));
    const dt = new Uint8Array([(s.start.year >> 8) & 0xff, s.start.year & 0xff, s.start.month, s.start.day, 0xff, Math.floor(s.start.second / 3600), Math.floor(s.start.second / 60) % 60, s.start.second % 60, 0xff, 0x80, 0x00, 0xff]);
    w.octetString(dt);
    w.octetString(ascii(s.week));
  }
}

function writeWeeks(w: AxdrWriter, c: CalendarDefinition): void {
  w.array(c.weeks.length);
  for (const wk of c.weeks) {
    w.structure(8);
    w.octetString(ascii(wk.name));
    for (let d = 0; d < 7; d++) w.unsigned(wk.days[d]);
  }
}

function writeDays(w: AxdrWriter, c: CalendarDefinition): void {
  w.array(c.days.length);
  for (const day of c.days) {
    w.structure(2);
    w.unsigned(day.id);
    w.array(day.actions.length);
    for (const a of day.actions) {
      w.structure(3);
      writeTime(w, a.startSecond);
      w.obis(TARIFF_SCRIPT);
      w.longUnsigned(a.tariff);
    }
  }
}

function readSeasons(d: DlmsData): CalendarDefinition["seasons"] {
  return items(d, 1).map((s) => {
    const [name, start, week] = items(s, 2, 3);
    const b = bytesOf(start);
    if (b.length !== 12) throw new TypeError("season_start must be a date-time");
    const hour = b[5] === 0xff ? 0 : b[5];
    const minute = b[6] === 0xff ? 0 : b[6];
    const second = b[7] === 0xff ? 0 : b[7];
    return { name: text(bytesOf(name)), start: { year: b[0] * 256 + b[1], month: b[2], day: b[3], second: hour * 3600 + minute * 60 + second }, week: text(bytesOf(week)) };
  });
}

function readWeeks(d: DlmsData): CalendarDefinition["weeks"] {
  return items(d, 1).map((wk) => {
    const [name, ...days] = items(wk, 2, 8);
    return { name: text(bytesOf(name)), days: days.map(int) };
  });
}

function readDays(d: DlmsData): CalendarDefinition["days"] {
  return items(d, 1).map((day) => {
    const [id, schedule] = items(day, 2, 2);
    return {
      id: int(id),
      actions: items(schedule, 1).map((a) => {
        const [start, , selector] = items(a, 2, 3);
        return { startSecond: readTime(start), tariff: int(selector) };
      }),
    };
  });
}

function copyCalendar(c: CalendarDefinition): CalendarDefinition {
  return {
    name: c.name,
    seasons: c.seasons.map((s) => ({ ...s, start: { ...s.start } })),
    weeks: c.weeks.map((w) => ({ ...w, days: [...w.days] })),
    days: c.days.map((d) => ({ ...d, actions: d.actions.map((a) => ({ ...a })) })),
  };
}

function touOf(ctx: RequestContext): TariffCalendar {
  return ctx.object.target as TariffCalendar;
}

function half(which: "active" | "passive", part: (w: AxdrWriter, c: CalendarDefinition) => void): AttributeDef["get"] {
  return (ctx, w) => {
    const tou = touOf(ctx);
    part(w, which === "active" ? tou.activeCalendar : tou.passiveCalendar);
    return 0;
  };
}

function passiveSet(change: (c: CalendarDefinition, v: DlmsData) => void): AttributeDef["set"] {
  return (v, ctx) => guarded(() => {
    const tou = touOf(ctx);
    const next = copyCalendar(tou.passiveCalendar);
    change(next, v);
    tou.programPassive(next, tou.passiveActivationUtc);
  });
}

function writeName(w: AxdrWriter, c: CalendarDefinition): void {
  w.octetString(ascii(c.name));
}

/** IC 20 Activity calendar over the TariffCalendar (its target); date-times in the model's clock. */
export const ACTIVITY_CALENDAR_CLASS: ObjectClass = defineClass({
  classId: 20,
  version: 0,
  name: "Activity calendar",
  group: "config",
  attributes: [
    { get: half("active", writeName) },
    { get: half("active", writeSeasons) },
    { get: half("active", writeWeeks) },
    { get: half("active", writeDays) },
    { get: half("passive", writeName), set: passiveSet((c, v) => (c.name = text(bytesOf(v)))) },
    { get: half("passive", writeSeasons), set: passiveSet((c, v) => (c.seasons = readSeasons(v))) },
    { get: half("passive", writeWeeks), set: passiveSet((c, v) => (c.weeks = readWeeks(v))) },
    { get: half("passive", writeDays), set: passiveSet((c, v) => (c.days = readDays(v))) },
    {
      get: (ctx, w) => {
        const t = modelTime(ctx.model);
        t.dateTimes.write(w, touOf(ctx).passiveActivationUtc ?? NaN, t.clock);
        return 0;
      },
      set: (v, ctx) => guarded(() => {
        const tou = touOf(ctx);
        const b = bytesOf(v);
        const allWild = b.length === 12 && b[0] === 0xff && b[1] === 0xff;
        const utc = allWild ? null : dateTimeBytesToUtc(b, modelTime(ctx.model).clock);
        if (utc !== null && !Number.isFinite(utc)) throw new RangeError("bad activation time");
        tou.programPassive(copyCalendar(tou.passiveCalendar), utc);
      }),
    },
  ],
  methods: [
    {
      invoke: (p, ctx) => {
        if (p && p.type !== DataType.integer) return RESULT.typeUnmatched;
        touOf(ctx).activatePassive();
        return RESULT.success;
      },
    },
  ],
});

function readSpecialDay(d: DlmsData): SpecialDay {
  const [index, date, dayId] = items(d, 2, 3);
  const b = bytesOf(date);
  if (b.length !== 5) throw new TypeError("specialday_date must be a date (5 bytes)");
  return { index: int(index), year: b[0] * 256 + b[1], month: b[2], day: b[3], dayOfWeek: b[4], dayId: int(dayId) };
}

/** IC 11 Special days table over the TariffCalendar (its target). */
export const SPECIAL_DAYS_CLASS: ObjectClass = defineClass({
  classId: 11,
  version: 0,
  name: "Special days table",
  group: "config",
  attributes: [
    {
      get: (ctx, w) => {
        const list = touOf(ctx).specialDays;
        w.array(list.length);
        for (const s of list) {
          w.structure(3);
          w.longUnsigned(s.index);
          writeDate(w, s.year, s.month, s.day, s.dayOfWeek);
          w.unsigned(s.dayId);
        }
        return 0;
      },
    },
  ],
  methods: [
    { invoke: (p, ctx) => (p ? guarded(() => touOf(ctx).insertSpecialDay(readSpecialDay(p))) : RESULT.typeUnmatched) },
    {
      invoke: (p, ctx) => {
        if (!p || p.type !== DataType.longUnsigned) return RESULT.typeUnmatched;
        return touOf(ctx).deleteSpecialDay(p.value) ? RESULT.success : RESULT.otherReason;
      },
    },
  ],
});

function readExecutionEntry(d: DlmsData): ExecutionTime {
  const [time, date] = items(d, 2, 2);
  const b = bytesOf(date);
  if (b.length !== 5) throw new TypeError("date must be 5 bytes");
  return { second: readTime(time), year: b[0] * 256 + b[1], month: b[2], day: b[3], dayOfWeek: b[4] };
}

function billingOf(ctx: RequestContext): Billing {
  return ctx.object.target as Billing;
}

/** IC 22 End of billing period schedule over the Billing (its target). */
export const BILLING_SCHEDULE_CLASS: ObjectClass = defineClass({
  classId: 22,
  version: 0,
  name: "End of billing period schedule",
  group: "config",
  attributes: [
    {
      get: (_c, w) => {
        w.structure(2);
        w.obis(BILLING_SCRIPT);
        w.longUnsigned(1);
        return 0;
      },
    },
    { get: (ctx, w) => (w.enumValue(billingOf(ctx).executionTimes.length <= 1 ? 1 : 5), 0) },
    {
      get: (ctx, w) => {
        const list = billingOf(ctx).executionTimes;
        w.array(list.length);
        for (const e of list) {
          w.structure(2);
          writeTime(w, e.second);
          writeDate(w, e.year, e.month, e.day, e.dayOfWeek);
        }
        return 0;
      },
      set: (v, ctx) => guarded(() => billingOf(ctx).setSchedule(items(v, 1).map(readExecutionEntry))),
    },
  ],
});
