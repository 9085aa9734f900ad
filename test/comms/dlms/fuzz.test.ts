/**
 * Fuzzing the server (fast-check): random and mutated WRAPPER frames and APDUs, fed in random
 * chunks. For every input the server must not throw, must answer each complete well-headed
 * frame exactly once with a well-formed frame, or close the connection exactly when the WRAPPER
 * header is broken; a long-lived connection keeps working; no register and no relay state moves.
 * Most cases go through a fake socket for speed, a few hundred through real loopback TCP.
 */
import fc from "fast-check";
import { asciiToBytes, DlmsServer, encodeData, publicPolicy, readerPolicy, type DlmsData } from "../../../firmware/comms/dlms";
import { buildMeterObjectModel } from "../../../firmware/app/meter-objects";
import { actionNormal, array, getNext, getNormal, getWithList, int, obisBytes, octets, setFirstBlock, setNormal, struct, wrap } from "../../../host-sim/client/codec";
import { connectTcp, DlmsClient } from "../../../host-sim/client/session";
import { NodeNetwork, type NodeTcpListener } from "../../../host-sim/node-network";
import { FakeSocket, fakeClient, hex, meterSim, READER_PASSWORD } from "./helpers";

const MAX_APDU = 1024 + 16;
const sim = meterSim(1);
const model = buildMeterObjectModel(sim.meter);
const server = new DlmsServer({ clock: sim.clock, log: { info: () => {}, warn: () => {}, error: (m) => errors.push(m) }, model, policies: [publicPolicy(), readerPolicy(asciiToBytes(READER_PASSWORD))] });
const errors: string[] = [];
let fed = 0;

const AARQ_PUBLIC = hex("00 01 00 10 00 01 00 1F 60 1D A1 09 06 07 60 85 74 05 08 01 01 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D FF FF");
const AARQ_READER = wrap(17, 1, hex("60 36 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01 AC 0A 80 08 31 32 33 34 35 36 37 38 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D 00 40"));
const OBIS = model.objects.map((o) => ({ classId: o.classId, obis: o.obis }));
const restricting = struct(int(18, 8), octets([0, 0, 1, 0, 0, 255]), int(15, 2), int(18, 0));
const dt = octets([0x07, 0xea, 3, 2, 0xff, 0, 30, 0, 0, 0x80, 0, 0xff]);

/** Valid frames of every service, the starting points of mutation. */
const CORPUS: Uint8Array[] = [
  AARQ_PUBLIC,
  AARQ_READER,
  hex("00 01 00 10 00 01 00 0D C0 01 C1 00 08 00 00 01 00 00 FF 02 00"),
  hex("00 01 00 11 00 01 00 0D C0 01 C1 00 0F 00 00 28 00 00 FF 02 00"),
  hex("00 01 00 11 00 01 00 20 C0 01 C1 00 07 01 00 63 01 00 FF 02 01 02 02 04 06 00 00 00 02 06 00 00 00 03 12 00 01 12 00 00"),
  wrap(17, 1, getNormal(0xc1, 7, "1.0.99.1.0.255", 2, { selector: 1, parameters: struct(restricting, dt, dt, array()) })),
  wrap(17, 1, getNext(0xc1, 1)),
  wrap(17, 1, getWithList(0xc1, [{ classId: 3, obis: "1.0.1.8.0.255", attr: 2 }, { classId: 7, obis: "0.0.99.98.0.255", attr: 2 }])),
  wrap(17, 1, setNormal(0xc1, 8, "0.0.1.0.0.255", 3, int(16, 60))),
  wrap(17, 1, setFirstBlock(0xc1, 1, "0.0.97.98.10.255", 2, false, [6, 0])),
  hex("00 01 00 11 00 01 00 0B C1 03 C1 01 00 00 00 02 02 00 00"),
  wrap(17, 1, actionNormal(0xc1, 70, "0.0.96.3.10.255", 1, int(15, 0))),
  wrap(17, 1, actionNormal(0xc1, 8, "0.0.1.0.0.255", 6, int(16, 10))),
  hex("00 01 00 11 00 01 00 05 62 03 80 01 00"),
  hex("00 01 00 01 00 01 00 29 DB 08 47 75 72 75 78 31 32 33 1E 30 00 00 00 04 1E 0F 38 15 CD 1D 8B 13 34 DD 27 48 E7 AD 6B AA 04 41 6C 28 99 2A 4C F9 89"),
];

/** What the server must do with `stream`: replies owed, and whether it must close. */
function oracle(stream: Uint8Array): { replies: number[]; closed: boolean } {
  const replies: number[] = [];
  let p = 0;
  while (stream.length - p >= 8) {
    if (stream[p] !== 0 || stream[p + 1] !== 1) return { replies, closed: true };
    const len = stream[p + 6] * 256 + stream[p + 7];
    if (len > MAX_APDU) return { replies, closed: true };
    if (p + 8 + len > stream.length) break;
    if (stream[p + 4] * 256 + stream[p + 5] !== 1) return { replies, closed: true };
    replies.push(stream[p + 2] * 256 + stream[p + 3]);
    p += 8 + len;
  }
  return { replies, closed: false };
}

/** Splits the written bytes into frames; throws on anything that is not a well-formed WRAPPER frame from wPort 1. */
function replyFrames(out: Uint8Array[]): number[] {
  const all = out.length === 1 ? out[0] : Buffer.concat(out);
  const destinations: number[] = [];
  let p = 0;
  while (p < all.length) {
    const len = all[p + 6] * 256 + all[p + 7];
    if (all.length - p < 8 || all[p] !== 0 || all[p + 1] !== 1 || all[p + 2] !== 0 || all[p + 3] !== 1 || len === 0 || p + 8 + len > all.length) {
      throw new Error(`malformed reply ${Buffer.from(all).toString("hex")}`);
    }
    destinations.push(all[p + 4] * 256 + all[p + 5]);
    p += 8 + len;
  }
  return destinations;
}

const meterState = () => JSON.stringify([sim.meter.registers().map((r) => r.read()), sim.meter.disconnector.controlState, sim.meter.disconnector.outputState, sim.meter.disconnector.controlMode, sim.meter.clock.nowUtcMs(), sim.meter.clock.timeZone, sim.meter.events.alarmFilter, sim.meter.tariffs.tou.passiveCalendar]);
const initialState = meterState();

/** Feeds one case through a fresh connection in the given chunks and checks the outcome. */
function runCase(stream: Uint8Array, cuts: number[]): void {
  const socket = new FakeSocket();
  server.attach(socket);
  let p = 0;
  let k = 0;
  while (p < stream.length && !socket.closed) {
    const n = cuts.length ? Math.max(1, cuts[k++ % cuts.length]) : stream.length;
    socket.feed(stream.subarray(p, p + n));
    p += n;
  }
  fed++;
  const expected = oracle(stream);
  const got = replyFrames(socket.out);
  if (socket.closed !== expected.closed || got.length !== expected.replies.length || got.some((d, i) => d !== expected.replies[i])) {
    throw new Error(`input ${Buffer.from(stream).toString("hex")}: expected ${JSON.stringify(expected)}, got closed=${socket.closed} replies=${JSON.stringify(got)}`);
  }
  if (!socket.closed) socket.hangUp();
}

const chunks = fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 6 });
const prefix = fc.constantFrom(new Uint8Array(0), AARQ_PUBLIC, AARQ_READER, AARQ_READER);

/** A small random Data value (firmware encoder) for selective-access parameters and SET values. */
const leaf: fc.Arbitrary<DlmsData> = fc.oneof(
  fc.constant<DlmsData>({ type: 0 }),
  fc.integer({ min: 0, max: 0xffffffff }).map((value): DlmsData => ({ type: 6, value })),
  fc.integer({ min: 0, max: 65535 }).map((value): DlmsData => ({ type: 18, value })),
  fc.integer({ min: -128, max: 127 }).map((value): DlmsData => ({ type: 15, value })),
  fc.uint8Array({ maxLength: 14 }).map((bytes): DlmsData => ({ type: 9, bytes })),
  fc.constant<DlmsData>({ type: 9, bytes: Uint8Array.from([0, 0, 1, 0, 0, 255]) }),
  fc.constant<DlmsData>({ type: 9, bytes: Uint8Array.from([0x07, 0xea, 3, 2, 0xff, 1, 0, 0, 0, 0xff, 0xc4, 0]) }),
);
const dataArb: fc.Arbitrary<DlmsData> = fc.letrec<{ d: DlmsData }>((tie) => ({
  d: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("d"), { maxLength: 4 }).map((items): DlmsData => ({ type: 2, items })), fc.array(tie("d"), { maxLength: 3 }).map((items): DlmsData => ({ type: 1, items }))),
})).d;

describe("fuzz", () => {
  afterAll(() => {
    expect(fed).toBeGreaterThanOrEqual(100_000);
    expect(errors).toEqual([]);
    expect(meterState()).toBe(initialState);
  });

  it("random bytes", () => {
    fc.assert(fc.property(prefix, fc.uint8Array({ maxLength: 48 }), chunks, (pre, bytes, cuts) => runCase(Buffer.concat([pre, bytes]), cuts)), { numRuns: 20_000 });
  });

  it("well-headed frames with random APDUs", () => {
    const tag = fc.oneof(fc.constantFrom(0x60, 0x62, 0xc0, 0xc1, 0xc3, 0xc8, 0xcb, 0xdb, 0xd8, 0x01), fc.integer({ min: 0, max: 255 }));
    const frame = fc.tuple(fc.constantFrom(16, 17, 17, 1, 0x30, 0x66), tag, fc.integer({ min: 0, max: 8 }), fc.uint8Array({ maxLength: 40 })).map(([src, t, sub, body]) => wrap(src, 1, [t, sub, ...body]));
    fc.assert(fc.property(prefix, fc.array(frame, { minLength: 1, maxLength: 4 }), chunks, (pre, frames, cuts) => runCase(Buffer.concat([pre, ...frames]), cuts)), { numRuns: 25_000 });
  });

  it("mutated valid frames (bytes changed, cut, inserted, lengths off)", () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant("cut" as const), at: fc.nat(), value: fc.integer({ min: 1, max: 8 }) }),
      fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant("length" as const), at: fc.nat(), value: fc.integer({ min: -3, max: 3 }) }),
    );
    fc.assert(fc.property(prefix, fc.nat({ max: CORPUS.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), chunks, (pre, i, mutations, cuts) => {
      const bytes = Array.from(CORPUS[i]);
      for (const m of mutations) {
        const at = m.at % Math.max(1, bytes.length);
        if (m.kind === "set") bytes[at] = m.value;
        else if (m.kind === "cut") bytes.splice(at, m.value);
        else if (m.kind === "insert") bytes.splice(at, 0, m.value);
        else if (bytes.length >= 8) {
          const len = Math.max(0, Math.min(0xffff, bytes[6] * 256 + bytes[7] + m.value));
          bytes[6] = len >> 8;
          bytes[7] = len & 0xff;
        }
      }
      runCase(Buffer.concat([pre, Uint8Array.from(bytes)]), cuts);
    }), { numRuns: 30_000 });
  });

  it("structured GET/SET/ACTION on every object with random attributes, selectors and values", () => {
    const target = fc.oneof(fc.constantFrom(...OBIS), fc.record({ classId: fc.integer({ min: 0, max: 80 }), obis: fc.constantFrom(...OBIS.map((o) => o.obis)) }));
    const request = fc.tuple(fc.constantFrom("get", "get", "list", "set", "action", "next"), target, fc.integer({ min: -2, max: 14 }), fc.option(fc.tuple(fc.integer({ min: 0, max: 4 }), dataArb)), dataArb, fc.nat({ max: 5 }))
      .map(([kind, t, attr, sel, value, block]) => {
        const d = [t.classId >> 8, t.classId & 0xff, ...obisBytes(t.obis), attr & 0xff];
        const encoded = Array.from(encodeData(value));
        let apdu: number[];
        if (kind === "get") apdu = [0xc0, 0x01, 0xc1, ...d, ...(sel ? [1, sel[0], ...Array.from(encodeData(sel[1]))] : [0])];
        else if (kind === "list") apdu = getWithList(0xc1, [{ classId: t.classId, obis: t.obis, attr: attr & 0xff }, { classId: 3, obis: "1.0.1.8.0.255", attr: 2 }]);
        else if (kind === "set") apdu = [0xc1, 0x01, 0xc1, ...d, 0, ...encoded];
        else if (kind === "action") apdu = [0xc3, 0x01, 0xc1, ...d, 1, ...encoded];
        else apdu = getNext(0xc1, block);
        return wrap(17, 1, apdu);
      });
    fc.assert(fc.property(fc.array(request, { minLength: 1, maxLength: 5 }), chunks, (frames, cuts) => runCase(Buffer.concat([AARQ_READER, ...frames]), cuts)), { numRuns: 25_000 });
  });

  it("a long-lived connection keeps working between fuzz cases", async () => {
    const { client } = fakeClient(server, 17, READER_PASSWORD, 64);
    await client.associate();
    for (let i = 0; i < 20; i++) {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 30 }), chunks, (bytes, cuts) => runCase(Buffer.concat([AARQ_READER, bytes]), cuts)), { numRuns: 100 });
      expect(Number(((await client.get(3, "1.0.1.8.0.255", 2)) as { value: bigint }).value)).toBe(sim.meter.energy.activeImport);
    }
    expect((await client.objectList()).length).toBe(model.objects.length - model.objects.filter((o) => o.group === "security").length);
  });

  it("a few hundred mutated frames through real TCP; another TCP client is unaffected", async () => {
    const listener = server.listen(new NodeNetwork(), 0, "127.0.0.1") as NodeTcpListener;
    const port = await listener.ready;
    try {
      const steady = new DlmsClient(await connectTcp("127.0.0.1", port), { clientSap: 17, password: READER_PASSWORD });
      await steady.associate();
      const samples = fc.sample(fc.tuple(fc.nat({ max: CORPUS.length - 1 }), fc.nat(), fc.integer({ min: 0, max: 255 })), { numRuns: 300, seed: 7 });
      for (let batch = 0; batch < 10; batch++) {
        const t = await connectTcp("127.0.0.1", port);
        const received: Buffer[] = [];
        t.socket.removeAllListeners("data");
        t.socket.on("data", (c) => received.push(c));
        const closed = new Promise<void>((resolve) => t.socket.once("close", () => resolve()));
        const cases = samples.slice(batch * 30, batch * 30 + 30).map(([i, at, v]) => {
          const b = Uint8Array.from(CORPUS[i]);
          b[8 + (at % Math.max(1, b.length - 8))] = v; // mutate the APDU, keep the header
          return b;
        });
        const stream = Buffer.concat([AARQ_READER, ...cases]);
        t.socket.write(stream);
        const expected = oracle(stream);
        const deadline = Date.now() + 5000;
        while (replyFrames([Buffer.concat(received)]).length < expected.replies.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        expect(replyFrames([Buffer.concat(received)])).toEqual(expected.replies);
        fed += cases.length;
        t.socket.destroy();
        await closed;
        expect(Number(((await steady.get(3, "1.0.1.8.0.255", 2)) as { value: bigint }).value)).toBe(sim.meter.energy.activeImport);
      }
      steady.transport.close();
    } finally {
      server.listener?.close();
    }
  });
});
