import { type CalendarDefinition, MAX_SPECIAL_DAYS, type SpecialDay, validateCalendar, validateSpecialDay } from "./tou";

/**
 * Compact binary records of the tariff programme for the flash journal (persistence). A calendar
 * at its largest (16 seasons, 16 weeks, 32 day profiles of 16 switching times, 32-character
 * names) takes about 3.4 KB, so it fits one journal sector; the generic value codec, which
 * stores object keys, would need several. Every record starts with its format version; decoding
 * checks the length of every part and validates the result like a DLMS write, and throws
 * RangeError on anything else (the persistence layer then skips the record: event 14).
 *
 * Calendar: version 1, name, seasons (name, year u16, month, day, second u24, week index),
 * weeks (name, 7 day ids), day profiles (id, count, then start second u24 and tariff each).
 * Passive record: version, activation flag, activation UTC ms (float64), then the calendar.
 * Special days: version, count, then index u16, year u16, month, day, day of week, day id.
 * Strings are a length byte and one byte per character (0..255). Little endian.
 */
const CALENDAR_FORMAT = 1;
const SPECIAL_FORMAT = 1;

class Out {
  bytes = new Uint8Array(512);
  length = 0;
  u8(v: number): void {
    if (this.length === this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2);
      bigger.set(this.bytes);
      this.bytes = bigger;
    }
    this.bytes[this.length++] = v & 0xff;
  }
  u16(v: number): void {
    this.u8(v);
    this.u8(v >>> 8);
  }
  u24(v: number): void {
    this.u16(v);
    this.u8(v >>> 16);
  }
  f64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    for (let i = 0; i < 8; i++) this.u8(b[i]);
  }
  str(s: string): void {
    this.u8(s.length);
    for (let i = 0; i < s.length; i++) this.u8(s.charCodeAt(i));
  }
  done(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

class In {
  private at = 0;
  constructor(private readonly b: Uint8Array) {}
  u8(): number {
    if (this.at >= this.b.length) throw new RangeError("tariff record: truncated");
    return this.b[this.at++];
  }
  u16(): number {
    return this.u8() | (this.u8() << 8);
  }
  u24(): number {
    return this.u16() | (this.u8() << 16);
  }
  f64(): number {
    const b = new Uint8Array(8);
    for (let i = 0; i < 8; i++) b[i] = this.u8();
    return new DataView(b.buffer).getFloat64(0, true);
  }
  str(): string {
    const n = this.u8();
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.u8());
    return s;
  }
  end(): void {
    if (this.at !== this.b.length) throw new RangeError(`tariff record: ${this.b.length - this.at} bytes too many`);
  }
}

function writeCalendar(o: Out, c: CalendarDefinition): void {
  const v = validateCalendar(c);
  o.u8(CALENDAR_FORMAT);
  o.str(v.name);
  o.u8(v.seasons.length);
  for (const s of v.seasons) {
    o.str(s.name);
    o.u16(s.start.year);
    o.u8(s.start.month);
    o.u8(s.start.day);
    o.u24(s.start.second);
    o.u8(v.weeks.findIndex((w) => w.name === s.week));
  }
  o.u8(v.weeks.length);
  for (const w of v.weeks) {
    o.str(w.name);
    for (const id of w.days) o.u8(id);
  }
  o.u8(v.days.length);
  for (const d of v.days) {
    o.u8(d.id);
    o.u8(d.actions.length);
    for (const a of d.actions) {
      o.u24(a.startSecond);
      o.u8(a.tariff);
    }
  }
}

function readCalendar(i: In): CalendarDefinition {
  if (i.u8() !== CALENDAR_FORMAT) throw new RangeError("calendar record: unknown format");
  const name = i.str();
  const seasonCount = i.u8();
  const seasons: { name: string; start: { year: number; month: number; day: number; second: number }; week: number }[] = [];
  for (let k = 0; k < seasonCount; k++) seasons.push({ name: i.str(), start: { year: i.u16(), month: i.u8(), day: i.u8(), second: i.u24() }, week: i.u8() });
  const weekCount = i.u8();
  const weeks: { name: string; days: number[] }[] = [];
  for (let k = 0; k < weekCount; k++) {
    const weekName = i.str();
    const days: number[] = [];
    for (let d = 0; d < 7; d++) days.push(i.u8());
    weeks.push({ name: weekName, days });
  }
  const dayCount = i.u8();
  const days: { id: number; actions: { startSecond: number; tariff: number }[] }[] = [];
  for (let k = 0; k < dayCount; k++) {
    const id = i.u8();
    const n = i.u8();
    const actions: { startSecond: number; tariff: number }[] = [];
    for (let a = 0; a < n; a++) actions.push({ startSecond: i.u24(), tariff: i.u8() });
    days.push({ id, actions });
  }
  const named = seasons.map((s) => {
    if (s.week >= weeks.length) throw new RangeError(`calendar record: season "${s.name}" names week ${s.week} of ${weeks.length}`);
    return { name: s.name, start: s.start, week: weeks[s.week].name };
  });
  return validateCalendar({ name, seasons: named, weeks, days });
}

/** The active calendar's record. */
export function encodeCalendar(c: CalendarDefinition): Uint8Array {
  const o = new Out();
  writeCalendar(o, c);
  return o.done();
}

export function decodeCalendar(bytes: Uint8Array): CalendarDefinition {
  const i = new In(bytes);
  const c = readCalendar(i);
  i.end();
  return c;
}

/** The passive calendar's record, with its activation time (null: not scheduled). */
export function encodePassive(c: CalendarDefinition, activationUtc: number | null): Uint8Array {
  const o = new Out();
  o.u8(CALENDAR_FORMAT);
  o.u8(activationUtc === null ? 0 : 1);
  o.f64(activationUtc ?? 0);
  writeCalendar(o, c);
  return o.done();
}

export function decodePassive(bytes: Uint8Array): { calendar: CalendarDefinition; activationUtc: number | null } {
  const i = new In(bytes);
  if (i.u8() !== CALENDAR_FORMAT) throw new RangeError("passive calendar record: unknown format");
  const scheduled = i.u8();
  const at = i.f64();
  if (scheduled > 1 || (scheduled === 1 && !Number.isFinite(at))) throw new RangeError("passive calendar record: bad activation time");
  const calendar = readCalendar(i);
  i.end();
  return { calendar, activationUtc: scheduled === 1 ? at : null };
}

export function encodeSpecialDays(list: readonly SpecialDay[]): Uint8Array {
  if (list.length > MAX_SPECIAL_DAYS) throw new RangeError(`special days table holds at most ${MAX_SPECIAL_DAYS} entries`);
  const o = new Out();
  o.u8(SPECIAL_FORMAT);
  o.u8(list.length);
  for (const s of list) {
    o.u16(s.index);
    o.u16(s.year);
    o.u8(s.month);
    o.u8(s.day);
    o.u8(s.dayOfWeek);
    o.u8(s.dayId);
  }
  return o.done();
}

export function decodeSpecialDays(bytes: Uint8Array): SpecialDay[] {
  const i = new In(bytes);
  if (i.u8() !== SPECIAL_FORMAT) throw new RangeError("special days record: unknown format");
  const n = i.u8();
  const out: SpecialDay[] = [];
  for (let k = 0; k < n; k++) out.push(validateSpecialDay({ index: i.u16(), year: i.u16(), month: i.u8(), day: i.u8(), dayOfWeek: i.u8(), dayId: i.u8() }));
  i.end();
  return out;
}
