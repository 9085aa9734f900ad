import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

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
