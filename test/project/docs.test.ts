import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = join(__dirname, "..", "..");

function files(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path, ext));
    else if (name.endsWith(ext)) out.push(path);
  }
  return out;
}

const sources = ["firmware", "host-sim", "emulation", "test"].flatMap((d) => files(join(root, d), ".ts"));
const markdown = [join(root, "README.md"), ...files(join(root, "docs"), ".md")];

describe("documentation the code cites", () => {
  it("every docs/ file a source cites exists", () => {
    const missing: string[] = [];
    for (const file of sources) {
      for (const m of readFileSync(file, "utf8").matchAll(/docs\/[\w./-]+\.(?:md|csv)/g)) {
        if (!existsSync(join(root, m[0]))) missing.push(`${relative(root, file)} cites ${m[0]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("no source, README or doc points outside the repository (../shared and the like)", () => {
    const outside: string[] = [];
    for (const file of [...sources, ...markdown]) {
      if (file.endsWith("docs.test.ts")) continue;
      const text = readFileSync(file, "utf8");
      if (/shared\/(specs|design)\//.test(text)) outside.push(relative(root, file));
    }
    expect(outside).toEqual([]);
  });

  it("every relative link in README.md and docs/ resolves to a file inside the repository", () => {
    const broken: string[] = [];
    for (const file of markdown) {
      for (const m of readFileSync(file, "utf8").matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/i.test(target)) continue; // absolute URLs are checked by hand
        const path = resolve(dirname(file), target);
        if (!path.startsWith(root + "/") || !existsSync(path)) broken.push(`${relative(root, file)} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("the bare spec names of the old layout are not cited any more", () => {
    const stale: string[] = [];
    for (const file of sources) {
      if (file.endsWith("docs.test.ts")) continue;
      const text = readFileSync(file, "utf8");
      if (/(?<![\w/"-])(metering|dlms-lite|chips|dlms-vectors)\.md/.test(text)) stale.push(relative(root, file));
    }
    expect(stale).toEqual([]);
  });
});
