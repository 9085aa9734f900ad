import { Ecma419DigitalIn, Ecma419DigitalOut } from "../../firmware/platform/moddable/digital";
import { Ecma419Flash } from "../../firmware/platform/moddable/flash";
import { ModdableClock } from "../../firmware/platform/moddable/clock";
import { Ecma419Spi } from "../../firmware/platform/moddable/spi";
import { Ecma419Network, Ecma419Socket } from "../../firmware/platform/moddable/tcp";
import type { DigitalClass, ListenerClass, TcpClass } from "../../firmware/platform/moddable/ecma419";
import { Ade7953Driver } from "../../firmware/drivers/ade7953/driver";
import { ADE7953 } from "../../firmware/drivers/ade7953/registers";
import { Meter } from "../../firmware/app/meter";
import { defaultMeterConfig } from "../../firmware/app/config";
import { Ade7953Emulator } from "../../emulation/ade7953/emulator";
import { ScenarioLine } from "../../emulation/scenario/line-source";
import { parseScenario } from "../../host-sim/event-types";
import { SeededRandom, SimLog, SimSpi } from "../../host-sim/board";
import { Simulation } from "../../host-sim/simulation";
import { VirtualClock } from "../../emulation/virtual-clock";
import { FakeListener, FakeSpi, FakeTcp, fakeTimerModule, makeFakeDigital } from "./fakes";

const scenarioJson = {
  start: "2026-03-02T00:00:00",
  load: [
    { at: 0, voltage: 230, current: 10, angle: 0 },
    { at: "20m", voltage: 232, current: 4, angle: 180 },
    { at: "40m", voltage: 229, current: 7, angle: 30 },
  ],
};

describe("ECMA-419 adapters", () => {
  it("SPI: every register transaction is one chip-select frame, released by flush(true)", () => {
    const clock = new VirtualClock(0);
    const chip = new Ade7953Emulator({ conditionsAt: (_t, out) => ((out.voltage = 230), Infinity) }, () => clock.nowMs());
    const fake = new FakeSpi(chip);
    const driver = new Ade7953Driver(new Ecma419Spi(fake));
    expect(driver.read(ADE7953.CONFIG)).toBe(0x8004);
    driver.write(ADE7953.LCYCMODE, 0x40);
    expect(fake.selected).toBe(false);
    expect(fake.frames).toEqual([
      [0x01, 0x02, 0x80, 0, 0],
      [0x00, 0x04, 0x00, 0x40],
    ]);
  });

  it("Digital: inputs call back on both edges, outputs write, a pin cannot be opened twice", () => {
    const { Digital, pins } = makeFakeDigital();
    const input = new Ecma419DigitalIn(Digital as unknown as DigitalClass, 25);
    const seen: number[] = [];
    input.onChange((level) => seen.push(level));
    pins.get(25)!.drive(0);
    pins.get(25)!.drive(1);
    expect(seen).toEqual([0, 1]);
    expect(input.read()).toBe(1);
    const out = new Ecma419DigitalOut(Digital as unknown as DigitalClass, 26);
    out.write(1);
    out.write(0);
    expect(pins.get(26)!.written).toEqual([0, 1, 0]);
    expect(() => new Ecma419DigitalOut(Digital as unknown as DigitalClass, 26)).toThrow("already in use");
  });

  it("TCP: drains exactly count bytes per onReadable, queues writes that would block", () => {
    FakeTcp.created = [];
    const network = new Ecma419Network(FakeListener as unknown as ListenerClass, FakeTcp as unknown as TcpClass);
    const listener = network.listen(4059);
    expect(FakeListener.last!.options.port).toBe(4059);
    const accepted: Ecma419Socket[] = [];
    const received: number[][] = [];
    listener.onConnection((socket) => {
      accepted.push(socket as Ecma419Socket);
      socket.onData((d) => received.push(Array.from(d)));
    });
    const raw = new FakeTcp({});
    FakeListener.last!.connectFrom(raw);
    const conn = raw.adoptedBy!;
    expect(accepted).toHaveLength(1);
    expect(accepted[0].remoteAddress).toBe("192.168.1.20");
    conn.arrive([0, 1, 0, 16]);
    conn.arrive([0, 1, 0, 5, 0x62]);
    expect(received).toEqual([[0, 1, 0, 16], [0, 1, 0, 5, 0x62]]);
    const big = new Uint8Array(100).map((_, i) => i);
    expect(accepted[0].write(big)).toBe(100);
    expect(conn.sent).toHaveLength(64);
    conn.drain(64);
    expect(conn.sent).toEqual(Array.from(big));
    let closed = 0;
    accepted[0].onClose(() => closed++);
    conn.fail();
    expect(closed).toBe(1);
    // The SDK keeps a socket (and every callback it holds) until it is closed: an error closes it.
    // Without this each client that hung up kept its session, and in mcsim a whole stopped meter.
    expect(conn.closed).toBe(true);
    expect(accepted[0].write(new Uint8Array(3))).toBe(0);
  });

  it("TCP: a handler object gets the events as method calls with the socket (no closures), connected at once when already up", () => {
    FakeTcp.created = [];
    const network = new Ecma419Network(FakeListener as unknown as ListenerClass, FakeTcp as unknown as TcpClass);
    const socket = network.connect("10.0.0.2", 1883);
    const raw = FakeTcp.created[0];
    const seen: string[] = [];
    let closures = 0;
    socket.onData(() => closures++);
    socket.onClose(() => closures++);
    socket.setHandler!({
      tcpData: (d, s) => seen.push(`data ${Array.from(d).join(",")} ${s === socket}`),
      tcpClosed: (s) => seen.push(`closed ${s === socket}`),
      tcpConnected: (s) => seen.push(`connected ${s === socket}`),
    });
    raw.arrive([0x20, 2, 0, 0]);
    raw.fail();
    expect(seen).toEqual(["connected true", "data 32,2,0,0 true", "closed true"]);
    expect(closures).toBe(0);
    expect(raw.closed).toBe(true);
  });

  it("TCP: refuses host names (Moddable's TCP takes numeric addresses only)", () => {
    const network = new Ecma419Network(FakeListener as unknown as ListenerClass, FakeTcp as unknown as TcpClass);
    expect(() => network.connect("headend.example", 4060)).toThrow("numeric IPv4 address");
    expect(network.connect("10.0.0.2", 4060)).toBeInstanceOf(Ecma419Socket);
  });

  it("Flash: maps sectors to erase blocks and bounds every write", () => {
    const storage = new Uint8Array(4 * 4096).fill(0xff);
    const erased: number[] = [];
    const flash = new Ecma419Flash({
      status: () => ({ size: storage.length, blockLength: 4096, blocks: 4 }),
      read: (buffer, offset) => {
        const b = buffer as Uint8Array;
        b.set(storage.subarray(offset, offset + b.length));
        return b.length;
      },
      write: (buffer, offset) => storage.set(buffer as Uint8Array, offset),
      eraseBlock: (start) => {
        erased.push(start);
        storage.fill(0xff, start * 4096, (start + 1) * 4096);
      },
    });
    expect(flash.sectorSize).toBe(4096);
    expect(flash.sectorCount).toBe(4);
    flash.write(8190, new Uint8Array([1, 2, 3, 4]));
    const back = new Uint8Array(4);
    flash.read(8190, back);
    expect(Array.from(back)).toEqual([1, 2, 3, 4]);
    flash.eraseSector(1);
    expect(erased).toEqual([1]);
    expect(() => flash.write(16383, new Uint8Array(2))).toThrow(RangeError);
    expect(() => flash.eraseSector(4)).toThrow(RangeError);
  });
});

describe("Spi.transaction", () => {
  it("is transfer + flush(true): the same chip-select frame and the same answer, on the ECMA-419 adapter and on the simulator's port", () => {
    const clock = new VirtualClock(0);
    const line = { conditionsAt: (_t: number, out: { voltage: number }) => ((out.voltage = 230), Infinity) };
    const fake = new FakeSpi(new Ade7953Emulator(line, () => clock.nowMs()));
    const spi = new Ecma419Spi(fake);
    const a = Uint8Array.of(0x01, 0x02, 0x80, 0, 0);
    const b = Uint8Array.of(0x01, 0x02, 0x80, 0, 0);
    spi.transfer(a);
    spi.flush(true);
    spi.transaction(b);
    expect(fake.selected).toBe(false);
    expect(fake.frames).toEqual([[0x01, 0x02, 0x80, 0, 0], [0x01, 0x02, 0x80, 0, 0]]);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(b.subarray(3))).toEqual([0x80, 0x04]);
    const sim = new SimSpi(new Ade7953Emulator(line, () => clock.nowMs()));
    const c = Uint8Array.of(0x01, 0x02, 0x80, 0, 0);
    sim.transaction(c);
    expect(sim.transactions).toBe(1);
    expect(Array.from(c)).toEqual(Array.from(a));
  });
});

describe("the whole meter through the adapters", () => {
  it("meters exactly like the simulated board over the same scenario", () => {
    const scenario = parseScenario(scenarioJson);
    const reference = new Simulation(scenario);
    reference.runFor(3_600_000);

    const clock = new VirtualClock(scenario.startUtcMs);
    const chip = new Ade7953Emulator(new ScenarioLine(scenario), () => clock.nowMs());
    const time = { ticks: 0, set: (s: number) => clock.setWallClockMs(s * 1000) };
    Object.defineProperty(time, "ticks", { get: () => clock.nowMs() });
    const board = {
      clock: new ModdableClock(fakeTimerModule(clock), time, () => clock.wallClockMs()),
      log: new SimLog(clock),
      random: new SeededRandom(),
      meteringSpi: new Ecma419Spi(new FakeSpi(chip)),
    };
    const meter = new Meter(board, { ...defaultMeterConfig(), ...reference.config });
    meter.start();
    clock.runUntil(3_600_000);
    for (const r of reference.meter.registers()) {
      expect([r.obis, meter.register(r.obis)?.read()]).toEqual([r.obis, r.read()]);
    }
    expect(meter.energy.activeImport).toBeGreaterThan(0);
    expect(meter.energy.activeExport).toBeGreaterThan(0);
  });
});
