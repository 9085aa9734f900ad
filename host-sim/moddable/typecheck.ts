/**
 * `npm run typecheck:sdk`: type-checks the firmware against the Moddable SDK's own typings, the way
 * mcconfig does. mcconfig (without -m) writes the tsconfig base it gives every per-file tsc run
 * (target/lib es2025, module preserve, the SDK typings as `paths` and `types`, plus the manifest's
 * compilerOptions); this runs tsc once over every module of the lin and esp32 graphs with it, with
 * checking on (the manifest makes the per-file runs transpile only: noCheck, noResolve).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { findSdk, main, MANIFEST, outDir, run, SdkError, type Sdk } from "./sdk";

export const PLATFORMS = ["lin", "esp32"] as const;

/** Generates the build files of one platform and returns the folder holding tsconfig-base.json. */
export function generate(sdk: Sdk, platform: string, debug = true): string {
  const out = outDir(`typecheck-${platform}`);
  const r = run(sdk, "mcconfig", [...(debug ? ["-d"] : []), "-p", platform, "-o", out, MANIFEST], { quiet: true });
  if (r.status !== 0) throw new SdkError(`mcconfig -p ${platform} failed: ${(r.stderr || r.stdout).trim().split("\n").pop()}`);
  const base = findFile(join(out, "tmp"), "tsconfig-base.json");
  if (!base) throw new SdkError(`mcconfig -p ${platform} wrote no tsconfig-base.json under ${out}`);
  return dirname(base);
}

function findFile(dir: string, name: string): string | null {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isFile() && e.name === name) return p;
    if (e.isDirectory()) {
      const found = findFile(p, name);
      if (found) return found;
    }
  }
  return null;
}

function tsconfigsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsconfigsUnder(p));
    else if (e.name.endsWith("-tsconfig.json")) out.push(p);
  }
  return out;
}

/** tsc --noEmit over every TypeScript module mcconfig would compile; returns tsc's output and status. */
export function typecheck(sdk: Sdk, platform: string): { status: number; output: string; files: number } {
  const modules = generate(sdk, platform);
  const files = new Set<string>();
  for (const t of tsconfigsUnder(modules)) for (const f of (JSON.parse(readFileSync(t, "utf8")) as { files: string[] }).files) files.add(f);
  const config = join(modules, "..", "typecheck-tsconfig.json");
  writeFileSync(config, JSON.stringify({ extends: join(modules, "tsconfig-base.json"), compilerOptions: { noEmit: true, rootDir: "/", noCheck: false, noResolve: false }, files: [...files].sort() }, null, 2));
  const r = run(sdk, "tsc", ["-p", config], { quiet: true });
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}`.trim(), files: files.size };
}

if (require.main === module) {
  main(() => {
    const sdk = findSdk();
    let failed = 0;
    for (const platform of PLATFORMS) {
      const r = typecheck(sdk, platform);
      process.stdout.write(`${platform}: ${r.files} modules, ${r.status === 0 ? "no errors" : "errors:"}\n`);
      if (r.status !== 0) {
        process.stdout.write(`${r.output}\n`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  });
}
