/**
 * COSEM interface classes as shared, frozen ObjectClasses: each reads the object's `target` (a
 * small source interface the meter's own objects satisfy), so no class keeps meter state and no
 * object carries closures. IC 1 Data, 3 Register, 4 Extended register, 5 Demand register, 15
 * Association LN, 17 SAP assignment here; IC 8 Clock in classes-clock.ts, IC 7 Profile generic in
 * classes-profile.ts, more in classes-*.ts.
 */
import { type AxdrWriter, DataType, type DataTypeTag } from "./axdr";
import { applicationContextOid, mechanismOid } from "./acse";
import { modelTime } from "./classes-clock";
import { type AccessGroup, MAX_SELECTORS, type AttributeDef, attributeCount, type CapturedWriter, type CosemObject, defineClass, type MethodDef, type ObjectClass, type ObjectDef, type ObjectModel, type RequestContext, scratchObject, writeObisKey } from "./object-model";
import { accessMode } from "./access-policy";
import { type ByteSource, PieceSource } from "./stream";
import { numberWriter, writeScalerUnit } from "./values";
import { RESULT } from "./xdlms";
import type { Unit } from "../../kernel/register-table";
import { deepFreeze } from "../../kernel/freeze";

export * from "./values";
export * from "./classes-clock";
export * from "./classes-profile";

// ---- IC 1 Data ----

/** IC 1 defined on its own, with its own functions (tests, rare objects): allocates per object. */
function dataObject(obis: string, name: string, group: AccessGroup, value: Omit<AttributeDef, "selectors" | "secret">, capturedWriter?: ObjectDef["capturedWriter"]): ObjectDef {
  return { classId: 1, version: 0, obis, name, group, attributes: [value], capturedWriter };
}

/** IC 1 holding a number of a fixed A-XDR type, defined on its own (allocates: tests, rare objects). */
export function numericDataObject(obis: string, name: string, group: AccessGroup, type: DataTypeTag, read: () => number, set?: AttributeDef["set"]): ObjectDef {
  const write = numberWriter(type);
  return dataObject(obis, name, group, { get: (_c, w) => (write(w, read()), 0), set }, () => write);
}

// ---- IC 3 Register, IC 4 Extended register, IC 5 Demand register ----

/** What a register object reads: its target. The A-XDR type of the value is the object's `valueType`. */
interface RegisterSource {
  read(): number;
  readonly scaler: number;
  readonly unit: Unit;
}

/**
 * How a register class reads an object's value, scaler and unit. The default reads the object's
 * target (a RegisterSource); an owner may read a row of its own table instead (no descriptor per
 * object). One per kind, at module level.
 */
export interface RegisterReader {
  read(obj: CosemObject, model: ObjectModel): number;
  scaler(obj: CosemObject, model: ObjectModel): number;
  unit(obj: CosemObject, model: ObjectModel): Unit;
}

/** Reads the object's target, a RegisterSource. */
const TARGET_REGISTER: RegisterReader = Object.freeze({
  read: (obj: CosemObject) => (obj.target as RegisterSource).read(),
  scaler: (obj: CosemObject) => (obj.target as RegisterSource).scaler,
  unit: (obj: CosemObject) => (obj.target as RegisterSource).unit,
});

/** The value and scaler_unit getters of a register read by `reader` (made once per class). */
function registerGetters(reader: RegisterReader): readonly [NonNullable<AttributeDef["get"]>, NonNullable<AttributeDef["get"]>] {
  return [
    (ctx, w) => {
      const o = ctx.object;
      // The value type is the low byte of `info` (read inline: this is every register GET).
      numberWriter((o.info & 0xff) as DataTypeTag)(w, reader.read(o, ctx.model));
      return 0;
    },
    (ctx, w) => {
      writeScalerUnit(w, reader.scaler(ctx.object, ctx.model), reader.unit(ctx.object, ctx.model));
      return 0;
    },
  ];
}

function valueTypeWriter(attribute: number, obj: CosemObject): CapturedWriter {
  void attribute;
  return numberWriter(obj.valueType as DataTypeTag);
}

/** IC 1 over a register (a plain number) read by `reader`, with an optional setter. Place with `{ type }`. */
export function numericDataClass(name: string, group: AccessGroup, set?: AttributeDef["set"], reader: RegisterReader = TARGET_REGISTER): ObjectClass {
  const [value] = registerGetters(reader);
  return defineClass({ classId: 1, version: 0, name, group, attributes: [{ get: value, set }], capturedWriter: valueTypeWriter });
}

/** IC 3 over a register read by `reader`, with an optional setter of the value. Place with `{ type }`. */
export function registerClass(name: string, group: AccessGroup, set?: AttributeDef["set"], reader: RegisterReader = TARGET_REGISTER): ObjectClass {
  const [value, scalerUnit] = registerGetters(reader);
  return defineClass({
    classId: 3,
    version: 0,
    name,
    group,
    attributes: [{ get: value, set }, { get: scalerUnit }],
    capturedWriter: valueTypeWriter,
  });
}

/** A writer of captured date-times in the model's local time (allocates: once per profile read). */
function capturedDateTime(model: ObjectModel): CapturedWriter {
  const t = modelTime(model);
  return (w, v) => t.dateTimes.write(w, v, t.clock);
}

/**
 * What an extended register adds to its target's value (a RegisterSource): status and capture
 * time, read from the object (its target, its `arg`) and the model (its `owner`). One per kind
 * of register, at module level.
 */
interface ExtendedRegisterKind {
  status(obj: CosemObject, model: ObjectModel): number;
  /** UTC ms of the capture (NaN: not specified). */
  captureTimeMs(obj: CosemObject, model: ObjectModel): number;
}

/** The status and capture_time getters of IC 4 and IC 5, read from the kind (made once per class). */
function statusGetters(kind: ExtendedRegisterKind): readonly [NonNullable<AttributeDef["get"]>, NonNullable<AttributeDef["get"]>] {
  return [
    (ctx, w) => (w.unsigned(kind.status(ctx.object, ctx.model) & 0xff), 0),
    (ctx, w) => writeModelTime(ctx, w, kind.captureTimeMs(ctx.object, ctx.model)),
  ];
}

/** IC 4 over a register read by `reader` and a kind; the model's clock writes the capture time. Place with `{ type }`. */
export function extendedRegisterClass(kind: ExtendedRegisterKind, reader: RegisterReader = TARGET_REGISTER): ObjectClass {
  // The class (made at module level) captures `kind`: frozen, as preloaded data must be.
  deepFreeze(kind);
  const [value, scalerUnit] = registerGetters(reader);
  const [status, captureTime] = statusGetters(kind);
  return defineClass({
    classId: 4,
    version: 0,
    name: "Extended register",
    group: "metering",
    attributes: [
      { get: value },
      { get: scalerUnit },
      { get: status },
      { get: captureTime },
    ],
    capturedWriter: (a, obj, model) => (a === 5 ? capturedDateTime(model) : valueTypeWriter(a, obj)),
  });
}

/**
 * What a demand register reads besides its target (a RegisterSource whose value is the current
 * average): from the object and the model. One per kind of register, at module level.
 */
interface DemandRegisterKind {
  lastAverage(obj: CosemObject, model: ObjectModel): number;
  status(obj: CosemObject, model: ObjectModel): number;
  captureTimeMs(obj: CosemObject, model: ObjectModel): number;
  startTimeCurrentMs(obj: CosemObject, model: ObjectModel): number;
  periodS(obj: CosemObject, model: ObjectModel): number;
  numberOfPeriods(obj: CosemObject, model: ObjectModel): number;
}

function writeModelTime(ctx: RequestContext, w: AxdrWriter, utcMs: number): number {
  const t = modelTime(ctx.model);
  t.dateTimes.write(w, utcMs, t.clock);
  return 0;
}

/** IC 5 over a register read by `reader` (the current average) and a kind. Place with `{ type }` (the averages' A-XDR type). */
export function demandRegisterClass(kind: DemandRegisterKind, reader: RegisterReader = TARGET_REGISTER): ObjectClass {
  deepFreeze(kind);
  const [value, scalerUnit] = registerGetters(reader);
  const [status, captureTime] = statusGetters(kind);
  return defineClass({
    classId: 5,
    version: 0,
    name: "Demand register",
    group: "metering",
    attributes: [
      { get: value },
      { get: (ctx, w) => (numberWriter(ctx.object.valueType as DataTypeTag)(w, kind.lastAverage(ctx.object, ctx.model)), 0) },
      { get: scalerUnit },
      { get: status },
      { get: captureTime },
      { get: (ctx, w) => writeModelTime(ctx, w, kind.startTimeCurrentMs(ctx.object, ctx.model)) },
      { get: (ctx, w) => (w.doubleLongUnsigned(kind.periodS(ctx.object, ctx.model)), 0) },
      { get: (ctx, w) => (w.longUnsigned(kind.numberOfPeriods(ctx.object, ctx.model)), 0) },
    ],
    capturedWriter: (a, obj, model) => (a === 6 || a === 7 ? capturedDateTime(model) : valueTypeWriter(a, obj)),
  });
}

// ---- IC 15 Association LN, IC 17 SAP assignment ----

/** The object_list of the asking association: only the objects it may see, streamed one per piece (no copy of the list). */
class ObjectListSource extends PieceSource {
  private readonly visible: number;
  /** Index in the model of the next object to look at. */
  private next = 0;
  /** The object looked at (one scratch for the whole list). */
  private readonly obj = scratchObject();
  /** 1 for each object of the model the association sees (one byte per object, in a chunk). */
  private readonly seen: Uint8Array;
  constructor(private readonly model: ObjectModel, private readonly ctx: RequestContext) {
    super();
    this.seen = new Uint8Array(model.size);
    this.visible = model.markVisible(ctx.association.policy, this.obj, this.seen);
  }
  protected get count(): number {
    return this.visible;
  }
  protected begin(w: AxdrWriter): void {
    w.array(this.visible);
  }
  protected piece(_i: number, w: AxdrWriter): ByteSource | null {
    const seen = this.seen;
    let next = this.next;
    while (next < seen.length && seen[next] === 0) next++;
    this.next = next + 1;
    writeObjectListElement(w, this.model.loadHeader(next, this.obj), this.ctx);
    return null;
  }
}

const NO_METHODS: readonly (MethodDef | null)[] = Object.freeze([]);

/**
 * One object_list element {class_id, version, logical_name, {attribute access, method access}}.
 * Written byte by byte after one bounds check: the object_list is the largest answer a client
 * reads at every association, and per-item writer calls were most of its cost (issue 19).
 */
function writeObjectListElement(w: AxdrWriter, obj: CosemObject, ctx: RequestContext): void {
  const policy = ctx.association.policy;
  const cls = obj.cls;
  const attributes = cls.attributes;
  const n = attributeCount(cls);
  const methods = cls.methods ?? NO_METHODS;
  const m = methods.length;
  // Upper bound: header 18, per attribute 7 + 2 + 2 per selector (at most MAX_SELECTORS), 2 + 6 per method.
  w.ensure(20 + n * (9 + 2 * MAX_SELECTORS) + m * 6);
  const b = w.bytes;
  let p = w.length;
  b[p++] = DataType.structure;
  b[p++] = 4;
  b[p++] = DataType.longUnsigned;
  b[p++] = (cls.classId >> 8) & 0xff;
  b[p++] = cls.classId & 0xff;
  b[p++] = DataType.unsigned;
  b[p++] = cls.version;
  b[p++] = DataType.octetString;
  b[p++] = 6;
  writeObisKey(b, p, obj.key);
  p += 6;
  b[p++] = DataType.structure;
  b[p++] = 2;
  b[p++] = DataType.array;
  b[p++] = n;
  // Policies whose rights are per object are asked once, not for every attribute.
  const perObject = policy.perObject === true;
  const read = perObject && policy.canRead(obj, 2);
  const write = perObject && policy.canWrite(obj, 2);
  for (let attr = 1; attr <= n; attr++) {
    const def = attr === 1 ? null : attributes[attr - 2];
    // modeOf inline for per-object rights (a call per attribute was a fifth of the list's cost).
    const mode = attr === 1 ? 1 : !perObject ? accessMode(policy, obj, def, attr) : !def ? 0 : (read && !def.secret && def.get !== undefined ? 1 : 0) | (write && def.set !== undefined ? 2 : 0);
    b[p++] = DataType.structure;
    b[p++] = 3;
    b[p++] = DataType.integer;
    b[p++] = attr;
    b[p++] = DataType.enum;
    b[p++] = mode;
    const selectors = def?.selectors;
    if (selectors && mode & 1) {
      b[p++] = DataType.array;
      b[p++] = selectors.length;
      for (let i = 0; i < selectors.length; i++) {
        b[p++] = DataType.integer;
        b[p++] = selectors[i];
      }
    } else {
      b[p++] = DataType.null;
    }
  }
  b[p++] = DataType.array;
  b[p++] = m;
  for (let k = 1; k <= m; k++) {
    b[p++] = DataType.structure;
    b[p++] = 2;
    b[p++] = DataType.integer;
    b[p++] = k;
    b[p++] = DataType.enum;
    b[p++] = methods[k - 1] && policy.canInvoke(obj, k) ? 1 : 0;
  }
  w.length = p;
}

const SECURITY_SETUP_LN = Object.freeze([0, 0, 43, 0, 0, 255]);

/** IC 15 Association LN: the asking association's view (no target). */
export const ASSOCIATION_LN_CLASS = defineClass({
  classId: 15,
  version: 1,
  name: "Current association",
  group: "association",
  attributes: [
    { get: (ctx) => new ObjectListSource(ctx.model, ctx) },
    {
      get: (ctx, w) => {
        w.structure(2);
        w.integer(ctx.association.clientSap);
        w.longUnsigned(1);
        return 0;
      },
    },
    { get: (ctx, w) => (w.octetString(applicationContextOid(ctx.association.applicationContext)), 0) },
    {
      get: (ctx, w) => {
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
      },
    },
    { get: (ctx, w) => (w.octetString(mechanismOid(ctx.association.mechanism)), 0) },
    { secret: true, get: () => RESULT.readWriteDenied },
    { get: (ctx, w) => (w.enumValue(ctx.association.status), 0) },
    { get: (_c, w) => (w.obis(Uint8Array.from(SECURITY_SETUP_LN)), 0) },
  ],
  methods: [
    {
      // reply_to_HLS_authentication: the security layer checks the client's proof.
      invoke: (p, ctx, w) => {
        const security = ctx.association.security;
        if (!security?.replyToHlsAuthentication) return RESULT.readWriteDenied;
        if (!p || p.type !== DataType.octetString) return RESULT.typeUnmatched;
        const answer = security.replyToHlsAuthentication(p.bytes);
        if (!answer) return RESULT.otherReason;
        w.octetString(answer);
        return RESULT.success;
      },
    },
  ],
});

/** What the SAP assignment and the logical device name read. */
export interface LogicalDeviceNameSource {
  readonly logicalDeviceName: string;
}

/** IC 17 SAP assignment over a LogicalDeviceNameSource: the one logical device at SAP 1. */
export const SAP_ASSIGNMENT_CLASS = defineClass({
  classId: 17,
  version: 0,
  name: "SAP assignment",
  group: "association",
  attributes: [
    {
      get: (ctx, w) => {
        w.array(1);
        w.structure(2);
        w.longUnsigned(1);
        w.octetStringAscii((ctx.object.target as LogicalDeviceNameSource).logicalDeviceName);
        return 0;
      },
    },
  ],
});
