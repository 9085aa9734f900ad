/**
 * IC 70 Disconnect control and IC 71 Limiter over the metrology's disconnector and limiter.
 * The relay moves only through the disconnector's state machine; these objects just call it.
 */
import { type AxdrWriter, DataType, type DataTypeTag, type DlmsData } from "./axdr";
import { numberOf, writeNumber } from "./values";
import type { MethodDef, ObjectDef } from "./object-model";
import { formatObis, parseObis, RESULT } from "./xdlms";
import type { Disconnector, DisconnectorResult } from "../../control/disconnector";
import type { Limiter, LimiterConfig } from "../../control/limiter";

function disconnectorResult(r: DisconnectorResult): number {
  if (r.ok || r.reason === "already-in-state") return RESULT.success;
  return r.reason === "mode-forbids" || r.reason === "not-possible-in-state" ? RESULT.temporaryFailure : RESULT.otherReason;
}

export function disconnectControlObject(obis: string, d: Disconnector): ObjectDef {
  const method = (run: () => DisconnectorResult): MethodDef => ({
    invoke: (p) => {
      if (p && p.type !== DataType.integer) return RESULT.typeUnmatched;
      return disconnectorResult(run());
    },
  });
  return {
    classId: 70,
    version: 0,
    obis,
    name: "Disconnect control",
    group: "control",
    attributes: [
      { get: (_c, w) => (w.boolean(d.outputState), 0) },
      { get: (_c, w) => (w.enumValue(d.controlState), 0) },
      {
        get: (_c, w) => (w.enumValue(d.controlMode), 0),
        set: (v) => {
          if (v.type !== DataType.enum) return RESULT.typeUnmatched;
          return d.setControlMode(v.value).ok ? RESULT.success : RESULT.otherReason;
        },
      },
    ],
    methods: [method(() => d.remoteDisconnect()), method(() => d.remoteReconnect())],
    capturedWriter: (a) => (a === 2 ? (w, v) => w.boolean(v !== 0) : (w, v) => w.enumValue(v)),
  };
}

export interface LimiterTime {
  writeDateTime(w: AxdrWriter, utcMs: number): void;
  dateTimeToUtc(bytes: Uint8Array): number;
}

export function limiterObject(obis: string, limiter: Limiter, valueType: (obis: string) => DataTypeTag, classOf: (obis: string) => number, time: LimiterTime): ObjectDef {
  const s = () => limiter.settings;
  const type = () => valueType(s().monitoredObis);
  const configure = (changes: Partial<LimiterConfig>): number => (limiter.configure(changes).ok ? RESULT.success : RESULT.otherReason);
  const threshold = (key: "thresholdNormal" | "thresholdEmergency") => (v: DlmsData): number => {
    const n = numberOf(v);
    if (!Number.isInteger(n)) return RESULT.typeUnmatched;
    return configure({ [key]: n });
  };
  const seconds = (key: "minOverThresholdDurationS" | "minUnderThresholdDurationS") => (v: DlmsData): number => {
    if (v.type !== DataType.doubleLongUnsigned) return RESULT.typeUnmatched;
    return configure({ [key]: v.value });
  };
  const emptyAction = (w: AxdrWriter) => {
    w.structure(2);
    w.obis(new Uint8Array(6));
    w.longUnsigned(0);
  };
  return {
    classId: 71,
    version: 0,
    obis,
    name: "Limiter",
    group: "control",
    attributes: [
      {
        get: (_c, w) => {
          const o = s().monitoredObis;
          w.structure(3);
          w.longUnsigned(classOf(o));
          w.obis(parseObis(o));
          w.integer(2);
          return 0;
        },
        set: (v) => {
          if (v.type !== DataType.structure || v.items.length !== 3) return RESULT.typeUnmatched;
          const ln = v.items[1];
          if (ln.type !== DataType.octetString || ln.bytes.length !== 6 || numberOf(v.items[2]) !== 2) return RESULT.typeUnmatched;
          return configure({ monitoredObis: formatObis(ln.bytes) });
        },
      },
      { get: (_c, w) => (writeNumber(w, type(), limiter.thresholdActive()), 0) },
      { get: (_c, w) => (writeNumber(w, type(), s().thresholdNormal), 0), set: threshold("thresholdNormal") },
      { get: (_c, w) => (writeNumber(w, type(), s().thresholdEmergency), 0), set: threshold("thresholdEmergency") },
      { get: (_c, w) => (w.doubleLongUnsigned(s().minOverThresholdDurationS), 0), set: seconds("minOverThresholdDurationS") },
      { get: (_c, w) => (w.doubleLongUnsigned(s().minUnderThresholdDurationS), 0), set: seconds("minUnderThresholdDurationS") },
      {
        get: (_c, w) => {
          const p = s().emergencyProfile;
          w.structure(3);
          w.longUnsigned(p.id);
          time.writeDateTime(w, p.activationUtcMs);
          w.doubleLongUnsigned(p.durationS);
          return 0;
        },
        set: (v) => {
          if (v.type !== DataType.structure || v.items.length !== 3) return RESULT.typeUnmatched;
          const [id, at, duration] = v.items;
          if (id.type !== DataType.longUnsigned || at.type !== DataType.octetString || duration.type !== DataType.doubleLongUnsigned) return RESULT.typeUnmatched;
          const utc = time.dateTimeToUtc(at.bytes);
          if (!Number.isFinite(utc)) return RESULT.otherReason;
          return configure({ emergencyProfile: { id: id.value, activationUtcMs: utc, durationS: duration.value } });
        },
      },
      {
        get: (_c, w) => {
          const ids = s().emergencyProfileGroupIds;
          w.array(ids.length);
          for (const id of ids) w.longUnsigned(id);
          return 0;
        },
        set: (v) => {
          if (v.type !== DataType.array || v.items.some((i) => i.type !== DataType.longUnsigned)) return RESULT.typeUnmatched;
          return configure({ emergencyProfileGroupIds: v.items.map((i) => numberOf(i)) });
        },
      },
      { get: (_c, w) => (w.boolean(limiter.emergencyProfileActive()), 0) },
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
  };
}
