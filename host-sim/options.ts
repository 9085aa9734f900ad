/**
 * `npm start` options: parsed and checked before the run starts, so every mistake is one line
 * on stderr and exit code 2 (ScenarioError), never a stack trace after an hour of simulation.
 */
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseDuration, ScenarioError } from "../emulation/scenario/duration";
import { parseLocalTime, type Scenario } from "../emulation/scenario/scenario";
import { parseScenario } from "./event-types";
import { localFieldsToUtc } from "../firmware/time/local-time";
import { parseDestination } from "../firmware/comms/push/push-setup";
import { type MqttCliOptions, mqttCliOptions } from "./mqtt-sim";

export const DEFAULT_SCENARIO = join(__dirname, "..", "emulation", "scenario", "scenarios", "household-day.json");

/** Longest run (or history) accepted: past this a typo is likelier than a plan. */
export const MAX_RUN_MS = 100 * 365.25 * 86_400_000;
/** Fastest real-time factor: this machine runs roughly 10^5 simulated seconds a second at best. */
export const MAX_SPEED = 100_000;

export const USAGE = `usage: npm start -- [--scenario FILE] [--speed N|max] [--until DURATION|ISO-TIME] [--history DURATION]
    [--report FILE] [--serial N] [--calibration FILE]
    live only: [--dlms-port N] [--optical-port N] [--mqtt mqtt[s]://[USER[:PASSWORD]@]HOST[:PORT] [--mqtt-user U] [--mqtt-password P] [--mqtt-ca FILE] [--mqtt-interval S] [--mqtt-prefix P]] [--reader-password P] [--key HEX] [--auth-key HEX] [--master-key HEX] [--push HOST:PORT] [--plain]`;

export interface CliOptions {
  scenario: Scenario;
  speed: number | "max";
  untilMs: number | undefined;
  /** Simulated time run at full speed before going live (--history). */
  historyMs: number;
  reportFile?: string;
  dlmsPort: number;
  readerPassword: string;
  /** --serial: the meter's serial number (and so its logical device name and system title). */
  serialNumber?: string;
  keys: { encryptionKey?: Uint8Array; authenticationKey?: Uint8Array; masterKey?: Uint8Array };
  /** --push HOST:PORT; without it the meter pushes nowhere. */
  push?: string;
  calibration?: string;
  /** --plain: log lines even on a terminal. */
  plain: boolean;
  raw: Record<string, string | boolean | undefined>;
  /** --mqtt: the consumer interface's broker (issue 18). */
  mqtt: MqttCliOptions | null;
}

const STRING_OPTIONS = ["scenario", "speed", "until", "history", "report", "dlms-port", "optical-port", "reader-password", "key", "auth-key", "master-key", "push", "calibration", "serial", "mqtt", "mqtt-user", "mqtt-password", "mqtt-ca", "mqtt-interval", "mqtt-prefix"];
/** Options that only a live run (a DLMS server, pushes) uses. */
const LIVE_ONLY = ["dlms-port", "optical-port", "mqtt", "mqtt-user", "mqtt-password", "mqtt-ca", "mqtt-interval", "mqtt-prefix", "reader-password", "key", "auth-key", "master-key", "push", "history", "plain"];

/** `--until -1h` would read as an option: a value starting with "-" is glued to its option. */
function glueNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    if (a.startsWith("--") && STRING_OPTIONS.includes(a.slice(2)) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

function hexKey(raw: string | undefined, option: string): Uint8Array | undefined {
  if (raw === undefined) return undefined;
  const text = raw.replace(/[\s:]/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(text)) throw new ScenarioError(`${option} needs 16 bytes as 32 hex digits, got "${raw}"`);
  return new Uint8Array(Buffer.from(text, "hex"));
}

function duration(text: string, option: string): number {
  if (text.startsWith("-")) throw new ScenarioError(`${option} must not be negative, got "${text}"`);
  const ms = parseDuration(text, option);
  if (ms > MAX_RUN_MS) throw new ScenarioError(`${option} ${text} is more than 100 years`);
  return ms;
}

/** The report file must be writable before an hour of simulation is spent on it. */
export function checkWritableFile(path: string, option: string): void {
  const full = resolve(path);
  let stat;
  try {
    stat = statSync(full);
  } catch {
    stat = undefined;
  }
  if (stat?.isDirectory()) throw new ScenarioError(`${option} ${path} is a directory, not a file`);
  const dir = dirname(full);
  try {
    if (!statSync(dir).isDirectory()) throw new Error();
  } catch {
    throw new ScenarioError(`${option} ${path}: folder ${dir} does not exist`);
  }
  try {
    accessSync(stat ? full : dir, constants.W_OK);
  } catch {
    throw new ScenarioError(`${option} ${path} is not writable`);
  }
}

/** Parses and checks the command line; any problem is a ScenarioError with a one-line message. */
export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: glueNegativeValues(argv),
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(STRING_OPTIONS.map((o) => [o, { type: "string" as const }])),
        plain: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new ScenarioError((e as Error).message.split("\n")[0]);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const str = (name: string) => v[name] as string | undefined;
  if (v.help) {
    process.stdout.write(USAGE + "\n");
    process.exit(0);
  }
  const file = str("scenario") ?? DEFAULT_SCENARIO;
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
  const speedText = str("speed");
  if (speedText !== undefined) {
    if (speedText === "max") speed = "max";
    else if (/^\d+(\.\d+)?$/.test(speedText) && Number(speedText) > 0) speed = Number(speedText);
    else throw new ScenarioError(`--speed must be a positive number or "max", got "${speedText}"`);
    if (speed !== "max" && speed > MAX_SPEED) throw new ScenarioError(`--speed ${speedText} is more than this machine can run (at most ${MAX_SPEED}); use --speed max for as fast as it goes`);
  }
  if (speed === "max") {
    const ignored = LIVE_ONLY.filter((o) => v[o] !== undefined);
    if (ignored.length > 0) throw new ScenarioError(`--${ignored[0]} has no effect with --speed max (a batch run has no DLMS server, pushes or live panel)`);
  }

  let untilMs: number | undefined;
  const until = str("until");
  if (until !== undefined) {
    if (until.includes("T")) {
      untilMs = localFieldsToUtc(parseLocalTime(until, "--until"), scenario.utcOffsetMinutes, scenario.dst) - scenario.startUtcMs;
      if (untilMs < 0) throw new ScenarioError(`--until ${until} is before the scenario start`);
      if (untilMs > MAX_RUN_MS) throw new ScenarioError(`--until ${until} is more than 100 years after the scenario start`);
    } else untilMs = duration(until, "--until");
  } else if (speed === "max") {
    untilMs = scenario.durationMs;
  }
  const historyMs = str("history") === undefined ? 0 : duration(str("history")!, "--history");
  if (untilMs !== undefined && historyMs > untilMs) throw new ScenarioError(`--history ${str("history")} is past --until ${until}`);

  const portText = str("dlms-port");
  const dlmsPort = portText === undefined ? 4059 : Number(portText);
  if (!/^\d+$/.test(portText ?? "4059") || dlmsPort > 65535) throw new ScenarioError(`--dlms-port must be a TCP port number 0..65535, got "${portText}"`);

  const optical = str("optical-port");
  if (optical !== undefined && (!/^\d+$/.test(optical) || Number(optical) > 65535)) throw new ScenarioError(`--optical-port must be a TCP port number 0..65535, got "${optical}"`);

  const readerPassword = str("reader-password") ?? "12345678";
  if (readerPassword.length === 0) throw new ScenarioError("--reader-password must not be empty");
  if (readerPassword.length > 64) throw new ScenarioError("--reader-password is longer than 64 characters");

  const push = str("push");
  if (push !== undefined && !parseDestination(push)) throw new ScenarioError(`--push needs HOST:PORT (port 1..65535), got "${push}"`);

  const serial = str("serial");
  if (serial !== undefined && !/^\d{1,12}$/.test(serial)) throw new ScenarioError(`--serial must be 1 to 12 digits, got "${serial}"`);

  const reportFile = str("report");
  if (reportFile !== undefined) checkWritableFile(reportFile, "--report");
  const calibration = str("calibration");
  if (calibration !== undefined) {
    try {
      accessSync(calibration, constants.R_OK);
    } catch {
      throw new ScenarioError(`cannot read calibration file ${calibration}`);
    }
  }

  return {
    scenario,
    speed,
    untilMs,
    historyMs,
    reportFile,
    dlmsPort,
    readerPassword,
    serialNumber: serial === undefined ? undefined : serial.padStart(8, "0"),
    keys: {
      encryptionKey: hexKey(str("key"), "--key"),
      authenticationKey: hexKey(str("auth-key"), "--auth-key"),
      masterKey: hexKey(str("master-key"), "--master-key"),
    },
    push,
    calibration,
    plain: v.plain === true,
    raw: v,
    mqtt: mqttCliOptions(v),
  };
}

/** Resolves when 127.0.0.1:port can be listened on; a busy port is a ScenarioError. */
export function checkPortFree(port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolveFree, reject) => {
    const server = createServer();
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(new ScenarioError(`--dlms-port ${port}: ${e.code === "EADDRINUSE" ? "port is busy (another meter or program listens there; choose another with --dlms-port)" : e.message}`)),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolveFree()));
  });
}
