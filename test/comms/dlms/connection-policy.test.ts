/**
 * Issue 14, findings 2-5, in virtual time over fake sockets: the authentication throttle gates
 * the check itself (a brute force gets at most one guess a second), the connection policy
 * (deadlines, eviction of unauthenticated connections, clients that do not read) and the flash
 * writes of unauthenticated traffic (at most one a minute).
 */
import { createMeterDlmsServer, defaultDlmsConfig } from "../../../firmware/app/meter-server";
import { aarq as encodeAarq } from "../../../host-sim/client/codec";
import { SERVER_CONFORMANCE, wrapFrame } from "../../../firmware/comms/dlms";
import { FakeSocket, makeServer, meterSim } from "./helpers";

function aarq(clientSap: number, password?: string): Uint8Array {
  const apdu = encodeAarq({
    mechanism: password === undefined ? 0 : 1,
    password: password === undefined ? undefined : new TextEncoder().encode(password),
    conformance: SERVER_CONFORMANCE,
    maxReceivePdu: 0xffff,
  });
  return wrapFrame(clientSap, 1, Uint8Array.from(apdu));
}

/** AARE result and diagnostic of the reply in `bytes` (WRAPPER frame). */
function aareOutcome(bytes: Uint8Array): { result: number; diagnostic: number } {
  // A2 03 02 01 <result> ... A3 05 A1 03 02 01 <diagnostic>
  const apdu = bytes.subarray(8);
  let result = -1;
  let diagnostic = -1;
  for (let i = 0; i + 4 < apdu.length; i++) {
    if (result < 0 && apdu[i] === 0xa2 && apdu[i + 1] === 0x03 && apdu[i + 2] === 0x02) result = apdu[i + 4];
    if (diagnostic < 0 && apdu[i] === 0xa3 && apdu[i + 2] === 0xa1 && apdu[i + 4] === 0x02) diagnostic = apdu[i + 6];
  }
  return { result, diagnostic };
}

describe("authentication throttle in the server", () => {
  it("2,000 wrong LLS passwords and then the right one, back to back on one connection: 3 checked, the rest refused unread", () => {
    const sim = meterSim(0);
    const server = makeServer(sim);
    const socket = new FakeSocket();
    server.attach(socket);
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      socket.feed(aarq(17, `guess${i}`));
      const { result, diagnostic } = aareOutcome(socket.take());
      expect(diagnostic).toBe(13);
      if (result === 2) refused++;
    }
    expect(server.throttle.checkedFailures).toBe(3);
    expect(refused).toBe(1997);
    // The right password during the back-off window is refused too, without a check.
    socket.feed(aarq(17, "12345678"));
    expect(aareOutcome(socket.take())).toEqual({ result: 2, diagnostic: 13 });
    sim.runFor(1000);
    socket.feed(aarq(17, "12345678"));
    expect(aareOutcome(socket.take())).toEqual({ result: 0, diagnostic: 0 });
    expect(server.throttle.failures).toBe(0);
  });

  it("a brute force from many connections, one attempt every 100 ms for an hour, gets at most one check a second", () => {
    const sim = meterSim(0);
    const server = makeServer(sim, { maxConnections: 64 });
    let checks = 0;
    for (let t = 0; t < 3600 * 10; t++) {
      const socket = new FakeSocket();
      socket.remotePort = 40000 + (t % 20000);
      server.attach(socket);
      socket.feed(aarq(17, `guess${t}`));
      socket.hangUp();
      sim.runFor(100);
    }
    checks = server.throttle.checkedFailures;
    // 3 free, then windows 1, 2, 4 ... 256 s, then one per 300 s: 3 + 9 + 10 in the hour.
    expect(checks).toBeLessThanOrEqual(3 + 3600 / 1);
    expect(checks).toBeLessThan(30);
    process.stdout.write(`brute force, 36,000 attempts in 1 h of virtual time: ${checks} credentials checked (${(checks / 3600).toFixed(4)} guesses/s sustained)\n`);
  });
});

describe("connection policy", () => {
  it("closes a connection that sends no AARQ within 5 s, and one whose frame stays unfinished for 2 s", () => {
    const sim = meterSim(0);
    const server = makeServer(sim);
    const silent = new FakeSocket();
    const slow = new FakeSocket();
    const good = new FakeSocket();
    server.attach(silent);
    server.attach(slow);
    server.attach(good);
    good.feed(aarq(16));
    slow.feed(aarq(16));
    slow.feed(new Uint8Array([0x00, 0x01, 0x00, 0x10])); // half a WRAPPER header
    sim.runFor(1000);
    slow.feed(new Uint8Array([0x00])); // one byte a second keeps it active, not complete
    sim.runFor(1000);
    slow.feed(new Uint8Array([0x01]));
    sim.runFor(1000);
    expect(slow.closed).toBe(true);
    expect(silent.closed).toBe(false);
    sim.runFor(3000);
    expect(silent.closed).toBe(true);
    expect(good.closed).toBe(false);
    expect(server.closedBy).toMatchObject({ aarqTimeout: 1, frameTimeout: 1 });
  });

  it("when all 4 slots are taken, a newcomer closes the oldest connection that never associated, before a public one", () => {
    const sim = meterSim(0);
    const server = makeServer(sim);
    expect(server.maxConnections).toBe(4);
    const sockets = [0, 1, 2, 3].map(() => new FakeSocket());
    for (const s of sockets) server.attach(s);
    sockets[0].feed(aarq(16)); // public: associated, not authenticated
    sockets[3].feed(aarq(17, "12345678")); // authenticated
    sim.runFor(1_000); // past the newcomers' grace
    server.attach(new FakeSocket());
    expect(sockets.map((s) => s.closed)).toEqual([false, true, false, false]);
    server.attach(new FakeSocket());
    expect(sockets.map((s) => s.closed)).toEqual([false, true, true, false]);
  });

  it("a connection in its first second keeps its slot against a silent newcomer: the newcomer is held until it speaks, then served", () => {
    const sim = meterSim(0);
    const server = makeServer(sim);
    const sockets = [0, 1, 2, 3].map(() => new FakeSocket());
    for (const s of sockets) server.attach(s);
    // A churning attacker's connect: nobody is closed, the newcomer gets no session yet.
    const churn = new FakeSocket();
    expect(server.attach(churn)).toBeNull();
    expect([...sockets, churn].map((s) => s.closed)).toEqual([false, false, false, false, false]);
    expect(server.connections.size).toBe(4);
    // The first connection's AARQ arrives: it is served (public association).
    sockets[0].feed(aarq(16));
    expect(aareOutcome(sockets[0].take())).toEqual({ result: 0, diagnostic: 0 });
    // A held newcomer that speaks takes the slot of the oldest connection that never associated.
    const late = new FakeSocket();
    server.attach(late);
    late.feed(aarq(16));
    expect(sockets.map((s) => s.closed)).toEqual([false, true, false, false]);
    expect(aareOutcome(late.take())).toEqual({ result: 0, diagnostic: 0 });
    // A slot that frees goes to the oldest held newcomer; one that never speaks is closed at the AARQ deadline.
    sockets[3].hangUp();
    expect(server.connections.size).toBe(4);
    sim.runFor(6_000);
    expect(churn.closed).toBe(true);
    expect(server.closedBy.aarqTimeout).toBeGreaterThanOrEqual(1);
  });

  it("at most 8 newcomers are held: a ninth closes the oldest held one", () => {
    const sim = meterSim(0);
    const server = makeServer(sim);
    for (let i = 0; i < 4; i++) server.attach(new FakeSocket());
    const held = Array.from({ length: 9 }, () => new FakeSocket());
    for (const s of held) server.attach(s);
    expect(held.map((s) => s.closed)).toEqual([true, false, false, false, false, false, false, false, false]);
    expect(server.closedBy.evicted).toBe(1);
  });

  it("a client that does not take its replies is closed at the first reply its socket refuses", () => {
    const sim = meterSim(0);
    const server = makeServer(sim);
    const socket = new FakeSocket();
    let room = 200;
    socket.write = (data: Uint8Array) => {
      const n = Math.min(room, data.length);
      room -= n;
      return n;
    };
    server.attach(socket);
    socket.feed(aarq(16));
    expect(socket.closed).toBe(false);
    for (let i = 0; i < 10 && !socket.closed; i++) socket.feed(wrapFrame(16, 1, new Uint8Array([0xc0, 0x01, 0xc1, 0x00, 0x08, 0, 0, 1, 0, 0, 255, 2, 0])));
    expect(socket.closed).toBe(true);
    expect(server.connections.size).toBe(0);
  });
});

describe("flash writes from unauthenticated traffic", () => {
  it("a public-association flood (100 a second for 10 minutes) journals at most one communication event a minute", () => {
    const sim = meterSim(0);
    const server = createMeterDlmsServer(sim.meter, { ...defaultDlmsConfig(), refuseDefaultSecrets: false });
    const log = sim.meter.events.communication;
    const before = log.count;
    let associations = 0;
    for (let s = 0; s < 600; s++) {
      for (let i = 0; i < 100; i++) {
        const socket = new FakeSocket();
        server.attach(socket);
        socket.feed(aarq(i % 2 === 0 ? 16 : 17, i % 2 === 0 ? undefined : "wrong"));
        socket.hangUp();
        associations++;
      }
      sim.runFor(1000);
    }
    const written = log.count - before;
    expect(associations).toBe(60_000);
    expect(written).toBeLessThanOrEqual(10);
    expect(written).toBeGreaterThanOrEqual(9);
    // An authenticated login is journalled at once.
    sim.runFor(300_000); // past any back-off the wrong passwords opened
    const socket = new FakeSocket();
    server.attach(socket);
    socket.feed(aarq(17, "12345678"));
    expect(log.count - before).toBe(written + 1);
    process.stdout.write(`public/failed association flood: ${associations} associations in 10 min -> ${written} communication-log writes (${(written / 10).toFixed(1)} a minute)\n`);
  });
});
