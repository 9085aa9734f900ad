/**
 * COSEM interface classes as builders of ObjectDefs: each takes a small source interface that
 * the object model maps onto the meter's own API, so no class keeps meter state.
 * IC 1 Data, 3 Register, 4 Extended register, 5 Demand register, 7 Profile generic, 8 Clock,
 * 15 Association LN, 17 SAP assignment (more classes in classes-*.ts as features land).
 */
import { AxdrWriter, DataType, type DataTypeTag, type DlmsData } from "./axdr";
import { dlmsOidId, applicationContextOid, mechanismOid } from "./acse";
import {
  type AccessGroup, attributeAccessMode, type AttributeDef, attributeCount, type CosemObject, type MethodDef, type ObjectDef, type RequestContext,
} from "./object-model";
import { type ByteSource, PieceSource } from "./stream";
import { formatObis, obisKeyAt, parseObis, RESULT } from "./xdlms";
import type { CaptureColumn, ProfileBuffer } from "../../kernel/profile";
import type { Unit } from "../../kernel/register-table";
import { type CivilDate, civilFromDays } from "../../time/civil-date";

/** DLMS unit enumeration of the meter's unit names. */
export const UNIT_CODE: Record<Unit, number> = { Wh: 30, varh: 32, VAh: 31, W: 27, var: 29, VA: 28, V: 35, A: 33, Hz: 44, s: 7, m3: 13, "": 255 };

/** Deviation and status of local time at an instant (MeterClock provides both). */
export interface TimeRules {
  deviationAt(utcMs: number): number;
  statusAt(utcMs: number): number;
  /** UTC ms of the next DST switch strictly after `utcMs` (Infinity: none). */
  nextDstSwitchUtc?(utcMs: number): number;
}

/** Writes an integer as the A-XDR type `type` (values outside the type are clamped). */
export function writeNumber(w: AxdrWriter, type: DataTypeTag, value: number): void {
  const v = Math.round(value);
  switch (type) {
    case DataType.doubleLongUnsigned:
      w.doubleLongUnsigned(clamp(v, 0, 0xffffffff));
      return;
    case DataType.doubleLong:
      w.doubleLong(clamp(v, -0x80000000, 0x7fffffff));
      return;
    case DataType.long64Unsigned:
      w.long64Unsigned(Math.max(0, v));
      return;
    case DataType.long64:
      w.long64(v);
      return;
    case DataType.unsigned:
      w.unsigned(clamp(v, 0, 255));
      return;
    case DataType.integer:
      w.integer(clamp(v, -128, 127));
      return;
    case DataType.longUnsigned:
      w.longUnsigned(clamp(v, 0, 0xffff));
      return;
    case DataType.long:
      w.long(clamp(v, -0x8000, 0x7fff));
      return;
    case DataType.enum:
      w.enumValue(clamp(v, 0, 255));
      return;
    case DataType.boolean:
      w.boolean(v !== 0);
      return;
    default:
      w.long64(v);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

const dateTimeScratch = new Uint8Array(12);

// The civil date of the last day encoded: profile rows come in runs of the same day.
let cachedDays = NaN;
const cachedDate: CivilDate = { year: 0, month: 0, day: 0 };

/**
 * Deviation and status looked up once per stretch without a DST switch, for the rows of one
 * profile read (the rules are asked for every row). Without `nextDstSwitchUtc` every row asks.
 */
export function cachedTimeRules(rules: TimeRules): TimeRules {
  if (!rules.nextDstSwitchUtc) return rules;
  const next = rules.nextDstSwitchUtc.bind(rules);
  let from = NaN;
  let until = NaN;
  let deviation = 0;
  let status = 0;
  const refresh = (utcMs: number): void => {
    if (utcMs >= from && utcMs < until) return;
    from = utcMs;
    until = next(utcMs);
    deviation = rules.deviationAt(utcMs);
    status = rules.statusAt(utcMs);
  };
  return {
    deviationAt: (utcMs) => (refresh(utcMs), deviation),
    statusAt: (utcMs) => (refresh(utcMs), status),
  };
}

/** date-time octet-string of `utcMs` in local time (NaN: every field "not specified"). */
export function writeDateTime(w: AxdrWriter, utcMs: number, rules: TimeRules): void {
  const b = dateTimeScratch;
  if (!Number.isFinite(utcMs)) {
    b.fill(0xff);
    b[9] = 0x80;
    b[10] = 0x00;
    w.octetString(b);
    return;
  }
  const deviation = rules.deviationAt(utcMs);
  const local = utcMs - deviation * 60_000;
  const days = Math.floor(local / 86_400_000);
  const msOfDay = local - days * 86_400_000;
  if (days !== cachedDays) {
    civilFromDays(days, cachedDate);
    cachedDays = days;
  }
  b[0] = (cachedDate.year >> 8) & 0xff;
  b[1] = cachedDate.year & 0xff;
  b[2] = cachedDate.month;
  b[3] = cachedDate.day;
  b[4] = ((((days + 3) % 7) + 7) % 7) + 1;
  b[5] = Math.floor(msOfDay / 3_600_000);
  b[6] = Math.floor(msOfDay / 60_000) % 60;
  b[7] = Math.floor(msOfDay / 1000) % 60;
  b[8] = Math.floor(msOfDay / 10) % 100;
  const dev = deviation & 0xffff;
  b[9] = dev >> 8;
  b[10] = dev & 0xff;
  b[11] = rules.statusAt(utcMs) & 0xff;
  w.octetString(b);
}

/** scaler_unit structure {integer scaler, enum unit}. */
export function writeScalerUnit(w: AxdrWriter, scaler: number, unit: Unit): void {
  w.structure(2);
  w.integer(scaler);
  w.enumValue(UNIT_CODE[unit]);
}

const readOnly = (get: AttributeDef["get"]): AttributeDef => ({ get });

/** Integer of a numeric Data, or NaN. */
export function numberOf(d: DlmsData): number {
  if (!("value" in d)) return NaN;
  const v = d.value;
  return typeof v === "number" ? v : NaN;
}

/** Setter that takes a number of one of the given types, range-checked, applied by `apply`. */
export function numericSetter(types: readonly number[], min: number, max: number, apply: (v: number) => void): AttributeDef["set"] {
  return (value) => {
    if (!types.includes(value.type)) return RESULT.typeUnmatched;
    const v = numberOf(value);
    if (!Number.isInteger(v) || v < min || v > max) return RESULT.otherReason;
    apply(v);
    return RESULT.success;
  };
}

// ---- IC 1 Data ----

export function dataObject(obis: string, name: string, group: AccessGroup, value: Omit<AttributeDef, "selectors" | "secret">, encodeCaptured?: ObjectDef["encodeCaptured"]): ObjectDef {
  return { classId: 1, version: 0, obis, name, group, attributes: [value], encodeCaptured };
}

/** IC 1 holding a number of a fixed A-XDR type. */
export function numericDataObject(obis: string, name: string, group: AccessGroup, type: DataTypeTag, read: () => number, set?: AttributeDef["set"]): ObjectDef {
  return dataObject(obis, name, group, { get: (_c, w) => (writeNumber(w, type, read()), 0), set }, (_a, v, w) => writeNumber(w, type, v));
}

// ---- IC 3 Register, IC 4 Extended register, IC 5 Demand register ----

export interface RegisterSource {
  read(): number;
  scaler: number;
  unit: Unit;
  type: DataTypeTag;
}

export function registerObject(obis: string, name: string, group: AccessGroup, src: RegisterSource): ObjectDef {
  const { type } = src;
  return {
    classId: 3,
    version: 0,
    obis,
    name,
    group,
    attributes: [
      { get: (_c, w) => (writeNumber(w, type, src.read()), 0) },
      readOnly((_c, w) => (writeScalerUnit(w, src.scaler, src.unit), 0)),
    ],
    encodeCaptured: (_a, v, w) => writeNumber(w, type, v),
  };
}

export interface ExtendedRegisterSource extends RegisterSource {
  status(): number;
  /** UTC ms of the capture (NaN: not specified). */
  captureTimeMs(): number;
}

export function extendedRegisterObject(obis: string, name: string, group: AccessGroup, src: ExtendedRegisterSource, time: TimeRules): ObjectDef {
  const { type } = src;
  return {
    classId: 4,
    version: 0,
    obis,
    name,
    group,
    attributes: [
      { get: (_c, w) => (writeNumber(w, type, src.read()), 0) },
      readOnly((_c, w) => (writeScalerUnit(w, src.scaler, src.unit), 0)),
      readOnly((_c, w) => (w.unsigned(src.status() & 0xff), 0)),
      readOnly((_c, w) => (writeDateTime(w, src.captureTimeMs(), time), 0)),
    ],
    encodeCaptured: (a, v, w) => (a === 5 ? writeDateTime(w, v, time) : writeNumber(w, type, v)),
  };
}

export interface DemandRegisterSource {
  currentAverage(): number;
  lastAverage(): number;
  scaler: number;
  unit: Unit;
  type: DataTypeTag;
  status(): number;
  captureTimeMs(): number;
  startTimeCurrentMs(): number;
  periodS(): number;
  numberOfPeriods(): number;
}

export function demandRegisterObject(obis: string, name: string, group: AccessGroup, src: DemandRegisterSource, time: TimeRules): ObjectDef {
  const { type } = src;
  return {
    classId: 5,
    version: 0,
    obis,
    name,
    group,
    attributes: [
      readOnly((_c, w) => (writeNumber(w, type, src.currentAverage()), 0)),
      readOnly((_c, w) => (writeNumber(w, type, src.lastAverage()), 0)),
      readOnly((_c, w) => (writeScalerUnit(w, src.scaler, src.unit), 0)),
      readOnly((_c, w) => (w.unsigned(src.status() & 0xff), 0)),
      readOnly((_c, w) => (writeDateTime(w, src.captureTimeMs(), time), 0)),
      readOnly((_c, w) => (writeDateTime(w, src.startTimeCurrentMs(), time), 0)),
      readOnly((_c, w) => (w.doubleLongUnsigned(src.periodS()), 0)),
      readOnly((_c, w) => (w.longUnsigned(src.numberOfPeriods()), 0)),
    ],
    encodeCaptured: (a, v, w) => (a === 6 || a === 7 ? writeDateTime(w, v, time) : writeNumber(w, type, v)),
  };
}

// ---- IC 8 Clock ----

export interface ClockSource extends TimeRules {
  nowUtcMs(): number;
  /** time_zone attribute (minutes, CET = -60). */
  readonly timeZone: number;
  readonly status: number;
  readonly dst: { enabled: boolean; begin: DstPattern; end: DstPattern; deviationMinutes: number };
  /** Local ms "as if UTC" to UTC (used for date-times without a deviation). */
  localToUtc(localMs: number): number;
  setTime?(utcMs: number): void;
  shiftTime?(seconds: number): void;
  setTimeZone?(minutes: number): void;
}

export interface DstPattern {
  month: number;
  day: number;
  dayOfWeek: number;
  minuteOfDay: number;
}

function writeDstPattern(w: AxdrWriter, p: DstPattern, deviation: number): void {
  const b = dateTimeScratch;
  b[0] = 0xff;
  b[1] = 0xff;
  b[2] = p.month;
  b[3] = p.day;
  b[4] = p.dayOfWeek;
  b[5] = Math.floor(p.minuteOfDay / 60);
  b[6] = p.minuteOfDay % 60;
  b[7] = 0;
  b[8] = 0xff;
  const dev = deviation & 0xffff;
  b[9] = dev >> 8;
  b[10] = dev & 0xff;
  b[11] = 0xff;
  w.octetString(b);
}

/** UTC ms of a fully specified date-time octet string (local time when the deviation is 0x8000); NaN if invalid. */
export function dateTimeBytesToUtc(b: Uint8Array, clock: Pick<ClockSource, "localToUtc">): number {
  if (b.length !== 12) return NaN;
  const year = b[0] * 256 + b[1];
  const month = b[2];
  const day = b[3];
  const hour = b[5];
  const minute = b[6];
  const second = b[7];
  const hundredths = b[8] === 0xff ? 0 : b[8];
  if (year === 0xffff || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 || hundredths > 99) return NaN;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, hundredths * 10);
  if (new Date(local).getUTCDate() !== day) return NaN;
  const rawDeviation = b[9] * 256 + b[10];
  if (rawDeviation === 0x8000) return clock.localToUtc(local);
  const deviation = rawDeviation >= 0x8000 ? rawDeviation - 0x10000 : rawDeviation;
  if (deviation < -720 || deviation > 720) return NaN;
  return local + deviation * 60_000;
}

export function clockObject(obis: string, clock: ClockSource): ObjectDef {
  const methods: (MethodDef | null)[] = [null, null, null, null, null, null];
  if (clock.shiftTime) {
    const shift = clock.shiftTime.bind(clock);
    methods[5] = {
      invoke: (p) => {
        if (!p || p.type !== DataType.long) return RESULT.typeUnmatched;
        const s = numberOf(p);
        if (s < -900 || s > 900) return RESULT.otherReason;
        shift(s);
        return RESULT.success;
      },
    };
  }
  const setTime = clock.setTime?.bind(clock);
  const setTimeZone = clock.setTimeZone?.bind(clock);
  return {
    classId: 8,
    version: 0,
    obis,
    name: "Clock",
    group: "clock",
    attributes: [
      {
        get: (_c, w) => (writeDateTime(w, clock.nowUtcMs(), clock), 0),
        set: setTime
          ? (v) => {
              if (v.type !== DataType.octetString) return RESULT.typeUnmatched;
              const utc = dateTimeBytesToUtc(v.bytes, clock);
              if (!Number.isFinite(utc)) return RESULT.otherReason;
              setTime(utc);
              return RESULT.success;
            }
          : undefined,
      },
      { get: (_c, w) => (w.long(clock.timeZone), 0), set: setTimeZone ? numericSetter([DataType.long], -720, 840, setTimeZone) : undefined },
      readOnly((_c, w) => (w.unsigned(clock.status & 0xff), 0)),
      readOnly((_c, w) => (writeDstPattern(w, clock.dst.begin, 0x8000), 0)),
      readOnly((_c, w) => (writeDstPattern(w, clock.dst.end, 0x8000), 0)),
      readOnly((_c, w) => (w.integer(clock.dst.deviationMinutes), 0)),
      readOnly((_c, w) => (w.boolean(clock.dst.enabled), 0)),
      readOnly((_c, w) => (w.enumValue(1), 0)), // clock_base: internal crystal
    ],
    methods,
    encodeCaptured: (a, v, w) => (a === 2 ? writeDateTime(w, v, clock) : writeNumber(w, DataType.long64, v)),
  };
}

// ---- IC 15 Association LN, IC 17 SAP assignment ----

/** The object_list of the asking association: only the objects it may see, streamed one per piece. */
class ObjectListSource extends PieceSource {
  private readonly visible: CosemObject[];
  constructor(private readonly ctx: RequestContext) {
    super();
    const policy = ctx.association.policy;
    this.visible = ctx.model.objects.filter((o) => policy.canSee(o));
  }
  protected get count(): number {
    return this.visible.length;
  }
  protected begin(w: AxdrWriter): void {
    w.array(this.visible.length);
  }
  protected piece(i: number, w: AxdrWriter): ByteSource | null {
    writeObjectListElement(w, this.visible[i], this.ctx);
    return null;
  }
}

export function writeObjectListElement(w: AxdrWriter, obj: CosemObject, ctx: RequestContext): void {
  const policy = ctx.association.policy;
  w.structure(4);
  w.longUnsigned(obj.classId);
  w.unsigned(obj.version);
  w.obis(obj.ln);
  w.structure(2);
  const n = attributeCount(obj);
  w.array(n);
  for (let attr = 1; attr <= n; attr++) {
    w.structure(3);
    w.integer(attr);
    w.enumValue(attributeAccessMode(policy, obj, attr));
    const def = attr >= 2 ? obj.attributes[attr - 2] : null;
    if (def?.selectors && (attributeAccessMode(policy, obj, attr) & 1)) {
      w.array(def.selectors.length);
      for (const s of def.selectors) w.integer(s);
    } else {
      w.nullData();
    }
  }
  const methods = obj.methods ?? [];
  w.array(methods.length);
  for (let m = 1; m <= methods.length; m++) {
    w.structure(2);
    w.integer(m);
    w.enumValue(methods[m - 1] && policy.canInvoke(obj, m) ? 1 : 0);
  }
}

export function associationObject(obis: string): ObjectDef {
  const methods: (MethodDef | null)[] = [
    {
      // reply_to_HLS_authentication: the security layer checks the client's proof.
      invoke: (p, ctx, w) => {
        const security = (ctx.association as { security?: { replyToHlsAuthentication?(proof: Uint8Array): Uint8Array | null } | null }).security;
        if (!security?.replyToHlsAuthentication) return RESULT.readWriteDenied;
        if (!p || p.type !== DataType.octetString) return RESULT.typeUnmatched;
        const answer = security.replyToHlsAuthentication(p.bytes);
        if (!answer) return RESULT.otherReason;
        w.octetString(answer);
        return RESULT.success;
      },
    },
  ];
  return {
    classId: 15,
    version: 1,
    obis,
    name: "Current association",
    group: "association",
    attributes: [
      { get: (ctx) => new ObjectListSource(ctx) },
      readOnly((ctx, w) => {
        w.structure(2);
        w.integer(ctx.association.clientSap);
        w.longUnsigned(1);
        return 0;
      }),
      readOnly((ctx, w) => (w.octetString(applicationContextOid(ctx.association.applicationContext)), 0)),
      readOnly((ctx, w) => {
        const a = ctx.association;
        w.structure(6);
        const c = a.conformance;
        w.bitString(24, new Uint8Array([(c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff]));
        w.longUnsigned(a.serverMaxReceivePdu);
        w.longUnsigned(a.clientMaxReceivePdu);
        w.unsigned(6);
        w.integer(0);
        w.octetString(new Uint8Array(0));
        return 0;
      }),
      readOnly((ctx, w) => (w.octetString(mechanismOid(ctx.association.mechanism)), 0)),
      { secret: true, get: () => RESULT.readWriteDenied },
      readOnly((ctx, w) => (w.enumValue(ctx.association.status), 0)),
      readOnly((_c, w) => (w.obis(parseObis("0.0.43.0.0.255")), 0)),
    ],
    methods,
  };
}

export function sapAssignmentObject(obis: string, logicalDeviceName: () => string): ObjectDef {
  return {
    classId: 17,
    version: 0,
    obis,
    name: "SAP assignment",
    group: "association",
    attributes: [
      readOnly((_c, w) => {
        w.array(1);
        w.structure(2);
        w.longUnsigned(1);
        w.octetStringAscii(logicalDeviceName());
        return 0;
      }),
    ],
  };
}

// ---- IC 7 Profile generic ----

export interface ProfileSource {
  buffer: ProfileBuffer;
  /** Time rules for the capture-time column. */
  time: Pick<ClockSource, "deviationAt" | "statusAt" | "localToUtc" | "nextDstSwitchUtc">;
  reset?(): void;
  capture?(): void;
}

/** How to encode each column: found through the captured object in the model, cached. */
type ColumnEncoder = (v: number, w: AxdrWriter) => void;

function columnEncoders(src: ProfileSource, ctx: RequestContext): ColumnEncoder[] {
  return src.buffer.columns.map((col) => {
    if (col.classId === 8 && col.attribute === 2) {
      const rules = cachedTimeRules(src.time);
      return (v: number, w: AxdrWriter) => writeDateTime(w, v, rules);
    }
    const ln = parseObis(col.obis);
    const obj = ctx.model.findAt(ln, 0);
    if (obj && obj.classId === col.classId && obj.encodeCaptured) {
      const enc = obj.encodeCaptured;
      const attr = col.attribute;
      return (v: number, w: AxdrWriter) => enc(attr, v, w);
    }
    return (v: number, w: AxdrWriter) => writeNumber(w, DataType.long64, v);
  });
}

function writeCaptureObject(w: AxdrWriter, col: CaptureColumn): void {
  w.structure(4);
  w.longUnsigned(col.classId);
  w.obis(parseObis(col.obis));
  w.integer(col.attribute);
  w.longUnsigned(col.dataIndex);
}

/** Rows `first..first+count-1` of a buffer, selected columns, encoded one row per piece. */
class ProfileRowsSource extends PieceSource {
  private readonly row: Float64Array;
  private readonly prev: Float64Array;
  private lastTime = NaN;
  constructor(
    private readonly buffer: ProfileBuffer,
    private first: number,
    private readonly rows: number,
    private readonly columns: readonly number[],
    private readonly encoders: ColumnEncoder[],
  ) {
    super();
    this.row = new Float64Array(buffer.columns.length);
    this.prev = new Float64Array(buffer.columns.length);
  }
  protected get count(): number {
    return this.rows;
  }
  protected begin(w: AxdrWriter): void {
    w.array(this.rows);
  }
  protected piece(i: number, w: AxdrWriter): ByteSource | null {
    const buffer = this.buffer;
    let index = this.first + i;
    // A full ring drops its oldest row on each capture: follow the rows already sent.
    if (i > 0 && buffer.entriesInUse() >= buffer.capacity && index - 1 < buffer.entriesInUse()) {
      const prev = this.prev;
      buffer.readEntry(index - 1, prev);
      let guard = 0;
      while (prev[0] !== this.lastTime && index - 1 > 0 && guard++ < 64) {
        this.first--;
        index--;
        buffer.readEntry(index - 1, prev);
      }
    }
    const n = buffer.entriesInUse();
    if (index >= n) index = n - 1;
    const row = this.row;
    if (index >= 0) buffer.readEntry(index, row);
    else row.fill(NaN);
    this.lastTime = row[0];
    const cols = this.columns;
    w.structure(cols.length);
    for (let c = 0; c < cols.length; c++) this.encoders[cols[c]](row[cols[c]], w);
    return null;
  }
}

function profileBufferGet(src: ProfileSource): AttributeDef["get"] {
  return (ctx) => {
    const buffer = src.buffer;
    const n = buffer.entriesInUse();
    const width = buffer.columns.length;
    let first = 0;
    let last = n - 1;
    let columns: number[] = [];
    for (let c = 0; c < width; c++) columns.push(c);
    const p = ctx.parameters;
    if (ctx.selector === 1) {
      // range_descriptor {restricting_object, from_value, to_value, selected_values}
      if (!p || p.type !== 2 || p.items.length !== 4) return RESULT.typeUnmatched;
      const [restricting, from, to, selected] = p.items;
      if (restricting.type !== 2 || restricting.items.length !== 4 || from.type !== 9 || to.type !== 9 || selected.type !== 1) return RESULT.typeUnmatched;
      const rc = restricting.items;
      if (rc[0].type !== 18 || rc[1].type !== 9 || rc[1].bytes.length !== 6) return RESULT.typeUnmatched;
      const col0 = buffer.columns[0];
      if (rc[0].value !== col0.classId || formatObis(rc[1].bytes) !== col0.obis || numberOf(rc[2]) !== col0.attribute) return RESULT.otherReason;
      const fromMs = dateTimeBytesToUtc(from.bytes, src.time);
      const toMs = dateTimeBytesToUtc(to.bytes, src.time);
      if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return RESULT.otherReason;
      first = buffer.firstIndexAtOrAfter(fromMs);
      last = buffer.firstIndexAtOrAfter(toMs + 1) - 1;
      if (selected.items.length > 0) {
        columns = [];
        for (const s of selected.items) {
          const c = matchColumn(buffer.columns, s);
          if (c < 0) return RESULT.otherReason;
          columns.push(c);
        }
      }
    } else if (ctx.selector === 2) {
      // entry_descriptor {from_entry, to_entry, from_selected_value, to_selected_value}
      if (!p || p.type !== 2 || p.items.length !== 4) return RESULT.typeUnmatched;
      const [fe, te, fc, tc] = p.items.map(numberOf);
      if (![fe, te, fc, tc].every((v) => Number.isInteger(v) && v >= 0)) return RESULT.typeUnmatched;
      first = Math.max(1, fe) - 1;
      last = te === 0 ? n - 1 : Math.min(te, n) - 1;
      const c0 = Math.max(1, fc) - 1;
      const c1 = tc === 0 ? width - 1 : Math.min(tc, width) - 1;
      if (c0 > c1 || c0 >= width) return RESULT.otherReason;
      columns = columns.slice(c0, c1 + 1);
    }
    const rows = last >= first ? last - first + 1 : 0;
    return new ProfileRowsSource(buffer, first, rows, columns, columnEncoders(src, ctx));
  };
}

function matchColumn(columns: readonly CaptureColumn[], d: DlmsData): number {
  if (d.type !== 2 || d.items.length !== 4) return -1;
  const [cls, ln, attr, idx] = d.items;
  if (ln.type !== 9 || ln.bytes.length !== 6) return -1;
  const key = obisKeyAt(ln.bytes, 0);
  for (let c = 0; c < columns.length; c++) {
    const col = columns[c];
    if (numberOf(cls) === col.classId && obisKeyAt(parseObis(col.obis), 0) === key && numberOf(attr) === col.attribute && numberOf(idx) === col.dataIndex) return c;
  }
  return -1;
}

export function profileObject(obis: string, name: string, group: AccessGroup, src: ProfileSource): ObjectDef {
  const zeroParameter = (run: () => void): MethodDef => ({
    invoke: (p) => {
      if (p && p.type !== DataType.integer) return RESULT.typeUnmatched;
      run();
      return RESULT.success;
    },
  });
  return {
    classId: 7,
    version: 1,
    obis,
    name,
    group,
    attributes: [
      { get: profileBufferGet(src), selectors: [1, 2] },
      readOnly((_c, w) => {
        const cols = src.buffer.columns;
        w.array(cols.length);
        for (const col of cols) writeCaptureObject(w, col);
        return 0;
      }),
      readOnly((_c, w) => (w.doubleLongUnsigned(src.buffer.capturePeriodS), 0)),
      readOnly((_c, w) => (w.enumValue(1), 0)), // sort_method: fifo
      readOnly((_c, w) => {
        w.structure(4);
        w.longUnsigned(0);
        w.obis(new Uint8Array(6));
        w.integer(0);
        w.longUnsigned(0);
        return 0;
      }),
      readOnly((_c, w) => (w.doubleLongUnsigned(src.buffer.entriesInUse()), 0)),
      readOnly((_c, w) => (w.doubleLongUnsigned(src.buffer.capacity), 0)),
    ],
    methods: [src.reset ? zeroParameter(src.reset) : null, src.capture ? zeroParameter(src.capture) : null],
  };
}

/** The OID arc an association object reports, exposed for tests. */
export { dlmsOidId };
