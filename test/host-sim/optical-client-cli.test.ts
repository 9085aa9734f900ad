/** `npm run client -- --interface hdlc|mode-e` against the simulator's optical port over loopback TCP. */
import { defaultDlmsConfig } from "../../firmware/comms/dlms";
import { createMeterDlmsServer } from "../../firmware/app/meter-server";
import { meterIdentity } from "../../firmware/comms/hdlc/mode-e";
import { OpticalPort } from "../../firmware/comms/hdlc/optical-port";
import { runClient } from "../../host-sim/client/cli";
import { scaled } from "../../host-sim/client/format";
import { OpticalTcpBridge, SimSerialPort } from "../../host-sim/optical";
import { meterSim, READER_PASSWORD } from "../comms/dlms/helpers";

describe("npm run client over the optical port", () => {
  const sim = meterSim(1);
  const server = createMeterDlmsServer(sim.meter, { ...defaultDlmsConfig(), readerPassword: READER_PASSWORD, refuseDefaultSecrets: false });
  const serial = new SimSerialPort();
  const formats: string[] = [];
  serial.onFormat = (f) => formats.push(`${f.baud} ${f.dataBits}${f.parity[0]}${f.stopBits}`);
  const port = new OpticalPort({ clock: sim.clock, log: sim.log, serial, server, identity: meterIdentity("00000001"), link: { interOctetTimeoutMs: 500 } });
  let bridge: OpticalTcpBridge;
  let tcpPort = "";

  beforeAll(async () => {
    bridge = new OpticalTcpBridge(serial, 0, (d) => serial.deliver(d, null));
    tcpPort = String(await bridge.ready);
  });
  afterAll(() => bridge.close());

  async function run(...args: string[]): Promise<{ code: number; out: string[] }> {
    const out: string[] = [];
    const code = await runClient(["--port", tcpPort, ...args], (l) => out.push(l));
    return { code, out };
  }

  it("mode E: sign-on, identification, 9600 baud, the register read, DISC back to 300 baud", async () => {
    const { code, out } = await run("--interface", "mode-e", "--client", "17", "get", "1.0.1.8.0.255");
    expect(out).toEqual(["mode E: identification DLM LITE00000001, HDLC at 9600 baud", `1.0.1.8.0.255 A+ total [class 3] value: ${scaled(BigInt(sim.meter.energy.activeImport), -3, 30)}`]);
    expect(code).toBe(0);
    expect(formats[0]).toBe("9600 8n1");
    sim.runFor(10_000);
    expect(formats[1]).toBe("300 7e1");
    expect(port.phase).toBe("idle");
  });

  it("HDLC directly with a 4-byte address and 32-byte segments, frames traced", async () => {
    const { code, out } = await run("--interface", "hdlc", "--client", "17", "--address-size", "4", "--max-info", "32", "--trace", "get", "0.0.96.1.0.255");
    expect(out.filter((l) => l.startsWith("error"))).toEqual([]);
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^-> SNRM P\/F {2}7E A0 21 00 02 00 03 23 93 /);
    expect(out).toContain("HDLC: information field 32 from the meter, 32 to it, window 1");
    expect(out.some((l) => /^<- I N\(S\)=0 N\(R\)=2 P\/F S {2}7E A8 2C 23 00 02 00 03 50 /.test(l))).toBe(true);
    expect(out).toContain("0.0.96.1.0.255 Meter serial number [class 1] value: \"00000001\"");
    expect(out[out.length - 2]).toBe("<- UA P/F  7E A0 0A 23 00 02 00 03 73 29 CC 7E");
  });

  it("bad options get a one-line error", async () => {
    expect(await run("--interface", "serial", "get", "1.0.1.8.0.255")).toEqual({ code: 2, out: ["error: --interface must be tcp, hdlc or mode-e, got serial"] });
    const r = await run("--interface", "hdlc", "--address-size", "3", "get", "1.0.1.8.0.255");
    expect(r.code).toBe(1);
    expect(r.out[0]).toMatch(/^error: --address-size must be 1, 2 or 4, got 3/);
  });
});
