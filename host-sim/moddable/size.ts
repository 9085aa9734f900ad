/**
 * `npm run size`: what the XS linker made of the firmware, per build: the bytecode (every module's
 * compiled code, which lives in flash) and the preloaded heap (objects built at link time by the
 * preloaded modules, also in flash), read from the linker's output mc.xs.c. For esp32 the makefile
 * is generated and only the tsc/xsc/xsl steps run: the C compile, link and flash need ESP-IDF.
 *
 *   npm run size -- [--platform lin|esp32|all] [--release]
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { findSdk, main, MANIFEST, outDir, run, SdkError, type Sdk } from "./sdk";

export interface LinkSize {
  platform: string;
  debug: boolean;
  /** Bytes of bytecode of the modules the image loads at run time (not preloaded: their code stays in its own arrays). */
  bytecodeBytes: number;
  /** Bytes of the project's compiled modules (firmware/, emulation/: xsc's .xsb files, code and symbols). */
  projectBytecodeBytes: number;
  modules: number;
  /** Slots of the preloaded heap (16 bytes each on the ESP32's 32-bit XS, 32 on 64-bit lin). */
  preloadedSlots: number;
  /** Creation the image starts its machine with. */
  creation: { chunk: number; heapSlots: number };
}

function files(dir: string, suffix: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p, suffix));
    else if (e.name.endsWith(suffix)) out.push(p);
  }
  return out;
}

/** Reads the linker's figures from mc.xs.c and the module folder beside it. */
export function readLinkSize(xsC: string, platform: string, debug: boolean): LinkSize {
  const text = readFileSync(xsC, "utf8");
  const heap = /#define mxHeapCount (\d+)/.exec(text);
  if (!heap) throw new SdkError(`${xsC}: no mxHeapCount (not an xsl output?)`);
  let bytecode = 0;
  for (const m of text.matchAll(/^static const txU1 gxCode\d+\[(\d+)\];$/gm)) bytecode += Number(m[1]);
  const modulesDir = join(dirname(xsC), "modules");
  let project = 0;
  let count = 0;
  for (const f of files(modulesDir, ".xsb")) {
    const name = relative(modulesDir, f);
    if (name.startsWith("firmware/") || name.startsWith("emulation/")) {
      project += statSync(f).size;
      count++;
    }
  }
  // The creation record in gxPreparation: initialChunkSize, incrementalChunkSize, initialHeapCount, ...
  const creation = /gxPreparation = \{[\s\S]*?\{\s*(\d+),\s*(\d+),\s*(\d+),/.exec(text);
  return {
    platform,
    debug,
    bytecodeBytes: bytecode,
    projectBytecodeBytes: project,
    modules: count,
    preloadedSlots: Number(heap[1]),
    creation: { chunk: creation ? Number(creation[1]) : NaN, heapSlots: creation ? Number(creation[3]) : NaN },
  };
}

function findXsC(dir: string): string {
  for (const f of files(dir, "mc.xs.c")) return f;
  throw new SdkError(`no mc.xs.c under ${dir}: the link did not run`);
}

/** Builds (lin) or links without ESP-IDF (esp32) and reads the figures. */
export function measure(sdk: Sdk, platform: "lin" | "esp32", debug: boolean): LinkSize {
  const out = outDir(`size-${platform}-${debug ? "debug" : "release"}`);
  const flags = [...(debug ? ["-d"] : []), "-p", platform, "-o", out, MANIFEST];
  if (platform === "lin") {
    const r = run(sdk, "mcconfig", ["-m", "-t", "build", ...flags], { quiet: true });
    if (r.status !== 0) throw new SdkError(`lin build failed: ${`${r.stdout}${r.stderr}`.trim().split("\n").slice(-5).join(" | ")}`);
  } else {
    const g = run(sdk, "mcconfig", flags, { quiet: true });
    if (g.status !== 0) throw new SdkError(`mcconfig -p esp32 failed: ${`${g.stdout}${g.stderr}`.trim().split("\n").pop()}`);
    const makefile = files(join(out, "tmp"), "makefile")[0];
    if (!makefile) throw new SdkError(`mcconfig -p esp32 wrote no makefile under ${out}`);
    // Only the XS part of the build: tsc, xsc and xsl up to mc.xs.c. The makefile insists on an
    // ESP-IDF at parse time; the XS steps need none of it, so its checks are satisfied by name.
    const tmp = dirname(makefile);
    const idf = outDir("no-esp-idf");
    const r = run(sdk, "make", ["-f", makefile, "-C", tmp, `IDF_PATH=${idf}`, "IDF_VERSION=v6.0", "SDKCONFIG_H=", join(tmp, "mc.xs.c")], { quiet: true });
    if (r.status !== 0) throw new SdkError(`esp32 xsl step failed: ${`${r.stdout}${r.stderr}`.trim().split("\n").slice(-5).join(" | ")}`);
  }
  return readLinkSize(findXsC(join(out, "tmp")), platform, debug);
}

export function describe(s: LinkSize): string {
  const slotBytes = s.platform === "esp32" ? 16 : 32;
  return `${s.platform} ${s.debug ? "debug" : "release"}: project modules ${s.projectBytecodeBytes.toLocaleString("en")} bytes of bytecode (.xsb, ${s.modules} modules), modules loaded at run time ${s.bytecodeBytes.toLocaleString("en")} bytes, preloaded heap ${s.preloadedSlots.toLocaleString("en")} slots (${(s.preloadedSlots * slotBytes).toLocaleString("en")} bytes at ${slotBytes} bytes a slot), creation chunk ${s.creation.chunk.toLocaleString("en")} bytes + ${s.creation.heapSlots.toLocaleString("en")} slots`;
}

if (require.main === module) {
  main(() => {
    const { values } = parseArgs({ options: { platform: { type: "string", default: "all" }, release: { type: "boolean", default: false } }, strict: true });
    const platforms = values.platform === "all" ? (["lin", "esp32"] as const) : [values.platform];
    for (const p of platforms) if (p !== "lin" && p !== "esp32") throw new SdkError(`--platform must be lin, esp32 or all, got "${p}"`);
    const sdk = findSdk();
    for (const p of platforms) process.stdout.write(`${describe(measure(sdk, p as "lin" | "esp32", !values.release))}\n`);
    return 0;
  });
}
