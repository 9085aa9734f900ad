/**
 * `npm run keygen -- [--out KEY.pem]`: a new P-256 key pair for signing firmware images. Writes the
 * private key (PEM, default image-key.pem, never overwritten) and prints the public key as the
 * meter holds it (65 bytes hex): provision it with
 * `npm run client -- --client 1 set 0.0.44.128.0.255 2 octet-string 0xHEX`.
 */
import { existsSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { generateImageKey } from "./image-tools";

export function keygenCli(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): number {
  let file: string;
  try {
    file = (parseArgs({ args: argv, options: { out: { type: "string" } } }).values.out as string | undefined) ?? "image-key.pem";
  } catch (e) {
    out(`error: ${(e as Error).message}\nusage: npm run keygen -- [--out KEY.pem]`);
    return 2;
  }
  if (existsSync(file)) {
    out(`error: ${file} exists; not overwritten`);
    return 1;
  }
  const { privatePem, publicKey } = generateImageKey();
  writeFileSync(file, privatePem, { mode: 0o600 });
  out(`private key: ${file}`);
  out(`public key (0.0.44.128.0.255): ${Buffer.from(publicKey).toString("hex")}`);
  out(`provision it: npm run client -- --client 1 set 0.0.44.128.0.255 2 octet-string 0x${Buffer.from(publicKey).toString("hex")}`);
  return 0;
}

if (require.main === module) process.exitCode = keygenCli(process.argv.slice(2));
