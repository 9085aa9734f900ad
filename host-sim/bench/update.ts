/**
 * Firmware update figures for `npm run bench` (issue 16): XS computrons per 200-byte block of
 * image_block_transfer (A-XDR parameter decode, the method, the staged-image bookkeeping; flash
 * operations not metered) plus the SHA-256 of those bytes that image_verify spends, against the
 * budget of 20,000; image_verify of a whole image and the ECDSA P-256 check alone, with its ESP32
 * time at the rate the performance section assumes; flash bytes written per block.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SCENARIO } from "../cli";
import { bundleForXs } from "../xs/bundle";
import { XsWorker } from "../xs/worker";
import { publicKeyBytes, signImage } from "../image-tools";
import { ESP32_COMPUTRONS_PER_MS } from "../esp32-rate";

const KEY = readFileSync(join(__dirname, "..", "keys", "dev-image-key.pem"), "utf8");
const PAYLOAD_BYTES = 20_000;

export async function bench(): Promise<string[]> {
  const payload = new Uint8Array(PAYLOAD_BYTES).map((_, i) => (i * 31 + 7) & 0xff);
  const image = signImage({ keyPem: KEY, version: "0.9.0", payload });
  const signature = image.subarray(image.length - 64);
  const digest = createHash("sha256").update(image.subarray(0, image.length - 64)).digest("hex");
  const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  const worker = new XsWorker();
  try {
    await worker.evaluate(bundleForXs(join(__dirname, "update-xs", "entry.ts")));
    await worker.call(`(updateBench.boot(${JSON.stringify(readFileSync(DEFAULT_SCENARIO, "utf8"))}), null)`);
    type T = { mean: number; max: number; blocks: number; flashBytesPerBlock: number; erases: number; writeOps: number; results: number[] };
    const t = (await worker.call<T>(`updateBench.transfer("${toHex(image)}", "DLMSLITE-0.9.0")`)).value;
    if (t.results.some((r) => r !== 0)) throw new Error(`transfer refused: results ${t.results.join(",")}`);
    const hash = (await worker.call<number>("updateBench.hashPerBlock(50)")).value;
    const port = (await worker.call<{ perBlock: number; digest: Record<string, number> }>("updateBench.digestPortPerBlock(50)")).value;
    const expected = createHash("sha256").update(new Uint8Array(200 * 50).map((_, i) => i & 0xff)).digest("hex");
    if (Buffer.from(Object.values(port.digest)).toString("hex") !== expected) throw new Error("the Digest port's SHA-256 disagrees with OpenSSL");
    type V = { total: number; status: number; ecdsa: number; ecdsaOk: boolean };
    const v = (await worker.call<V>(`updateBench.verify("${toHex(publicKeyBytes(KEY))}", "${digest}", "${toHex(signature)}")`)).value;
    if (v.status !== 0 || !v.ecdsaOk) throw new Error(`image_verify answered ${v.status}`);
    const rate = ESP32_COMPUTRONS_PER_MS;
    const f0 = (x: number) => x.toFixed(0);
    return [
      `XS computrons per 200-byte block: image_block_transfer ${f0(t.mean)} mean, ${t.max} max (${t.blocks} blocks of a ${image.length}-byte image) + the block's share of image_verify's two SHA-256 (payload; header ‖ payload) ${f0(hash)} = ${f0(t.mean + hash)} (budget 20,000)`,
      `  with the Moddable port's hash (the SDK's native Digest, crypto.ts): image_block_transfer ${f0(t.mean)} + the XS share of the two hashes ${f0(port.perBlock)} = ${f0(t.mean + port.perBlock)} per block (budget 20,000); the hashing itself runs in C and is not in XS computrons: its ESP32 time needs a board`,
      `  flash per block: ${t.flashBytesPerBlock.toFixed(1)} bytes written in ${t.writeOps.toFixed(2)} program operations (the block, its bitmap byte, a sector mark when a sector is first touched); ${t.erases} sector erases for the whole image`,
      `XS computrons, image_verify of that image: ${v.total} (hash of ${image.length} bytes and the signature); ECDSA P-256 verify alone ${v.ecdsa}`,
      `  ESP32 time (estimate at the fixed ${f0(rate)} computrons/ms of every bench section): ECDSA ${f0(v.ecdsa / rate)} ms, image_verify ${f0(v.total / rate)} ms, ` +
        `a 1 MiB image's hashes ~${f0(((hash / 200) * 1048576) / rate / 1000)} s (run in 1 KiB steps on a 50 ms timer)`,
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
