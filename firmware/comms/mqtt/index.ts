export { MqttClient, type MqttClientOptions, type MqttCounters, type OutMessage, type Qos1Outbox } from "./client";
export { defaultMqttConfig, type MqttConfig, mqttConfigError, mqttConfigFromSettings, parseMqttUrl } from "./config";
export { type DeviceInfo, type Entity, meterEntities } from "./discovery";
export { eventNameTable, PUBLISHED_LOGS } from "./event-names";
export { MQTT_OBIS, mqttObjects } from "./mqtt-objects";
export { decimalText, EVENT_QUEUE_CAPACITY, MqttTelemetry, type MqttTelemetryDeps } from "./telemetry";
