/**
 * Security figures for `npm run bench`: XS computrons (xsnap, firmware bundle) of the DLMS
 * server's side of an HLS-GMAC association (AARQ with glo-initiateRequest, then pass 3/4) and of
 * one glo-ciphered GET of a register, with the portable AES-GCM; plus the primitives' costs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SCENARIO } from "../cli";
import { bundleForXs } from "../xs/bundle";
import { XsWorker } from "../xs/worker";

export async function bench(): Promise<string[]> {
  const worker = new XsWorker();
  try {
    await worker.evaluate(bundleForXs(join(__dirname, "security-xs", "entry.ts")));
    await worker.call(`(securityBench.boot(${JSON.stringify(readFileSync(DEFAULT_SCENARIO, "utf8"))}), null)`);
    type Hs = { aarq: number; pass3: number; total: number };
    const first = (await worker.call<Hs>("securityBench.handshake()")).value;
    const get = (await worker.call<{ mean: number; max: number; reply: number[] }>("securityBench.cipheredGet(50)")).value;
    if (get.reply[0] !== 0xc4 || get.reply[3] !== 0) throw new Error(`unexpected GET answer ${get.reply.join(" ")}`);
    await worker.call("securityBench.release()");
    const again = (await worker.call<Hs>("securityBench.handshake()")).value;
    const p16 = (await worker.call<{ aesBlock: number; gcm: number; keyExpansion: number }>("securityBench.primitives(16)")).value;
    const p256 = (await worker.call<{ aesBlock: number; gcm: number; keyExpansion: number }>("securityBench.primitives(256)")).value;
    return [
      `XS computrons, HLS-GMAC handshake (server side, portable AES-GCM): ${first.total} for the first (AARQ ${first.aarq} incl. key expansion, pass 3/4 ${first.pass3}); ${again.total} for a later one (AARQ ${again.aarq}, pass 3/4 ${again.pass3})`,
      `XS computrons per glo-ciphered GET of 1.0.1.8.0.255 (decipher, replay check + counter persist, GET, encipher): mean ${get.mean.toFixed(0)}, max ${get.max}`,
      `XS computrons, primitives: AES-128 block ${p16.aesBlock}, key expansion (+ GCM tables) ${p16.keyExpansion}, GCM seal 16 B ${p16.gcm}, 256 B ${p256.gcm} (${((p256.gcm - p16.gcm) / 240).toFixed(0)} per extra byte)`,
    ];
  } finally {
    worker.close();
  }
}

if (require.main === module) {
  bench().then((lines) => process.stdout.write(lines.join("\n") + "\n"), (e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
}
