/**
 * Home Assistant MQTT discovery (docs/readme/mqtt.md): one retained config message per entity
 * under `<discovery prefix>/<component>/<node id>/<object id>/config`, all pointing at the one
 * state topic with a `value_template`, the availability topic, and one device.
 */
import { deepFreeze } from "../../kernel/freeze";

export interface Entity {
  /** Object id (and the state JSON key it reads unless `template` says otherwise). */
  id: string;
  name: string;
  component: "sensor" | "binary_sensor";
  unit?: string;
  deviceClass?: string;
  stateClass?: "measurement" | "total_increasing";
  /** Jinja template; default `{{ value_json.<id> }}`. */
  template?: string;
  /** Reads the event topic instead of the state topic. */
  eventTopic?: boolean;
  payloadOn?: string;
  payloadOff?: string;
  icon?: string;
}

// `deviceClass` null: none (a default parameter would turn an explicit undefined into "energy").
const energy = (id: string, name: string, unit = "kWh", deviceClass: string | null = "energy"): Entity => ({ id, name, component: "sensor", unit, deviceClass: deviceClass ?? undefined, stateClass: "total_increasing" });
const measurement = (id: string, name: string, unit: string | undefined, deviceClass: string | undefined): Entity => ({ id, name, component: "sensor", unit, deviceClass, stateClass: "measurement" });

/** The rate count of the tables built once at load (preloaded: in flash on the ESP32, no RAM). */
export const STANDARD_RATES = 4;

/** Every entity the meter announces, in the order of the state JSON (the 4-rate table is shared and frozen). */
export function meterEntities(rates: number): readonly Entity[] {
  return rates === STANDARD_RATES ? STANDARD_ENTITIES : buildEntities(rates);
}

function buildEntities(rates: number): Entity[] {
  const list: Entity[] = [
    { id: "time", name: "Meter time", component: "sensor", deviceClass: "timestamp", icon: "mdi:clock-outline" },
    measurement("voltage", "Voltage", "V", "voltage"),
    measurement("current", "Current", "A", "current"),
    measurement("power", "Active power", "W", "power"),
    measurement("reactive_power", "Reactive power", "var", "reactive_power"),
    measurement("power_factor", "Power factor", undefined, "power_factor"),
    measurement("frequency", "Frequency", "Hz", "frequency"),
    energy("import_kwh", "Energy import"),
  ];
  for (let r = 1; r <= rates; r++) list.push(energy(`import_t${r}_kwh`, `Energy import rate ${r}`));
  list.push(energy("export_kwh", "Energy export"));
  for (let r = 1; r <= rates; r++) list.push(energy(`export_t${r}_kwh`, `Energy export rate ${r}`));
  list.push(
    energy("reactive_import_kvarh", "Reactive energy import", "kvarh", null),
    energy("reactive_export_kvarh", "Reactive energy export", "kvarh", null),
    { id: "rate", name: "Active rate", component: "sensor", icon: "mdi:cash-clock" },
    measurement("demand_w", "Current average demand", "W", "power"),
    { id: "relay", name: "Supply relay", component: "binary_sensor", deviceClass: "power", payloadOn: "connected", payloadOff: "disconnected" },
    { id: "alarms", name: "Alarms", component: "sensor", icon: "mdi:alert", template: "{{ value_json.alarms | join(', ') if value_json.alarms else 'none' }}" },
    energy("gas_m3", "Gas volume", "m\u00b3", "gas"),
    energy("water_m3", "Water volume", "m\u00b3", "water"),
    { id: "last_event", name: "Last event", component: "sensor", icon: "mdi:bell", eventTopic: true, template: "{{ value_json.event }}" },
  );
  return list;
}

const STANDARD_ENTITIES: readonly Entity[] = deepFreeze(buildEntities(STANDARD_RATES));

export interface DeviceInfo {
  /** `<prefix>_<serial>`: HA's node id and the device identifier. */
  nodeId: string;
  serialNumber: string;
  firmwareId: string;
  manufacturer: string;
  model: string;
  stateTopic: string;
  eventTopic: string;
  availabilityTopic: string;
  discoveryPrefix: string;
}

export function discoveryTopic(d: DeviceInfo, e: Entity): string {
  return `${d.discoveryPrefix}/${e.component}/${d.nodeId}/${e.id}/config`;
}

/** One entity's config JSON. */
export function discoveryConfigJson(d: DeviceInfo, e: Entity): string {
  const config: Record<string, unknown> = {
    name: e.name,
    unique_id: `${d.nodeId}_${e.id}`,
    object_id: `${d.nodeId}_${e.id}`,
    state_topic: e.eventTopic ? d.eventTopic : d.stateTopic,
    value_template: e.template ?? `{{ value_json.${e.id} }}`,
  };
  if (e.unit !== undefined) config.unit_of_measurement = e.unit;
  if (e.deviceClass !== undefined) config.device_class = e.deviceClass;
  if (e.stateClass !== undefined) config.state_class = e.stateClass;
  if (e.payloadOn !== undefined) config.payload_on = e.payloadOn;
  if (e.payloadOff !== undefined) config.payload_off = e.payloadOff;
  if (e.icon !== undefined) config.icon = e.icon;
  config.availability_topic = d.availabilityTopic;
  config.device = {
    identifiers: [d.nodeId],
    manufacturer: d.manufacturer,
    model: d.model,
    serial_number: d.serialNumber,
    sw_version: d.firmwareId,
    name: `Electricity meter ${d.serialNumber}`,
  };
  return JSON.stringify(config);
}
