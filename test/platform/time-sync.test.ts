import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readSntpReply, writeSntpRequest } from "../../firmware/comms/net/sntp";
import { TimeSync, type SntpTransport } from "../../firmware/comms/net/time-sync";
import { lcdSignalBars } from "../../firmware/app/start";
import { UdpSntpTransport, type UdpClass, type UdpIo } from "../../firmware/platform/moddable/sntp-udp";
import { DEFAULT_SCENARIO } from "../../firmware/platform/lin/default-scenario";
import { parseScenario } from "../../host-sim/event-types";
import { VirtualClock } from "../../emulation/virtual-clock";

function reply(unixMs: number, patch: (b: Uint8Array) => void = () => {}): Uint8Array {
  const b = new Uint8Array(48);
  b[0] = 0x24; // LI 0, version 4, mode 4 (server)
  b[1] = 1;
  const v = new DataView(b.buffer);
  const s = Math.floor(unixMs / 1000) + 2_208_988_800;
  v.setUint32(40, s % 2 ** 32);
  v.setUint32(44, Math.round(((unixMs % 1000) / 1000) * 2 ** 32));
  patch(b);
  return b;
}

describe("SNTP packets", () => {
  it("writes a version 4 client request and reads the server's transmit time to the millisecond", () => {
    const req = new Uint8Array(48).fill(0xaa);
    writeSntpRequest(req);
    expect(req[0]).toBe(0x23);
    expect(req.subarray(1).every((b) => b === 0)).toBe(true);
    expect(readSntpReply(reply(Date.UTC(2026, 2, 2, 10, 15, 30, 250)))).toEqual({ utcMs: Date.UTC(2026, 2, 2, 10, 15, 30, 250) });
    // NTP era 1 (seconds wrapped in February 2036).
    expect(readSntpReply(reply(Date.UTC(2040, 0, 1)))).toEqual({ utcMs: Date.UTC(2040, 0, 1) });
  });

  it("rejects short, non-server, unsynchronised and empty replies", () => {
    const t = Date.UTC(2026, 2, 2);
    expect(readSntpReply(reply(t).subarray(0, 47))).toEqual({ error: "reply of 47 bytes (48 needed)" });
    expect(readSntpReply(reply(t, (b) => (b[0] = 0x23)))).toEqual({ error: "mode 3 is not a server reply" });
    expect(readSntpReply(reply(t, (b) => (b[1] = 0)))).toEqual({ error: "server not synchronised (leap 0, stratum 0)" });
    expect(readSntpReply(reply(t, (b) => (b[0] = 0xe4)))).toEqual({ error: "server not synchronised (leap 3, stratum 1)" });
    expect(readSntpReply(reply(t, (b) => b.fill(0, 40)))).toEqual({ error: "zero transmit timestamp" });
  });
});

describe("TimeSync", () => {
  function rig(invalid: boolean) {
    const clock = new VirtualClock(Date.UTC(2026, 2, 2));
    const target = { invalid, sets: [] as number[], nowUtcMs: () => clock.wallClockMs(), setTime(u: number) { this.sets.push(u); this.invalid = false; clock.setWallClockMs(u); } };
    const sent: { server: string; at: number }[] = [];
    let pending: ((r: Uint8Array) => void) | null = null;
    const transport: SntpTransport = {
      send: (server, request, onReply) => {
        expect(request[0]).toBe(0x23);
        sent.push({ server, at: clock.nowMs() });
        pending = onReply;
      },
      cancel: () => (pending = null),
    };
    const logs: string[] = [];
    const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(`W ${m}`), error: (m: string) => logs.push(`E ${m}`) };
    const sync = new TimeSync(transport, "10.0.0.1", target, clock, log);
    const answer = (utcMs: number) => pending?.(reply(utcMs));
    return { clock, target, sent, sync, answer, logs };
  }

  it("sets an invalid clock at once (plus half the round trip), resyncs every 6 h, skips corrections under 1 s", () => {
    const r = rig(true);
    r.sync.setOnline(true);
    expect(r.sent).toEqual([{ server: "10.0.0.1", at: 0 }]);
    r.clock.runUntil(80);
    r.answer(Date.UTC(2026, 5, 1, 12));
    expect(r.target.sets).toEqual([Date.UTC(2026, 5, 1, 12) + 40]);
    // The next sync is 6 h after the answer (at 80 ms).
    r.clock.runUntil(6 * 3_600_000 + 79);
    expect(r.sent).toHaveLength(1);
    r.clock.runUntil(6 * 3_600_000 + 80);
    expect(r.sent).toHaveLength(2);
    r.answer(r.clock.wallClockMs() + 900); // valid clock 900 ms off: left alone
    expect(r.target.sets).toHaveLength(1);
    r.clock.runUntil(12 * 3_600_000 + 80);
    expect(r.sent).toHaveLength(3);
    r.answer(r.clock.wallClockMs() - 1500);
    expect(r.target.sets).toHaveLength(2);
    expect(r.sync.syncs).toBe(3);
    expect(r.sync.corrections).toBe(2);
  });

  it("counts a missing or bad reply as a failure and retries after a minute; offline stops it", () => {
    const r = rig(true);
    r.sync.setOnline(true);
    r.clock.runUntil(1000);
    // A bad datagram is not the answer: the sync keeps waiting, the timeout decides.
    r.answer(Date.UTC(1900, 0, 1, 0, 0, 0, 0));
    expect(r.target.sets).toEqual([]);
    r.clock.runUntil(5_000);
    expect(r.sync.failures).toBe(1);
    expect(r.logs).toContain("W SNTP 10.0.0.1: zero transmit timestamp");
    const again = rig(true);
    again.sync.setOnline(true);
    again.clock.runUntil(5_000);
    expect(again.sync.failures).toBe(1);
    expect(again.logs).toContain("W SNTP 10.0.0.1: no reply");
    again.clock.runUntil(64_999);
    expect(again.sent).toHaveLength(1);
    again.clock.runUntil(65_000);
    expect(again.sent).toHaveLength(2);
    again.sync.setOnline(false);
    again.clock.runUntil(10 * 60_000);
    expect(again.sent).toHaveLength(2);
    expect(again.target.invalid).toBe(true);
  });
});

describe("UdpSntpTransport", () => {
  it("sends 48 bytes to the server's port 123 and passes on only that server's datagrams", () => {
    const writes: [string, number, number][] = [];
    let socket: { onReadable: (this: UdpIo, n: number) => void; inbox: (ArrayBuffer & { address: string; port: number })[]; closed: boolean } | null = null;
    const Udp = class {
      inbox: (ArrayBuffer & { address: string; port: number })[] = [];
      closed = false;
      onReadable: (this: UdpIo, n: number) => void;
      constructor(o: { onReadable: (this: UdpIo, n: number) => void }) {
        this.onReadable = o.onReadable;
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        socket = this;
      }
      write(address: string, port: number, buffer: Uint8Array) {
        writes.push([address, port, buffer.length]);
      }
      read() {
        return this.inbox.shift();
      }
      close() {
        this.closed = true;
      }
    } as unknown as UdpClass;
    const transport = new UdpSntpTransport(Udp);
    const got: number[] = [];
    const req = new Uint8Array(48);
    writeSntpRequest(req);
    transport.send("10.0.0.1", req, (r) => got.push(r.length));
    expect(writes).toEqual([["10.0.0.1", 123, 48]]);
    const s = socket!;
    s.inbox.push(Object.assign(new ArrayBuffer(48), { address: "10.6.6.6", port: 123 }), Object.assign(new ArrayBuffer(48), { address: "10.0.0.1", port: 123 }));
    s.onReadable.call(s as unknown as UdpIo, 2);
    expect(got).toEqual([48]);
    transport.cancel();
    expect(s.closed).toBe(true);
  });
});

describe("start-up helpers", () => {
  it("maps RSSI to the LCD bars: none without Wi-Fi, 0 offline, 3 at -60 dBm and better", () => {
    expect(lcdSignalBars(false, false, undefined)).toBe(-1);
    expect(lcdSignalBars(true, false, -50)).toBe(0);
    expect([-40, -60, -61, -70, -71, -90].map((r) => lcdSignalBars(true, true, r))).toEqual([3, 3, 2, 2, 1, 1]);
  });

  it("the embedded mcsim scenario is the household day shifted to start at 06:00", () => {
    const file = parseScenario(JSON.parse(readFileSync(join(__dirname, "..", "..", "emulation", "scenario", "scenarios", "household-day.json"), "utf8")));
    const embedded = parseScenario(DEFAULT_SCENARIO);
    const shift = 6 * 3_600_000;
    expect(embedded.startUtcMs - file.startUtcMs).toBe(shift);
    for (let t = 0; t < 86_400_000; t += 900_000) {
      const a = embedded.load.filter((s) => s.atMs <= t).at(-1)!;
      const b = file.load.filter((s) => s.atMs <= (t + shift) % 86_400_000).at(-1)!;
      expect([t, a.voltage, a.current, a.angle, a.frequency]).toEqual([t, b.voltage, b.current, b.angle, b.frequency]);
    }
  });
});
