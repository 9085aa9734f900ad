import { encodeFrame } from "../../../firmware/comms/hdlc/frame";
import { array, type Data, encode, int, octets, struct } from "../../../host-sim/client/codec";
import { fakeClient, growLoadProfile, hex, makeServer, meterSim, toHex } from "../dlms/helpers";
import { opticalRig } from "./rig";

const restricting = struct(int(18, 8), octets([0, 0, 1, 0, 0, 255]), int(15, 2), int(18, 0));
const dt = (ms: number) => {
  const d = new Date(ms);
  return octets([d.getUTCFullYear() >> 8, d.getUTCFullYear() & 0xff, d.getUTCMonth() + 1, d.getUTCDate(), 0xff, d.getUTCHours(), d.getUTCMinutes(), 0, 0, 0x80, 0, 0xff]);
};

/** A frame between client 17 and the meter (logical device 1), no information field. */
function frame17(control: number, toMeter: boolean): Uint8Array {
  const out = new Uint8Array(16);
  const meter = { upper: 1, lower: 0, size: 1 };
  const client = { upper: 17, lower: 0, size: 1 };
  return out.slice(0, encodeFrame(out, toMeter ? meter : client, toMeter ? client : meter, control, false, null, 0, 0));
}

describe("DLMS over HDLC on the optical port", () => {
  const sim = meterSim(0);
  growLoadProfile(sim, 96);

  it("SNRM negotiation: defaults without parameters, the smaller side wins, window 1", async () => {
    const r = opticalRig(sim, { serverMaxInfo: 256 });
    // SNRM without an information field.
    r.serial.deliver(hex("7E A0 07 03 21 93 0F 01 7E"), null);
    expect(toHex(r.toClient.pop()!)).toBe("7E A0 1E 21 03 73 C3 7A 81 80 12 05 01 80 06 01 80 07 04 00 00 00 01 08 04 00 00 00 01 53 3B 7E");
    expect(r.port.link.parameters).toEqual({ maxInfoTransmit: 128, maxInfoReceive: 128, windowTransmit: 1, windowReceive: 1 });
    // The client offers 1000 out, 64 in, window 7: the meter sends at most 64, takes at most 256 (its maximum).
    r.hdlc.discardFrames();
    r.hdlc.options.maxInfo = 64;
    const p = await r.hdlc.connect();
    expect(p).toEqual({ maxInfoTransmit: 64, maxInfoReceive: 64, windowTransmit: 1, windowReceive: 1 });
    r.hdlc.options.maxInfo = 1000;
    expect(await r.hdlc.connect()).toEqual({ maxInfoTransmit: 256, maxInfoReceive: 256, windowTransmit: 1, windowReceive: 1 });
  });

  for (const maxInfo of [32, 128]) {
    it(`object list and a one-day load profile with a ${maxInfo}-byte information field, segmented both ways, equal to TCP`, async () => {
      const r = opticalRig(sim, { maxInfo });
      await r.hdlc.connect();
      await r.client.associate(); // the reader AARQ (62 bytes + LLC) is segmented at 32
      const list = await r.client.get(15, "0.0.40.0.0.255", 2);
      // The grown day of rows lies after the simulation's start.
      const from = sim.clock.wallClockMs();
      const sel = { selector: 1, parameters: struct(restricting, dt(from), dt(from + 2 * 86_400_000), array()) };
      // A GET-with-list request of 14 items (about 150 bytes) is segmented at both sizes.
      const items = ["1.0.1.8.0.255", "1.0.2.8.0.255", "1.0.1.8.1.255", "1.0.1.8.2.255", "1.0.32.7.0.255", "1.0.31.7.0.255", "1.0.14.7.0.255"]
        .flatMap((obis) => [{ classId: 3, obis, attr: 2 }, { classId: 3, obis, attr: 3 }]);
      const values = await r.client.getList(items);
      const sent = r.hdlc.framesSent;
      const profile = await r.client.get(7, "1.0.99.1.0.255", 2, sel);
      const profileFrames = r.hdlc.framesSent - sent;
      // The same through the WRAPPER.
      const tcp = fakeClient(makeServer(sim), 17, "12345678");
      await tcp.client.associate();
      expect(list).toEqual(await tcp.client.get(15, "0.0.40.0.0.255", 2));
      expect(values).toEqual(await tcp.client.getList(items));
      expect(values.filter((v) => v.data !== undefined).length).toBeGreaterThan(8);
      expect(profile).toEqual(await tcp.client.get(7, "1.0.99.1.0.255", 2, sel));
      expect((profile as { items: Data[] }).items.length).toBeGreaterThanOrEqual(96);
      // Every frame the meter sent fits the negotiated field; segments were acknowledged one by one.
      const biggest = Math.max(...r.toClient.map((b) => b.length));
      expect(biggest).toBeLessThanOrEqual(maxInfo + 13);
      // One RR per segment of the reply (LLC + GET-response header + the encoded rows).
      expect(profileFrames).toBeGreaterThanOrEqual(Math.ceil((encode(profile).length + 7) / maxInfo));
      await r.client.release();
      await r.hdlc.disconnect();
    });
  }

  it("window 1: a lost RR and a lost I-frame are repeated, the data arrive once and whole", async () => {
    const r = opticalRig(sim, { maxInfo: 32 });
    await r.hdlc.connect();
    await r.client.associate();
    const clean = await r.client.get(15, "0.0.40.0.0.255", 2);
    r.dropToMeter.add(r.writesToMeter + 3); // the client's second RR after the request
    r.dropToClient.add(r.writesToClient + 5); // a segment from the meter
    const again = await r.client.get(15, "0.0.40.0.0.255", 2);
    expect(again).toEqual(clean);
    expect(r.port.link.stats.retransmitted).toBe(1);
  });

  it("frames with a bad FCS or HCS are discarded silently; the link goes on", async () => {
    const r = opticalRig(sim);
    await r.hdlc.connect();
    await r.client.associate();
    const before = r.writesToClient;
    const rr = hex("7E A0 07 03 21 31 00 00 7E"); // RR with a wrong FCS
    r.serial.deliver(rr, null);
    const i = hex("7E A0 19 03 21 32 6F D8 E6 E6 00 C0 01 C2 00 0F 00 00 28 00 00 FF 02 00 22 AE 7E");
    r.serial.deliver(i, null);
    i[6] ^= 1; // bad HCS
    r.serial.deliver(i, null);
    expect(r.writesToClient).toBe(before);
    expect(r.port.link.stats.discarded).toBe(3);
    expect((await r.client.get(1, "0.0.96.1.0.255", 2)).kind).toBe("octet-string");
  });

  it("DISC during a long GET: UA, the association and the transfer are gone, the port returns to 300 baud", async () => {
    const r = opticalRig(sim, { maxInfo: 32, maxPdu: 256 });
    await r.hdlc.signOn();
    expect(r.serial.format.baud).toBe(9600);
    await r.hdlc.connect();
    await r.client.associate();
    expect(r.port.connection!.association).not.toBeNull();
    // GET the whole profile: several blocks of many segments. Stop after the first segment.
    r.hdlc.send(new Uint8Array([0, 1, 0, 17, 0, 1, 0, 13, 0xc0, 0x01, 0xc1, 0, 7, 1, 0, 99, 1, 0, 255, 2, 0]));
    await new Promise((res) => setTimeout(res, 5));
    expect(r.port.connection!.association!.longGet).not.toBeNull();
    r.serial.deliver(frame17(0x53, true), null); // DISC (P)
    expect(toHex(r.toClient.pop()!)).toBe(toHex(frame17(0x73, false))); // UA (F)
    expect(r.port.connection).toBeNull();
    sim.runFor(200);
    expect(r.port.phase).toBe("idle");
    expect(r.serial.format).toEqual({ baud: 300, dataBits: 7, parity: "even", stopBits: 1 });
    // A client still at 9600 is not heard (garbled at 300 7E1); on a raw link (TCP) its frame starts HDLC directly and gets DM: no connection.
    const sent = r.writesToClient;
    r.serial.deliver(frame17(0x10, true), r.clientFormat);
    expect(r.writesToClient).toBe(sent);
    r.clientFormat = null;
    r.serial.deliver(frame17(0x10, true), null);
    expect(toHex(r.toClient.pop()!)).toBe(toHex(frame17(0x1f, false))); // DM (F)
  });

  it("inactivity timeout: 120 s without a frame ends the link and the session", async () => {
    const r = opticalRig(sim);
    await r.hdlc.connect();
    await r.client.associate();
    sim.runFor(110_000);
    expect(r.port.link.connected).toBe(true);
    sim.runFor(15_000);
    expect(r.port.link.connected).toBe(false);
    expect(r.port.connection).toBeNull();
    expect(sim.log.lines.some((l) => l.includes("HDLC: inactivity timeout"))).toBe(true);
  });

  it("mode E: a sign-on at the wrong speed gets no answer; at 300 baud 7E1 the identification, then 9600 8N1", async () => {
    const r = opticalRig(sim);
    r.clientFormat = { baud: 9600, dataBits: 8, parity: "none", stopBits: 1 };
    r.serial.deliver(Uint8Array.from(Buffer.from("/?!\r\n")), r.clientFormat);
    r.clientFormat = { baud: 2400, dataBits: 7, parity: "even", stopBits: 1 };
    r.serial.deliver(Uint8Array.from(Buffer.from("/?!\r\n")), r.clientFormat);
    expect(r.writesToClient).toBe(0);
    expect(r.port.phase).toBe("idle");
    // An acknowledgement for a speed the meter does not offer (6 = 19200) sends it back to waiting.
    r.clientFormat = { baud: 300, dataBits: 7, parity: "even", stopBits: 1 };
    r.serial.deliver(Uint8Array.from(Buffer.from("/?!\r\n")), r.clientFormat);
    expect(Buffer.from(r.toClient.pop()!).toString("latin1")).toBe("/DLM5\\2LITE00000001\r\n");
    r.serial.deliver(Uint8Array.from([6, 0x32, 0x36, 0x32, 13, 10]), r.clientFormat);
    expect(r.port.phase).toBe("idle");
    const id = await r.hdlc.signOn();
    expect(id).toEqual({ identification: "DLM LITE00000001", baud: 9600 });
    expect(r.serial.format).toEqual({ baud: 9600, dataBits: 8, parity: "none", stopBits: 1 });
    await r.hdlc.connect();
    await r.client.associate();
    expect((await r.client.get(3, "1.0.1.8.0.255", 2)).kind).toBe("int");
  });

  it("HDLC and TCP sessions at once, the optical association logged as on TCP", async () => {
    const peers: string[] = [];
    const server = makeServer(sim, { onAssociation: (sap, accepted) => peers.push(`${sap} ${accepted}`) });
    const r = opticalRig(sim, { server });
    const tcp = fakeClient(server, 16);
    await r.hdlc.connect();
    await r.client.associate();
    await tcp.client.associate();
    const [a, b] = await Promise.all([r.client.get(3, "1.0.1.8.0.255", 2), tcp.client.get(1, "0.0.96.1.0.255", 2)]);
    expect(a.kind).toBe("int");
    expect(b.kind).toBe("octet-string");
    // The optical session does not take one of the TCP connection slots.
    expect(server.connections.size).toBe(1);
    expect(peers).toEqual(["17 true", "16 true"]);
    // The public client may not read energy registers on the optical port either.
    const pub = opticalRig(sim, { server, clientSap: 16 });
    await pub.hdlc.connect();
    await pub.client.associate();
    const denied = await pub.client.getResult(3, "1.0.1.8.0.255", 2);
    expect(denied.error).toBeGreaterThan(0);
    expect(denied).toEqual(await tcp.client.getResult(3, "1.0.1.8.0.255", 2));
  });
});
