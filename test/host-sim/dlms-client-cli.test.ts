/** `npm run client` against the meter's server on loopback: readable output, errors as messages. */
import { defaultDlmsConfig, type DlmsServer } from "../../firmware/comms/dlms";
import { createMeterDlmsServer } from "../../firmware/app/meter-server";
import { runClient } from "../../host-sim/client/cli";
import { dateTimeFromText, formatDateTime, scaled } from "../../host-sim/client/format";
import { NodeNetwork, type NodeTcpListener } from "../../host-sim/node-network";
import type { Simulation } from "../../host-sim/simulation";
import { meterSim, READER_PASSWORD } from "../comms/dlms/helpers";

describe("npm run client", () => {
  let sim: Simulation;
  let server: DlmsServer;
  let port: string;

  beforeAll(async () => {
    sim = meterSim(2);
    server = createMeterDlmsServer(sim.meter, { ...defaultDlmsConfig(), readerPassword: READER_PASSWORD, refuseDefaultSecrets: false });
    port = String(await (server.listen(new NodeNetwork(), 0, "127.0.0.1") as NodeTcpListener).ready);
  });
  afterAll(() => server.close());

  async function run(...args: string[]): Promise<{ code: number; out: string }> {
    const lines: string[] = [];
    const code = await runClient(["--port", port, ...args], (l) => lines.push(l));
    return { code, out: lines.join("\n") };
  }

  it("get prints the value with its scaler and unit applied", async () => {
    const { code, out } = await run("--client", "17", "get", "1.0.1.8.0.255");
    expect(code).toBe(0);
    expect(out).toBe(`1.0.1.8.0.255 A+ total [class 3] value: ${scaled(BigInt(sim.meter.energy.activeImport), -3, 30)}`);
    expect(out).toMatch(/value: \d+\.\d{3} Wh$/);
  });

  it("get all on the clock shows a local date-time and named enums", async () => {
    const { out } = await run("--client", "16", "get", "0.0.1.0.0.255", "all");
    const local = new Date(sim.clock.wallClockMs() + 3_600_000).toISOString().slice(0, 19).replace("T", " ");
    expect(out).toContain(`time: ${local} UTC+01:00`);
    expect(out).toContain("clock_base: internal_crystal (1)");
    expect(out).toContain("daylight_savings_begin: ****-03-last Sun 02:00:00");
  });

  it("list and profile", async () => {
    const list = await run("--client", "17", "list");
    expect(list.out.split("\n").length).toBeGreaterThan(60);
    expect(list.out).toMatch(/^1\.0\.99\.1\.0\.255 +class +7 v1 +Load profile 1 +attrs 1:r 2:r/m);
    const profile = await run("--client", "17", "profile", "1.0.99.1.0.255", "--from", "2026-03-02T00:30", "--to", "2026-03-02T01:00");
    expect(profile.code).toBe(0);
    expect(profile.out.split("\n")).toHaveLength(1 + 3 + 1);
    expect(profile.out).toContain("2026-03-02 00:45:00 UTC+01:00 | 0 |");
  });

  it("refusals come back as readable errors with a non-zero exit code", async () => {
    expect(await run("--client", "17", "--password", "nope", "get", "1.0.1.8.0.255")).toEqual({ code: 1, out: "error: association rejected (result 1, diagnostic 13 authentication-failure)" });
    const denied = await run("--client", "17", "set", "0.0.1.0.0.255", "3", "long", "60");
    expect(denied).toEqual({ code: 1, out: "failed: read-write-denied (3)" });
    expect((await run("get", "1.0.1.8.0.255")).out).toContain("not in this association's object list");
    expect((await run("--client", "17", "set", "0.0.1.0.0.255", "3", "long", "99999")).out).toBe("error: long must be in -32768..32767, got 99999");
  });

  it("formats and parses date-times", () => {
    expect(dateTimeFromText("2026-11-24T16:20:35+01:00")).toEqual([0x07, 0xea, 11, 24, 2, 16, 20, 35, 0, 0xff, 0xc4, 0xff]);
    expect(formatDateTime([0x07, 0xea, 11, 24, 2, 16, 20, 35, 0, 0xff, 0x88, 0x80])).toBe("2026-11-24 16:20:35 UTC+02:00 [DST]");
    expect(scaled(-1234n, -3, 30)).toBe("-1.234 Wh");
    expect(scaled(5n, -3)).toBe("0.005");
  });
});
