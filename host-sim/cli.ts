import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseDuration, ScenarioError } from "../emulation/scenario/duration";
import { parseLocalTime, parseScenario, type Scenario } from "../emulation/scenario/scenario";
import { localFieldsToUtc } from "../firmware/time/local-time";
import { buildReport } from "./report";
import { loadCalibrationConfig } from "./calibration/store";
import { defaultMeterConfig } from "../firmware/app/config";
import { Simulation } from "./simulation";
import "./features";
import "./live-features";
import { liveHooks } from "./live-hooks";
import { type MqttCliOptions, mqttCliOptions, simulatorNetwork } from "./mqtt-sim";

export const DEFAULT_SCENARIO = join(__dirname, "..", "emulation", "scenario", "scenarios", "household-day.json");

export interface CliOptions {
  scenario: Scenario;
  speed: number | "max";
  untilMs: number | undefined;
  reportFile?: string;
  dlmsPort: number;
  readerPassword: string;
  raw: Record<string, string | boolean | undefined>;
  /** --mqtt: the consumer interface's broker (issue 18). */
  mqtt?: MqttCliOptions | null;
}

/** Parses the command line; any problem is a ScenarioError with a one-line message. */
export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: "string" },
        speed: { type: "string" },
        until: { type: "string" },
        report: { type: "string" },
        "dlms-port": { type: "string" },
        "reader-password": { type: "string" },
        key: { type: "string" },
        "auth-key": { type: "string" },
        "master-key": { type: "string" },
        push: { type: "string" },
        calibration: { type: "string" },
        mqtt: { type: "string" },
        "mqtt-user": { type: "string" },
        "mqtt-password": { type: "string" },
        "mqtt-ca": { type: "string" },
        "mqtt-interval": { type: "string" },
        "mqtt-prefix": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new ScenarioError((e as Error).message.split("\n")[0]);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write("usage: npm start -- [--scenario FILE] [--speed N|max] [--until DURATION|ISO-TIME] [--report FILE] [--dlms-port N] [--reader-password P] [--key HEX] [--auth-key HEX] [--master-key HEX] [--push HOST:PORT] [--calibration FILE] [--mqtt mqtt[s]://[USER[:PASSWORD]@]HOST[:PORT] [--mqtt-user U] [--mqtt-password P] [--mqtt-ca FILE] [--mqtt-interval S] [--mqtt-prefix P]]\n");
    process.exit(0);
  }
  const file = v.scenario ?? DEFAULT_SCENARIO;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new ScenarioError(`cannot read scenario file ${file}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const scenario = parseScenario(json, file);
  let speed: number | "max" = 1;
  if (v.speed !== undefined) {
    if (v.speed === "max") speed = "max";
    else if (/^\d+(\.\d+)?$/.test(v.speed) && Number(v.speed) > 0) speed = Number(v.speed);
    else throw new ScenarioError(`--speed must be a positive number or "max", got "${v.speed}"`);
  }
  let untilMs: number | undefined;
  if (v.until !== undefined) {
    untilMs = v.until.includes("T")
      ? localFieldsToUtc(parseLocalTime(v.until, "--until"), scenario.utcOffsetMinutes, scenario.dst) - scenario.startUtcMs
      : parseDuration(v.until, "--until");
    if (untilMs < 0) throw new ScenarioError(`--until ${v.until} is before the scenario start`);
  } else if (speed === "max") {
    untilMs = scenario.durationMs;
  }
  const dlmsPort = v["dlms-port"] === undefined ? 4059 : Number(v["dlms-port"]);
  if (!Number.isInteger(dlmsPort) || dlmsPort < 0 || dlmsPort > 65535) throw new ScenarioError(`--dlms-port must be a TCP port number, got "${v["dlms-port"]}"`);
  const mqtt = mqttCliOptions(v);
  if (mqtt && speed === "max") throw new ScenarioError("--mqtt needs real-time speed (a --speed max run ends before the broker answers)");
  return { scenario, speed, untilMs, reportFile: v.report, dlmsPort, readerPassword: v["reader-password"] ?? "12345678", raw: v, mqtt };
}


function statusLine(sim: Simulation): string {
  const custom = liveHooks.status.map((f) => f(sim)).filter((s) => s.length > 0);
  const mqtt = sim.meter.mqtt ? `  ${sim.meter.mqtt.status()}` : "";
  if (custom.length > 0) return custom.join("  ") + mqtt;
  const m = sim.meter;
  const kwh = (mwh: number) => (mwh / 1e6).toFixed(3);
  const t = new Date(sim.clock.wallClockMs()).toISOString().replace("T", " ").slice(0, 19);
  return `${t} UTC  A+ ${kwh(m.energy.activeImport)} kWh  A- ${kwh(m.energy.activeExport)} kWh  ` +
    `${(m.instant.voltageMilliV / 1000).toFixed(1)} V  ${(m.instant.currentMilliA / 1000).toFixed(2)} A  ${(m.instant.activePowerMilliW / 1000).toFixed(0)} W${mqtt}`;
}

function finish(sim: Simulation, options: CliOptions): void {
  for (const f of liveHooks.stopping) f(sim);
  if (options.reportFile) writeFileSync(options.reportFile, JSON.stringify(buildReport(sim), null, 2) + "\n");
}

export function main(argv: string[]): void {
  let options: CliOptions;
  let sim: Simulation;
  try {
    options = parseCli(argv);
    // --calibration FILE: values from `npm run calibrate` (build/calibration-<chip>.json).
    const calibration = typeof options.raw.calibration === "string" ? loadCalibrationConfig(options.raw.calibration, defaultMeterConfig()) : {};
    const mqtt = options.mqtt;
    let built: Simulation | null = null;
    sim = new Simulation(options.scenario, {
      config: mqtt ? { ...calibration, mqtt: mqtt.config } : calibration,
      network: mqtt ? simulatorNetwork(() => built, mqtt.ca) : undefined,
    });
    built = sim;
  } catch (e) {
    if (e instanceof ScenarioError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  for (const f of liveHooks.started) f(sim, options);
  if (options.speed === "max") {
    const until = options.untilMs!;
    const step = 3_600_000;
    while (sim.elapsedMs < until) sim.runUntil(Math.min(until, sim.elapsedMs + step));
    process.stdout.write(statusLine(sim) + "\n");
    finish(sim, options);
    process.exit(0);
  }
  const speed = options.speed;
  const tty = process.stdout.isTTY;
  let lastReal = performance.now();
  let lastDraw = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    let target = sim.elapsedMs + (now - lastReal) * speed;
    lastReal = now;
    if (options.untilMs !== undefined) target = Math.min(target, options.untilMs);
    sim.runUntil(target);
    if (now - lastDraw >= 250) {
      lastDraw = now;
      process.stdout.write(tty ? `\r\x1b[2K${statusLine(sim)}` : `${statusLine(sim)}\n`);
    }
    if (options.untilMs !== undefined && sim.elapsedMs >= options.untilMs) {
      clearInterval(timer);
      process.stdout.write("\n");
      finish(sim, options);
      process.exit(0);
    }
  }, 50);
  const stop = () => {
    clearInterval(timer);
    process.stdout.write("\n");
    finish(sim, options);
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (require.main === module) main(process.argv.slice(2));
