/**
 * Finding and running the Moddable SDK's own tools (mcconfig, xsc, xsl, mcsim) for the project's
 * SDK scripts: `npm run typecheck:sdk`, `npm run mcsim`, `npm run size` and the mcsim system test.
 * The SDK is not an npm package: users install it the usual way (xs-dev, or the SDK's Getting
 * Started) and point MODDABLE at it. Nothing here builds the SDK itself.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { delimiter, join } from "node:path";

export const ROOT = join(__dirname, "..", "..");
export const MANIFEST = join(ROOT, "manifest.json");

export class SdkError extends Error {}

export interface Sdk {
  moddable: string;
  bin: string;
  env: NodeJS.ProcessEnv;
}

/** The SDK MODDABLE points at, with its lin tools built; a one-line SdkError otherwise. */
export function findSdk(env: NodeJS.ProcessEnv = process.env): Sdk {
  const moddable = env.MODDABLE;
  if (!moddable) throw new SdkError("MODDABLE is not set: install the Moddable SDK (see README, 'Moddable builds') and export MODDABLE=<its folder>");
  const bin = join(moddable, "build", "bin", "lin", "release");
  if (!existsSync(join(bin, "mcconfig"))) throw new SdkError(`MODDABLE=${moddable} has no built lin tools (${join(bin, "mcconfig")} missing): build them as the SDK's Getting Started says`);
  // mcconfig runs `tsc` from PATH: the project's pinned TypeScript comes first.
  const path = [join(ROOT, "node_modules", ".bin"), bin, env.PATH ?? ""].join(delimiter);
  return { moddable, bin, env: { ...env, MODDABLE: moddable, PATH: path } };
}

/** An output folder under build/moddable (mcconfig -o needs it to exist). */
export function outDir(name: string): string {
  const dir = join(ROOT, "build", "moddable", name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function run(sdk: Sdk, command: string, args: string[], options: { cwd?: string; quiet?: boolean } = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd: options.cwd ?? ROOT, env: sdk.env, encoding: "utf8", stdio: options.quiet ? "pipe" : "inherit", maxBuffer: 64 * 1024 * 1024 });
}

/** Runs a CLI entry, turning SdkError into one line and exit 2. */
export function main(body: () => number | Promise<number>): void {
  Promise.resolve()
    .then(body)
    .then(
      (code) => process.exit(code),
      (e: unknown) => {
        // Our own errors and node:util parseArgs' (an unknown or malformed option): one line, exit 2.
        const code = (e as { code?: unknown } | null)?.code;
        if (e instanceof SdkError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_"))) {
          process.stderr.write(`${(e as Error).message}\n`);
          process.exit(2);
        }
        throw e;
      },
    );
}
