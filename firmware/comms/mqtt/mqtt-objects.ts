/**
 * The consumer interface's switches as manufacturer-specific COSEM objects (value group C = 128
 * marks a manufacturer-specific code; docs/readme/mqtt.md). Class 1 Data, group "config": every
 * association may read them, only the management association may write them.
 */
import { DataType } from "../dlms/axdr";
import { dataObject, numericDataObject } from "../dlms/classes";
import type { ObjectDef } from "../dlms/object-model";
import { RESULT } from "../dlms/xdlms";
import { MQTT_INTERVAL_RANGE } from "./config";

export const MQTT_OBIS = {
  /** boolean: the consumer interface on (true) or off. */
  enabled: "0.0.128.18.0.255",
  /** long-unsigned: state publish period in seconds, 1..3600. */
  intervalS: "0.0.128.18.1.255",
} as const;

/** What the objects change (MqttTelemetry has these). */
export interface MqttControl {
  readonly enabled: boolean;
  readonly config: { readonly intervalS: number };
  setEnabled(on: boolean): void;
  changeIntervalS(seconds: number): string | null;
}

export function mqttObjects(control: MqttControl): ObjectDef[] {
  return [
    dataObject(MQTT_OBIS.enabled, "MQTT consumer interface enabled", "config", {
      get: (_c, w) => (w.boolean(control.enabled), 0),
      set: (value) => {
        if (value.type !== DataType.boolean) return RESULT.typeUnmatched;
        control.setEnabled(value.value === true);
        return RESULT.success;
      },
    }),
    numericDataObject(MQTT_OBIS.intervalS, "MQTT state publish interval", "config", DataType.longUnsigned, () => control.config.intervalS, (value) => {
      if (value.type !== DataType.longUnsigned) return RESULT.typeUnmatched;
      const v = value.value as number;
      if (v < MQTT_INTERVAL_RANGE.min || v > MQTT_INTERVAL_RANGE.max || control.changeIntervalS(v) !== null) return RESULT.otherReason;
      return RESULT.success;
    }),
  ];
}
