import { buildSync } from "esbuild";
import { join } from "node:path";

/** Bundles firmware + emulators + a harness entry into one classic script for XS. */
export function bundleForXs(entry = join(__dirname, "entry.ts")): string {
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    format: "iife",
    platform: "neutral",
    target: "es2022",
    write: false,
    logLevel: "silent",
    mainFields: ["module", "main"],
  });
  return result.outputFiles[0].text;
}
