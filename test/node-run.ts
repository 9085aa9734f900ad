/**
 * Heavy simulations run in plain Node, not in jest's vm context: code in a vm context reaches
 * every global (Math, typed arrays) through the context's interceptors, which makes the chip
 * emulators and the meter about 9 times slower there (a simulated day: ~1 s of CPU in Node,
 * ~9.5 s inside jest). A runner is bundled once per jest worker with esbuild (as `npm start`
 * bundles the CLI) into build/, where its `__dirname` resolves like host-sim's, and run with node.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { buildSync } from "esbuild";
import { basename, join } from "node:path";

export const ROOT = join(__dirname, "..");
const bundles = new Map<string, string>();

/** The bundle of `entry` (a path from the repository root), built on first use. */
export function nodeBundle(entry: string): string {
  let out = bundles.get(entry);
  if (out) return out;
  out = join(ROOT, "build", `test-${basename(entry, ".ts")}-${process.pid}.js`);
  buildSync({ entryPoints: [join(ROOT, entry)], bundle: true, platform: "node", packages: "external", outfile: out, logLevel: "warning" });
  bundles.set(entry, out);
  return out;
}

/** Runs the bundled `entry` with `args` in the repository root. */
export function runNode(entry: string, args: string[], timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [nodeBundle(entry), ...args], { encoding: "utf8", cwd: ROOT, timeout, maxBuffer: 64 * 1024 * 1024 });
}

/** The last line of a runner's stdout as JSON; a failed run throws with its stderr. */
export function runNodeJson<T>(entry: string, args: string[], timeout = 180_000): T {
  const r = runNode(entry, args, timeout);
  if (r.status !== 0) throw new Error(`${entry} exited with ${r.status ?? r.signal}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as T;
}
