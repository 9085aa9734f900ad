/**
 * The consumer interface's switches as manufacturer-specific COSEM objects (value group C = 128
 * marks a manufacturer-specific code; docs/readme/mqtt.md). Class 1 Data, group "config": every
 * association may read them, only the management association may write them.
 */
import { DataType } from "../dlms/axdr";
import { type CosemObject, cosemObject, defineClass, type RequestContext } from "../dlms/object-model";
import { RESULT } from "../dlms/xdlms";
import { numberWriter } from "../dlms/values";
import { MQTT_INTERVAL_RANGE } from "./config";
import { deepFreeze } from "../../kernel/freeze";

export const MQTT_OBIS = deepFreeze({
  /** boolean: the consumer interface on (true) or off. */
  enabled: "0.0.128.18.0.255",
  /** long-unsigned: state publish period in seconds, 1..3600. */
  intervalS: "0.0.128.18.1.255",
} as const);

/** What the objects change (MqttTelemetry has these). */
interface MqttControl {
  readonly enabled: boolean;
  readonly config: { readonly intervalS: number };
  setEnabled(on: boolean): void;
  changeIntervalS(seconds: number): string | null;
}

function controlOf(ctx: RequestContext): MqttControl {
  return ctx.object.target as MqttControl;
}

const MQTT_ENABLED_CLASS = defineClass({
  classId: 1,
  version: 0,
  name: "MQTT consumer interface enabled",
  group: "config",
  attributes: [
    {
      get: (ctx, w) => (w.boolean(controlOf(ctx).enabled), 0),
      set: (value, ctx) => {
        if (value.type !== DataType.boolean) return RESULT.typeUnmatched;
        controlOf(ctx).setEnabled(value.value === true);
        return RESULT.success;
      },
    },
  ],
});

const MQTT_INTERVAL_CLASS = defineClass({
  classId: 1,
  version: 0,
  name: "MQTT state publish interval",
  group: "config",
  attributes: [
    {
      get: (ctx, w) => (numberWriter(DataType.longUnsigned)(w, controlOf(ctx).config.intervalS), 0),
      set: (value, ctx) => {
        if (value.type !== DataType.longUnsigned) return RESULT.typeUnmatched;
        const v = value.value as number;
        if (v < MQTT_INTERVAL_RANGE.min || v > MQTT_INTERVAL_RANGE.max || controlOf(ctx).changeIntervalS(v) !== null) return RESULT.otherReason;
        return RESULT.success;
      },
    },
  ],
  capturedWriter: () => numberWriter(DataType.longUnsigned),
});

/** The two switch objects over `control` (for `model.insert`). */
export function mqttObjects(control: MqttControl): CosemObject[] {
  return [cosemObject(MQTT_ENABLED_CLASS, MQTT_OBIS.enabled, control), cosemObject(MQTT_INTERVAL_CLASS, MQTT_OBIS.intervalS, control)];
}
