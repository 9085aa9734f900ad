import { PortableCrypto } from "../../../firmware/comms/crypto";
import {
  IncomingInvocationCounter,
  MemoryRecord,
  MeterSecurity,
  OutgoingInvocationCounter,
  buildIv,
  hlsGmacProof,
  parseCipheredApdu,
  protectContent,
  serverSystemTitle,
  unprotectContent,
  verifyHlsGmacProof,
  wrapGeneralGlo,
  wrapGlo,
  DEFAULT_SIMULATOR_KEYS,
  type SecurityEventSink,
} from "../../../firmware/comms/dlms/security";
import { aesKeyWrap } from "../../../firmware/comms/crypto";
import { NodeCrypto } from "../../../host-sim/node-crypto";
import { AuthThrottle } from "../../../firmware/comms/dlms/auth-throttle";

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

const crypto = new PortableCrypto();
const keys = { encryptionKey: hex("000102030405060708090A0B0C0D0E0F"), authenticationKey: hex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF") };
const CLIENT_ST = hex("4775727578313233"); // "Gurux123"
const SERVER_ST = hex("4142434445464748"); // "ABCDEFGH"

// docs/dlms-vectors.md part E (Gurux client <-> Gurux server, HLS5-GMAC). APDUs without the WRAPPER header.
const E = {
  aarq: hex(
    "60 5D A1 09 06 07 60 85 74 05 08 01 03 A6 0A 04 08 47 75 72 75 78 31 32 33 8A 02 07 80 8B 07 60 85 74 05 08 02 05 AC 12 80 10 19 ED BE B0 0F 1C 93 23 6E 9B CC DB D7 EF 0D 4F BE 23 04 21 21 1F 30 00 00 00 01 EA 13 8F 2D 9A F4 2F 0E C6 16 AA 87 FE 11 DB 55 FB DB 57 07 AF 2A B6 6E B8 BE",
  ),
  aare: hex(
    "61 69 A1 09 06 07 60 85 74 05 08 01 03 A2 03 02 01 00 A3 05 A1 03 02 01 0E A4 0A 04 08 41 42 43 44 45 46 47 48 88 02 07 80 89 07 60 85 74 05 08 02 05 AA 12 80 10 70 38 9C CE 67 B3 59 AC 56 AB 55 2A 15 8A 45 22 BE 23 04 21 28 1F 30 00 00 00 00 16 58 4D 6F 2B F4 37 13 19 6D DA 50 81 77 D4 A9 7A 31 42 B1 63 A2 9B 23 CE 32",
  ),
  pass3: hex("CB 31 30 00 00 00 03 21 F7 09 1E 7F B1 59 D7 38 D7 1A 93 C5 A5 51 EA 56 4E 93 95 A8 70 FD 08 CB 36 94 A5 0F 76 FB D0 C8 F9 8A 1A AD 6C 3A C4 78 58 1A A0"),
  pass4: hex("CF 2A 30 00 00 00 03 9F 75 D0 68 AC A8 59 5F 4B 15 53 F0 B1 FF 52 3C DD 89 2A DA 54 B7 A3 F5 6E 21 D5 01 C5 E1 53 88 02 21 84 31 6E"),
  generalGloGet: hex("DB 08 47 75 72 75 78 31 32 33 1E 30 00 00 00 04 1E 0F 38 15 CD 1D 8B 13 34 DD 27 48 E7 AD 6B AA 04 41 6C 28 99 2A 4C F9 89"),
};
/** The challenges as they appear in the AARQ (CtoS) and AARE (StoC). */
const CTOS = E.aarq.subarray(42, 58);
const STOC = E.aare.subarray(54, 70);

/** The glo-initiate APDU inside user-information: BE 23 04 21 <glo-initiate...> at the end of the AARQ/AARE. */
function userInfo(apdu: Uint8Array): Uint8Array {
  const start = apdu.length - 0x21;
  expect(toHex(apdu.subarray(start - 4, start))).toBe("be230421");
  return apdu.subarray(start);
}

describe("part E frames decrypt with the published keys", () => {
  it("the challenges sit where the BER says", () => {
    expect(toHex(E.aarq.subarray(38, 42))).toBe("ac128010"); // calling-authentication-value, charstring of 16
    expect(toHex(E.aare.subarray(50, 54))).toBe("aa128010"); // responding-authentication-value
    expect(toHex(CTOS)).toBe("19edbeb00f1c93236e9bccdbd7ef0d4f");
  });

  it("glo-initiateRequest in the AARQ opens to an xDLMS InitiateRequest (dlms version 6)", () => {
    const glo = parseCipheredApdu(userInfo(E.aarq))!;
    expect(glo.kind).toBe("glo");
    expect(glo.tag).toBe(0x21);
    const opened = unprotectContent(crypto, keys, CLIENT_ST, glo.content);
    if (typeof opened === "string") throw new Error(opened);
    expect(opened.sc).toBe(0x30);
    expect(opened.ic).toBe(1);
    expect(toHex(opened.apdu)).toBe("01000000065f1f0400401e5dffff");
  });

  it("glo-initiateResponse in the AARE opens under the server's title", () => {
    const glo = parseCipheredApdu(userInfo(E.aare))!;
    const opened = unprotectContent(crypto, keys, SERVER_ST, glo.content);
    if (typeof opened === "string") throw new Error(opened);
    expect(opened.ic).toBe(0);
    expect(toHex(opened.apdu)).toBe("0800065f1f0400401e1d02000007");
    // Under the client's title the tag cannot verify.
    expect(unprotectContent(crypto, keys, CLIENT_ST, glo.content)).toBe("authentication-failed");
  });

  it("pass 3 carries f(StoC), a GMAC proof we recompute byte for byte and verify", () => {
    const glo = parseCipheredApdu(E.pass3)!;
    const opened = unprotectContent(crypto, keys, CLIENT_ST, glo.content);
    if (typeof opened === "string") throw new Error(opened);
    // ACTION-Request normal, invoke 0xC1, class 15, 0.0.40.0.0.255, method 1, octet-string of 17 bytes.
    expect(toHex(opened.apdu.subarray(0, 15))).toBe("c301c1000f0000280000ff01010911");
    const proof = opened.apdu.subarray(15);
    expect(proof.length).toBe(17);
    expect(verifyHlsGmacProof(crypto, keys, CLIENT_ST, STOC, proof)).toBe(2);
    expect(toHex(hlsGmacProof(crypto, keys, CLIENT_ST, 2, STOC))).toBe(toHex(proof));
    // The same proof does not pass for another challenge or another title.
    expect(verifyHlsGmacProof(crypto, keys, CLIENT_ST, CTOS, proof)).toBeNull();
    expect(verifyHlsGmacProof(crypto, keys, SERVER_ST, STOC, proof)).toBeNull();
  });

  it("pass 4 carries f(CtoS) from the server, which we reproduce exactly", () => {
    const opened = unprotectContent(crypto, keys, SERVER_ST, parseCipheredApdu(E.pass4)!.content);
    if (typeof opened === "string") throw new Error(opened);
    expect(toHex(opened.apdu.subarray(0, 7))).toBe("c701c100010009"); // ACTION-Response normal, success, Data octet-string
    const proof = opened.apdu.subarray(8);
    expect(opened.apdu[7]).toBe(17);
    expect(toHex(hlsGmacProof(crypto, keys, SERVER_ST, 2, CTOS))).toBe(toHex(proof));
  });

  it("general-glo GET opens to GET-Request normal of 0.0.21.25.0... and re-ciphers to the same bytes", () => {
    const glo = parseCipheredApdu(E.generalGloGet)!;
    expect(glo.kind).toBe("general-glo");
    expect(toHex(glo.systemTitle!)).toBe(toHex(CLIENT_ST));
    const opened = unprotectContent(crypto, keys, glo.systemTitle!, glo.content);
    if (typeof opened === "string") throw new Error(opened);
    expect(opened.ic).toBe(4);
    expect(toHex(opened.apdu)).toBe("c001c100030101151900ff0200");
    const again = wrapGeneralGlo(CLIENT_ST, protectContent(crypto, keys, CLIENT_ST, 0x30, 4, opened.apdu));
    expect(toHex(again)).toBe(toHex(E.generalGloGet));
  });

  it("re-ciphering pass 3 with glo framing reproduces the captured frame", () => {
    const opened = unprotectContent(crypto, keys, CLIENT_ST, parseCipheredApdu(E.pass3)!.content);
    if (typeof opened === "string") throw new Error(opened);
    expect(toHex(wrapGlo(0xc3, protectContent(crypto, keys, CLIENT_ST, 0x30, 3, opened.apdu)))).toBe(toHex(E.pass3));
  });

  it("authenticated-only content carries the APDU in clear with a tag over it", () => {
    const content = protectContent(crypto, keys, CLIENT_ST, 0x10, 9, hex("c001c100030101151900ff0200"));
    expect(toHex(content.subarray(5, 18))).toBe("c001c100030101151900ff0200");
    const opened = unprotectContent(crypto, keys, CLIENT_ST, content);
    expect(typeof opened === "string" ? opened : toHex(opened.apdu)).toBe("c001c100030101151900ff0200");
    content[8] ^= 1;
    expect(unprotectContent(crypto, keys, CLIENT_ST, content)).toBe("authentication-failed");
  });

  it("IV is system title || invocation counter", () => {
    expect(toHex(buildIv(CLIENT_ST, 0x01020304))).toBe("477572757831323301020304");
    expect(toHex(buildIv(CLIENT_ST, 0xffffffff))).toBe("4775727578313233ffffffff");
  });
});

describe("server system title", () => {
  it("is 3 manufacturer letters and 5 bytes of the serial", () => {
    expect(toHex(serverSystemTitle("DLM", "12345678"))).toBe("444c4d0000bc614e");
    expect(toHex(serverSystemTitle("ABC", "SN-XY123"))).toBe("4142435859313233");
    expect(() => serverSystemTitle("ab", "1")).toThrow(RangeError);
  });
});

describe("invocation counters", () => {
  it("the meter's counter starts at 1, grows by one, and a reboot resumes beyond every value handed out", () => {
    const record = new MemoryRecord();
    let counter = new OutgoingInvocationCounter(record, 10);
    const used: number[] = [];
    for (let i = 0; i < 13; i++) used.push(counter.next()!);
    expect(used).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(record.writes).toBe(2); // blocks [1,11) and [11,21), each written before its first use
    counter = new OutgoingInvocationCounter(record, 10); // reboot
    expect(counter.next()).toBe(21);
    expect(record.writes).toBe(3);
  });

  it("the block is persisted before the value is used (a write failure means no value)", () => {
    const failing = { read: () => null, write: () => { throw new Error("flash full"); } };
    const counter = new OutgoingInvocationCounter(failing, 8);
    expect(() => counter.next()).toThrow("flash full");
    expect(counter.current).toBe(1);
  });

  it("runs out at 2^32-1 instead of wrapping", () => {
    const record = new MemoryRecord();
    record.write(hex("fffffffe00"));
    const counter = new OutgoingInvocationCounter(record, 256);
    expect(counter.next()).toBe(0xfffffffe);
    expect(counter.next()).toBe(0xffffffff);
    expect(counter.next()).toBeNull();
    expect(new OutgoingInvocationCounter(record, 256).next()).toBeNull();
  });

  it("a received counter not above the last accepted one is a replay, across a reboot too", () => {
    const record = new MemoryRecord();
    const incoming = new IncomingInvocationCounter(record);
    expect(incoming.accept(5)).toBe(true);
    expect(incoming.accept(5)).toBe(false);
    expect(incoming.accept(4)).toBe(false);
    expect(new IncomingInvocationCounter(record).accept(5)).toBe(false);
    expect(new IncomingInvocationCounter(record).accept(6)).toBe(true);
  });
});

describe("authentication throttle", () => {
  it("checks 3 failures at once, then opens a window doubling from 1 s to 5 min, reports once per burst, and clears on success", () => {
    let now = 0;
    let bursts = 0;
    const t = new AuthThrottle({ nowMs: () => now }, new MemoryRecord(), { authenticationBurst: () => bursts++ });
    for (let i = 0; i < 2; i++) {
      expect(t.mayCheck()).toBe(true);
      t.recordFailure();
      expect(t.remainingMs()).toBe(0);
    }
    t.recordFailure();
    expect(bursts).toBe(1);
    expect(t.remainingMs()).toBe(1000);
    expect(t.mayCheck()).toBe(false);
    now += 1000;
    expect(t.mayCheck()).toBe(true);
    t.recordFailure();
    expect(t.remainingMs()).toBe(2000);
    const windows: number[] = [];
    for (let i = 0; i < 10; i++) {
      now += t.remainingMs();
      t.recordFailure();
      windows.push(t.remainingMs());
    }
    expect(windows).toEqual([4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000, 300000]);
    expect(bursts).toBe(1); // one report for the whole burst
    t.recordSuccess();
    expect(t.failures).toBe(0);
    expect(t.mayCheck()).toBe(true);
  });

  it("keeps the failure count across a reboot, writing it at most once a minute", () => {
    let now = 0;
    const record = new MemoryRecord();
    const t = new AuthThrottle({ nowMs: () => now }, record);
    for (let i = 0; i < 9; i++) {
      now += t.remainingMs();
      t.recordFailure();
    }
    // Windows 1+2+4+8+16+32 s: the count was written at the third failure (t=0) and at t=63 s.
    expect(now).toBe(63_000);
    expect(record.writes).toBe(2);
    now = 0; // reboot: the clock starts again
    const after = new AuthThrottle({ nowMs: () => now }, record);
    expect(after.failures).toBe(9);
    expect(after.mayCheck()).toBe(false);
    expect(after.remainingMs()).toBe(64_000);
  });
});

function newSecurity(overrides: { allowDefaultKeys?: boolean; records?: ReturnType<typeof memoryRecords> } = {}) {
  const events: [string, number][] = [];
  const alarms: number[] = [];
  const sink: SecurityEventSink = { record: (log, code) => events.push([log, code]), raiseAlarm: (bit) => alarms.push(bit) };
  const logLines: string[] = [];
  const log = { info: (m: string) => logLines.push(m), warn: (m: string) => logLines.push(m), error: (m: string) => logLines.push(m) };
  let seed = 7;
  const random = { fill: (b: Uint8Array) => b.forEach((_, i) => (b[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24)) };
  const records = overrides.records ?? memoryRecords();
  const security = new MeterSecurity(crypto, random, sink, log, { nowMs: () => 0 }, records, {
    serverSystemTitle: SERVER_ST,
    initialKeys: DEFAULT_SIMULATOR_KEYS,
    allowDefaultKeys: overrides.allowDefaultKeys ?? true,
    counterBlockSize: 4,
  });
  return { security, events, alarms, logLines, records };
}

function memoryRecords() {
  return { keys: new MemoryRecord(), serverInvocationCounter: new MemoryRecord(), clientInvocationCounter: new MemoryRecord() };
}

describe("MeterSecurity", () => {
  const get = hex("c001c100030101151900ff0200");
  const clientGlo = (ic: number, apdu = get) => wrapGlo(apdu[0], protectContent(crypto, keys, CLIENT_ST, 0x30, ic, apdu));

  it("opens a client request, rejects its replay with event 50, and a tampered one as a deciphering error", () => {
    const { security, events, alarms } = newSecurity();
    const frame = clientGlo(10);
    const opened = security.decipher(frame, CLIENT_ST);
    expect(typeof opened === "string" ? opened : toHex(opened.apdu)).toBe(toHex(get));
    expect(security.decipher(frame, CLIENT_ST)).toBe("invocation-counter-error");
    expect(events).toEqual([["fraud", 50]]);
    expect(alarms).toEqual([13]);
    const tampered = clientGlo(11);
    tampered[tampered.length - 1] ^= 0x20;
    expect(security.decipher(tampered, CLIENT_ST)).toBe("deciphering-error");
    // The tampered frame did not advance the counter: the genuine frame with 11 is still fresh.
    expect(typeof security.decipher(clientGlo(11), CLIENT_ST)).toBe("object");
    expect(events).toEqual([["fraud", 50]]);
  });

  it("a glo tag that does not match the ciphered service, or another sender title, is a deciphering error", () => {
    const { security } = newSecurity();
    const frame = clientGlo(3);
    frame[0] = 0xc9; // says SET, carries GET
    expect(security.decipher(frame, CLIENT_ST)).toBe("deciphering-error");
    const general = wrapGeneralGlo(SERVER_ST, protectContent(crypto, keys, SERVER_ST, 0x30, 4, get));
    expect(security.decipher(general, CLIENT_ST)).toBe("deciphering-error");
    expect(security.decipher(hex("c8 05 30 00"), CLIENT_ST)).toBe("malformed");
  });

  it("ciphers responses with its own counter from 1, in the request's style, decryptable by the client", () => {
    const { security } = newSecurity();
    const response = hex("c401c1000600000001");
    const glo = security.encipher(response, "glo")!;
    expect(glo[0]).toBe(0xcc);
    const opened = unprotectContent(crypto, keys, SERVER_ST, parseCipheredApdu(glo)!.content);
    if (typeof opened === "string") throw new Error(opened);
    expect(opened.ic).toBe(1);
    expect(toHex(opened.apdu)).toBe(toHex(response));
    const general = security.encipher(response, "general-glo")!;
    const parsed = parseCipheredApdu(general)!;
    expect(toHex(parsed.systemTitle!)).toBe(toHex(SERVER_ST));
    const opened2 = unprotectContent(crypto, keys, SERVER_ST, parsed.content);
    expect(typeof opened2 === "string" ? opened2 : opened2.ic).toBe(2);
  });

  it("HLS: server proof verifies at the client; a wrong client proof counts as a failure", () => {
    const { security, events } = newSecurity();
    const stoc = security.newChallenge();
    expect(stoc.length).toBe(32);
    expect(security.verifyClientProof(CLIENT_ST, stoc, hlsGmacProof(crypto, keys, CLIENT_ST, 77, stoc))).toBe(true);
    const f = security.serverProof(CTOS)!;
    expect(verifyHlsGmacProof(crypto, keys, SERVER_ST, CTOS, f)).toBe(1);
    for (let i = 0; i < 3; i++) expect(security.verifyClientProof(CLIENT_ST, stoc, hlsGmacProof(crypto, keys, CLIENT_ST, 78, CTOS))).toBe(false);
    expect(events).toEqual([["fraud", 46]]);
    // The back-off now runs: even the right proof is refused without being checked.
    expect(security.authThrottle.remainingMs()).toBe(1000);
    expect(security.verifyClientProof(CLIENT_ST, stoc, hlsGmacProof(crypto, keys, CLIENT_ST, 79, stoc))).toBe(false);
    expect(security.authThrottle.failures).toBe(3);
  });

  it("key transfer: wrapped with the master key, applied after the response, event 48, client counter restarts", () => {
    const { security, events, records } = newSecurity();
    expect(typeof security.decipher(clientGlo(50), CLIENT_ST)).toBe("object");
    const newEk = hex("11111111111111111111111111111111");
    const newAk = hex("22222222222222222222222222222222");
    const node = new NodeCrypto();
    const ok = security.stageKeyTransfer([
      { keyId: 0, wrapped: aesKeyWrap(node, DEFAULT_SIMULATOR_KEYS.masterKey, newEk) },
      { keyId: 2, wrapped: aesKeyWrap(node, DEFAULT_SIMULATOR_KEYS.masterKey, newAk) },
    ]);
    expect(ok).toBe(true);
    expect(toHex(security.cipherKeys.encryptionKey)).toBe(toHex(DEFAULT_SIMULATOR_KEYS.encryptionKey)); // not yet
    expect(security.applyPendingKeys()).toBe(true);
    expect(events).toEqual([["standard", 48]]);
    expect(toHex(security.cipherKeys.encryptionKey)).toBe(toHex(newEk));
    // Persisted: a new MeterSecurity on the same records has the new keys and accepts a counter from 1 again.
    const reborn = newSecurity({ records }).security;
    expect(toHex(reborn.cipherKeys.authenticationKey)).toBe(toHex(newAk));
    const frame = wrapGlo(0xc0, protectContent(crypto, { encryptionKey: newEk, authenticationKey: newAk }, CLIENT_ST, 0x30, 1, get));
    expect(typeof reborn.decipher(frame, CLIENT_ST)).toBe("object");
    // A transfer wrapped with the wrong KEK changes nothing.
    expect(reborn.stageKeyTransfer([{ keyId: 0, wrapped: aesKeyWrap(node, newEk, newAk) }])).toBe(false);
    expect(reborn.hasPendingKeys).toBe(false);
  });

  it("a device build refuses the simulator default keys", () => {
    const { security, logLines } = newSecurity({ allowDefaultKeys: false });
    expect(security.managementAvailable).toBe(false);
    expect(logLines.join("\n")).toContain("default keys refused");
    expect(logLines.join("\n")).not.toMatch(/000102|d0d1d2/i);
    expect(newSecurity({ allowDefaultKeys: true }).security.managementAvailable).toBe(true);
  });

  it("security_activate only strengthens the policy", () => {
    const { security } = newSecurity();
    expect(security.activate(3)).toBe(true);
    expect(security.activate(1)).toBe(false);
    expect(security.activate(4)).toBe(false);
  });
});
