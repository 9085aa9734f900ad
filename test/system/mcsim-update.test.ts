/**
 * The signed firmware update on the real engine: the lin build by the Moddable SDK's own tools, run
 * headless in mcsim (the emulated OTA slots in the board's worker machine, the firmware's
 * FirmwareSlots over the board link), an image signed with the development key and sent by the
 * project's client on the management association, the restart into the new slot, and the
 * identifier read back. Needs MODDABLE (an SDK with built lin tools) and Xvfb; skipped without.
 *
 * The firmware's machine has the manifest's creation, the ESP32's budget (65,536 B + 4,928 slots):
 * the management association (HLS-GMAC, ciphered in place) and the transfer run inside it.
 */
import { buildLin, startMcsim, traceProblems, type McsimRun } from "../../host-sim/moddable/mcsim";
import { findSdk } from "../../host-sim/moddable/sdk";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectTcp } from "../../host-sim/client/session";
import { image } from "../update/rig";

/** Slow enough for the ciphered association's 5 s (simulated) AARQ deadline on a loaded host. */
const SPEED = 4;
const PORT = 15059 + (process.pid % 500);
const ROOT = join(__dirname, "..", "..");

const haveSdk = Boolean(process.env.MODDABLE);

/** The running mcsim, for the client's error message. */
let tracing: McsimRun | null = null;

function client(...args: string[]): string {
  try {
    return execFileSync("npx", ["ts-node", "--transpile-only", "host-sim/client.ts", "--host", "127.0.0.1", "--port", String(PORT), "--client", "1", ...args], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
  } catch (e) {
    // The client's own words and the meter's trace say what went wrong.
    const x = e as { stdout?: string; stderr?: string };
    throw new Error(`client ${args.join(" ")} failed:\n${x.stdout ?? ""}${x.stderr ?? ""}\n--- mcsim trace ---\n${tracing?.trace.join("").split("\n").filter((l) => !l.startsWith("LCD")).slice(-40).join("\n")}`);
  }
}

(haveSdk ? describe : describe.skip)("firmware update in mcsim (lin build by the real Moddable SDK)", () => {
  let run: McsimRun | null = null;
  afterAll(async () => {
    await run?.stop();
  });

  it("transfers a signed 60 kB image with the client, restarts into ota_1, reports DLMSLITE-0.2.0 and its signature, and confirms it", async () => {
    const sdk = findSdk();
    const build = buildLin(sdk, { debug: true, config: { simSpeed: SPEED, dlmsPort: PORT }, quiet: true, folder: "test-mcsim-update" });
    const peak = { chunk: 0, slots: 0 };
    run = await startMcsim(sdk, build, {
      onSample: (v) => {
        peak.chunk = Math.max(peak.chunk, v["Chunk used"] ?? 0);
        peak.slots = Math.max(peak.slots, v["Slot used"] ?? 0);
      },
    });
    tracing = run;
    for (let i = 0; ; i++) {
      try {
        (await connectTcp("127.0.0.1", PORT, 1000)).socket.destroy();
        break;
      } catch (e) {
        if (i > 120) throw new Error(`mcsim never listened on ${PORT}: ${(e as Error).message}\n${run.trace.join("").slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const dir = mkdtempSync(join(tmpdir(), "mcsim-update-"));
    const file = join(dir, "image.bin");
    const img = image("0.2.0", 60_000);
    writeFileSync(file, img);
    const started = Date.now();
    const sent = client("image", file, "--activate", "now");
    const seconds = (Date.now() - started) / 1000;
    expect(sent).toMatch(/301 blocks/);
    // The restart: the firmware stops as at a power cut and boots again from the slot the boot loader starts.
    for (let i = 0; i < 120 && !/restart: the boot loader starts ota_1 \(trial\)/.test(run.trace.join("")); i++) await new Promise((r) => setTimeout(r, 500));
    expect(run.trace.join("")).toMatch(/restart: the boot loader starts ota_1 \(trial\)/);
    const id = client("get", "1.0.0.2.0.255");
    expect(id).toMatch(/DLMSLITE-0\.2\.0/);
    const signature = client("get", "1.0.0.2.8.255");
    expect(signature).toMatch(new RegExp(Buffer.from(img.subarray(img.length - 64, img.length - 56)).toString("hex"), "i"));
    // Confirmed after 60 simulated seconds of metering (15 s here).
    for (let i = 0; i < 120 && !/firmware DLMSLITE-0\.2\.0 confirmed/.test(run.trace.join("")); i++) await new Promise((r) => setTimeout(r, 500));
    expect(run.trace.join("")).toMatch(/firmware DLMSLITE-0\.2\.0 confirmed/);
    expect(traceProblems(run.trace)).toEqual([]);
    process.stdout.write(`mcsim update: ${img.length} bytes in 301 blocks, ${seconds.toFixed(1)} s (client, x${SPEED}); peak chunk used ${peak.chunk} B, peak slot used ${peak.slots} B\n`);
  }, 40 * 60_000);
});

if (!haveSdk) {
  describe("firmware update in mcsim (lin build by the real Moddable SDK)", () => {
    it.skip("skipped: MODDABLE is not set, so the SDK's lin build and mcsim cannot run here", () => {});
  });
}
