/**
 * Configuration of the consumer interface (MQTT + Home Assistant discovery), docs/readme/mqtt.md.
 * The device takes it from the manifest's config keys (`mqttConfigFromSettings`), the simulator
 * from `--mqtt URL` (`parseMqttUrl`). The interval and the on/off switch can also be changed
 * over DLMS by the management client (mqtt-objects.ts).
 */
import { deepFreeze } from "../../kernel/freeze";

export interface MqttConfig {
  /** Off: nothing is opened. */
  enabled: boolean;
  /** Broker host (a numeric address on Moddable, whose TCP does no DNS) and port. */
  host: string;
  port: number;
  tls: boolean;
  username: string;
  password: string;
  /** Topic prefix: state on `<prefix>/<serial>/state`, events on `.../event`, availability on `.../availability`. */
  prefix: string;
  /** Home Assistant discovery prefix ("homeassistant"). */
  discoveryPrefix: string;
  /** State publish period, s (1..3600). */
  intervalS: number;
  keepAliveS: number;
  /** A state is also published when the active power moved this much (W) since the last one (0: never). */
  powerChangeW: number;
  /** A device build refuses to connect with an empty or shipped password (like the DLMS keys). */
  refuseDefaultSecrets: boolean;
}

/** The shipped password: a device build refuses it (and an empty one). */
const DEFAULT_MQTT_PASSWORD = "meter";
export const MQTT_INTERVAL_RANGE = deepFreeze({ min: 1, max: 3600 } as const);

export function defaultMqttConfig(): MqttConfig {
  return {
    enabled: false,
    host: "127.0.0.1",
    port: 1883,
    tls: false,
    username: "meter",
    password: DEFAULT_MQTT_PASSWORD,
    prefix: "dlmslite",
    discoveryPrefix: "homeassistant",
    intervalS: 10,
    keepAliveS: 60,
    powerChangeW: 100,
    refuseDefaultSecrets: true,
  };
}

/** The reason this configuration cannot be used, or null. */
export function mqttConfigError(c: MqttConfig): string | null {
  if (!Number.isInteger(c.intervalS) || c.intervalS < MQTT_INTERVAL_RANGE.min || c.intervalS > MQTT_INTERVAL_RANGE.max) return `MQTT interval must be 1..3600 s, got ${c.intervalS}`;
  if (!Number.isInteger(c.port) || c.port < 1 || c.port > 65535) return `MQTT port must be 1..65535, got ${c.port}`;
  if (!Number.isInteger(c.keepAliveS) || c.keepAliveS < 0 || c.keepAliveS > 65535) return `MQTT keep-alive must be 0..65535 s, got ${c.keepAliveS}`;
  if (c.host === "") return "MQTT broker host is empty";
  if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(c.prefix)) return `MQTT prefix "${c.prefix}" must be letters, digits, _ and - (levels split by /)`;
  if (!/^[A-Za-z0-9_-]+$/.test(c.discoveryPrefix)) return `Home Assistant discovery prefix "${c.discoveryPrefix}" must be letters, digits, _ and -`;
  if (c.refuseDefaultSecrets && (c.password === "" || c.password === DEFAULT_MQTT_PASSWORD)) return "MQTT not started: the broker password is empty or the shipped default; set mqttPassword";
  return null;
}

/**
 * `mqtt://user:password@host:port` or `mqtts://...` (TLS, default port 8883); one-line errors.
 * Options given separately (user, password) override those in the URL.
 */
export function parseMqttUrl(url: string, base: MqttConfig = defaultMqttConfig()): MqttConfig {
  const m = /^(mqtts?):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?(\[[0-9a-fA-F:.]+\]|[^:/@]+)(?::(\d+))?\/?$/.exec(url);
  if (!m) throw new Error(`--mqtt needs mqtt://[user[:password]@]host[:port] or mqtts://..., got "${url}"`);
  const tls = m[1] === "mqtts";
  const port = m[5] === undefined ? (tls ? 8883 : 1883) : Number(m[5]);
  if (port < 1 || port > 65535) throw new Error(`--mqtt port must be 1..65535, got ${m[5]}`);
  return {
    ...base,
    enabled: true,
    tls,
    host: m[4].replace(/^\[|\]$/g, ""),
    port,
    username: m[2] !== undefined ? decodeURIComponent(m[2]) : base.username,
    password: m[3] !== undefined ? decodeURIComponent(m[3]) : base.password,
  };
}

/**
 * The manifest's config keys (mcconfig ... mqttHost=... ): mqttHost, mqttPort, mqttTls, mqttUser,
 * mqttPassword, mqttPrefix, mqttInterval. No mqttHost: the interface is off.
 */
export function mqttConfigFromSettings(config: Record<string, unknown>, allowDefaultSecrets: boolean): MqttConfig {
  const c = defaultMqttConfig();
  const text = (key: string, fallback: string) => (config[key] === undefined ? fallback : String(config[key]));
  const integer = (key: string, fallback: number) => {
    if (config[key] === undefined || config[key] === "") return fallback;
    const n = Number(config[key]);
    if (!Number.isInteger(n)) throw new Error(`config ${key} must be an integer, got "${String(config[key])}"`);
    return n;
  };
  c.host = text("mqttHost", "");
  c.enabled = c.host !== "";
  c.tls = config.mqttTls === true || config.mqttTls === "true" || config.mqttTls === 1 || config.mqttTls === "1";
  c.port = integer("mqttPort", c.tls ? 8883 : 1883);
  c.username = text("mqttUser", c.username);
  c.password = text("mqttPassword", "");
  c.prefix = text("mqttPrefix", c.prefix);
  c.intervalS = integer("mqttInterval", c.intervalS);
  c.refuseDefaultSecrets = !allowDefaultSecrets;
  if (!c.enabled) c.host = "127.0.0.1";
  return c;
}
