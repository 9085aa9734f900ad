export { MqttClient, type MqttClientOptions, type MqttCounters, type MqttState, type OutMessage, type Qos1Outbox } from "./client";
export { DEFAULT_MQTT_PASSWORD, defaultMqttConfig, type MqttConfig, mqttConfigError, mqttConfigFromSettings, parseMqttUrl } from "./config";
export { type DeviceInfo, type Entity, meterEntities } from "./discovery";
export { eventNameTable, PUBLISHED_LOGS } from "./event-names";
export { MQTT_OBIS, mqttObjects, type MqttControl } from "./mqtt-objects";
export { decimalText, EVENT_QUEUE_CAPACITY, type EventSource, type MeterReadings, MqttTelemetry, type MqttTelemetryDeps } from "./telemetry";
