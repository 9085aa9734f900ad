/**
 * `npm run mcsim`: builds the lin target with the real SDK (after `typecheck:sdk`), runs it in the
 * SDK's desktop simulator headless (Xvfb when there is no DISPLAY), prints the meter's trace and,
 * every simulated interval, the XS heap figures the machine reports (debug builds only: a release
 * build has no debugger connection and compiles trace out). Ctrl-C stops it and prints the peaks.
 *
 *   npm run mcsim -- [--release] [--speed N|max] [--seconds S] [--dlms-port P] [--control-port P] [--config KEY=VALUE ...] [--no-typecheck] [--no-build]
 *
 * `--config KEY=VALUE` (repeatable) sets a key of the manifest's config for this build, as
 * `key=value` on the mcconfig line does (e.g. `--config mqttHost=127.0.0.1 --config mqttPassword=...`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { findSdk, main, MANIFEST, outDir, run, SdkError, type Sdk } from "./sdk";
import { typecheck } from "./typecheck";
import { XsbugListener, type InstrumentPeaks } from "./xsbug";

export interface LinBuild {
  debug: boolean;
  /** The simulator module mcsim loads. */
  library: string;
  /** Seconds the build took. */
  seconds: number;
}

function find(dir: string, name: string): string | null {
  if (!existsSync(dir)) return null;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isFile() && e.name === name) return p;
    if (e.isDirectory()) {
      const f = find(p, name);
      if (f) return f;
    }
  }
  return null;
}

/** A creation for the firmware's machine other than the manifest's (chunk bytes, heap slots; fixed). */
export interface LinCreation {
  chunk: number;
  heap: number;
}

/**
 * mcconfig [-d] -m -t build -p lin, with `config` overrides (key=value) compiled into mc/config.
 * `creation` builds through a manifest (in build/) that includes the project's and replaces the
 * lin creation: for what does not fit the ESP32's budget (the SDK's TLS stack in XS).
 */
export function buildLin(sdk: Sdk, options: { debug: boolean; instrument?: boolean; config?: Record<string, string | number>; quiet?: boolean; creation?: LinCreation; folder?: string }): LinBuild {
  // `instrument` (release only): mcconfig -i, the SDK's instrumentation without the debugger (mcsim
  // prints a sample line a second on its stdout: startMcsim hands them to onSample).
  const instrument = !options.debug && options.instrument === true;
  // A build with its own creation has its own folder: mc.so is found by name under it.
  // `folder`: a build of its own (tests that may build side by side in jest's workers must not
  // share one: the second mcconfig would rewrite the first one's config).
  const out = outDir(options.folder ?? `${options.debug ? "lin-debug" : instrument ? "lin-instrument" : "lin-release"}${options.creation ? "-creation" : ""}`);
  const overrides = Object.entries(options.config ?? {}).map(([k, v]) => `${k}=${v}`);
  let manifest = MANIFEST;
  if (options.creation) {
    const c = options.creation;
    manifest = join(out, "manifest-creation.json");
    const creation = { static: 0, chunk: { initial: c.chunk, incremental: 0 }, heap: { initial: c.heap, incremental: 0 }, stack: 512 };
    writeFileSync(manifest, JSON.stringify({ include: [MANIFEST], platforms: { lin: { creation } } }, null, 2));
  }
  const started = Date.now();
  const r = run(sdk, "mcconfig", [...(options.debug ? ["-d"] : instrument ? ["-i"] : []), "-m", "-t", "build", "-p", "lin", "-o", out, manifest, ...overrides], { quiet: options.quiet });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-12).join("\n");
    throw new SdkError(`lin ${options.debug ? "debug" : "release"} build failed${tail ? `:\n${tail}` : ""}`);
  }
  const library = find(join(out, "bin", "lin"), "mc.so");
  if (!library) throw new SdkError(`lin build wrote no mc.so under ${out}`);
  return { debug: options.debug, library, seconds: (Date.now() - started) / 1000 };
}

/** The last lin build of that kind (`--no-build`: its speed and port are those it was built with). */
export function existingBuild(debug: boolean, instrument = false): LinBuild {
  const library = find(join(outDir(debug ? "lin-debug" : instrument ? "lin-instrument" : "lin-release"), "bin", "lin"), "mc.so");
  if (!library) throw new SdkError(`no lin ${debug ? "debug" : "release"} build yet: run without --no-build first`);
  return { debug, library, seconds: 0 };
}

/** A display for mcsim: the caller's, or a private Xvfb. */
export async function ensureDisplay(): Promise<{ display: string; xvfb: ChildProcess | null }> {
  if (process.env.DISPLAY) return { display: process.env.DISPLAY, xvfb: null };
  let n = 90;
  while (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) n++;
  const xvfb = spawn("Xvfb", [`:${n}`, "-screen", "0", "800x600x24", "-nolisten", "tcp"], { stdio: "ignore" });
  const failed = new Promise<never>((_, reject) => xvfb.once("error", () => reject(new SdkError("mcsim needs a display: install Xvfb (Debian package xvfb) or set DISPLAY"))));
  for (let i = 0; i < 100 && !existsSync(`/tmp/.X11-unix/X${n}`); i++) await Promise.race([new Promise((r) => setTimeout(r, 100)), failed]);
  return { display: `:${n}`, xvfb };
}

export interface McsimRun {
  child: ChildProcess;
  xsbug: XsbugListener | null;
  /** Trace text so far (debug builds). */
  trace: string[];
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts mcsim on a built library; a debug build connects to our xsbug listener. */
export async function startMcsim(sdk: Sdk, build: LinBuild, options: { onLog?: (text: string) => void; onSample?: (v: Record<string, number>) => void } = {}): Promise<McsimRun> {
  const { display, xvfb } = await ensureDisplay();
  const trace: string[] = [];
  let xsbug: XsbugListener | null = null;
  let port = 0;
  if (build.debug) {
    xsbug = new XsbugListener({
      log: (t) => {
        trace.push(t);
        options.onLog?.(t);
      },
      broke: (where, message) => {
        const line = `# break at ${where}: ${message}\n`;
        trace.push(line);
        options.onLog?.(line);
      },
      sample: options.onSample,
    });
    port = await xsbug.listen(0);
  }
  const env = { ...sdk.env, DISPLAY: display, XSBUG_HOST: "localhost", XSBUG_PORT: String(port || 1) };
  const child = spawn(join(sdk.bin, "mcsim"), [build.library], { env, stdio: ["ignore", "pipe", "pipe"] });
  const printOutput = (b: Buffer) => {
    const text = b.toString();
    trace.push(text);
    options.onLog?.(text);
  };
  // An instrumented release build prints "instruments: v,v,..." once a second (the debugger's
  // <samples>, in the same order): whole lines become samples, the rest is the trace.
  let pending = "";
  const readStdout = (b: Buffer) => {
    pending += b.toString();
    const end = pending.lastIndexOf("\n");
    if (end < 0) return;
    const lines = pending.slice(0, end + 1);
    pending = pending.slice(end + 1);
    let text = "";
    for (const line of lines.split("\n")) {
      if (line.startsWith("instruments: ")) {
        const values = line.slice(13).split(",").map(Number);
        const sample: Record<string, number> = {};
        values.forEach((v, i) => (sample[INSTRUMENT_NAMES[i] ?? `#${i}`] = v));
        options.onSample?.(sample);
      } else if (line !== "") text += `${line}\n`;
    }
    if (text !== "") printOutput(Buffer.from(text));
  };
  child.stdout?.on("data", build.debug ? printOutput : readStdout);
  child.stderr?.on("data", printOutput);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    xsbug,
    trace,
    exited,
    async stop() {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
      xsbug?.close();
      xvfb?.kill("SIGTERM");
    },
  };
}

/** Sample names of mcsim's instrumentation, in the order of its samples (the debugger announces the same names). */
const INSTRUMENT_NAMES = [
  "Pixels drawn", "Frames drawn", "Network bytes read", "Network bytes written", "Network sockets", "Timers", "Files", "Poco display list used", "Piu command List used",
  "Chunk used", "Chunk available", "Slot used", "Slot available", "Stack used", "Stack available", "Garbage collections", "Keys used", "Modules loaded", "Parser used", "Floating Point", "Promises settled",
];

/** "XS abort", an exception or a break in the trace: what the system test fails on. */
export function traceProblems(trace: string[]): string[] {
  return trace
    .join("")
    .split("\n")
    .filter((l) => /XS abort|exception|# break|dead strip|memory full|stack overflow/i.test(l));
}

export function describePeaks(p: InstrumentPeaks): string {
  const chunk = p.peak["Chunk used"];
  const slot = p.peak["Slot used"];
  const gc = p.last["Garbage collections"];
  return `peak chunk used ${chunk ?? "?"} bytes, peak slot used ${slot ?? "?"} bytes, garbage collections ${gc ?? "?"} (${p.samples} samples)`;
}

if (require.main === module) {
  main(async () => {
    const { values } = parseArgs({
      options: {
        release: { type: "boolean", default: false },
        speed: { type: "string", default: "1" },
        seconds: { type: "string" },
        "dlms-port": { type: "string", default: "4059" },
        "control-port": { type: "string", default: "0" },
        "no-typecheck": { type: "boolean", default: false },
        "no-build": { type: "boolean", default: false },
        samples: { type: "string" },
        config: { type: "string", multiple: true },
      },
      strict: true,
    });
    const extra: Record<string, string> = {};
    for (const item of values.config ?? []) {
      const m = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(item);
      if (!m) throw new SdkError(`--config takes KEY=VALUE (a manifest config key), got "${item}"`);
      if (["simSpeed", "dlmsPort", "simControlPort"].includes(m[1])) throw new SdkError(`--config ${m[1]}: use --speed, --dlms-port or --control-port`);
      extra[m[1]] = m[2];
    }
    const speed = values.speed === "max" ? "max" : Number(values.speed);
    if (speed !== "max" && !(speed > 0 && speed <= 100_000)) throw new SdkError(`--speed must be a number in 0..100000 or max, got "${values.speed}"`);
    const controlPort = Number(values["control-port"]);
    if (!Number.isInteger(controlPort) || controlPort < 0 || controlPort > 65535) throw new SdkError(`--control-port must be 0..65535, got "${values["control-port"]}"`);
    const seconds = values.seconds === undefined ? Infinity : Number(values.seconds);
    if (!(seconds > 0)) throw new SdkError(`--seconds must be a positive number, got "${values.seconds}"`);
    const dlmsPort = Number(values["dlms-port"]);
    if (!Number.isInteger(dlmsPort) || dlmsPort < 1 || dlmsPort > 65535) throw new SdkError(`--dlms-port must be 1..65535, got "${values["dlms-port"]}"`);
    const sdk = findSdk();
    if (!values["no-typecheck"] && !values["no-build"]) {
      const tc = typecheck(sdk, "lin");
      if (tc.status !== 0) {
        process.stdout.write(`${tc.output}\n`);
        throw new SdkError("typecheck:sdk found errors (above): fix them or pass --no-typecheck");
      }
    }
    const build = values["no-build"] ? existingBuild(!values.release) : buildLin(sdk, { debug: !values.release, config: { ...extra, simSpeed: speed, dlmsPort, simControlPort: controlPort } });
    process.stderr.write(`built ${build.library} in ${build.seconds.toFixed(0)} s; starting mcsim (DLMS on port ${dlmsPort})\n`);
    // --samples FILE: every instrument sample (about 1 Hz, debug builds) as a CSV line.
    const samplesFile = values.samples;
    let header = false;
    const onSample = samplesFile
      ? (v: Record<string, number>) => {
          if (!header) appendFileSync(samplesFile, `${["real ms", ...Object.keys(v)].join(",")}\n`);
          header = true;
          appendFileSync(samplesFile, `${[Date.now(), ...Object.values(v)].join(",")}\n`);
        }
      : undefined;
    if (samplesFile) writeFileSync(samplesFile, "");
    const sim = await startMcsim(sdk, build, { onLog: (t) => process.stdout.write(t), onSample });
    const finish = async () => {
      await sim.stop();
      if (sim.xsbug) process.stderr.write(`${describePeaks(sim.xsbug.instruments)}\n`);
    };
    process.once("SIGINT", () => void finish().then(() => process.exit(0)));
    process.once("SIGTERM", () => void finish().then(() => process.exit(0)));
    const code = await Promise.race([sim.exited, new Promise<"time">((r) => (Number.isFinite(seconds) ? setTimeout(() => r("time"), seconds * 1000) : undefined))]);
    await finish();
    if (code !== "time") process.stderr.write(`mcsim exited with ${code}\n`);
    return traceProblems(sim.trace).length ? 1 : 0;
  });
}
