/**
 * `npm run sign-image`, `npm run keygen` and `npm run client -- --client 1 image FILE --activate now`
 * against a simulated meter on a real TCP port.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runClient } from "../../host-sim/client/cli";
import { createMeterDlmsServer } from "../../firmware/app/meter-server";
import { NodeNetwork, type NodeTcpListener } from "../../host-sim/node-network";
import { PoweredNetwork } from "../../host-sim/powered-network";
import { Simulation } from "../../host-sim/simulation";
import { parseScenario } from "../../host-sim/event-types";
import { MeterApp } from "../../firmware/app/meter-app";
import { defaultMeterConfig } from "../../firmware/app/config";
import { defaultDlmsConfig } from "../../firmware/app/meter-server";
import { signImageCli } from "../../host-sim/sign-image";
import { keygenCli } from "../../host-sim/keygen";
import { payload } from "../update/rig";

const dir = mkdtempSync(join(tmpdir(), "image-"));

describe("image tools and the client's image command", () => {
  it("sign-image and keygen write what the meter takes; usage errors exit 2", () => {
    const lines: string[] = [];
    writeFileSync(join(dir, "app.bin"), payload(2000));
    expect(signImageCli(["--key", join(__dirname, "../../host-sim/keys/dev-image-key.pem"), "--version", "0.2.0", "--in", join(dir, "app.bin"), "--out", join(dir, "image.bin")], (l) => lines.push(l))).toBe(0);
    expect(readFileSync(join(dir, "image.bin")).length).toBe(2000 + 176);
    expect(signImageCli(["--version", "0.2.0"], (l) => lines.push(l))).toBe(2);
    expect(lines.at(-1)).toMatch(/--key is required/);
    expect(signImageCli(["--key", join(__dirname, "../../host-sim/keys/dev-image-key.pem"), "--version", "2", "--in", join(dir, "app.bin"), "--out", join(dir, "x.bin")], (l) => lines.push(l))).toBe(1);
    expect(lines.at(-1)).toMatch(/MAJOR.MINOR.PATCH/);
    expect(keygenCli(["--out", join(dir, "k.pem")], (l) => lines.push(l))).toBe(0);
    expect(lines.at(-2)).toMatch(/^public key \(0\.0\.44\.128\.0\.255\): 04[0-9a-f]{128}$/);
    expect(lines.at(-1)).toMatch(/octet-string 0x04[0-9a-f]{128}$/);
    expect(keygenCli(["--out", join(dir, "k.pem")], (l) => lines.push(l))).toBe(1);
  });

  it("transfers over TCP with progress, activates now; the meter restarts into the new image", async () => {
    const scenario = { start: "2026-03-02T10:00:00", utcOffsetMinutes: 60, dst: "eu", chip: "ade7953", load: [{ at: "0s", voltage: 230, current: 10, angle: 0, frequency: 50 }] };
    const config = defaultMeterConfig();
    const sim = new Simulation(parseScenario(scenario), {
      config: { dlms: { ...defaultDlmsConfig(), refuseDefaultSecrets: false }, tickMs: 10_000 },
      firmware: (board, c) => new MeterApp(board, c),
      network: new PoweredNetwork(new NodeNetwork()),
      power: { otaSlotSectors: 16 },
    });
    void config;
    const app = sim.app as MeterApp;
    const server = createMeterDlmsServer(app.meter, app.meter.config.dlms, { security: app.security, firmwareUpdate: app.firmwareUpdate! });
    const listener = server.listen(sim.board.network!, 0, "127.0.0.1") as NodeTcpListener;
    const port = await listener.ready;
    const timer = setInterval(() => sim.runFor(20), 2);
    try {
      const lines: string[] = [];
      const file = join(dir, "image.bin");
      const run = (...args: string[]) => runClient(["--port", String(port), "--client", "1", ...args], (l) => lines.push(l));
      expect(await run("image", file, "--activate", "now")).toBe(0);
      expect(lines).toContain("blocks 11/11");
      expect(lines.join("\n")).toMatch(/image DLMSLITE-0\.2\.0: 11 blocks of which 11 sent, activation initiated/);
      expect(await run("image", file, "--activate", "tomorrow")).toBe(2);
      await new Promise((r) => setTimeout(r, 300));
      expect((sim.app as MeterApp).firmwareUpdate!.runningId).toBe("DLMSLITE-0.2.0");
      expect(sim.power.ota!.running).toBe(1);
    } finally {
      clearInterval(timer);
      server.close();
      sim.power.network?.shutdown();
    }
  });
});
