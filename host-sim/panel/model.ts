/**
 * The live panel's content and keys, without a terminal: `panelLines` is what one frame shows,
 * `handleKey` what a key does to the running simulation. The terminal side (terminal.ts) only
 * draws these lines and feeds keys in, so both are tested here without a TTY.
 */
import type { Simulation } from "../simulation";
import { scheduledPowerCut } from "../power";
import { eventName } from "../event-names";
import { ALARM } from "../../firmware/kernel/event-codes";
import type { MqttCounters } from "../../firmware/comms/mqtt/client";

export interface PanelState {
  /** Real-time factor (simulated seconds per real second). */
  speed: number;
  showHelp: boolean;
  /** The answer to the last key, shown until the next one. */
  message: string;
  /** One line about the DLMS server (port and open sessions), from the CLI. */
  dlms: () => string;
  quit: boolean;
  /** The consumer interface's status (--mqtt); made on the first frame that needs it. */
  mqtt?: MqttWatch;
}

/**
 * The MQTT status line (--mqtt): connection state, broker, messages published and when the last
 * one went out. The firmware's client counts its publishes; the time of the last one is the
 * simulated time at which this watch first saw the count move (frames come every 250 ms of real
 * time, status lines every second).
 */
export class MqttWatch {
  private counters: MqttCounters | null = null;
  private published = 0;
  private lastPublishUtcMs = NaN;

  /** One line, or null when the meter has no consumer interface (no --mqtt). */
  line(sim: Simulation): string | null {
    const telemetry = sim.meter.mqtt;
    if (!telemetry) return null;
    const client = telemetry.client;
    const c = client.counters;
    if (c !== this.counters) {
      // A new meter after a power cut: its own counters, from zero.
      this.counters = c;
      this.published = c.published;
    } else if (c.published !== this.published) {
      this.published = c.published;
      this.lastPublishUtcMs = sim.clock.wallClockMs();
    }
    const config = telemetry.config;
    const broker = `${config.tls ? "mqtts" : "mqtt"}://${config.host}:${config.port}`;
    let status: string;
    if (!telemetry.enabled) status = "off (switched off over DLMS)";
    else if (!sim.power.on) status = "disconnected (meter off)";
    else if (client.state === "connected") status = "connected";
    else if (client.state === "connecting") status = "connecting";
    else status = `disconnected${client.lastError ? ` (${client.lastError})` : ""}`;
    const last = Number.isNaN(this.lastPublishUtcMs) ? "none yet" : `${new Date(this.lastPublishUtcMs).toISOString().slice(11, 19)}Z`;
    return `MQTT ${status}, broker ${broker}, last publish ${last}, ${c.published} published, ${c.droppedQos0 + c.droppedQos1} dropped`;
  }
}

export const PANEL_KEYS: [string, string][] = [
  ["b", "button: short press (next display item)"],
  ["B", "button: long press, 3.5 s (manual reconnect)"],
  ["t", "terminal cover open / close"],
  ["c", "meter cover open / close"],
  ["m", "magnet near / away"],
  ["p", "power cut of 30 s"],
  ["d", "remote disconnect"],
  ["r", "remote reconnect"],
  ["+", "speed x2"],
  ["-", "speed /2"],
  ["h", "help on / off (also ?)"],
  ["q", "quit and write the report (also Ctrl-C)"],
];

export const MIN_PANEL_SPEED = 0.125;
export const MAX_PANEL_SPEED = 65_536;
const SHORT_PRESS_MS = 200;
const LONG_PRESS_MS = 3500;
const POWER_CUT_MS = 30_000;

function press(sim: Simulation, holdMs: number): void {
  const button = sim.panel.pins.button;
  button.set(0);
  sim.clock.schedule(() => button.set(1), holdMs);
}

function commandResult(r: { ok: boolean; reason?: string | null; transition?: string | null }): string {
  return r.ok ? `accepted${r.transition ? ` (${r.transition})` : ""}` : `refused: ${r.reason ?? "?"}`;
}

/** Acts on one key; returns false for a key that means nothing. */
export function handleKey(key: string, sim: Simulation, state: PanelState): boolean {
  const inputs = sim.inputs;
  switch (key) {
    case "b":
      press(sim, SHORT_PRESS_MS);
      state.message = "button pressed (short)";
      break;
    case "B":
      press(sim, LONG_PRESS_MS);
      state.message = "button held 3.5 s (long)";
      break;
    case "t":
      inputs.terminalCover.set(inputs.terminalCover.read() ^ 1);
      state.message = `terminal cover ${inputs.terminalCover.read() === 0 ? "OPEN" : "closed"}`;
      break;
    case "c":
      inputs.meterCover.set(inputs.meterCover.read() ^ 1);
      state.message = `meter cover ${inputs.meterCover.read() === 0 ? "OPEN" : "closed"}`;
      break;
    case "m":
      inputs.magnet.set(inputs.magnet.read() ^ 1);
      state.message = `magnet ${inputs.magnet.read() === 0 ? "near" : "away"}`;
      break;
    case "p":
      scheduledPowerCut(sim, sim.elapsedMs, POWER_CUT_MS, true);
      state.message = "power cut for 30 s (simulated)";
      break;
    case "d":
      state.message = `remote disconnect: ${commandResult(sim.meter.disconnector.remoteDisconnect())}`;
      break;
    case "r":
      state.message = `remote reconnect: ${commandResult(sim.meter.disconnector.remoteReconnect())}`;
      break;
    case "+":
      state.speed = Math.min(MAX_PANEL_SPEED, state.speed * 2);
      state.message = `speed x${state.speed}`;
      break;
    case "-":
      state.speed = Math.max(MIN_PANEL_SPEED, state.speed / 2);
      state.message = `speed x${state.speed}`;
      break;
    case "h":
    case "?":
      state.showHelp = !state.showHelp;
      state.message = "";
      break;
    case "q":
    case "CTRL_C":
      state.quit = true;
      break;
    default:
      return false;
  }
  return true;
}

function fixed(sim: Simulation, obis: string, digits: number): string {
  const r = sim.meter.register(obis);
  if (!r) return "-";
  return (r.read() * 10 ** r.scaler).toFixed(digits);
}

function kwh(sim: Simulation, obis: string): string {
  const r = sim.meter.register(obis);
  return r ? ((r.read() * 10 ** r.scaler) / 1000).toFixed(3) : "-";
}

/** The last `n` events of all logs by time, newest first, with their names. */
export function lastEvents(sim: Simulation, n: number): string[] {
  const rows: { time: number; text: string }[] = [];
  for (const log of sim.meter.events.all()) {
    for (let i = Math.max(0, log.count - n); i < log.count; i++) rows.push({ time: log.timeAt(i), text: `${log.name}: ${eventName(log.name, log.codeAt(i))}` });
  }
  rows.sort((a, b) => b.time - a.time);
  return rows.slice(0, n).map((r) => `${new Date(r.time).toISOString().slice(0, 19).replace("T", " ")}  ${r.text}`);
}

/** Push delivery counts from the communication log (delivered / failed / dropped). */
function pushStatus(sim: Simulation): string {
  const counts = { 246: 0, 247: 0, 248: 0 } as Record<number, number>;
  for (const log of sim.meter.events.all()) {
    if (log.name !== "communication") continue;
    for (let i = 0; i < log.count; i++) if (counts[log.codeAt(i)] !== undefined) counts[log.codeAt(i)]++;
  }
  return `delivered ${counts[246]}, failed ${counts[247]}, dropped ${counts[248]}`;
}

function mqttLines(sim: Simulation, state: PanelState): string[] {
  state.mqtt ??= new MqttWatch();
  const line = state.mqtt.line(sim);
  return line === null ? [] : [line];
}

/** One frame of the panel as text lines (the terminal adapter draws them as they are). */
export function panelLines(sim: Simulation, state: PanelState): string[] {
  const m = sim.meter;
  const local = new Date(m.clock.localMs(m.clock.nowUtcMs())).toISOString().slice(0, 19).replace("T", " ");
  const rate = m.register("0.0.96.14.0.255")?.read() ?? 0;
  const rates = [1, 2, 3, 4].map((r) => `${r === rate ? "*" : " "}T${r} A+ ${kwh(sim, `1.0.1.8.${r}.255`)} A- ${kwh(sim, `1.0.2.8.${r}.255`)}`);
  const alarms = Object.entries(ALARM).filter(([, bit]) => m.events.isAlarmSet(bit)).map(([name]) => name);
  const relay = sim.panel.relay.closed ? "closed" : "OPEN";
  const limiter = m.limiter.thresholdActive();
  const lines = [
    `LCD  [ ${sim.panel.lcdText()} ]`,
    `time ${local} (meter local)   speed x${state.speed}   simulated ${Math.floor(sim.elapsedMs / 1000)} s`,
    "",
    `U ${fixed(sim, "1.0.32.7.0.255", 1)} V   I ${fixed(sim, "1.0.31.7.0.255", 3)} A   In ${fixed(sim, "1.0.91.7.0.255", 3)} A   f ${fixed(sim, "1.0.14.7.0.255", 2)} Hz`,
    `P+ ${fixed(sim, "1.0.1.7.0.255", 1)} W   P- ${fixed(sim, "1.0.2.7.0.255", 1)} W   Q+ ${fixed(sim, "1.0.3.7.0.255", 1)} var   Q- ${fixed(sim, "1.0.4.7.0.255", 1)} var   PF ${fixed(sim, "1.0.13.7.0.255", 3)}`,
    `A+ ${kwh(sim, "1.0.1.8.0.255")} kWh   A- ${kwh(sim, "1.0.2.8.0.255")} kWh   active rate T${rate}`,
    ...rates,
    `demand A+ ${fixed(sim, "1.0.1.4.0.255", 1)} W (max ${fixed(sim, "1.0.1.6.0.255", 1)} W)`,
    `relay ${relay}, control state ${m.disconnector.controlState}, mode ${m.disconnector.controlMode}   limiter threshold ${Number.isFinite(limiter) ? limiter : "none"}`,
    `alarms ${alarms.length ? alarms.join(", ") : "none"}`,
    `${state.dlms()}   pushes ${pushStatus(sim)}`,
    ...mqttLines(sim, state),
    "",
    "last events:",
    ...lastEvents(sim, 6).map((e) => `  ${e}`),
    "",
    state.message ? `> ${state.message}` : "",
  ];
  if (state.showHelp) lines.push("keys:", ...PANEL_KEYS.map(([k, what]) => `  ${k.padEnd(2)} ${what}`));
  else lines.push("h for help, q to quit");
  return lines;
}

/** The one-line status for plain output (stdout not a terminal, or --plain); with --mqtt, its status after "|". */
export function statusLine(sim: Simulation, mqtt?: MqttWatch): string {
  const t = new Date(sim.clock.wallClockMs()).toISOString().replace("T", " ").slice(0, 19);
  const mqttStatus = mqtt?.line(sim);
  return `${t} UTC  LCD [ ${sim.panel.lcdText()} ]  A+ ${kwh(sim, "1.0.1.8.0.255")} kWh  A- ${kwh(sim, "1.0.2.8.0.255")} kWh  ` +
    `${fixed(sim, "1.0.32.7.0.255", 1)} V  ${fixed(sim, "1.0.31.7.0.255", 2)} A  ${fixed(sim, "1.0.1.7.0.255", 0)} W  relay ${sim.panel.relay.closed ? "closed" : "OPEN"}` +
    (mqttStatus ? `  | ${mqttStatus}` : "");
}
