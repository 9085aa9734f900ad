/**
 * COSEM interface classes as builders of ObjectDefs: each takes a small source interface that
 * the object model maps onto the meter's own API, so no class keeps meter state.
 * IC 1 Data, 3 Register, 4 Extended register, 5 Demand register, 15 Association LN, 17 SAP
 * assignment here; IC 8 Clock in classes-clock.ts, IC 7 Profile generic in classes-profile.ts,
 * more in classes-*.ts.
 */
import { type AxdrWriter, DataType, type DataTypeTag } from "./axdr";
import { applicationContextOid, mechanismOid } from "./acse";
import { DateTimeWriter, type TimeRules } from "./classes-clock";
import {
  type AccessGroup, attributeAccessMode, MAX_SELECTORS, type AttributeDef, attributeCount, type CosemObject, type MethodDef, type ObjectDef, type RequestContext,
} from "./object-model";
import { type ByteSource, PieceSource } from "./stream";
import { numberWriter, readOnly, writeNumber, writeScalerUnit } from "./values";
import { parseObis, RESULT } from "./xdlms";
import type { Unit } from "../../kernel/register-table";

export * from "./values";
export * from "./classes-clock";
export * from "./classes-profile";

// ---- IC 1 Data ----

export function dataObject(obis: string, name: string, group: AccessGroup, value: Omit<AttributeDef, "selectors" | "secret">, capturedWriter?: ObjectDef["capturedWriter"]): ObjectDef {
  return { classId: 1, version: 0, obis, name, group, attributes: [value], capturedWriter };
}

/** IC 1 holding a number of a fixed A-XDR type. */
export function numericDataObject(obis: string, name: string, group: AccessGroup, type: DataTypeTag, read: () => number, set?: AttributeDef["set"]): ObjectDef {
  const write = numberWriter(type);
  return dataObject(obis, name, group, { get: (_c, w) => (write(w, read()), 0), set }, () => write);
}

// ---- IC 3 Register, IC 4 Extended register, IC 5 Demand register ----

export interface RegisterSource {
  read(): number;
  scaler: number;
  unit: Unit;
  type: DataTypeTag;
}

export function registerObject(obis: string, name: string, group: AccessGroup, src: RegisterSource): ObjectDef {
  const write = numberWriter(src.type);
  return {
    classId: 3,
    version: 0,
    obis,
    name,
    group,
    attributes: [
      { get: (_c, w) => (write(w, src.read()), 0) },
      readOnly((_c, w) => (writeScalerUnit(w, src.scaler, src.unit), 0)),
    ],
    capturedWriter: () => write,
  };
}

export interface ExtendedRegisterSource extends RegisterSource {
  status(): number;
  /** UTC ms of the capture (NaN: not specified). */
  captureTimeMs(): number;
}

export function extendedRegisterObject(obis: string, name: string, group: AccessGroup, src: ExtendedRegisterSource, time: TimeRules): ObjectDef {
  const { type } = src;
  const dt = new DateTimeWriter();
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
      readOnly((_c, w) => (dt.write(w, src.captureTimeMs(), time), 0)),
    ],
    capturedWriter: (a) => (a === 5 ? (w, v) => dt.write(w, v, time) : numberWriter(type)),
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
  const dt = new DateTimeWriter();
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
      readOnly((_c, w) => (dt.write(w, src.captureTimeMs(), time), 0)),
      readOnly((_c, w) => (dt.write(w, src.startTimeCurrentMs(), time), 0)),
      readOnly((_c, w) => (w.doubleLongUnsigned(src.periodS()), 0)),
      readOnly((_c, w) => (w.longUnsigned(src.numberOfPeriods()), 0)),
    ],
    capturedWriter: (a) => (a === 6 || a === 7 ? (w, v) => dt.write(w, v, time) : numberWriter(type)),
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

const NO_METHODS: readonly (MethodDef | null)[] = Object.freeze([]);

/**
 * One object_list element {class_id, version, logical_name, {attribute access, method access}}.
 * Written byte by byte after one bounds check: the object_list is the largest answer a client
 * reads at every association, and per-item writer calls were most of its cost (issue 19).
 */
export function writeObjectListElement(w: AxdrWriter, obj: CosemObject, ctx: RequestContext): void {
  const policy = ctx.association.policy;
  const attributes = obj.attributes;
  const n = attributeCount(obj);
  const methods = obj.methods ?? NO_METHODS;
  const m = methods.length;
  // Upper bound: header 18, per attribute 7 + 2 + 2 per selector (at most MAX_SELECTORS), 2 + 6 per method.
  w.ensure(20 + n * (9 + 2 * MAX_SELECTORS) + m * 6);
  const b = w.bytes;
  let p = w.length;
  b[p++] = DataType.structure;
  b[p++] = 4;
  b[p++] = DataType.longUnsigned;
  b[p++] = (obj.classId >> 8) & 0xff;
  b[p++] = obj.classId & 0xff;
  b[p++] = DataType.unsigned;
  b[p++] = obj.version;
  b[p++] = DataType.octetString;
  b[p++] = 6;
  b.set(obj.ln, p);
  p += 6;
  b[p++] = DataType.structure;
  b[p++] = 2;
  b[p++] = DataType.array;
  b[p++] = n;
  for (let attr = 1; attr <= n; attr++) {
    const mode = attr === 1 ? 1 : attributeAccessMode(policy, obj, attr);
    b[p++] = DataType.structure;
    b[p++] = 3;
    b[p++] = DataType.integer;
    b[p++] = attr;
    b[p++] = DataType.enum;
    b[p++] = mode;
    const selectors = attr === 1 ? undefined : attributes[attr - 2]?.selectors;
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

export function associationObject(obis: string): ObjectDef {
  const methods: (MethodDef | null)[] = [
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
