/**
 * Issue 16 section 2: range reads that never miss a row, and capture times that are never made up.
 * Everything goes through the DLMS server with the project's client, on the meter's own buffers
 * (the flash-backed load profile, the event logs).
 */
import { array, decodeAll, encode, int, octets, struct, type Data } from "../../../host-sim/client/codec";
import type { Simulation } from "../../../host-sim/simulation";
import { EVENT } from "../../../firmware/kernel/event-codes";
import { fakeClient, makeServer, meterSim } from "./helpers";

const MIN = 60_000;
const CLOCK_COLUMN = struct(int(18, 8), octets([0, 0, 1, 0, 0, 255]), int(15, 2), int(18, 0));

/** date-time octet string of `ms` in UTC (deviation 0), hundredths from the milliseconds. */
function dt(ms: number): Data {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  return octets([y >> 8, y & 255, d.getUTCMonth() + 1, d.getUTCDate(), 0xff, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), Math.floor(d.getUTCMilliseconds() / 10), 0, 0, 0]);
}

/** UTC ms of a date-time the meter sent (deviation in minutes, local = UTC - deviation... as the Blue Book: local = UTC + (-deviation)). */
function utcOf(d: Data): number {
  const b = (d as { bytes: number[] }).bytes;
  const local = Date.UTC(b[0] * 256 + b[1], b[2] - 1, b[3], b[5], b[6], b[7], b[8] * 10);
  const raw = b[9] * 256 + b[10];
  const deviation = raw >= 0x8000 ? raw - 0x10000 : raw;
  return local + deviation * MIN;
}

/** Replaces the load profile's rows with rows stamped `times` (in this order). */
function loadRows(sim: Simulation, times: number[]): void {
  const buffer = sim.meter.profiles.load.buffer;
  buffer.clear();
  const row = new Float64Array(buffer.columns.length);
  times.forEach((t, i) => {
    row[0] = t;
    row[1] = 0;
    for (let c = 2; c < row.length; c++) row[c] = 1000 * c + i;
    buffer.append(row);
  });
}

async function rangeRead(sim: Simulation, obis: string, from: number, to: number): Promise<Data[]> {
  const { client } = fakeClient(makeServer(sim), 17, "12345678", 256);
  await client.associate();
  const rows = await client.get(7, obis, 2, { selector: 1, parameters: struct(CLOCK_COLUMN, dt(from), dt(to), array()) });
  return (rows as { items: Data[] }).items;
}

const times = (rows: Data[]) => rows.map((r) => utcOf((r as { items: Data[] }).items[0]));

describe("range_descriptor bounds are inclusive at the wire's resolution", () => {
  it("a row whose reported time equals the range end (its capture time has milliseconds) is returned", async () => {
    const sim = meterSim(0);
    const base = Date.UTC(2026, 0, 1, 0, 0, 0);
    // Captured by the DLMS capture method at odd milliseconds: reported as hundredths (…:00.12).
    const rowTimes = [0, 1, 2, 3, 4, 5].map((k) => base + k * 15 * MIN + 123);
    loadRows(sim, rowTimes);
    const rows = await rangeRead(sim, "1.0.99.1.0.255", rowTimes[1] - 3, rowTimes[4] - 3);
    // The range is 00:15:00.12 .. 01:00:00.12, exactly the reported times of rows 1 and 4.
    expect(times(rows)).toEqual([1, 2, 3, 4].map((k) => base + k * 15 * MIN + 120));
    // Row 4's values, so it is the row and not a neighbour.
    expect((rows[3] as { items: Data[] }).items[2]).toEqual(int(21, 1000 * 2 + 4));
  });

  it("a range of one instant returns the one row reported at that instant", async () => {
    const sim = meterSim(0);
    const base = Date.UTC(2026, 0, 1, 0, 0, 0);
    loadRows(sim, [base + 7, base + 15 * MIN + 7]);
    expect(times(await rangeRead(sim, "1.0.99.1.0.255", base, base))).toEqual([base]);
  });
});

describe("range selection does not assume capture times only increase", () => {
  it("after the clock was set back ~5 minutes, a range over 00:00-00:02 returns the 5 rows inside it, in buffer order", async () => {
    const sim = meterSim(0);
    const midnight = Date.UTC(2026, 0, 2, 0, 0, 0);
    // One-minute rows 23:56 .. 00:04, then the clock goes back to 23:59:30 and rows continue.
    const before = [-4, -3, -2, -1, 0, 1, 2, 3, 4].map((m) => midnight + m * MIN);
    const after = [-0.5, 0.5, 1.5, 2.5, 3.5, 4.5].map((m) => midnight + m * MIN);
    loadRows(sim, [...before, ...after]);
    const rows = await rangeRead(sim, "1.0.99.1.0.255", midnight, midnight + 2 * MIN);
    expect(times(rows)).toEqual([0, 1, 2, 0.5, 1.5].map((m) => midnight + m * MIN));
    // The values show the buffer order: rows 4, 5, 6, then 10, 11.
    expect(rows.map((r) => (r as { items: Data[] }).items[2])).toEqual([4, 5, 6, 10, 11].map((i) => int(21, 2000 + i)));
  });

  it("the same holds for an event log whose entries went back in time", async () => {
    const sim = meterSim(0);
    const log = sim.meter.events.fraud;
    log.clear();
    const t0 = Date.UTC(2026, 0, 3, 12, 0, 0);
    const stamps = [0, 10, 20, 30, 40, 5, 15, 25, 35].map((s) => t0 + s * 1000);
    stamps.forEach((t, i) => sim.meter.events.recordAt("fraud", t, 40 + (i % 2)));
    const rows = await rangeRead(sim, "0.0.99.98.1.255", t0 + 10_000, t0 + 25_000);
    expect(times(rows)).toEqual([10, 20, 15, 25].map((s) => t0 + s * 1000));
  });

  it("a range with no row inside is an empty array, and from after to is empty too", async () => {
    const sim = meterSim(0);
    const base = Date.UTC(2026, 0, 1, 0, 0, 0);
    loadRows(sim, [base, base + 15 * MIN]);
    expect(await rangeRead(sim, "1.0.99.1.0.255", base + MIN, base + 2 * MIN)).toEqual([]);
    expect(await rangeRead(sim, "1.0.99.1.0.255", base + 15 * MIN, base)).toEqual([]);
  });
});

describe("capture times never captured", () => {
  const NOT_SPECIFIED = octets([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0xff]);

  it("gas and water capture_time before any pulse read as the not-specified date-time, not 1970-01-01", async () => {
    const sim = meterSim(0);
    expect(sim.meter.gas.pulses).toBe(0);
    const { client } = fakeClient(makeServer(sim), 17, "12345678");
    await client.associate();
    expect(await client.get(4, "7.0.3.0.0.255", 5)).toEqual(NOT_SPECIFIED);
    expect(await client.get(4, "8.0.1.0.0.255", 5)).toEqual(NOT_SPECIFIED);
  });

  it("after a pulse the capture time is the pulse's edge", async () => {
    const sim = meterSim(0);
    const edge = Date.UTC(2026, 0, 5, 10, 0, 0);
    sim.meter.gas.captureUtcMs = edge;
    sim.meter.gas.pulses = 1;
    const { client } = fakeClient(makeServer(sim), 17, "12345678");
    await client.associate();
    expect(utcOf(await client.get(4, "7.0.3.0.0.255", 5))).toBe(edge);
  });
});

describe("repeated failed pushes in the communication log", () => {
  it("are one entry with a count, so the association events stay in the 100-entry log", async () => {
    const sim = meterSim(0);
    const events = sim.meter.events;
    const t0 = Date.UTC(2026, 0, 6, 8, 0, 0);
    events.recordAt("communication", t0, EVENT.communication.associationOpened);
    for (let i = 0; i < 150; i++) events.recordAt("communication", t0 + 60_000 + i * 900_000, EVENT.communication.pushFailed);
    events.recordAt("communication", t0 + 200 * 900_000, EVENT.communication.pushDelivered);
    events.recordAt("communication", t0 + 201 * 900_000, EVENT.communication.pushFailed);

    const { client } = fakeClient(makeServer(sim), 17, "12345678");
    await client.associate();
    // capture_objects: clock, the log's event code, and the repeat count.
    const capture = (await client.get(7, "0.0.99.98.5.255", 3)) as { items: Data[] };
    expect(capture.items).toHaveLength(3);
    expect(capture.items[2]).toEqual(struct(int(18, 1), octets([0, 0, 96, 15, 5, 255]), int(15, 2), int(18, 0)));
    const rows = ((await client.get(7, "0.0.99.98.5.255", 2)) as { items: Data[] }).items as { items: Data[] }[];
    // The association event at t0, the 150 failures as one entry (time of the first), delivered,
    // and the next failure (a new run), then the association opened just now by this read.
    expect(rows.slice(0, 4).map((r) => [utcOf(r.items[0]), r.items[1], r.items[2]])).toEqual([
      [t0, int(17, 242), int(18, 1)],
      [t0 + 60_000, int(17, 247), int(18, 150)],
      [t0 + 200 * 900_000, int(17, 246), int(18, 1)],
      [t0 + 201 * 900_000, int(17, 247), int(18, 1)],
    ]);
    expect(events.communication.count).toBeLessThanOrEqual(5);
  });
});

describe("a long read of a full ring that drops rows meanwhile", () => {
  /** Reads the fraud log's buffer block by block, recording `newEvents` events after the first block. */
  async function readWhileLogging(sim: Simulation, selection: number[], newEvents: number[]): Promise<number[]> {
    const { client } = fakeClient(makeServer(sim), 17, "12345678", 128);
    await client.associate();
    const blocks: Uint8Array[] = [];
    let r = await client.request([0xc0, 0x01, 0xc1, 0x00, 0x07, 0, 0, 99, 98, 1, 255, 2, ...selection]);
    for (;;) {
      if (r.type !== "get-block" || !r.raw) throw new Error(`unexpected answer ${JSON.stringify(r)}`);
      blocks.push(r.raw);
      if (r.last) break;
      if (blocks.length === 1) for (const t of newEvents) sim.meter.events.recordAt("fraud", t, 44);
      const n = r.block;
      r = await client.request([0xc0, 0x02, 0xc1, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    }
    const all = new Uint8Array(blocks.reduce((s, b) => s + b.length, 0));
    let at = 0;
    for (const b of blocks) {
      all.set(b, at);
      at += b.length;
    }
    return times((decodeAll(all) as { items: Data[] }).items);
  }

  function fullFraudLog(sim: Simulation, t0: number): number[] {
    const log = sim.meter.events.fraud;
    log.clear();
    const stamps: number[] = [];
    for (let i = 0; i < log.capacity; i++) {
      stamps.push(t0 + i * 1000);
      sim.meter.events.recordAt("fraud", t0 + i * 1000, 40);
    }
    return stamps;
  }

  it("every row announced at the start goes out once, in order, though three captures pushed the oldest out", async () => {
    const sim = meterSim(0);
    const t0 = Date.UTC(2026, 0, 7, 0, 0, 0);
    const stamps = fullFraudLog(sim, t0);
    const got = await readWhileLogging(sim, [0], [t0 + 500_000, t0 + 501_000, t0 + 502_000]);
    expect(got).toEqual(stamps);
  });

  it("the same for a range read", async () => {
    const sim = meterSim(0);
    const t0 = Date.UTC(2026, 0, 7, 0, 0, 0);
    const stamps = fullFraudLog(sim, t0);
    const range = [0x01, 0x01, ...encode(struct(CLOCK_COLUMN, dt(t0 + 10_000), dt(t0 + 89_000), array()))];
    const got = await readWhileLogging(sim, range, [t0 + 500_000, t0 + 501_000]);
    expect(got).toEqual(stamps.slice(10, 90));
  });
});
