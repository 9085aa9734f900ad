/**
 * System test: the meter's DLMS server on a real loopback TCP port (Node adapter of the Network
 * port), read with the independent client. Every object of docs/dlms-profile.md section 5 the meter has
 * is read attribute by attribute and checked against the meter's own state.
 */
import { type DlmsServer, defaultDlmsConfig, publicPolicy } from "../../firmware/comms/dlms";
import { registerValueType } from "../../firmware/app/meter-objects";
import { createMeterDlmsServer } from "../../firmware/app/meter-server";
import { type Data, int } from "../../host-sim/client/codec";
import { connectTcp, DlmsClient, type ObjectListEntry } from "../../host-sim/client/session";
import { NodeNetwork, type NodeTcpListener } from "../../host-sim/node-network";
import type { Simulation } from "../../host-sim/simulation";
import { meterSim, READER_PASSWORD } from "../comms/dlms/helpers";

/** Section 5 of docs/dlms-profile.md: class and OBIS of every object. */
const SECTION_5: [number, string][] = [
  [1, "0.0.42.0.0.255"], [1, "0.0.96.1.0.255"], [1, "1.0.0.2.0.255"], [15, "0.0.40.0.0.255"], [17, "0.0.41.0.0.255"],
  [64, "0.0.43.0.0.255"], [1, "0.0.43.1.0.255"], [8, "0.0.1.0.0.255"],
  ...[0, 1, 2, 3, 4].flatMap((r): [number, string][] => [[3, `1.0.1.8.${r}.255`], [3, `1.0.2.8.${r}.255`]]),
  [3, "1.0.3.8.0.255"], [3, "1.0.4.8.0.255"], [3, "1.0.5.8.0.255"], [3, "1.0.6.8.0.255"], [3, "1.0.7.8.0.255"], [3, "1.0.8.8.0.255"],
  [3, "1.0.9.8.0.255"], [3, "1.0.15.8.0.255"], [3, "1.0.16.8.0.255"],
  [5, "1.0.1.4.0.255"], ...[0, 1, 2, 3, 4].map((r): [number, string] => [4, `1.0.1.6.${r}.255`]), [4, "1.0.2.6.0.255"],
  [3, "1.0.32.7.0.255"], [3, "1.0.31.7.0.255"], [3, "1.0.91.7.0.255"],
  [3, "1.0.1.7.0.255"], [3, "1.0.2.7.0.255"], [3, "1.0.3.7.0.255"], [3, "1.0.4.7.0.255"], [3, "1.0.9.7.0.255"], [3, "1.0.13.7.0.255"], [3, "1.0.14.7.0.255"],
  [20, "0.0.13.0.0.255"], [11, "0.0.11.0.0.255"], [1, "0.0.96.14.0.255"], [22, "0.0.15.0.0.255"], [7, "0.0.98.1.0.255"],
  [7, "1.0.99.1.0.255"], [7, "1.0.99.2.0.255"], [1, "0.0.96.10.1.255"],
  ...[0, 1, 2, 4, 5].flatMap((e): [number, string][] => [[7, `0.0.99.98.${e}.255`], [1, `0.0.96.11.${e}.255`]]),
  [7, "1.0.99.97.0.255"], [1, "0.0.96.7.21.255"], [1, "0.0.96.7.9.255"], [3, "0.0.96.7.19.255"], [3, "0.0.96.7.20.255"],
  [1, "0.0.97.98.0.255"], [1, "0.0.97.98.10.255"],
  [1, "1.0.32.32.0.255"], [3, "1.0.32.33.0.255"], [3, "1.0.32.34.0.255"], [1, "1.0.32.36.0.255"], [3, "1.0.32.37.0.255"], [3, "1.0.32.38.0.255"],
  [3, "1.0.12.31.0.255"], [3, "1.0.12.35.0.255"], [3, "1.0.12.39.0.255"], [3, "1.0.12.43.0.255"], [3, "1.0.12.44.0.255"], [3, "1.0.12.45.0.255"],
  [70, "0.0.96.3.10.255"], [71, "0.0.17.0.0.255"], [4, "7.0.3.0.0.255"], [4, "8.0.1.0.0.255"], [40, "0.0.25.9.0.255"],
];

const num = (d: Data): number => {
  if (d.kind === "int") return Number(d.value);
  if (d.kind === "enum") return d.value;
  if (d.kind === "boolean") return d.value ? 1 : 0;
  throw new Error(`not a number: ${JSON.stringify(d)}`);
};
const ascii = (d: Data): string => (d.kind === "octet-string" ? String.fromCharCode(...d.bytes) : "");

/** Local date-time bytes the meter should send for `utcMs` (CET/CEST, scenario in March: +60). */
function expectedDateTime(sim: Simulation, utcMs: number): number[] {
  const c = sim.meter.clock;
  const local = new Date(utcMs - c.deviationAt(utcMs) * 60_000);
  const dev = c.deviationAt(utcMs) & 0xffff;
  return [local.getUTCFullYear() >> 8, local.getUTCFullYear() & 255, local.getUTCMonth() + 1, local.getUTCDate(), ((local.getUTCDay() + 6) % 7) + 1,
    local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), Math.floor(local.getUTCMilliseconds() / 10), dev >> 8, dev & 255, c.statusAt(utcMs)];
}

describe("DLMS over loopback TCP", () => {
  let sim: Simulation;
  let server: DlmsServer;
  let port: number;

  beforeAll(async () => {
    sim = meterSim(3);
    sim.meter.events.raiseAlarm(11);
    server = createMeterDlmsServer(sim.meter, { ...defaultDlmsConfig(), readerPassword: READER_PASSWORD, refuseDefaultSecrets: false, maxConnections: 16, maxSendPdu: 0xffff });
    const listener = server.listen(new NodeNetwork(), 0, "127.0.0.1") as NodeTcpListener;
    port = await listener.ready;
  });

  afterAll(() => server.close());

  async function connect(clientSap: number, password?: string, maxReceivePdu = 0xffff): Promise<DlmsClient> {
    const t = await connectTcp("127.0.0.1", port);
    const client = new DlmsClient(t, { clientSap, password, maxReceivePdu });
    await client.associate();
    return client;
  }

  it("the reader reads every section-5 object the meter has, every attribute, with the meter's values", async () => {
    const client = await connect(17, READER_PASSWORD, 512);
    const list = await client.objectList();
    const listed = new Map<string, ObjectListEntry>(list.map((o) => [o.obis, o]));
    const missing: string[] = [];
    const m = sim.meter;
    for (const [classId, obis] of SECTION_5) {
      const entry = listed.get(obis);
      if (!entry) {
        // Absent objects answer object-undefined (4); the security setup is hidden from the reader (3).
        const r = await client.getResult(classId, obis, 1);
        expect(r.error).toBe(server.options.model.find(obis) ? 3 : 4);
        missing.push(obis);
        continue;
      }
      expect(entry.classId).toBe(classId);
      const values: Data[] = [];
      for (const a of entry.attributes) {
        const r = await client.getResult(classId, obis, a.id);
        if (a.access & 1) {
          expect({ obis, attr: a.id, error: r.error }).toEqual({ obis, attr: a.id, error: undefined });
          values[a.id] = r.data!;
        } else {
          expect(r.error).toBe(3);
        }
      }
      expect(values[1]).toEqual({ kind: "octet-string", bytes: obis.split(".").map(Number) });
      const reg = m.register(obis);
      if (reg && [1, 3, 4].includes(classId)) {
        expect({ obis, value: num(values[2]) }).toEqual({ obis, value: reg.read() });
        const type = registerValueType(reg);
        expect((values[2] as { tag?: number }).tag ?? 0).toBe(type);
        if (classId !== 1) expect(values[3]).toEqual({ kind: "structure", items: [int(15, reg.scaler), { kind: "enum", value: { Wh: 30, varh: 32, VAh: 31, W: 27, var: 29, VA: 28, V: 35, A: 33, Hz: 44, s: 7, m3: 13, "": 255 }[reg.unit] }] });
      }
      if (classId === 5) expect(num(values[2])).toBe(reg!.read());
      if (classId === 7) {
        const buffer = obis === "1.0.99.1.0.255" ? m.profiles.load.buffer : obis === "1.0.99.2.0.255" ? m.profiles.daily.buffer : null;
        expect((values[2] as { items: Data[] }).items).toHaveLength(num(values[7]));
        if (buffer) expect(num(values[7])).toBe(buffer.entriesInUse());
        const log = m.events.all().find((l) => obis === `0.0.99.98.${{ standard: 0, fraud: 1, disconnector: 2, powerQuality: 4, communication: 5 }[l.name]}.255`);
        if (log) {
          expect(num(values[7])).toBe(log.count);
          if (log.count > 0) expect((values[2] as { items: Data[] }).items.map((r) => num((r as { items: Data[] }).items[1]))).toEqual(Array.from({ length: log.count }, (_, i) => log.codeAt(i)));
        }
      }
    }
    const byObis = (obis: string) => list.find((o) => o.obis === obis)!;
    expect(byObis("0.0.96.1.0.255")).toBeDefined();
    expect(ascii(await client.get(1, "0.0.96.1.0.255", 2))).toBe(m.config.serialNumber);
    expect(ascii(await client.get(1, "1.0.0.2.0.255", 2))).toBe(m.config.firmwareId);
    expect(await client.get(8, "0.0.1.0.0.255", 2)).toEqual({ kind: "octet-string", bytes: expectedDateTime(sim, sim.clock.wallClockMs()) });
    expect(num(await client.get(8, "0.0.1.0.0.255", 3))).toBe(m.clock.timeZone);
    expect(num(await client.get(70, "0.0.96.3.10.255", 3))).toBe(m.disconnector.controlState);
    expect(num(await client.get(70, "0.0.96.3.10.255", 4))).toBe(m.disconnector.controlMode);
    expect(num(await client.get(1, "0.0.97.98.0.255", 2))).toBe(2 ** 11);
    expect(ascii(await client.get(20, "0.0.13.0.0.255", 2))).toBe(m.tariffs.tou.activeCalendar.name);
    expect(num(await client.get(71, "0.0.17.0.0.255", 4))).toBe(m.limiter.settings.thresholdNormal);
    // Only objects of other features (security setup, invocation counter, push) may be missing.
    expect(missing.filter((o) => !["0.0.43.0.0.255", "0.0.43.1.0.255", "0.0.25.9.0.255"].includes(o))).toEqual([]);
    await client.release();
    t_close(client);
  });

  it("a public client sees only identity, clock and its association; several clients are served at once", async () => {
    const clients = await Promise.all([connect(16), connect(17, READER_PASSWORD, 64), connect(16)]);
    const [pub, reader] = clients;
    const list = await pub.objectList();
    const policy = publicPolicy();
    expect(list.map((o) => o.obis)).toEqual(server.options.model.objects.filter((o) => policy.canSee(o)).map((o) => o.obis));
    expect(list.every((o) => ["identity", "clock"].includes(server.options.model.find(o.obis)!.group) || o.obis === "0.0.40.0.0.255")).toBe(true);
    expect((await pub.getResult(3, "1.0.1.8.0.255", 2)).error).toBe(3);
    const [a, b] = await Promise.all([reader.get(3, "1.0.1.8.0.255", 2), clients[2].get(1, "0.0.96.1.0.255", 2)]);
    expect(num(a)).toBe(sim.meter.energy.activeImport);
    expect(ascii(b)).toBe(sim.meter.config.serialNumber);
    for (const c of clients) t_close(c);
  });
});

function t_close(client: DlmsClient): void {
  client.transport.close();
}
