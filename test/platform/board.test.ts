import { meterConfigFor } from "../../firmware/app/start";
import { Ade7953Driver } from "../../firmware/drivers/ade7953/driver";
import { ADE7953 } from "../../firmware/drivers/ade7953/registers";
import { createModdableBoard, type ModdableIo } from "../../firmware/platform/moddable/board";
import { ModdableClock } from "../../firmware/platform/moddable/clock";
import type { DigitalClass, ListenerClass, TcpClass } from "../../firmware/platform/moddable/ecma419";
import { checkPins, readSettings, REFERENCE_PINS, SettingsError } from "../../firmware/platform/moddable/settings";
import { Ecma419Wifi, type WifiClass } from "../../firmware/platform/moddable/wifi";
import { Ade7953Emulator } from "../../emulation/ade7953/emulator";
import { VirtualClock } from "../../emulation/virtual-clock";
import { FakeListener, FakeSpi, FakeTcp, fakeTimerModule, makeFakeDigital } from "./fakes";

/** A test CA certificate (P-256, self-signed, DER in base64) made with openssl for these tests. */
const TEST_CA = "MIIBhDCCASugAwIBAgIUKybHJ42Ju1BB+ki2xoUrCvTpYTwwCgYIKoZIzj0EAwIwGDEWMBQGA1UEAwwNbWV0ZXIgdGVzdCBDQTAeFw0yNjEyMDMyMjU3MzZaFw0zNjExMzAyMjU3MzZaMBgxFjAUBgNVBAMMDW1ldGVyIHRlc3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATuPmxg9omdWC9wAbnXE2+fQc8SAfX7QRRZab2mcQejgT8ZbEZERZ8Ble69F/3lTSdSu+TbcNLqPjowWezKiHwYo1MwUTAdBgNVHQ4EFgQUz29Xe9Jvr7nIM2bOpfR/9M9FJpswHwYDVR0jBBgwFoAUz29Xe9Jvr7nIM2bOpfR/9M9FJpswDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiBxBEfvMA8ljOAvYo7D5qu4iR27OXcGTsCMXJNw9KTylQIgMshasWKAZhicucItZn7sjXTZHMffDu3ceGDd7Fdbkf0=";

/** A fake `embedded:io/spi` class: records the options, talks to an emulated ADE7953. */
function fakeSpiClass(chip: Ade7953Emulator) {
  return class {
    static last: { options: Record<string, unknown>; bus: FakeSpi };
    readonly bus = new FakeSpi(chip);
    constructor(readonly options: Record<string, unknown>) {
      (this.constructor as unknown as { last: unknown }).last = this;
    }
    transfer(b: Uint8Array) { this.bus.transfer(b); }
    write(b: Uint8Array) { this.bus.write(b); }
    read(b: Uint8Array) { this.bus.read(b); }
    flush(d?: boolean) { this.bus.flush(d); }
  };
}

function rig(overrides: Partial<ModdableIo> = {}, config: Record<string, string | number> = {}) {
  const clock = new VirtualClock(Date.UTC(2026, 2, 2));
  const chip = new Ade7953Emulator({ conditionsAt: (_t, out) => ((out.voltage = 230), (out.current = 5), Infinity) }, () => clock.nowMs());
  const SPI = fakeSpiClass(chip);
  const { Digital, pins } = makeFakeDigital();
  const modes = new Map<number, unknown>();
  const RecordingDigital = class extends Digital {
    constructor(o: Record<string, unknown>) {
      super(o);
      modes.set(o.pin as number, o.mode);
    }
  };
  const traced: string[] = [];
  const opened: { path: string; mode: string }[] = [];
  const storage = new Uint8Array(128 * 4096).fill(0xff);
  const io: ModdableIo = {
    SPI,
    Digital: RecordingDigital as unknown as DigitalClass,
    Listener: FakeListener as unknown as ListenerClass,
    TCP: FakeTcp as unknown as TcpClass,
    flash: {
      open(o) {
        opened.push(o);
        if (o.path !== "meterdata") throw new Error("can't find partition");
        return {
          status: () => ({ size: storage.length, blockLength: 4096, blocks: 128 }),
          read: (b, off) => ((b as Uint8Array).set(storage.subarray(off, off + (b as Uint8Array).length)), (b as Uint8Array).length),
          write: (b, off) => storage.set(b as Uint8Array, off),
          eraseBlock: (s) => storage.fill(0xff, s * 4096, (s + 1) * 4096),
        };
      },
    },
    Timer: fakeTimerModule(clock),
    Time: { get ticks() { return clock.nowMs(); }, set: (s: number) => clock.setWallClockMs(s * 1000) },
    systemTimeMs: () => clock.wallClockMs(),
    randomBytes: (n) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff).buffer,
    trace: (t) => traced.push(t),
    ...overrides,
  };
  const built = createModdableBoard(io, readSettings(config));
  return { clock, chip, SPI, pins, modes, traced, opened, storage, built, io };
}

describe("createModdableBoard on fake ECMA-419 IO", () => {
  it("opens the metering IC's SPI with its own chip select (mode 3, VSPI) and releases it after every register transaction", () => {
    const { built, SPI } = rig();
    expect(SPI.last.options).toEqual({ clock: 18, in: 19, out: 23, select: 5, active: 0, hz: 1_000_000, mode: 3, port: 2 });
    const driver = new Ade7953Driver(built.board.meteringSpi);
    expect(driver.read(ADE7953.CONFIG)).toBe(0x8004);
    expect(SPI.last.bus.selected).toBe(false);
    driver.write(ADE7953.LCYCMODE, 0x40);
    expect(SPI.last.bus.selected).toBe(false);
    expect(SPI.last.bus.frames).toEqual([
      [0x01, 0x02, 0x80, 0, 0],
      [0x00, 0x04, 0x00, 0x40],
    ]);
  });

  it("gives every signal its own Digital instance: pull-ups except on input-only GPIO 34-39, outputs at their idle levels", () => {
    const { built, pins, modes } = rig();
    const b = built.board;
    for (const key of ["meteringIrq", "powerFail", "relaySetCoil", "relayResetCoil", "relayContact", "lcdCs", "lcdWr", "lcdData", "button", "terminalCover", "meterCover", "magnet", "gasPulse", "waterPulse"] as const) {
      expect(b[key]).toBeDefined();
    }
    expect(pins.size).toBe(14);
    expect(modes.get(REFERENCE_PINS.button)).toBe("input-pull-up");
    expect(modes.get(REFERENCE_PINS.terminalCover)).toBe("input");
    expect(modes.get(REFERENCE_PINS.powerFail)).toBe("input");
    expect(modes.get(REFERENCE_PINS.relaySet)).toBe("output");
    expect(pins.get(REFERENCE_PINS.lcdCs)!.written).toEqual([1]);
    expect(pins.get(REFERENCE_PINS.lcdWr)!.written).toEqual([1]);
    expect(pins.get(REFERENCE_PINS.lcdData)!.written).toEqual([0]);
    expect(pins.get(REFERENCE_PINS.relaySet)!.written).toEqual([0]);
    // An edge on the cover input reaches the port's handler with the new level.
    const seen: number[] = [];
    b.terminalCover!.onChange((l) => seen.push(l));
    pins.get(REFERENCE_PINS.terminalCover)!.drive(1);
    pins.get(REFERENCE_PINS.terminalCover)!.drive(0);
    expect(seen).toEqual([1, 0]);
  });

  it("a pin belongs to one IO instance: a map that reuses a GPIO is refused before any IO is opened, and the IO refuses it too", () => {
    expect(() => readSettings({ lcdCsPin: 25 })).toThrow("lcdCsPin: GPIO 25 is already used by relaySet");
    expect(() => checkPins({ ...REFERENCE_PINS, relayReset: 25 })).toThrow(SettingsError);
    const { io } = rig();
    const twice = { ...readSettings({}), pins: { ...REFERENCE_PINS, gasPulse: REFERENCE_PINS.button } };
    expect(() => createModdableBoard(io, twice)).toThrow("already in use");
  });

  it("reads the MQTT consumer interface from the mqtt* keys into the meter's configuration: off without a host", () => {
    expect(meterConfigFor(readSettings({})).mqtt.enabled).toBe(false);
    const s = readSettings({ mqttHost: "192.0.2.7", mqttPort: "8883", mqttTls: "true", mqttCa: TEST_CA, mqttUser: "house", mqttPassword: "s3cret-pass", mqttInterval: "30", serialNumber: "00000042" });
    const mqtt = meterConfigFor(s).mqtt;
    expect({ enabled: mqtt.enabled, host: mqtt.host, port: mqtt.port, tls: mqtt.tls, username: mqtt.username, intervalS: mqtt.intervalS, refuse: mqtt.refuseDefaultSecrets }).toEqual({
      enabled: true, host: "192.0.2.7", port: 8883, tls: true, username: "house", intervalS: 30, refuse: true,
    });
    expect(() => readSettings({ mqttHost: "192.0.2.7", mqttInterval: "ten" })).toThrow(SettingsError);
    expect(() => readSettings({ mqttHost: "192.0.2.7", mqttInterval: "ten" })).toThrow('config mqttInterval must be an integer, got "ten"');
  });

  it("TLS: mqttCa is the broker's CA (base64 DER), required with mqttTls; connectTls opens the SDK's TLSSocket over TCP with it", () => {
    expect(() => readSettings({ mqttHost: "192.0.2.7", mqttTls: "true" })).toThrow("mqttTls needs mqttCa");
    expect(() => readSettings({ mqttCa: "not base64!" })).toThrow('mqttCa must be base64 of a DER certificate (bad character "!")');
    expect(() => readSettings({ mqttCa: Buffer.from("a PEM header is not DER, nor is any text of this length at all").toString("base64") })).toThrow("mqttCa is not a DER certificate");
    const der = Buffer.from(TEST_CA, "base64");
    const settings = readSettings({ mqttHost: "192.0.2.7", mqttTls: "1", mqttCa: TEST_CA.replace(/(.{64})/g, "$1\n") });
    expect(Buffer.from(settings.tlsCertificate!)).toEqual(der);
    // A fake TLS socket class in the shape of the meter's (native-tls.ts): ECMA-419's `target`
    // becomes its own, and it calls the callbacks with itself as `this`.
    const made: Record<string, unknown>[] = [];
    class FakeTls {
      private readonly callbacks: { onReadable(this: FakeTls, n: number): void; onWritable(this: FakeTls, n: number): void };
      private pending = new Uint8Array(0);
      readonly written: Uint8Array[] = [];
      readonly target: unknown;
      constructor(readonly options: Record<string, unknown>) {
        made.push(options);
        const o = options as unknown as { onReadable(this: FakeTls, n: number): void; onWritable(this: FakeTls, n: number): void; target: unknown };
        this.target = o.target;
        this.callbacks = { onReadable: o.onReadable, onWritable: o.onWritable };
      }
      handshakeDone(room: number) {
        this.callbacks.onWritable.call(this, room);
      }
      arrive(bytes: number[]) {
        this.pending = Uint8Array.from(bytes);
        this.callbacks.onReadable.call(this, bytes.length);
      }
      read(n: number) {
        const out = this.pending.slice(0, n);
        this.pending = this.pending.subarray(n);
        return out.buffer;
      }
      write(b: Uint8Array) {
        this.written.push(Uint8Array.from(b));
      }
      close() {}
    }
    const { built, io } = rig({ TLSSocket: FakeTls as unknown as TcpClass }, { mqttHost: "192.0.2.7", mqttTls: "1", mqttCa: TEST_CA });
    const network = built.board.network!;
    expect(() => network.connectTls!("broker.example", 8883, "broker.example")).toThrow('TCP needs a numeric IPv4 address, got "broker.example"');
    const socket = network.connectTls!("192.0.2.7", 8883, "192.0.2.7");
    const options = made[0] as { address: string; port: number; host: string; TCP: { io: unknown }; secure: { certificate: ArrayBuffer } };
    expect({ address: options.address, port: options.port, host: options.host, io: options.TCP.io }).toEqual({ address: "192.0.2.7", port: 8883, host: "192.0.2.7", io: io.TCP });
    expect(Buffer.from(options.secure.certificate)).toEqual(der);
    const events: string[] = [];
    socket.onConnect!(() => events.push("connected"));
    socket.onData((d) => events.push(`data ${Array.from(d).join(",")}`));
    expect(socket.write(Uint8Array.of(0x10, 0x00))).toBe(2);
    const tls = (socket as unknown as { io: FakeTls }).io;
    expect(tls.written).toEqual([]);
    tls.handshakeDone(1000);
    tls.arrive([0x20, 0x02, 0x00, 0x00]);
    expect(events).toEqual(["connected", "data 32,2,0,0"]);
    expect(tls.written).toEqual([Uint8Array.of(0x10, 0x00)]);
    // Without the SDK's TLS socket there is no connectTls (the MQTT client then refuses TLS).
    expect(rig().built.board.network!.connectTls).toBeUndefined();
  });

  it("parses command-line strings, rejects flash pins, outputs on input-only pins, bad numbers and host names", () => {
    const s = readSettings({ meterIrqPin: "32", waterPulsePin: "-1", chip: "atm90e26", dlmsPort: "4060", sntp: "", readerPassword: "meter-reader-1", encryptionKey: "000102030405060708090a0b0c0d0e0f" });
    expect(s.pins.meterIrq).toBe(32);
    expect(s.pins.waterPulse).toBe(-1);
    expect(s.spiHz).toBe(150_000);
    expect(s.dlmsPort).toBe(4060);
    expect(s.sntp).toBe("");
    expect(Array.from(s.encryptionKey!)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(() => readSettings({ lcdWrPin: "7" })).toThrow("module's SPI flash");
    expect(() => readSettings({ relaySetPin: 35 })).toThrow("input-only");
    expect(() => readSettings({ buttonPin: "seventeen" })).toThrow("buttonPin must be an integer");
    expect(() => readSettings({ sntp: "pool.ntp.org" })).toThrow("numeric IPv4");
    expect(() => readSettings({ spiHz: 500_000, chip: "atm90e26" })).toThrow("spiHz");
    expect(() => readSettings({ encryptionKey: "abc" })).toThrow("32 hex digits");
    expect(() => readSettings({ readerPassword: "short" })).toThrow("8..32");
  });

  it("firmware images: the device's target is esp32-devkitc/esp32 unless configured; imagePublicKey provisions the signing key", () => {
    const device = meterConfigFor(readSettings({})).update;
    expect(device.target).toEqual({ board: "esp32-devkitc", chip: "esp32" });
    // Without imagePublicKey the development key stays (a default secret the device build refuses).
    expect(Buffer.from(device.publicKey).toString("hex")).toBe(Buffer.from(meterConfigFor({ ...readSettings({}), imagePublicKey: undefined }).update.publicKey).toString("hex"));
    const key = `04${"ab".repeat(32)}${"cd".repeat(32)}`;
    const s = meterConfigFor(readSettings({ imageBoard: "host-sim", imageChip: "emulated", imagePublicKey: key })).update;
    expect(s.target).toEqual({ board: "host-sim", chip: "emulated" });
    expect(Buffer.from(s.publicKey).toString("hex")).toBe(key);
    expect(() => readSettings({ imageChip: "an esp32" })).toThrow('imageChip must be 1 to 16 printable ASCII characters, got "an esp32"');
    expect(() => readSettings({ imageBoard: "x".repeat(17) })).toThrow("imageBoard must be 1 to 16");
    expect(() => readSettings({ imagePublicKey: `02${"ab".repeat(32)}` })).toThrow("imagePublicKey must be 130 hex digits starting 04");
  });

  it("leaves an unwired signal out of the Board", () => {
    const { built, pins } = rig({}, { waterPulsePin: -1, magnetPin: "-1" });
    expect(built.board.waterPulse).toBeUndefined();
    expect(built.board.magnet).toBeUndefined();
    expect(pins.size).toBe(12);
  });

  it("opens the journal partition read-write; a missing partition leaves the meter RAM-only with a logged reason", () => {
    const ok = rig();
    // The profiles' partition is tried too; this fake has none: the profiles share the journal's.
    expect(ok.opened).toEqual([{ path: "meterdata", mode: "r+" }, { path: "meterprof", mode: "r+" }]);
    expect(ok.built.board.profileFlash).toBeUndefined();
    expect(ok.traced.join("")).toContain('profiles partition "meterprof": can\'t find partition; the profiles share the journal partition');
    expect(ok.built.board.flash!.sectorCount).toBe(128);
    ok.built.board.flash!.write(4096, new Uint8Array([1, 2, 3]));
    expect(Array.from(ok.storage.subarray(4096, 4100))).toEqual([1, 2, 3, 0xff]);
    const missing = rig({}, { flashPartition: "storage" });
    expect(missing.built.board.flash).toBeUndefined();
    expect(missing.built.flashError).toBe('flash partition "storage": can\'t find partition');
    expect(missing.traced.join("")).toContain("error flash partition \"storage\": can't find partition; the meter keeps its state in RAM only");
  });

  it("TCP through the board: onReadable once per arrival drains exactly count bytes, a write that would block waits for onWritable", () => {
    const { built } = rig();
    const listener = built.board.network!.listen(4059);
    const got: number[][] = [];
    let socket: import("../../firmware/hal/tcp").TcpSocket | undefined;
    listener.onConnection((s) => {
      socket = s;
      s.onData((d) => got.push(Array.from(d)));
    });
    const raw = new FakeTcp({});
    FakeListener.last!.connectFrom(raw);
    const conn = raw.adoptedBy!;
    conn.arrive([0, 1, 0, 16, 0, 1]);
    conn.arrive([0, 5]);
    expect(got).toEqual([[0, 1, 0, 16, 0, 1], [0, 5]]);
    expect(socket!.write(new Uint8Array(200).fill(7))).toBe(200);
    expect(conn.sent).toHaveLength(64);
    conn.drain(100);
    expect(conn.sent).toHaveLength(164);
    conn.drain(100);
    expect(conn.sent).toHaveLength(200);
  });

  it("random bytes, trace log and Wi-Fi come from the injected modules", () => {
    const { built, traced } = rig({ WiFi: class { connection = 200; address = undefined; connect() {} disconnect() {} } as unknown as WifiClass });
    const bytes = new Uint8Array(4);
    built.board.random.fill(bytes);
    expect(Array.from(bytes)).toEqual([11, 48, 85, 122]);
    built.board.log.warn("low battery");
    expect(traced).toContain("warn low battery\n");
    expect(built.wifi).toBeInstanceOf(Ecma419Wifi);
    expect(rig().built.wifi).toBeNull();
  });
});

describe("ModdableClock", () => {
  it("keeps monotonic time across the 32-bit tick wrap and holds the wall clock as an offset", () => {
    let ticks = 2 ** 31 - 400;
    const set: number[] = [];
    const clock = new ModdableClock({ set: () => ({}), repeat: () => ({}), schedule: () => {}, clear: () => {} }, { get ticks() { return ticks; }, set: (s) => set.push(s) }, () => 1_772_409_600_000);
    expect(clock.nowMs()).toBe(0);
    ticks = -(2 ** 31) + 600; // int32 wrap: 1000 ms later
    expect(clock.nowMs()).toBe(1000);
    expect(clock.wallClockMs()).toBe(1_772_409_601_000);
    clock.setWallClockMs(1_800_000_000_500);
    expect(set).toEqual([1_800_000_000]);
    ticks += 2500;
    expect(clock.wallClockMs()).toBe(1_800_000_003_000);
  });

  it("re-arms one SDK timer for a one-shot (made unarmed, fires once per arm, re-armed from its own callback), making no new timer", () => {
    const virtual = new VirtualClock(0);
    const sdk = fakeTimerModule(virtual);
    let made = 0;
    const counting = { ...sdk, repeat: (cb: () => void, ms: number) => (made++, sdk.repeat(cb, ms)), set: (cb: () => void, ms?: number, r?: number) => (made++, sdk.set(cb, ms, r)) };
    const clock = new ModdableClock(counting, { get ticks() { return virtual.nowMs(); }, set: () => {} }, () => 0);
    const fired: number[] = [];
    let again = 2;
    const id = clock.oneShot(() => {
      fired.push(virtual.nowMs());
      if (again-- > 0) clock.arm(id, 5);
    });
    virtual.runUntil(1_000);
    expect(fired).toEqual([]); // unarmed until armed
    clock.arm(id, 100);
    clock.arm(id, 40); // moved, not doubled
    virtual.runUntil(10_000_000);
    expect(fired).toEqual([1_040, 1_045, 1_050]);
    clock.arm(id, 0);
    virtual.runUntil(10_000_001);
    expect(fired).toEqual([1_040, 1_045, 1_050, 10_000_000]);
    expect(made).toBe(1);
    clock.clearTimer(id);
    clock.arm(id, 0);
    virtual.runUntil(20_000_000);
    expect(fired.length).toBe(4);
  });
});

describe("Ecma419Wifi", () => {
  it("counts the link up at 500, or at 400 with an IPv4 address, and reads RSSI from the instance", () => {
    const state = { connection: 200, address: undefined as string | undefined, RSSI: -61 as number | undefined };
    const Fake = class {
      get connection() { return state.connection; }
      get address() { return state.address; }
      get RSSI() { return state.RSSI; }
      connect() {}
      disconnect() {}
    };
    const wifi = new Ecma419Wifi(Fake as unknown as WifiClass);
    expect(wifi.connected).toBe(false);
    state.connection = 400;
    state.address = "fe80::1";
    expect(wifi.connected).toBe(false);
    state.address = "192.168.4.20";
    expect(wifi.connected).toBe(true);
    expect(wifi.rssi).toBe(-61);
    state.connection = 500;
    expect(wifi.connected).toBe(true);
    state.connection = 300;
    state.address = undefined;
    expect(wifi.rssi).toBeUndefined();
  });
});
