/**
 * IC 70 Disconnect control and IC 71 Limiter over the metrology's disconnector and limiter.
 * The relay moves only through the disconnector's state machine; these objects just call it.
 */
import { type AxdrWriter, DataType, type DataTypeTag, type DlmsData } from "./axdr";
import { numberOf, writeNumber } from "./values";
import { defineClass, type MethodDef, type ObjectClass, type ObjectModel, type RequestContext } from "./object-model";
import { dateTimeBytesToUtc, modelTime } from "./classes-clock";
import { formatObis, parseObis, RESULT } from "./xdlms";
import type { Disconnector, DisconnectorResult } from "../../control/disconnector";
import type { Limiter, LimiterConfig } from "../../control/limiter";

function disconnectorResult(r: DisconnectorResult): number {
  if (r.ok || r.reason === "already-in-state") return RESULT.success;
  return r.reason === "mode-forbids" || r.reason === "not-possible-in-state" ? RESULT.temporaryFailure : RESULT.otherReason;
}

function disconnectorMethod(run: (d: Disconnector) => DisconnectorResult): MethodDef {
  return {
    invoke: (p, ctx) => {
      if (p && p.type !== DataType.integer) return RESULT.typeUnmatched;
      return disconnectorResult(run(ctx.object.target as Disconnector));
    },
  };
}

function disconnectorOf(ctx: RequestContext): Disconnector {
  return ctx.object.target as Disconnector;
}

function writeCapturedBoolean(w: AxdrWriter, v: number): void {
  w.boolean(v !== 0);
}

function writeCapturedEnum(w: AxdrWriter, v: number): void {
  w.enumValue(v);
}

/** IC 70 Disconnect control over the Disconnector (its target). */
export const DISCONNECT_CONTROL_CLASS: ObjectClass = defineClass({
  classId: 70,
  version: 0,
  name: "Disconnect control",
  group: "control",
  attributes: [
    { get: (ctx, w) => (w.boolean(disconnectorOf(ctx).outputState), 0) },
    { get: (ctx, w) => (w.enumValue(disconnectorOf(ctx).controlState), 0) },
    {
      get: (ctx, w) => (w.enumValue(disconnectorOf(ctx).controlMode), 0),
      set: (v, ctx) => {
        if (v.type !== DataType.enum) return RESULT.typeUnmatched;
        return disconnectorOf(ctx).setControlMode(v.value).ok ? RESULT.success : RESULT.otherReason;
      },
    },
  ],
  methods: [disconnectorMethod((d) => d.remoteDisconnect()), disconnectorMethod((d) => d.remoteReconnect())],
  capturedWriter: (a) => (a === 2 ? writeCapturedBoolean : writeCapturedEnum),
});

/** The A-XDR type of the value at `obis` as its object encodes it (the model's owner knows). */
type MonitoredValueType = (obis: string, model: ObjectModel) => DataTypeTag;

function limiterOf(ctx: RequestContext): Limiter {
  return ctx.object.target as Limiter;
}

function configure(ctx: RequestContext, changes: Partial<LimiterConfig>): number {
  return limiterOf(ctx).configure(changes).ok ? RESULT.success : RESULT.otherReason;
}

function thresholdSet(key: "thresholdNormal" | "thresholdEmergency") {
  return (v: DlmsData, ctx: RequestContext): number => {
    const n = numberOf(v);
    if (!Number.isInteger(n)) return RESULT.typeUnmatched;
    return configure(ctx, { [key]: n });
  };
}

function secondsSet(key: "minOverThresholdDurationS" | "minUnderThresholdDurationS") {
  return (v: DlmsData, ctx: RequestContext): number => {
    if (v.type !== DataType.doubleLongUnsigned) return RESULT.typeUnmatched;
    return configure(ctx, { [key]: v.value });
  };
}

function emptyAction(w: AxdrWriter): void {
  w.structure(2);
  w.obis(new Uint8Array(6));
  w.longUnsigned(0);
}

/**
 * IC 71 Limiter over the Limiter (its target); the monitored value's class from the model, its
 * type from `valueType`. Call at module level.
 */
export function limiterClass(valueType: MonitoredValueType): ObjectClass {
  const monitoredType = (ctx: RequestContext): DataTypeTag => valueType(limiterOf(ctx).settings.monitoredObis, ctx.model);
  return defineClass({
    classId: 71,
    version: 0,
    name: "Limiter",
    group: "control",
    attributes: [
      {
        get: (ctx, w) => {
          const o = limiterOf(ctx).settings.monitoredObis;
          w.structure(3);
          const classId = ctx.model.classIdOf(o);
          w.longUnsigned(classId < 0 ? 3 : classId);
          w.obis(parseObis(o));
          w.integer(2);
          return 0;
        },
        set: (v, ctx) => {
          if (v.type !== DataType.structure || v.items.length !== 3) return RESULT.typeUnmatched;
          const ln = v.items[1];
          if (ln.type !== DataType.octetString || ln.bytes.length !== 6 || numberOf(v.items[2]) !== 2) return RESULT.typeUnmatched;
          return configure(ctx, { monitoredObis: formatObis(ln.bytes) });
        },
      },
      { get: (ctx, w) => (writeNumber(w, monitoredType(ctx), limiterOf(ctx).thresholdActive()), 0) },
      { get: (ctx, w) => (writeNumber(w, monitoredType(ctx), limiterOf(ctx).settings.thresholdNormal), 0), set: thresholdSet("thresholdNormal") },
      { get: (ctx, w) => (writeNumber(w, monitoredType(ctx), limiterOf(ctx).settings.thresholdEmergency), 0), set: thresholdSet("thresholdEmergency") },
      { get: (ctx, w) => (w.doubleLongUnsigned(limiterOf(ctx).settings.minOverThresholdDurationS), 0), set: secondsSet("minOverThresholdDurationS") },
      { get: (ctx, w) => (w.doubleLongUnsigned(limiterOf(ctx).settings.minUnderThresholdDurationS), 0), set: secondsSet("minUnderThresholdDurationS") },
      {
        get: (ctx, w) => {
          const p = limiterOf(ctx).settings.emergencyProfile;
          const t = modelTime(ctx.model);
          w.structure(3);
          w.longUnsigned(p.id);
          t.dateTimes.write(w, p.activationUtcMs, t.clock);
          w.doubleLongUnsigned(p.durationS);
          return 0;
        },
        set: (v, ctx) => {
          if (v.type !== DataType.structure || v.items.length !== 3) return RESULT.typeUnmatched;
          const [id, at, duration] = v.items;
          if (id.type !== DataType.longUnsigned || at.type !== DataType.octetString || duration.type !== DataType.doubleLongUnsigned) return RESULT.typeUnmatched;
          const utc = dateTimeBytesToUtc(at.bytes, modelTime(ctx.model).clock);
          if (!Number.isFinite(utc)) return RESULT.otherReason;
          return configure(ctx, { emergencyProfile: { id: id.value, activationUtcMs: utc, durationS: duration.value } });
        },
      },
      {
        get: (ctx, w) => {
          const ids = limiterOf(ctx).settings.emergencyProfileGroupIds;
          w.array(ids.length);
          for (const id of ids) w.longUnsigned(id);
          return 0;
        },
        set: (v, ctx) => {
          if (v.type !== DataType.array || v.items.some((i) => i.type !== DataType.longUnsigned)) return RESULT.typeUnmatched;
          return configure(ctx, { emergencyProfileGroupIds: v.items.map((i) => numberOf(i)) });
        },
      },
      { get: (ctx, w) => (w.boolean(limiterOf(ctx).emergencyProfileActive()), 0) },
      {
        // actions: this meter has no script tables; the limiter drives the disconnector directly.
        get: (_c, w) => {
          w.structure(2);
          emptyAction(w);
          emptyAction(w);
          return 0;
        },
      },
    ],
  });
}
