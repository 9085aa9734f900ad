import { writeFileSync } from "node:fs";
import { ScenarioError } from "../emulation/scenario/duration";
import { buildReport } from "./report";
import { loadCalibrationConfig } from "./calibration/store";
import { defaultMeterConfig, type MeterConfig } from "../firmware/app/config";
import { Simulation } from "./simulation";
import { liveBanner, liveSimulationOptions, liveStop } from "./live";
import { startOpticalPort } from "./live-optical";
import { checkPortFree, parseCli, type CliOptions } from "./options";
import { advance, runBatch } from "./run-loop";
import { createProgress } from "./progress";
import { summaryLines } from "./report-summary";
import { MqttWatch, statusLine, type PanelState } from "./panel/model";
import { openTerminalPanel, type TerminalPanel } from "./panel/terminal";

export { DEFAULT_SCENARIO, parseCli, type CliOptions } from "./options";

function fail(e: unknown): never {
  if (e instanceof ScenarioError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(2);
  }
  throw e;
}

/** Exit code after a signal: 128 + its number, as shells do. */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

function finish(sim: Simulation, options: CliOptions, out: (line: string) => void): void {
  if (options.speed !== "max") liveStop(sim);
  if (options.reportFile) {
    writeFileSync(options.reportFile, JSON.stringify(buildReport(sim), null, 2) + "\n");
    out(`report written to ${options.reportFile}`);
  }
}

export async function main(argv: string[]): Promise<void> {
  let options: CliOptions;
  let sim: Simulation;
  const plainOut = (line: string) => process.stdout.write(line + "\n");
  try {
    options = parseCli(argv);
    if (options.speed !== "max") await checkPortFree(options.dlmsPort);
    const config: Partial<MeterConfig> = options.calibration ? loadCalibrationConfig(options.calibration, defaultMeterConfig()) : {};
    if (options.serialNumber !== undefined) config.serialNumber = options.serialNumber;
    const panel = options.speed !== "max" && process.stdout.isTTY && !options.plain;
    // Plain mode prints the firmware's log lines as they come; the panel shows events instead.
    const logSink = options.speed === "max" || panel ? undefined : plainOut;
    // A batch run ends before anyone could connect: no network, no DLMS, no push.
    // At --speed max the glass is shown nowhere (a progress line, then the summary) unless the
    // report is asked for, which holds the LCD text: without it the board has no LCD.
    const display = options.reportFile !== undefined;
    sim = new Simulation(options.scenario, options.speed === "max" ? { config, logSink, display } : { ...liveSimulationOptions(options, defaultMeterConfig(), config), logSink });
  } catch (e) {
    fail(e);
  }
  let signal: string | null = null;
  let onSignal = () => undefined as void;
  for (const name of Object.keys(SIGNAL_EXIT)) {
    process.on(name, () => {
      signal = name;
      onSignal();
    });
  }
  const stopped = () => signal !== null;

  if (options.speed === "max") {
    const until = options.untilMs!;
    const progress = createProgress(process.stderr, until, undefined, sim.clock.wallClockMs());
    await runBatch(sim, until, progress, stopped);
    progress.stop();
    if (signal) process.stderr.write(`stopped by ${signal} at ${new Date(sim.clock.wallClockMs()).toISOString()}\n`);
    for (const line of summaryLines(sim)) plainOut(line);
    finish(sim, options, plainOut);
    process.exit(signal ? SIGNAL_EXIT[signal] : 0);
  }

  if (options.historyMs > 0) {
    process.stderr.write(`--history: ${(options.historyMs / 3_600_000).toFixed(2)} h at full speed before going live\n`);
    const progress = createProgress(process.stderr, options.historyMs, undefined, sim.clock.wallClockMs());
    await runBatch(sim, options.historyMs, progress, stopped);
    progress.stop();
  }
  let optical: { close(): void } | null = null;
  try {
    liveBanner(sim, options);
    optical = startOpticalPort(sim, options);
  } catch (e) {
    fail(e);
  }

  const state: PanelState = { speed: options.speed, showHelp: false, message: "", dlms: () => `DLMS 127.0.0.1:${options.dlmsPort}`, quit: false, mqtt: new MqttWatch() };
  let panel: TerminalPanel | null = null;
  const stop = () => {
    clearInterval(timer);
    panel?.close();
    panel = null;
    optical?.close();
    finish(sim, options, plainOut);
    process.exit(signal ? SIGNAL_EXIT[signal] : 0);
  };
  if (process.stdout.isTTY && !options.plain) {
    const opened = openTerminalPanel(() => sim, state, stop);
    state.dlms = () => opened.notices.filter((l) => l.startsWith("DLMS")).pop()?.replace(/ \(public client.*$/, "") ?? `DLMS 127.0.0.1:${options.dlmsPort}`;
    panel = opened;
    panel.draw();
  } else {
    plainOut(statusLine(sim, state.mqtt));
  }
  let lastReal = performance.now();
  let lastDraw = lastReal;
  const timer = setInterval(() => {
    const now = performance.now();
    let target = sim.elapsedMs + (now - lastReal) * state.speed;
    lastReal = now;
    if (options.untilMs !== undefined) target = Math.min(target, options.untilMs);
    // At most 40 ms of work per 50 ms: past what the machine can do the simulation lags, keys and signals still work.
    advance(sim, target, 40);
    if (panel && now - lastDraw >= 250) {
      lastDraw = now;
      panel.draw();
    } else if (!panel && now - lastDraw >= 1000) {
      lastDraw = now;
      plainOut(statusLine(sim, state.mqtt));
    }
    if (options.untilMs !== undefined && sim.elapsedMs >= options.untilMs) stop();
  }, 50);
  onSignal = stop;
  if (signal) stop();
}

if (require.main === module) main(process.argv.slice(2)).catch((e) => fail(e));
