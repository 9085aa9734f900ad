import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseDuration, ScenarioError } from "../emulation/scenario/duration";
import { parseLocalTime, type Scenario } from "../emulation/scenario/scenario";
import { parseScenario } from "./event-types";
import { localFieldsToUtc } from "../firmware/time/local-time";
import { buildReport } from "./report";
import { loadCalibrationConfig } from "./calibration/store";
import { defaultMeterConfig } from "../firmware/app/config";
import { Simulation, type SimulationOptions } from "./simulation";
import { liveBanner, liveSimulationOptions, liveStatus, liveStop } from "./live";

export const DEFAULT_SCENARIO = join(__dirname, "..", "emulation", "scenario", "scenarios", "household-day.json");

export interface CliOptions {
  scenario: Scenario;
  speed: number | "max";
  untilMs: number | undefined;
  reportFile?: string;
  dlmsPort: number;
  readerPassword: string;
  raw: Record<string, string | boolean | undefined>;
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
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new ScenarioError((e as Error).message.split("\n")[0]);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write("usage: npm start -- [--scenario FILE] [--speed N|max] [--until DURATION|ISO-TIME] [--report FILE] [--dlms-port N] [--reader-password P] [--key HEX] [--auth-key HEX] [--master-key HEX] [--push HOST:PORT] [--calibration FILE]\n");
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
  return { scenario, speed, untilMs, reportFile: v.report, dlmsPort, readerPassword: v["reader-password"] ?? "12345678", raw: v };
}


function finish(sim: Simulation, options: CliOptions): void {
  liveStop(sim);
  if (options.reportFile) writeFileSync(options.reportFile, JSON.stringify(buildReport(sim), null, 2) + "\n");
}

export function main(argv: string[]): void {
  let options: CliOptions;
  let sim: Simulation;
  try {
    options = parseCli(argv);
    // --calibration FILE: values from `npm run calibrate` (build/calibration-<chip>.json).
    const calibration = typeof options.raw.calibration === "string" ? loadCalibrationConfig(options.raw.calibration, defaultMeterConfig()) : {};
    // A batch run ends before anyone could connect: no network, no DLMS, no push.
    const simOptions: SimulationOptions = options.speed === "max" ? { config: calibration } : liveSimulationOptions(options, defaultMeterConfig(), calibration);
    sim = new Simulation(options.scenario, simOptions);
  } catch (e) {
    if (e instanceof ScenarioError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  if (options.speed !== "max") liveBanner(sim, options);
  if (options.speed === "max") {
    const until = options.untilMs!;
    const step = 3_600_000;
    while (sim.elapsedMs < until) sim.runUntil(Math.min(until, sim.elapsedMs + step));
    process.stdout.write(liveStatus(sim) + "\n");
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
      process.stdout.write(tty ? `\r\x1b[2K${liveStatus(sim)}` : `${liveStatus(sim)}\n`);
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
