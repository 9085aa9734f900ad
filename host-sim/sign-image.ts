/**
 * `npm run sign-image -- --key KEY.pem --version V --in app.bin --out image.bin [--board B --chip C] [--allow-older]`
 * Builds a signed firmware image (docs/readme/firmware-update.md) from an application binary.
 * `npm run keygen -- [--out KEY.pem]` makes a development key pair (host-sim/keygen.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { signImage } from "./image-tools";
import { SIMULATOR_TARGET } from "../firmware/update/update-config";

const USAGE = "usage: npm run sign-image -- --key KEY.pem --version MAJOR.MINOR.PATCH --in app.bin --out image.bin [--board host-sim] [--chip emulated] [--allow-older]";

export function signImageCli(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): number {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        key: { type: "string" }, version: { type: "string" }, in: { type: "string" }, out: { type: "string" },
        board: { type: "string" }, chip: { type: "string" }, "allow-older": { type: "boolean" }, help: { type: "boolean" },
      },
    }).values;
  } catch (e) {
    out(`error: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (v.help) {
    out(USAGE);
    return 0;
  }
  for (const name of ["key", "version", "in", "out"] as const) {
    if (!v[name]) {
      out(`error: --${name} is required\n${USAGE}`);
      return 2;
    }
  }
  try {
    const image = signImage({
      keyPem: readFileSync(v.key!, "utf8"),
      version: v.version!,
      payload: new Uint8Array(readFileSync(v.in!)),
      target: { board: v.board ?? SIMULATOR_TARGET.board, chip: v.chip ?? SIMULATOR_TARGET.chip },
      allowOlder: v["allow-older"] === true,
    });
    writeFileSync(v.out!, image);
    out(`${v.out}: ${image.length} bytes, DLMSLITE-${v.version} for ${v.board ?? SIMULATOR_TARGET.board}/${v.chip ?? SIMULATOR_TARGET.chip}${v["allow-older"] ? " (older version allowed)" : ""}`);
    return 0;
  } catch (e) {
    out(`error: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) process.exitCode = signImageCli(process.argv.slice(2));
