/**
 * The whole meter the way `mcconfig -p lin` runs it, in Node: firmware/platform/lin's simulated
 * board (emulated ADE7953, latching relay, HT1621, NOR flash, station Wi-Fi, virtual Timer/Time)
 * offered as ECMA-419 classes, the Board built from them by createModdableBoard, and startMeter
 * (meter, DLMS on 4059, Wi-Fi supervision, SNTP) exactly as main.ts calls them. Only TCP is the
 * fake of fakes.ts (the lin build uses the SDK's sockets).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { WIFI_EVENT } from "../../firmware/comms/net/wifi-supervisor";
import { DLMS_EVENT } from "../../firmware/app/meter-server";
import { createModdableBoard, type ModdableIo } from "../../firmware/platform/moddable/board";
import type { DigitalClass, ListenerClass, TcpClass } from "../../firmware/platform/moddable/ecma419";
import { readSettings } from "../../firmware/platform/moddable/settings";
import { UdpSntpTransport, type UdpClass, type UdpIo } from "../../firmware/platform/moddable/sntp-udp";
import { startMeter } from "../../firmware/app/start";
import type { WifiClass } from "../../firmware/platform/moddable/wifi";
import { createLinHardware } from "../../firmware/platform/lin/hardware";
import { DEFAULT_SCENARIO } from "../../firmware/platform/lin/default-scenario";
import { DlmsClient, StreamTransport } from "../../host-sim/client/session";
import { parseScenario } from "../../host-sim/event-types";
import { Simulation } from "../../host-sim/simulation";
import { FakeListener, FakeTcp } from "./fakes";
import { SimSerialPort } from "../../host-sim/optical";

const manifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "manifest.json"), "utf8"));
const NO_TIMER = { set: () => ({}), schedule: () => {} };
const HOUR = 3_600_000;

function mcsim(config: Record<string, string | number | boolean>, options: { systemTimeMs?: number; clockTrusted?: boolean; udp?: UdpClass; outages?: [number, number][]; optical?: SimSerialPort } = {}) {
  const traced: string[] = [];
  const hw = createLinHardware({ scenario: parseScenario(DEFAULT_SCENARIO), timer: NO_TIMER, trace: (t) => traced.push(t), outages: options.outages });
  const clock = hw.device.clock;
  const io: ModdableIo = {
    SPI: hw.SPI,
    Digital: hw.Digital as unknown as DigitalClass,
    Listener: FakeListener as unknown as ListenerClass,
    TCP: FakeTcp as unknown as TcpClass,
    flash: hw.flashStorage,
    WiFi: hw.WiFi as unknown as WifiClass,
    Timer: clock.Timer,
    Time: clock.Time,
    systemTimeMs: options.systemTimeMs === undefined ? () => clock.wallClockMs() : () => options.systemTimeMs!,
    randomBytes: (n) => Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) & 0xff).buffer,
    trace: (t) => traced.push(t),
  };
  const settings = readSettings(config);
  FakeListener.last = undefined;
  // As main.ts does: boot, and on the lin board stop at a power cut and boot again after it.
  const boot = () =>
    startMeter(createModdableBoard(io, settings), settings, {
      clockTrusted: options.clockTrusted ?? true,
      sntp: options.udp ? new UdpSntpTransport(options.udp) : undefined,
      optical: options.optical && settings.optical ? { serial: options.optical, physicalAddress: settings.optical.physicalAddress } : undefined,
    });
  const device = {
    hw,
    running: boot(),
    traced,
    lcdLines: () => traced.filter((t) => t.startsWith("LCD ")).map((t) => t.trim()),
    boots: 1,
    get meter() {
      return device.running.meter;
    },
  };
  hw.device.power.attach({
    down: () => device.running.stop(),
    up: () => {
      device.running = boot();
      device.boots++;
    },
  });
  return device;
}

/** A DLMS client connected through the listener the meter opened (ECMA-419 TCP fakes in between). */
function connect(clientSap: number, password?: string): DlmsClient {
  const raw = new FakeTcp({});
  FakeListener.last!.connectFrom(raw);
  const conn = raw.adoptedBy!;
  const transport: StreamTransport = new StreamTransport(
    (bytes) => {
      conn.arrive(Array.from(bytes));
      conn.drain(1 << 20);
      const out = conn.sent.splice(0);
      if (out.length > 0) transport.deliver(Uint8Array.from(out));
    },
    () => conn.fail(),
  );
  return new DlmsClient(transport, { clientSap, password, maxReceivePdu: 0xffff });
}

describe("the meter on the mcsim board (platform lin) through the adapters", () => {
  const linConfig = { ...manifest.config, ...manifest.platforms.lin.config };

  it("meters like the host simulator, draws the LCD in the trace log with the Wi-Fi bars, journals to flash and serves DLMS on 4059", async () => {
    const sim = mcsim(linConfig);
    sim.hw.runUntil(2 * HOUR);
    const reference = new Simulation(parseScenario(DEFAULT_SCENARIO));
    reference.runFor(2 * HOUR);
    for (const obis of ["1.0.1.8.0.255", "1.0.2.8.0.255", "1.0.3.8.0.255", "1.0.4.8.0.255", "1.0.32.7.0.255", "1.0.31.7.0.255"]) {
      expect([obis, sim.meter.register(obis)!.read()]).toEqual([obis, reference.meter.register(obis)!.read()]);
    }
    // 30 min at 0.8 A then 90 min at 6 A, PF from the angles: the import register moved by kWh, not Wh.
    expect(sim.meter.energy.activeImport).toBeGreaterThan(0);

    // The glass, decoded from the emulated HT1621 each time a frame changed it.
    const lcd = sim.lcdLines();
    expect(lcd.length).toBeGreaterThan(5);
    expect(lcd[lcd.length - 1]).toMatch(/SIGNAL:3/);
    expect(lcd.some((l) => /kWh/.test(l))).toBe(true);
    expect(lcd.every((l) => !/CLOCK-INVALID/.test(l))).toBe(true);
    expect(sim.hw.lcdText()).toBe(lcd[lcd.length - 1].slice(4));

    // Wi-Fi state in the communication log; the relay closed; the journal written.
    const comm = sim.meter.events.communication;
    expect(Array.from({ length: comm.count }, (_, i) => comm.codeAt(i))).toEqual([WIFI_EVENT.connected]);
    expect(sim.hw.relay.closed).toBe(true);
    expect(sim.meter.disconnector.outputState).toBe(true);
    expect(sim.hw.flash.bytesWritten).toBeGreaterThan(1000);
    expect(sim.meter.persistence.periodicSaves).toBe(120);

    // DLMS: the simulator build may serve with the documented default secrets.
    expect(sim.running.dlms).not.toBeNull();
    expect(FakeListener.last!.options.port).toBe(4059);
    const client = connect(17, "12345678");
    expect((await client.associate()).result).toBe(0);
    const value = await client.get(3, "1.0.1.8.0.255", 2);
    expect(value).toEqual({ kind: "int", tag: expect.any(Number), value: BigInt(sim.meter.register("1.0.1.8.0.255")!.read()) });
    expect(comm.codeAt(comm.count - 1)).toBe(DLMS_EVENT.associationOpened);
    sim.running.stop();
  });

  it("a pin the board already uses cannot be opened again, and SPI only reaches the IC on its chip select", () => {
    const sim = mcsim(linConfig);
    expect(() => new sim.hw.Digital({ pin: 13, mode: sim.hw.Digital.Output })).toThrow("pin 13 in use");
    expect(() => new sim.hw.SPI({ clock: 30, in: 31, out: 32, select: 33, hz: 1e6 })).toThrow("no SPI device on select pin 33");
    sim.running.stop();
  });
});

describe("the device start-up on the same board (esp32 settings)", () => {
  /** An SNTP server the fake UDP socket reaches 40 ms after the request. */
  function sntpServer(hw: ReturnType<typeof createLinHardware>, serverUtcMs: () => number, requests: { address: string; port: number; bytes: number[] }[]) {
    return class {
      private readonly onReadable: (this: UdpIo, n: number) => void;
      private readonly inbox: (ArrayBuffer & { address: string; port: number })[] = [];
      constructor(o: { onReadable: (this: UdpIo, n: number) => void }) {
        this.onReadable = o.onReadable;
      }
      write(address: string, port: number, buffer: Uint8Array) {
        requests.push({ address, port, bytes: Array.from(buffer) });
        hw.virtual.schedule(() => {
          const reply = new Uint8Array(48);
          reply[0] = (0 << 6) | (4 << 3) | 4;
          reply[1] = 2;
          const ms = serverUtcMs();
          const view = new DataView(reply.buffer);
          view.setUint32(40, Math.floor(ms / 1000) + 2_208_988_800);
          view.setUint32(44, Math.round(((ms % 1000) / 1000) * 2 ** 32));
          const packet = Object.assign(reply.buffer, { address, port: 123 });
          this.inbox.push(packet);
          this.onReadable.call(this as unknown as UdpIo, 1);
        }, 40);
      }
      read() {
        return this.inbox.shift();
      }
      close() {}
    };
  }

  it("a power cut of the scenario: the power-fail edge saves, the firmware stops, boots again from flash and logs the outage; no energy lost", () => {
    const linConfig = { ...manifest.config, ...manifest.platforms.lin.config };
    const cutAt = HOUR + 7 * 60_000 + 30_000;
    const sim = mcsim(linConfig, { outages: [[cutAt, cutAt + 20 * 60_000]] });
    sim.hw.runUntil(2 * HOUR);
    expect(sim.boots).toBe(2);
    expect(sim.traced.join("")).toContain("power down: the firmware stopped");
    const pf = sim.meter.powerFailures;
    expect(pf.count).toBe(1);
    // The signalled cut is stamped at the edge: 20 min exactly, give or take the 50 ms hold-up.
    expect(Math.abs(pf.lastDurationMs - 20 * 60_000)).toBeLessThanOrEqual(100);
    const noCut = new Simulation(parseScenario(DEFAULT_SCENARIO));
    noCut.runFor(2 * HOUR);
    const aPlus = Number(sim.meter.register("1.0.1.8.0.255")!.read());
    const full = Number(noCut.meter.register("1.0.1.8.0.255")!.read());
    // 20 minutes of the 6 A morning load (about 1.32 kW) are missing, nothing else.
    const lost = (228 * 6 * Math.cos((15 * Math.PI) / 180) * 20) / 60;
    expect(Math.abs(full - aPlus - lost * 1000) / (lost * 1000)).toBeLessThan(0.01);
    sim.running.stop();
  });

  it("opens the optical port at boot on the same DLMS server: a mode E sign-on gets the identification, and none without a DLMS server", () => {
    const linConfig = { ...manifest.config, ...manifest.platforms.lin.config };
    const serial = new SimSerialPort();
    const heard: number[] = [];
    serial.peer = (bytes) => heard.push(...bytes);
    const sim = mcsim(linConfig, { optical: serial });
    expect(sim.running.optical).not.toBeNull();
    expect(sim.traced.join("")).toContain("optical port: IEC 62056-21 mode E at 300 baud, then HDLC (physical address 1)");
    serial.deliver(new TextEncoder().encode("/?!\r\n"), null);
    sim.hw.runUntil(1_000);
    // Manufacturer, the highest baud code (5 = 9600), "\\2" (mode E: HDLC follows), the identification.
    expect(String.fromCharCode(...heard)).toBe("/DLM5\\2LITE00000001\r\n");
    sim.running.stop();
    // Esp32 settings with default secrets: no DLMS server, so no optical port either.
    const refused = mcsim({ ...manifest.config }, { optical: new SimSerialPort() });
    expect(refused.running.dlms).toBeNull();
    expect(refused.running.optical).toBeNull();
    refused.running.stop();
  });

  it("refuses the DLMS port while secrets are defaults and keeps the clock invalid without a time source", () => {
    const device = mcsim({ ...manifest.config, ssid: "meter-net", password: "s3cret" }, { systemTimeMs: 0, clockTrusted: false });
    expect(device.running.dlms).toBeNull();
    expect(FakeListener.last).toBeUndefined();
    expect(device.traced.join("")).toContain("DLMS port not opened: default secrets in use (reader password, management keys (simulator defaults))");
    device.hw.runUntil(HOUR);
    expect(device.meter.clock.invalid).toBe(true);
    expect(device.lcdLines().at(-1)).toMatch(/CLOCK-INVALID/);
    expect(device.lcdLines().at(-1)).toMatch(/SIGNAL:3/);
    device.running.stop();
  });

  it("sets the clock from SNTP once Wi-Fi is up (half the round trip added), then opens DLMS with provisioned secrets", () => {
    const requests: { address: string; port: number; bytes: number[] }[] = [];
    const holder: { hw?: ReturnType<typeof createLinHardware> } = {};
    const serverUtc = () => Date.UTC(2026, 2, 2, 5, 0, 0) + holder.hw!.virtual.nowMs();
    const Udp = class {
      constructor(o: { onReadable: (this: UdpIo, n: number) => void }) {
        return new (sntpServer(holder.hw!, serverUtc, requests))(o);
      }
    } as unknown as UdpClass;
    const device = mcsim(
      {
        ...manifest.config,
        ssid: "meter-net",
        password: "s3cret",
        readerPassword: "reader-pass-2026",
        encryptionKey: "00112233445566778899aabbccddeeff",
        authenticationKey: "8899aabbccddeeff0011223344556677",
        masterKey: "f0e1d2c3b4a5968778695a4b3c2d1e0f",
      },
      { systemTimeMs: 0, clockTrusted: false, udp: Udp },
    );
    holder.hw = device.hw;
    expect(device.running.dlms).not.toBeNull();
    expect(FakeListener.last!.options.port).toBe(4059);
    expect(device.meter.clock.invalid).toBe(true);
    device.hw.runUntil(250);
    expect(requests).toEqual([]); // Wi-Fi associates after 300 ms
    device.hw.runUntil(400);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ address: "162.159.200.123", port: 123 });
    expect(requests[0].bytes[0]).toBe(0x23);
    expect(device.meter.clock.invalid).toBe(false);
    // Request at 300 ms, reply at 340 ms carrying the server's 340 ms: the meter sets 340 + 20.
    expect(device.meter.clock.nowUtcMs()).toBe(Date.UTC(2026, 2, 2, 5, 0, 0) + 400 + 20);
    device.hw.runUntil(5_000);
    expect(device.lcdLines().at(-1)).not.toMatch(/CLOCK-INVALID/);
    expect(device.lcdLines().some((l) => /CLOCK-INVALID/.test(l))).toBe(true);
    expect(device.running.timeSync!.corrections).toBe(1);
    device.running.stop();
  });
});
