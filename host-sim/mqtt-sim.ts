/**
 * The simulator's side of the consumer interface (issue 18): `--mqtt URL` and its options into an
 * MQTT configuration, and the board's network: Node TCP/TLS with the ESP32-like bounded send
 * buffer, whose sockets go silent when the meter that opened them loses its power (so the
 * broker sees a dead device and publishes the last will after its keep-alive).
 */
import { readFileSync } from "node:fs";
import { defaultMqttConfig, type MqttConfig, parseMqttUrl } from "../firmware/comms/mqtt/config";
import { ScenarioError } from "../emulation/scenario/duration";
import { NodeNetwork } from "./node-network";
import { PoweredNetwork } from "./powered-network";

/** Bytes Node may hold for one socket before `write` pushes back (lwIP's send buffer is of this order). */
export const SIM_SOCKET_SEND_BUFFER = 16_384;

export function simulatorNetwork(ca?: string): PoweredNetwork {
  // A power cut closes the firmware's sockets (host-sim/powered-network.ts): the broker sees the
  // connection drop without DISCONNECT and publishes the last will.
  return new PoweredNetwork(new NodeNetwork({ maxBuffered: SIM_SOCKET_SEND_BUFFER, ca }));
}

export interface MqttCliOptions {
  config: MqttConfig;
  ca?: string;
}

/**
 * --mqtt URL [--mqtt-user U] [--mqtt-password P] [--mqtt-ca FILE] [--mqtt-interval S] [--mqtt-prefix P];
 * null without --mqtt. The simulator's password may be the documented default.
 */
export function mqttCliOptions(raw: Record<string, string | boolean | undefined>): MqttCliOptions | null {
  if (raw.mqtt === undefined) {
    for (const k of ["mqtt-user", "mqtt-password", "mqtt-ca", "mqtt-interval", "mqtt-prefix"]) if (raw[k] !== undefined) throw new ScenarioError(`--${k} needs --mqtt URL`);
    return null;
  }
  let config: MqttConfig;
  try {
    config = parseMqttUrl(String(raw.mqtt), { ...defaultMqttConfig(), refuseDefaultSecrets: false });
  } catch (e) {
    throw new ScenarioError((e as Error).message);
  }
  if (raw["mqtt-user"] !== undefined) config.username = String(raw["mqtt-user"]);
  if (raw["mqtt-password"] !== undefined) config.password = String(raw["mqtt-password"]);
  if (raw["mqtt-prefix"] !== undefined) config.prefix = String(raw["mqtt-prefix"]);
  if (raw["mqtt-interval"] !== undefined) {
    const s = String(raw["mqtt-interval"]);
    if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 3600) throw new ScenarioError(`--mqtt-interval must be 1..3600 seconds, got "${s}"`);
    config.intervalS = Number(s);
  }
  let ca: string | undefined;
  if (raw["mqtt-ca"] !== undefined) {
    if (!config.tls) throw new ScenarioError("--mqtt-ca needs an mqtts:// URL");
    try {
      ca = readFileSync(String(raw["mqtt-ca"]), "utf8");
    } catch {
      throw new ScenarioError(`cannot read --mqtt-ca file ${raw["mqtt-ca"]}`);
    }
  }
  return { config, ca };
}
