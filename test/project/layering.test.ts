import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { checkImports, describeViolation, type RuleName, type Violation } from "./import-rules";

const root = join(__dirname, "..", "..");

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** Code that must run everywhere: the firmware core and the emulators (they also run in mcsim). */
const portable = [...tsFiles(join(root, "firmware")), ...tsFiles(join(root, "emulation"))]
  .map((p) => relative(root, p))
  .filter((p) => !p.startsWith("firmware/platform/") && p !== "firmware/main.ts");

const NODE_OR_MODDABLE_IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)["'](node:[^"']*|fs|path|net|os|child_process|crypto|events|util|stream|http|https|dgram|tls|timer|time|preference|flash|wifi|net\/[^"']*|pins\/[^"']*|embedded:[^"']*|mc\/[^"']*)["']/;
const NODE_GLOBAL = /(?<![.\w$])(Buffer|process|setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|console|require|__dirname|__filename|trace|globalThis\.process)\b|Date\.now\(\)/;

/** Method declarations named like the globals (the Clock port's setTimeout) are not uses. */
const DECLARATION = /^\s*(?:readonly\s+)?\w+\s*\(.*\)\s*:\s*[\w<({]/;

function findNodeGlobal(code: string): string | null {
  for (const line of code.split("\n")) {
    const match = NODE_GLOBAL.exec(line);
    if (match && !DECLARATION.test(line)) return `${match[0]} in: ${line.trim()}`;
  }
  return null;
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1").replace(/(["'`])(?:\\.|(?!\1)[^\\])*\1/g, '""');
}

describe("layering", () => {
  it("finds the portable sources", () => {
    expect(portable).toContain("firmware/app/meter.ts");
    expect(portable.some((p) => p.startsWith("emulation/"))).toBe(true);
  });

  it.each(portable)("%s imports nothing from Node or Moddable", (file) => {
    const source = readFileSync(join(root, file), "utf8");
    const match = NODE_OR_MODDABLE_IMPORT.exec(source);
    expect(match?.[0] ?? null).toBeNull();
  });

  it.each(portable)("%s uses no Node globals and no Date.now()", (file) => {
    const code = stripComments(readFileSync(join(root, file), "utf8"));
    expect(findNodeGlobal(code)).toBeNull();
  });

  it("the checker catches a violation", () => {
    expect(NODE_OR_MODDABLE_IMPORT.test(`import { x } from "node:fs";`)).toBe(true);
    expect(NODE_OR_MODDABLE_IMPORT.test(`import SPI from "embedded:io/spi";`)).toBe(true);
    expect(findNodeGlobal(stripComments(`const t = Date.now();`))).not.toBeNull();
    expect(findNodeGlobal(stripComments(`  setTimeout(() => tick(), 10);`))).not.toBeNull();
    expect(findNodeGlobal(stripComments(`  setTimeout(callback: () => void, delayMs: number): TimerId;`))).toBeNull();
    expect(findNodeGlobal(stripComments(`// console.log in a comment\nconst a = 1;`))).toBeNull();
  });
});

/** Sources the import rules apply to: all of firmware/ and emulation/. */
const ruled = [...tsFiles(join(root, "firmware")), ...tsFiles(join(root, "emulation"))].map((p) => relative(root, p).split("\\").join("/"));

/**
 * Known violations still to be fixed (none now). A test below fails as soon as an entry is no
 * longer a violation, so the list cannot go stale.
 */
const PENDING: readonly { file: string; rule: RuleName }[] = [];

const isPending = (v: Violation) => PENDING.some((p) => p.file === v.file && p.rule === v.rule);

function violationsIn(file: string): Violation[] {
  // Comments out, string literals kept (they hold the import paths).
  const code = readFileSync(join(root, file), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  return checkImports(file, code);
}

describe("import rules (one-way layers)", () => {
  it("finds the sources of every layer", () => {
    for (const folder of ["firmware/kernel/", "firmware/hal/", "firmware/drivers/", "firmware/comms/dlms/", "firmware/app/", "emulation/"]) {
      expect(ruled.some((p) => p.startsWith(folder))).toBe(true);
    }
  });

  it.each(ruled)("%s keeps the import rules", (file) => {
    expect(violationsIn(file).filter((v) => !isPending(v)).map(describeViolation)).toEqual([]);
  });

  it("every pending entry is still a violation (the list is empty once all are fixed)", () => {
    for (const p of PENDING) expect(violationsIn(p.file).some((v) => v.rule === p.rule)).toBe(true);
    expect(PENDING).toEqual([]);
  });
});

describe("the import-rule checker catches each kind of violation", () => {
  const rulesBroken = (file: string, source: string) => checkImports(file, source).map((v) => v.rule);

  it("kernel imports nothing (kernel-internal imports are fine)", () => {
    expect(rulesBroken("firmware/kernel/x.ts", `import type { Clock } from "../hal";`)).toEqual(["kernel imports nothing"]);
    expect(rulesBroken("firmware/kernel/x.ts", `import type { Rational } from "./rational";`)).toEqual([]);
  });

  it("hal imports only kernel", () => {
    expect(rulesBroken("firmware/hal/spi.ts", `import { crc32 } from "../storage/crc32";`)).toEqual(["hal imports only kernel"]);
    expect(rulesBroken("firmware/hal/spi.ts", `import type { Rational } from "../kernel/rational";`)).toEqual([]);
  });

  it.each(["metrology/energy-registers", "records/event-log", "monitoring/tamper", "control/disconnector", "comms/net/sntp", "app/meter"])("drivers never import %s", (target) => {
    expect(rulesBroken("firmware/drivers/relay/relay.ts", `import type { X } from "../../${target}";`)).toContain(
      "drivers never import metrology, records, monitoring, control, comms or app",
    );
  });

  it("drivers may import hal and kernel", () => {
    expect(rulesBroken("firmware/drivers/relay/relay.ts", `import type { Clock } from "../../hal";\nimport type { RelayDriver } from "../../kernel/relay";`)).toEqual([]);
  });

  it("comms/dlms never imports app or a Meter, over several lines or as a re-export", () => {
    expect(rulesBroken("firmware/comms/dlms/server.ts", `import {\n  type Meter,\n} from "../../somewhere";`)).toEqual(["comms/dlms never imports app or a Meter"]);
    expect(rulesBroken("firmware/comms/dlms/index.ts", `export * from "../../app/meter-server";`)).toEqual([
      "comms/dlms never imports app or a Meter",
      "app is imported only by main.ts, platform and host-sim",
    ]);
  });

  it("nothing in firmware/ imports host-sim/", () => {
    expect(rulesBroken("firmware/platform/lin/hardware.ts", `import { Simulation } from "../../../host-sim/simulation";`)).toEqual(["nothing in firmware/ imports host-sim/"]);
  });

  it("emulation/ imports only hal and kernel types from firmware/", () => {
    const rule = "emulation/ imports from firmware/ only hal and kernel types";
    expect(rulesBroken("emulation/ade7953/emulator.ts", `import { ADE7953 } from "../../firmware/drivers/ade7953/registers";`)).toEqual([rule]);
    expect(rulesBroken("emulation/ht1621/render.ts", `import { readGlyph } from "../../firmware/display/glass";`)).toEqual([rule]);
    expect(rulesBroken("emulation/x.ts", `import { EVENT } from "../firmware/kernel/event-codes";`)).toEqual([rule]);
    expect(rulesBroken("emulation/x.ts", `import type { Flash } from "../firmware/hal";\nimport { type DigitalIn } from "../firmware/hal";`)).toEqual([]);
  });

  it("app is imported only by main.ts, platform and host-sim", () => {
    const rule = "app is imported only by main.ts, platform and host-sim";
    expect(rulesBroken("firmware/records/profiles.ts", `import type { Meter } from "../app/meter";`)).toEqual([rule]);
    expect(rulesBroken("emulation/x.ts", `import { Meter } from "../firmware/app/meter";`)).toContain(rule);
    expect(rulesBroken("firmware/main.ts", `import { start } from "./app/start";`)).toEqual([]);
    expect(rulesBroken("firmware/platform/moddable/board.ts", `import type { MeterConfig } from "../../app/config";`)).toEqual([]);
  });

  it("a violation names the file, the rule and the import", () => {
    const [v] = checkImports("firmware/drivers/button/button.ts", `import { ALARM } from "../../records/event-log";`);
    expect(describeViolation(v)).toBe(
      `firmware/drivers/button/button.ts breaks "drivers never import metrology, records, monitoring, control, comms or app": import { ALARM } from "../../records/event-log"`,
    );
  });
});

