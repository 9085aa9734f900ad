/**
 * System tests of the management association and push over real TCP: the meter's DLMS server on
 * a Node socket, the independent client (host-sim/client/secure.ts, Node's crypto), the head-end.
 * Virtual time is pumped in small steps while real sockets work in between.
 */
import { PoweredNetwork } from "../../host-sim/powered-network";
import { MeterApp } from "../../firmware/app/meter-app";
import type { SecurityAndPush } from "../../firmware/app/security-push";
import type { SecurityPushConfig } from "../../firmware/app/security-push-config";
import { createMeterDlmsServer, defaultDlmsConfig } from "../../firmware/app/meter-server";
import { defaultMeterConfig } from "../../firmware/app/config";
import type { DlmsServer } from "../../firmware/comms/dlms/server";
import { PUSH_EVENT } from "../../firmware/comms/push";
import { int, octets, struct, array } from "../../host-sim/client/codec";
import { SecureDlmsClient, SIMULATOR_KEYS, parseHexKey } from "../../host-sim/client/secure";
import { connectTcp, DlmsClient } from "../../host-sim/client/session";
import { runClient } from "../../host-sim/client/cli";
import { parseScenario } from "../../host-sim/event-types";
import { HeadEnd } from "../../host-sim/headend";
import { NodeNetwork, type NodeTcpListener } from "../../host-sim/node-network";
import { losePower, restorePower } from "../../host-sim/power";
import { Simulation } from "../../host-sim/simulation";
import { aesKeyWrap, PortableCrypto } from "../../firmware/comms/crypto";

const CLIENT_TITLE = parseHexKey("4D4D4D0000000001", "title", 8);
const KEY = parseHexKey(SIMULATOR_KEYS.key, "key");
const AUTH = parseHexKey(SIMULATOR_KEYS.authKey, "auth");

/** A meter at a constant 10 A load, DLMS open with the simulator keys. */
/** The running meter's security and push layer (built by the app at each boot). */
function securityOf(sim: Simulation): SecurityAndPush {
  return sim.app.security!;
}

function newSim(security?: (base: SecurityPushConfig) => SecurityPushConfig): Simulation {
  const scenario = { start: "2026-03-02T10:00:00", utcOffsetMinutes: 60, dst: "eu", chip: "ade7953", load: [{ at: "0s", voltage: 230, current: 10, angle: 0, frequency: 50 }] };
  const config = defaultMeterConfig();
  return new Simulation(parseScenario(scenario), { config: { dlms: { ...defaultDlmsConfig(), refuseDefaultSecrets: false }, security: security ? security(config.security) : config.security }, firmware: (board, config) => new MeterApp(board, config), network: new PoweredNetwork(new NodeNetwork()) });
}

interface Rig {
  sim: Simulation;
  server: DlmsServer;
  port: number;
  stopPump: () => void;
}

async function startMeter(sim?: Simulation): Promise<Rig> {
  const s = sim ?? newSim();
  if (!sim) s.runFor(10 * 60_000); // ten minutes at 2.3 kW: the energy registers hold something
  return listen(s);
}

async function listen(sim: Simulation): Promise<Rig> {
  const server = createMeterDlmsServer(sim.meter, sim.config.dlms, { security: securityOf(sim) });
  const listener = server.listen(sim.board.network!, 0, "127.0.0.1") as NodeTcpListener;
  const port = await listener.ready;
  // 100 ms of virtual time every 2 ms of real time.
  const timer = setInterval(() => sim.runFor(100), 2);
  return { sim, server, port, stopPump: () => clearInterval(timer) };
}

async function secureClient(port: number, options: { key?: Uint8Array; authKey?: Uint8Array; generalGlo?: boolean; invocationCounter?: number } = {}) {
  const transport = await connectTcp("127.0.0.1", port);
  return new SecureDlmsClient(transport, { clientSap: 1 }, {
    key: options.key ?? KEY,
    authKey: options.authKey ?? AUTH,
    systemTitle: CLIENT_TITLE,
    generalGlo: options.generalGlo,
    invocationCounter: options.invocationCounter,
  });
}

function stop(rig: Rig): void {
  rig.stopPump();
  rig.server.close();
  // The host's listener too (the board's network keeps it bound across the meter's power cuts).
  rig.sim.power.network?.shutdown();
}

const fraudCodes = (sim: Simulation) => {
  const log = sim.meter.events.fraud;
  return Array.from({ length: log.count }, (_, i) => log.codeAt(i));
};

describe("management association over TCP", () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startMeter();
  });
  afterEach(() => stop(rig));

  it("HLS-GMAC association, ciphered GET, SET and ACTION, release", async () => {
    const client = await secureClient(rig.port);
    const aare = await client.associate();
    expect(aare.diagnostic).toBe(14);
    const security = securityOf(rig.sim).security;
    expect(Buffer.from(client.serverSystemTitle!).toString("hex")).toBe(Buffer.from(security.serverSystemTitle).toString("hex"));
    expect(Buffer.from(client.serverSystemTitle!.subarray(0, 3)).toString("latin1")).toBe("DLM");
    // GET: the A+ register, read over ciphering, equals the meter's own value.
    const energy = await client.get(3, "1.0.1.8.0.255", 2);
    expect(energy.kind).toBe("int");
    const own = rig.sim.meter.register("1.0.1.8.0.255")!.read();
    expect(Number((energy as { value: bigint }).value)).toBeGreaterThan(0);
    expect(Math.abs(Number((energy as { value: bigint }).value) - own)).toBeLessThanOrEqual(own * 0.01 + 10);
    // SET: number_of_retries of the push setup.
    expect(await client.set(40, "0.0.25.9.0.255", 6, int(17, 7))).toBe(0);
    expect(securityOf(rig.sim).push.setup.numberOfRetries).toBe(7);
    // ACTION: security_activate with the current policy (3) succeeds; a weaker one is refused.
    expect((await client.action(64, "0.0.43.0.0.255", 1, { kind: "enum", value: 3 })).result).toBe(0);
    expect((await client.action(64, "0.0.43.0.0.255", 1, { kind: "enum", value: 1 })).result).toBe(250);
    // The security setup shows the client's title; the frame counter object the last counter used.
    const title = await client.get(64, "0.0.43.0.0.255", 4);
    expect(title).toEqual(octets(CLIENT_TITLE));
    const ic = await client.get(1, "0.0.43.1.0.255", 2);
    expect(Number((ic as { value: bigint }).value)).toBe(client.invocationCounter - 1);
    await client.release();
    client.transport.close();
  });

  it("general-glo-ciphering requests are answered in general-glo", async () => {
    const client = await secureClient(rig.port, { generalGlo: true });
    await client.associate();
    const value = await client.get(8, "0.0.1.0.0.255", 2);
    expect(value.kind).toBe("octet-string");
    expect(client.lastCipheredRequest![0]).toBe(0xdb);
    await client.release();
    client.transport.close();
  });

  it("a replayed request is refused (invocation-counter error, event 50); a tampered tag is a deciphering error", async () => {
    const client = await secureClient(rig.port);
    await client.associate();
    await client.get(1, "0.0.96.1.0.255", 2);
    const captured = client.lastCipheredRequest!;
    const replay = await client.exchangeRaw(captured);
    expect(Array.from(replay.subarray(0, 3))).toEqual([0xd8, 0x01, 0x06]);
    expect(fraudCodes(rig.sim)).toContain(50);
    expect(securityOf(rig.sim).security.replaysRejected).toBe(1);

    const fresh = client.cipher(new Uint8Array([0xc0, 0x01, 0xc1, 0x00, 0x01, 0, 0, 96, 1, 0, 255, 0x02, 0x00]));
    fresh[fresh.length - 1] ^= 0x01;
    expect(Array.from(await client.exchangeRaw(fresh))).toEqual([0xd8, 0x01, 0x05]);
    // The connection and association survive both: the next genuine request works.
    const serial = await client.get(1, "0.0.96.1.0.255", 2);
    expect(serial).toEqual(octets(Buffer.from(rig.sim.config.serialNumber, "latin1")));
    client.transport.close();
  });

  it("before pass 3 only the HLS reply is served; plain GET in the ciphered association is refused", async () => {
    const client = await secureClient(rig.port);
    await client.associate();
    const plainGet = [0xc0, 0x01, 0xc1, 0x00, 0x01, 0, 0, 96, 1, 0, 255, 0x02, 0x00];
    const answer = await client.exchangeRaw(new Uint8Array(plainGet));
    expect(answer[0]).toBe(0xd8);
    client.transport.close();
  });

  it("wrong keys are refused and counted; the third failure logs event 46 and then nothing is checked until the back-off window passes", async () => {
    const security = securityOf(rig.sim).security;
    // With a wrong AK the glo-initiateRequest of the AARQ does not authenticate: authentication-failure (13).
    const wrong = new Uint8Array(16).fill(0x55);
    for (let i = 0; i < 2; i++) {
      const bad = await secureClient(rig.port, { authKey: wrong });
      await expect(bad.associate()).rejects.toThrow(/diagnostic 13/);
      bad.transport.close();
    }
    expect(fraudCodes(rig.sim)).not.toContain(46);
    // Virtual time stands still from here: the back-off window cannot pass by itself.
    rig.stopPump();
    // Right keys in the AARQ but a wrong proof in pass 3 (the client proves another challenge).
    let ic = 1;
    const c = await secureClient(rig.port, { invocationCounter: ic });
    const original = c.hlsProof.bind(c);
    c.hlsProof = (title, counter, challenge) => original(title, counter, title === CLIENT_TITLE ? new Uint8Array(challenge.length) : challenge);
    await expect(c.associate()).rejects.toThrow(/HLS pass 3/);
    ic = c.invocationCounter;
    c.transport.close();
    expect(security.authThrottle.failures).toBe(3);
    expect(fraudCodes(rig.sim).filter((code) => code === 46).length).toBe(1); // logged once, at the third
    expect(security.authThrottle.remainingMs()).toBe(1000);
    // During the window even the right keys are refused, unchecked (the count does not move).
    const early = await secureClient(rig.port, { invocationCounter: ic });
    await expect(early.associate()).rejects.toThrow(/diagnostic 13/);
    early.transport.close();
    expect(security.authThrottle.failures).toBe(3);
    expect(security.authThrottle.refused).toBe(1);
    // After the window the right keys are checked and accepted; success clears the count.
    rig.sim.runFor(1000);
    const good = await secureClient(rig.port, { invocationCounter: ic });
    await good.associate();
    expect(security.authThrottle.failures).toBe(0);
    good.transport.close();
  });

  it("the disconnector obeys remote_disconnect only in the management association", async () => {
    const meter = rig.sim.meter;
    expect(meter.disconnector.outputState).toBe(true);
    for (const [sap, password] of [[17, "12345678"], [16, undefined]] as const) {
      const transport = await connectTcp("127.0.0.1", rig.port);
      const other = new DlmsClient(transport, { clientSap: sap, password });
      await other.associate();
      expect((await other.action(70, "0.0.96.3.10.255", 1, int(15, 0))).result).toBe(3);
      transport.close();
    }
    expect(meter.disconnector.outputState).toBe(true);
    const client = await secureClient(rig.port);
    await client.associate();
    expect((await client.action(70, "0.0.96.3.10.255", 1, int(15, 0))).result).toBe(0);
    expect(meter.disconnector.outputState).toBe(false);
    expect(await client.get(70, "0.0.96.3.10.255", 2)).toEqual({ kind: "boolean", value: false });
    expect((await client.action(70, "0.0.96.3.10.255", 2, int(15, 0))).result).toBe(0);
    await client.release();
    client.transport.close();
  });

  it("npm run client --client 1: consecutive runs continue the invocation counter; wrong --key is refused", async () => {
    const lines: string[] = [];
    const run = (...args: string[]) => runClient(["--port", String(rig.port), ...args], (l) => lines.push(l));
    expect(await run("--client", "1", "get", "0.0.96.1.0.255")).toBe(0);
    expect(await run("--client", "1", "--general-glo", "get", "0.0.43.0.0.255", "5")).toBe(0);
    expect(await run("--client", "1", "action", "0.0.25.9.0.255", "1")).toBe(0);
    expect(lines.join("\n")).toContain('"00000001"');
    expect(lines.join("\n")).toContain("0x444C4D0000000001");
    expect(await run("--client", "1", "--key", "00112233445566778899AABBCCDDEEFF", "get", "0.0.96.1.0.255")).toBe(1);
    expect(lines[lines.length - 1]).toMatch(/diagnostic 13/);
    // The same action from the reader is refused.
    expect(await run("--client", "17", "action", "0.0.25.9.0.255", "1")).toBe(1);
  });

  it("the reader (LLS) and public clients cannot invoke or write what management can", async () => {
    const transport = await connectTcp("127.0.0.1", rig.port);
    const reader = new DlmsClient(transport, { clientSap: 17, password: "12345678" });
    await reader.associate();
    expect((await reader.action(40, "0.0.25.9.0.255", 1, int(15, 0))).result).toBe(3);
    expect(await reader.set(40, "0.0.25.9.0.255", 6, int(17, 1))).toBe(3);
    expect((await reader.getResult(64, "0.0.43.0.0.255", 2)).error).toBe(3);
    transport.close();
  });

  it("key transfer: new keys wrapped with the master key, event 48, the old keys stop working", async () => {
    const client = await secureClient(rig.port);
    await client.associate();
    const master = parseHexKey(SIMULATOR_KEYS.key, "kek"); // the simulator's master key equals the default EK
    const newKey = new Uint8Array(16).fill(0x21);
    const newAuth = new Uint8Array(16).fill(0x42);
    const crypto = new PortableCrypto();
    const r = await client.action(64, "0.0.43.0.0.255", 2, array(
      struct({ kind: "enum", value: 0 }, octets(aesKeyWrap(crypto, master, newKey))),
      struct({ kind: "enum", value: 2 }, octets(aesKeyWrap(crypto, master, newAuth))),
    ));
    expect(r.result).toBe(0);
    const standard = rig.sim.meter.events.standard;
    expect(Array.from({ length: standard.count }, (_, i) => standard.codeAt(i))).toContain(48);
    client.transport.close();
    const old = await secureClient(rig.port);
    await expect(old.associate()).rejects.toThrow();
    old.transport.close();
    const renewed = await secureClient(rig.port, { key: newKey, authKey: newAuth });
    await renewed.associate();
    expect((await renewed.get(1, "0.0.96.1.0.255", 2)).kind).toBe("octet-string");
    renewed.transport.close();
    // No key material in the log.
    const logText = rig.sim.log.lines.join("\n").toLowerCase();
    for (const k of [KEY, AUTH, newKey, newAuth]) expect(logText).not.toContain(Buffer.from(k).toString("hex"));
  });
});

describe("counters across a reboot", () => {
  it("the meter's invocation counter keeps growing and a request captured before the reboot stays a replay", async () => {
    let rig = await startMeter();
    const client = await secureClient(rig.port);
    await client.associate();
    await client.get(1, "0.0.96.1.0.255", 2);
    const captured = client.lastCipheredRequest!;
    const serverIcBefore = client.serverInvocationCounter;
    const clientIc = client.invocationCounter;
    client.transport.close();
    stop(rig);
    losePower(rig.sim, true);
    rig.sim.runFor(5_000);
    restorePower(rig.sim);
    rig = await listen(rig.sim);
    const after = await secureClient(rig.port, { invocationCounter: clientIc });
    after.serverInvocationCounter = serverIcBefore; // the client insists the meter's counter grows
    await after.associate();
    expect(after.serverInvocationCounter).toBeGreaterThan(serverIcBefore);
    expect(Array.from((await after.exchangeRaw(captured)).subarray(0, 3))).toEqual([0xd8, 0x01, 0x06]);
    after.transport.close();
    stop(rig);
  });
});

describe("push to the head-end", () => {
  it("a tamper event reaches the head-end as a Data-Notification within its window; outages lose nothing", async () => {
    const headEnd = new HeadEnd();
    const headPort = await headEnd.listen(0);
    await headEnd.close(); // the head-end is down when the tamper happens
    const sim = newSim((security) => ({ ...security, push: { ...security.push, destination: `127.0.0.1:${headPort}`, repetitionDelayS: 20, numberOfRetries: 2, intervalS: 0 } }));
    const rig = await startMeter(sim);
    const sp = securityOf(sim);
    // The window: today 00:00 .. 23:59 local, every day.
    const open = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x80, 0, 0xff]);
    const close = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 23, 59, 59, 0, 0x80, 0, 0xff]);
    sp.push.setup.windows = [{ start: open, end: close }];
    const startVirtual = sim.clock.nowMs();
    sim.inputs.terminalCover.set(0); // terminal cover removed -> fraud alarm -> alarm push
    const waitUntil = async (cond: () => boolean, ms = 8000) => {
      const t0 = Date.now();
      while (!cond() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 5));
      return cond();
    };
    expect(await waitUntil(() => sp.push.failedAttempts >= 2)).toBe(true);
    expect(headEnd.received.length).toBe(0);
    await headEnd.listen(headPort);
    expect(await waitUntil(() => headEnd.received.length >= 1 && sp.push.queued === 0)).toBe(true);
    const n = headEnd.received[0];
    expect(n.body.type).toBe(2);
    // alarm register 1 (4th value) has the fraud-attempt bit (13).
    const items = n.body.type === 2 ? n.body.items : [];
    const alarm = items[3];
    expect(alarm.type === 6 && (alarm.value & (1 << 13)) !== 0).toBe(true);
    expect(sim.clock.nowMs() - startVirtual).toBeLessThan(24 * 3_600_000);
    expect(sim.meter.events.communication.count).toBeGreaterThan(0);
    const comm = sim.meter.events.communication;
    expect(Array.from({ length: comm.count }, (_, i) => comm.codeAt(i))).toContain(PUSH_EVENT.delivered);
    expect(headEnd.received.filter((r) => r.duplicate).length).toBe(0);
    stop(rig);
    await headEnd.close();
  });
});
