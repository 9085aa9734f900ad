import { asciiToBytes, AxdrReader, decodeData, type DlmsData, DlmsServer, publicPolicy, readerPolicy } from "../../../firmware/comms/dlms";
import { buildMeterObjectModel } from "../../../firmware/app/meter-objects";
import { defaultSecretsInUse, openMeterDlms } from "../../../firmware/app/meter-server";
import { int, octets, struct, array, decodeAll, type Data } from "../../../host-sim/client/codec";
import { FakeSocket, fakeClient, growLoadProfile, hex, makeServer, meterSim, roundTrip, toHex, writerPolicy } from "./helpers";

/** Frames of docs/dlms-vectors.md (WRAPPER header | APDU). */
const V = {
  aarqPublic: "00 01 00 10 00 01 00 1F | 60 1D A1 09 06 07 60 85 74 05 08 01 01 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D FF FF",
  getClock: "00 01 00 10 00 01 00 0D | C0 01 C1 00 08 00 00 01 00 00 FF 02 00",
  getUnknownA: "00 01 00 10 00 01 00 0D | C0 01 C1 00 03 01 01 15 19 00 FF 02 00",
  getEnergyPublic: "00 01 00 10 00 01 00 0D | C0 01 C1 00 03 01 00 01 08 00 FF 02 00",
  getObjectListPublic: "00 01 00 10 00 01 00 0D | C0 01 C1 00 0F 00 00 28 00 00 FF 02 00",
  rlrqPublic: "00 01 00 10 00 01 00 05 | 62 03 80 01 00",
  aarqLls: "00 01 00 11 00 01 00 35 | 60 33 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01 AC 07 80 05 47 75 72 75 78 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D FF FF",
  aarqWrong: "00 01 00 11 00 01 00 35 | 60 33 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01 AC 07 80 05 77 72 6F 6E 67 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D FF FF",
  aarqLls256: "00 01 00 11 00 01 00 35 | 60 33 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01 AC 07 80 05 47 75 72 75 78 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D 01 00",
  setTimeZone: "00 01 00 11 00 01 00 10 | C1 01 C1 00 08 00 00 01 00 00 FF 03 00 10 00 3C",
  shiftTime: "00 01 00 11 00 01 00 10 | C3 01 C1 00 08 00 00 01 00 00 FF 06 01 10 00 00",
  setRegister: "00 01 00 11 00 01 00 10 | C1 01 C1 00 03 01 00 01 08 00 FF 02 00 12 00 07",
  getCaptureObjects: "00 01 00 11 00 01 00 0D | C0 01 C1 00 07 01 00 63 01 00 FF 03 00",
  getEntries: "00 01 00 11 00 01 00 20 | C0 01 C1 00 07 01 00 63 01 00 FF 02 01 02 02 04 06 00 00 00 02 06 00 00 00 03 12 00 01 12 00 00",
  getNext1: "00 01 00 11 00 01 00 07 | C0 02 C1 00 00 00 01",
  registerReset: "00 01 00 11 00 01 00 0F | C3 01 C1 00 03 01 00 01 08 00 FF 01 01 0F 00",
  getObjectListReader: "00 01 00 11 00 01 00 0D | C0 01 C1 00 0F 00 00 28 00 00 FF 02 00",
  rlrqReader: "00 01 00 11 00 01 00 05 | 62 03 80 01 00",
  aarqHls: "00 01 00 01 00 01 00 5F | 60 5D A1 09 06 07 60 85 74 05 08 01 03 A6 0A 04 08 47 75 72 75 78 31 32 33 8A 02 07 80 8B 07 60 85 74 05 08 02 05 AC 12 80 10 19 ED BE B0 0F 1C 93 23 6E 9B CC DB D7 EF 0D 4F BE 23 04 21 21 1F 30 00 00 00 01 EA 13 8F 2D 9A F4 2F 0E C6 16 AA 87 FE 11 DB 55 FB DB 57 07 AF 2A B6 6E B8 BE",
  gloGet: "00 01 00 01 00 01 00 29 | DB 08 47 75 72 75 78 31 32 33 1E 30 00 00 00 04 1E 0F 38 15 CD 1D 8B 13 34 DD 27 48 E7 AD 6B AA 04 41 6C 28 99 2A 4C F9 89",
  rlrqHls: "00 01 00 01 00 01 00 05 | 62 03 80 01 00",
};

/** Our AARE: the captured Gurux frame with this server's conformance (00 1A 1D) and max PDU (0x0400). */
const AARE_OK = "61 29 A1 09 06 07 60 85 74 05 08 01 01 A2 03 02 01 00 A3 05 A1 03 02 01 00 BE 10 04 0E 08 00 06 5F 1F 04 00 00 1A 1D 04 00 00 07";

function vectorServer(sim = meterSim(0)) {
  const server = new DlmsServer({ clock: sim.clock, log: sim.log, model: buildMeterObjectModel(sim.meter), policies: [publicPolicy(), readerPolicy(asciiToBytes("Gurux"))] });
  const socket = new FakeSocket();
  server.attach(socket);
  return { sim, server, socket, send: (frame: string) => roundTrip(socket, hex(frame)) };
}

function parseData(apduHex: string, skip: number): DlmsData {
  return decodeData(hex(apduHex).subarray(skip));
}

describe("captured exchanges replayed against this server", () => {
  it("A: public association, clock, undefined and invisible objects, object_list, release", () => {
    const { sim, send, socket } = vectorServer();
    expect(send(V.aarqPublic)).toBe(AARE_OK);
    // The reply swaps the wPorts.
    socket.feed(hex(V.getClock));
    expect(toHex(socket.take().subarray(0, 6))).toBe("00 01 00 01 00 10");
    const clock = send(V.getClock);
    expect(clock.slice(0, 17)).toBe("C4 01 C1 00 09 0C");
    const dt = parseData(clock, 4) as { bytes: Uint8Array };
    const local = new Date(sim.clock.wallClockMs() + 60 * 60_000);
    expect(Array.from(dt.bytes)).toEqual([local.getUTCFullYear() >> 8, local.getUTCFullYear() & 0xff, local.getUTCMonth() + 1, local.getUTCDate(), ((local.getUTCDay() + 6) % 7) + 1, local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), 0, 0xff, 0xc4, 0]);
    expect(send(V.getUnknownA)).toBe("C4 01 C1 01 04"); // object-undefined, as jDLMS and section 6
    expect(send(V.getEnergyPublic)).toBe("C4 01 C1 01 03"); // exists, not for the public client
    const list = send(V.getObjectListPublic);
    expect(list.slice(0, 11)).toBe("C4 01 C1 00");
    const obis = ((parseData(list, 4) as { items: { items: DlmsData[] }[] }).items).map((e) => Array.from((e.items[2] as { bytes: Uint8Array }).bytes).join("."));
    // Identity objects (plus what other features class as identity, like the invocation counter), the association, the clock.
    const pub = publicPolicy();
    const expected = buildMeterObjectModel(sim.meter).objects.filter((o) => pub.canSee(o)).map((o) => o.obis);
    expect(obis).toEqual(expected);
    expect(obis.slice(0, 4)).toEqual(["0.0.42.0.0.255", "0.0.96.1.0.255", "1.0.0.2.0.255", "0.0.40.0.0.255"]);
    expect(obis).toContain("0.0.1.0.0.255");
    expect(obis.every((o) => ["identity", "clock"].includes(buildMeterObjectModel(sim.meter).find(o)!.group) || o === "0.0.40.0.0.255")).toBe(true);
    expect(send(V.rlrqPublic)).toBe("63 03 80 01 00");
    expect(send(V.getClock)).toBe("D8 01 01"); // released: GET is refused
  });

  it("B: LLS reader; SET and ACTION refused with 3, profile capture objects and selective reads", () => {
    const { sim, send } = vectorServer(meterSim(1));
    expect(send(V.aarqLls)).toBe(AARE_OK);
    const tz = sim.meter.clock.timeZone;
    expect(send(V.setTimeZone)).toBe("C5 01 C1 03");
    expect(sim.meter.clock.timeZone).toBe(tz);
    expect(send(V.shiftTime)).toBe("C7 01 C1 03 00");
    expect(send(V.setRegister)).toBe("C5 01 C1 03");
    const co = parseData(send(V.getCaptureObjects), 4) as { items: { items: DlmsData[] }[] };
    const buffer = sim.meter.profiles.load.buffer;
    expect(co.items.map((c) => `${(c.items[0] as { value: number }).value}/${Array.from((c.items[1] as { bytes: Uint8Array }).bytes).join(".")}`)).toEqual(buffer.columns.map((c) => `${c.classId}/${c.obis}`));
    // entry_descriptor rows 2..3: the second and third entries, all columns.
    const rows = send(V.getEntries);
    expect(rows.slice(0, 11)).toBe("C4 01 C1 00");
    const decoded = parseData(rows, 4) as { items: { items: DlmsData[] }[] };
    expect(decoded.items).toHaveLength(2);
    const row = new Float64Array(buffer.columns.length);
    for (let i = 0; i < 2; i++) {
      buffer.readEntry(1 + i, row);
      const cells = decoded.items[i].items;
      expect(cells).toHaveLength(buffer.columns.length);
      expect((cells[2] as { value: number }).value).toBe(row[2]); // A+ at capture
    }
    // No long GET is running: the next-block request is answered, not ignored.
    expect(send(V.getNext1)).toBe("C4 02 C1 01 00 00 00 01 01 10");
    expect(send(V.registerReset)).toBe("C7 01 C1 04 00"); // registers never reset: no such method
    expect(send(V.rlrqReader)).toBe("63 03 80 01 00");
  });

  it("C: a wrong LLS password is rejected with result 1, diagnostic 13, and logged", () => {
    const { send, sim } = vectorServer();
    expect(send(V.aarqWrong)).toBe("61 29 A1 09 06 07 60 85 74 05 08 01 01 A2 03 02 01 01 A3 05 A1 03 02 01 0D BE 10 04 0E 08 00 06 5F 1F 04 00 00 1A 1D 04 00 00 07");
    expect(send(V.getObjectListReader)).toBe("D8 01 01");
    void sim;
  });

  it("D: client max PDU 256 forces blocks; every block fits, numbered from 1, the last carries exactly its data", () => {
    const { send, socket } = vectorServer();
    expect(send(V.aarqLls256)).toBe(AARE_OK);
    socket.out.length = 0;
    socket.feed(hex(V.getObjectListReader));
    const parts: Uint8Array[] = [];
    for (let block = 1; ; block++) {
      const frame = socket.take();
      const apdu = frame.subarray(8);
      expect(frame[6] * 256 + frame[7]).toBe(apdu.length);
      expect(apdu.length).toBeLessThanOrEqual(256);
      expect(toHex(apdu.subarray(0, 3))).toBe("C4 02 C1");
      const r = new AxdrReader(apdu, 3);
      const last = r.u8();
      expect(r.u32()).toBe(block);
      expect(r.u8()).toBe(0);
      const n = r.lengthField();
      expect(r.pos + n).toBe(apdu.length); // no bytes after the raw data
      parts.push(apdu.slice(r.pos));
      if (last) break;
      socket.feed(hex(`00 01 00 11 00 01 00 07 C0 02 C1 ${toHex([block >>> 24, (block >> 16) & 255, (block >> 8) & 255, block & 255])}`));
    }
    expect(parts.length).toBeGreaterThan(3);
    const list = decodeData(Buffer.concat(parts)) as { items: unknown[] };
    expect(list.items.length).toBeGreaterThan(60);
  });

  it("E: without a management association configured, the HLS AARQ is rejected and ciphered APDUs are refused", () => {
    const { send } = vectorServer();
    const aare = send(V.aarqHls);
    expect(aare).toContain("A2 03 02 01 01"); // rejected-permanent
    expect(aare).not.toContain("80 02 07 80");
    expect(send(V.gloGet)).toBe("D8 01 01");
    expect(send(V.rlrqHls)).toBe("63 03 80 01 00");
  });
});

describe("association rules", () => {
  it("answers unknown client SAPs, wrong mechanisms and contexts with the right diagnostics", () => {
    const { send } = vectorServer(meterSim(0));
    const diag = (aare: string) => aare.match(/A3 05 A1 03 02 01 (..)/)![1];
    // Unknown client SAP 0x20.
    expect(diag(send(V.aarqPublic.replace("00 01 00 10 00 01", "00 01 00 20 00 01")))).toBe("01");
    // Public SAP with the LLS mechanism: not recognised (11).
    expect(diag(send(V.aarqLls.replace("00 01 00 11 00 01", "00 01 00 10 00 01")))).toBe("0B");
    // Reader without any mechanism: required (12).
    expect(diag(send(V.aarqPublic.replace("00 01 00 10 00 01", "00 01 00 11 00 01")))).toBe("0C");
    // LN with ciphering for the reader: context not supported (2).
    expect(diag(send(V.aarqLls.replace("60 85 74 05 08 01 01", "60 85 74 05 08 01 03")))).toBe("02");
    // LLS mechanism without a password: authentication required (14).
    const noPw = "00 01 00 11 00 01 00 2C | 60 2A A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D FF FF";
    expect(diag(send(noPw))).toBe("0E");
    // DLMS version 5 is too low: rejected, with an initiate error in the user-information.
    const v5 = send(V.aarqPublic.replace("01 00 00 00 06 5F", "01 00 00 00 05 5F"));
    expect(v5).toContain("A2 03 02 01 01");
    expect(v5.endsWith("BE 06 04 04 0E 01 06 01")).toBe(true);
  });

  it("negotiates conformance as proposed AND supported, and a max PDU below 64 as 64", async () => {
    const sim = meterSim(0);
    const { client } = fakeClient(makeServer(sim), 17, "12345678", 20);
    const aare = await client.associate();
    expect(aare.conformance).toBe(0x401e5d & 0x001a1d);
    const info = await client.get(15, "0.0.40.0.0.255", 5);
    expect(info).toEqual(struct({ kind: "bit-string", bits: "000000000001101000011101" }, int(18, 1024), int(18, 64), int(17, 6), int(15, 0), octets([])));
    const list = await client.objectList();
    expect(list.length).toBeGreaterThan(60);
    expect(client.blocksReceived).toBeGreaterThan(20);
  });

  it("accepts an RLRQ with user-information", () => {
    const { send } = vectorServer();
    send(V.aarqPublic);
    expect(send("00 01 00 10 00 01 00 17 | 62 15 80 01 00 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D FF FF")).toBe("63 03 80 01 00");
  });
});

describe("services", () => {
  it("GET-with-list mixes values and errors", async () => {
    const sim = meterSim(0);
    const { client } = fakeClient(makeServer(sim), 17, "12345678");
    await client.associate();
    const results = await client.getList([
      { classId: 3, obis: "1.0.1.8.0.255", attr: 2 },
      { classId: 3, obis: "1.0.1.8.0.255", attr: 3 },
      { classId: 3, obis: "1.0.99.99.0.255", attr: 2 },
      { classId: 15, obis: "0.0.40.0.0.255", attr: 7 },
      { classId: 8, obis: "0.0.1.0.0.255", attr: 3 },
    ]);
    expect(results).toEqual([
      { data: int(21, sim.meter.energy.activeImport) },
      { data: struct(int(15, -3), { kind: "enum", value: 30 }) },
      { error: 4 },
      { error: 3 },
      { data: int(16, -60) },
    ]);
  });

  it("exceptions: unknown service, truncated APDU, GET before association, APDU above the server max PDU", () => {
    const { send, socket } = vectorServer();
    expect(send(V.getClock)).toBe("D8 01 01");
    send(V.aarqPublic);
    expect(send("00 01 00 10 00 01 00 02 | AB 01")).toBe("D8 02 02");
    expect(send("00 01 00 10 00 01 00 06 | C0 01 C1 00 08 00")).toBe("D8 01 03");
    expect(send("00 01 00 10 00 01 00 0E | C0 01 C1 00 08 00 00 01 00 00 FF 02 00 00")).toBe("D8 01 03");
    expect(send("00 01 00 10 00 01 00 03 | C0 09 C1")).toBe("D8 02 02");
    const big = `00 01 00 10 00 01 04 08 ${"C0 ".repeat(0x408)}`;
    expect(send(big)).toBe("D8 01 04");
    expect(socket.closed).toBe(false);
    expect(send(V.getClock).slice(0, 11)).toBe("C4 01 C1 00");
  });

  it("closes on a broken WRAPPER header (version, length, destination) and keeps serving other connections", () => {
    const { server, send } = vectorServer();
    send(V.aarqPublic);
    for (const bad of ["00 02 00 10 00 01 00 01 62", "00 01 00 10 00 01 04 11", "00 01 00 10 00 07 00 05 62 03 80 01 00"]) {
      const s = new FakeSocket();
      server.attach(s);
      s.feed(hex(bad));
      expect(s.closed).toBe(true);
      expect(s.out).toHaveLength(0);
    }
    expect(send(V.getClock).slice(0, 11)).toBe("C4 01 C1 00");
  });

  it("SET (normal and with datablocks) and ACTION through a write-capable association change the meter through its API", async () => {
    const sim = meterSim(0);
    const { client } = fakeClient(makeServer(sim), 48, "writer");
    await client.associate();
    expect(await client.set(1, "0.0.97.98.10.255", 2, int(6, 0x0000f00f))).toBe(0);
    expect(sim.meter.events.alarmFilter).toBe(0xf00f);
    expect(await client.setInBlocks(1, "0.0.97.98.10.255", 2, int(6, 0x12345678), 2)).toBe(0);
    expect(sim.meter.events.alarmFilter).toBe(0x12345678);
    expect(await client.set(1, "0.0.97.98.10.255", 2, int(18, 5))).toBe(12); // type-unmatched
    expect(await client.set(8, "0.0.1.0.0.255", 3, int(16, -120))).toBe(0);
    expect(sim.meter.clock.timeZone).toBe(-120);
    expect(await client.set(8, "0.0.1.0.0.255", 3, int(16, 5000))).toBe(250);
    expect(await client.set(3, "1.0.1.8.0.255", 2, int(21, 0))).toBe(3); // registers are never written
    const before = sim.meter.clock.nowUtcMs();
    const standard = sim.meter.events.standard.total;
    expect((await client.action(8, "0.0.1.0.0.255", 6, int(16, 30))).result).toBe(0);
    expect(sim.meter.clock.nowUtcMs()).toBe(before + 30_000);
    expect(sim.meter.events.standard.total).toBe(standard + 2); // events 4 and 5
    expect((await client.action(8, "0.0.1.0.0.255", 6, int(16, 901))).result).toBe(250);
    expect((await client.action(8, "0.0.1.0.0.255", 9)).result).toBe(4);
  });

  it("a SET datablock out of sequence is answered data-block-unavailable", () => {
    const sim = meterSim(0);
    const server = makeServer(sim);
    const s = new FakeSocket();
    server.attach(s);
    roundTrip(s, hex("00 01 00 30 00 01 00 36 60 34 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01 AC 08 80 06 77 72 69 74 65 72 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D FF FF"));
    expect(roundTrip(s, hex("00 01 00 30 00 01 00 15 C1 02 C1 00 01 00 00 61 62 0A FF 02 00 00 00 00 00 01 02 06 00"))).toBe("C5 02 C1 00 00 00 01");
    expect(roundTrip(s, hex("00 01 00 30 00 01 00 0B C1 03 C1 01 00 00 00 03 02 00 00"))).toBe("C5 03 C1 0E 00 00 00 03");
  });
});

describe("block transfer", () => {
  async function readAll(pdu: number, sim: ReturnType<typeof meterSim>) {
    const { client } = fakeClient(makeServer(sim), 17, "12345678", pdu);
    await client.associate();
    const list = await client.get(15, "0.0.40.0.0.255", 2);
    const blocksForList = client.blocksReceived;
    const profile = await client.get(7, "1.0.99.1.0.255", 2);
    return { list, profile, blocksForList, blocks: client.blocksReceived, sim };
  }

  it("object_list and a day of load profile are identical at client max PDU 64, 256 and 65535", async () => {
    const sim = meterSim(0);
    growLoadProfile(sim, 96);
    const large = await readAll(65535, sim);
    const mid = await readAll(256, sim);
    const small = await readAll(64, sim);
    expect(mid.list).toEqual(large.list);
    expect(small.list).toEqual(large.list);
    expect(mid.profile).toEqual(large.profile);
    expect(small.profile).toEqual(large.profile);
    expect(large.blocksForList).toBe(0);
    expect(small.blocks).toBeGreaterThan(mid.blocks);
    // The profile holds the day's rows, with the values of the buffer.
    const buffer = sim.meter.profiles.load.buffer;
    const rows = (large.profile as { items: Data[] }).items;
    expect(rows).toHaveLength(buffer.entriesInUse());
    const row = new Float64Array(buffer.columns.length);
    buffer.readEntry(rows.length - 1, row);
    const last = rows[rows.length - 1] as { items: Data[] };
    expect(last.items.slice(2)).toEqual(Array.from(row.slice(2), (v) => int(21, v)));
  });

  it("abort and restart of a long GET", async () => {
    const sim = meterSim(0);
    const { client, socket } = fakeClient(makeServer(sim), 17, "12345678", 64);
    await client.associate();
    const first = await client.request([0xc0, 0x01, 0xc1, 0x00, 0x0f, 0, 0, 40, 0, 0, 255, 2, 0]);
    expect(first).toMatchObject({ type: "get-block", block: 1, last: false });
    expect(await client.request([0xc0, 0x02, 0xc1, 0, 0, 0, 1])).toMatchObject({ type: "get-block", block: 2, last: false });
    // A new GET abandons the long one...
    expect(await client.get(3, "1.0.1.8.0.255", 2)).toEqual(int(21, sim.meter.energy.activeImport));
    expect(await client.request([0xc0, 0x02, 0xc1, 0, 0, 0, 2])).toEqual({ type: "get-block", invoke: 0xc1, last: true, block: 2, error: 16 });
    // ...a wrong block number aborts one...
    await client.request([0xc0, 0x01, 0xc1, 0x00, 0x0f, 0, 0, 40, 0, 0, 255, 2, 0]);
    expect(await client.request([0xc0, 0x02, 0xc1, 0, 0, 0, 7])).toEqual({ type: "get-block", invoke: 0xc1, last: true, block: 7, error: 14 });
    // ...and a restarted read completes with the full list.
    const list = await client.objectList();
    expect(list.map((o) => o.obis)).toContain("1.0.99.1.0.255");
    expect(socket.closed).toBe(false);
  });

  it("range descriptor returns the rows inside the range, streamed", async () => {
    const sim = meterSim(0);
    growLoadProfile(sim, 20);
    const { client } = fakeClient(makeServer(sim), 17, "12345678", 128);
    await client.associate();
    const buffer = sim.meter.profiles.load.buffer;
    const row = new Float64Array(buffer.columns.length);
    buffer.readEntry(4, row);
    const from = row[0];
    buffer.readEntry(9, row);
    const to = row[0];
    const dt = (ms: number) => {
      const d = new Date(ms);
      return octets([d.getUTCFullYear() >> 8, d.getUTCFullYear() & 255, d.getUTCMonth() + 1, d.getUTCDate(), 0xff, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), 0, 0, 0, 0]);
    };
    const restricting = struct(int(18, 8), octets([0, 0, 1, 0, 0, 255]), int(15, 2), int(18, 0));
    const rows = await client.get(7, "1.0.99.1.0.255", 2, { selector: 1, parameters: struct(restricting, dt(from), dt(to), array()) });
    expect((rows as { items: unknown[] }).items).toHaveLength(6);
    // Selected columns: only A+.
    const aplus = struct(int(18, 3), octets([1, 0, 1, 8, 0, 255]), int(15, 2), int(18, 0));
    const narrow = await client.get(7, "1.0.99.1.0.255", 2, { selector: 1, parameters: struct(restricting, dt(from), dt(to), array(aplus)) });
    buffer.readEntry(4, row);
    expect((narrow as { items: Data[] }).items[0]).toEqual(struct(int(21, row[2])));
    // A restricting object that is not the clock column is refused.
    const bad = await client.getResult(7, "1.0.99.1.0.255", 2, { selector: 1, parameters: struct(aplus, dt(from), dt(to), array()) });
    expect(bad.error).toBe(250);
    expect(decodeAll(Uint8Array.from([0x01, 0x00]))).toEqual(array());
  });
});

describe("connections", () => {
  it("closes a connection idle for 120 s of (virtual) time and releases its association", async () => {
    const sim = meterSim(0);
    const server = makeServer(sim);
    const { client, socket } = fakeClient(server, 16);
    await client.associate();
    sim.runFor(119_000);
    expect(socket.closed).toBe(false);
    await client.get(8, "0.0.1.0.0.255", 2);
    sim.runFor(119_000);
    expect(socket.closed).toBe(false);
    sim.runFor(6_000);
    expect(socket.closed).toBe(true);
    expect(server.connections.size).toBe(0);
  });

  it("serves several clients each with its own association; when full, a newcomer closes the oldest unauthenticated one; refused only when all are authenticated", async () => {
    const sim = meterSim(0);
    const server = makeServer(sim, { maxConnections: 2 });
    const a = fakeClient(server, 16);
    const b = fakeClient(server, 17, "12345678");
    await a.client.associate();
    await b.client.associate();
    expect((await b.client.getResult(3, "1.0.1.8.0.255", 2)).data).toBeDefined();
    expect((await a.client.getResult(3, "1.0.1.8.0.255", 2)).error).toBe(3);
    // Full: the public association (not authenticated) makes room.
    const c = fakeClient(server, 17, "12345678");
    expect(a.socket.closed).toBe(true);
    expect(server.connections.size).toBe(2);
    await c.client.associate();
    // Both slots authenticated: the newcomer is refused.
    const d = new FakeSocket();
    expect(server.attach(d)).toBeNull();
    expect(d.closed).toBe(true);
    b.socket.hangUp();
    expect(server.connections.size).toBe(1);
    expect(server.attach(new FakeSocket())).not.toBeNull();
  });
});

describe("opening the port", () => {
  function fakeNetwork() {
    const opened: number[] = [];
    return {
      opened,
      network: {
        listen: (p: number) => {
          opened.push(p);
          return { onConnection: () => {}, close: () => {} };
        },
        connect: () => {
          throw new Error("not used");
        },
      },
    };
  }

  it("a device build refuses to open the DLMS port while the reader password is the default", () => {
    const sim = meterSim(0);
    const { network, opened } = fakeNetwork();
    const config = sim.meter.config.dlms;
    expect(config.refuseDefaultSecrets).toBe(true);
    expect(defaultSecretsInUse(sim.meter, config)).toContain("reader password");
    expect(openMeterDlms(sim.meter, network, config)).toBeNull();
    expect(opened).toEqual([]);
    expect(sim.log.lines.some((l) => l.includes("DLMS port not opened: default secrets in use (reader password"))).toBe(true);
    const custom = { ...config, readerPassword: "s3cret-reader" };
    if (defaultSecretsInUse(sim.meter, custom).length === 0) {
      expect(openMeterDlms(sim.meter, network, custom)).not.toBeNull();
      expect(opened).toEqual([4059]);
    }
    // The simulator turns the refusal off.
    expect(openMeterDlms(sim.meter, network, { ...config, refuseDefaultSecrets: false })).not.toBeNull();
  });
});

void writerPolicy;
