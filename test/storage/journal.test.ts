import { decodeValue, encodeValue, ValueCodecError } from "../../firmware/storage";
import { STORE_EVENT } from "../../firmware/app/persistence";
import { ALARM } from "../../firmware/kernel/event-codes";
import { boot, codes, prng, rig } from "./helpers";

interface Counter { value: number; remainder: number }

/** A periodic essential state (like the energy registers) and an immediate one (like the relay). */
function registerAll(p: ReturnType<typeof boot>["p"], energy: Counter, relay: { state: number }) {
  const e = p.register<Counter>({ id: "energy", essential: true, save: "periodic", snapshot: () => ({ ...energy }), restore: (v) => Object.assign(energy, v) });
  const r = p.register<{ state: number }>({ id: "relay", essential: true, snapshot: () => ({ ...relay }), restore: (v) => Object.assign(relay, v), defaults: () => (relay.state = 1) });
  return { e, r };
}

describe("value codec", () => {
  test("round-trips the plain values features snapshot", () => {
    const v = { a: 12_345_678_901, b: -3, c: 0.25, d: [1, 2, [3]], e: "é€x", f: true, g: null, h: new Float64Array([1.5, -2]), i: new Uint16Array([7, 65535]), j: undefined, k: -0, l: 2 ** 53 + 2 };
    const back = decodeValue(encodeValue(v)) as typeof v;
    expect(back).toEqual(v);
    expect(Object.is(back.k, -0)).toBe(true);
    expect(back.h).toBeInstanceOf(Float64Array);
    // Integers are varints: a register of 12,345,678 mWh costs 4 bytes plus its tag.
    expect(encodeValue(12_345_678).length).toBe(5);
  });
  test("rejects truncated, trailing and absurd input", () => {
    const b = encodeValue({ x: [1, 2, 3] });
    expect(() => decodeValue(b.subarray(0, b.length - 1))).toThrow(ValueCodecError);
    expect(() => decodeValue(Uint8Array.of(...b, 0))).toThrow(ValueCodecError);
    expect(() => decodeValue(Uint8Array.of(7, 0xff, 0xff, 0xff, 0x7f))).toThrow(ValueCodecError);
  });
});

describe("persistence over the flash journal", () => {
  test("first boot on a blank partition: defaults, no event 14, no outage", () => {
    const r = rig();
    const { p, events } = boot(r);
    const energy = { value: 0, remainder: 0 };
    const relay = { state: 0 };
    const h = registerAll(p, energy, relay);
    const report = p.restore();
    expect(report).toMatchObject({ blank: true, lost: [], corruptRecords: 0, outage: null });
    expect(h.r.restoredFrom).toBe("defaults");
    expect(relay.state).toBe(1);
    expect(codes(events)).toEqual([]);
  });

  test("periodic and immediate saves come back after a reset; the outage is logged with events 1, 250, 2", () => {
    const r = rig();
    let { p } = boot(r);
    const energy = { value: 0, remainder: 0 };
    const relay = { state: 1 };
    let h = registerAll(p, energy, relay);
    p.restore();
    p.start();
    energy.value = 1_000_123;
    energy.remainder = 777;
    r.clock.runUntil(60_000); // the periodic save
    energy.value = 1_000_500; // not saved: lost by the sudden reset
    relay.state = 0;
    h.r.save();
    r.clock.runUntil(90_000);
    p.stop();
    // Sudden reset at 90 s; power back at 150 s.
    r.clock.runUntil(150_000);
    const e2 = { value: 0, remainder: 0 };
    const relay2 = { state: 1 };
    const b = boot(r);
    p = b.p;
    h = registerAll(p, e2, relay2);
    const report = p.restore();
    expect(e2).toEqual({ value: 1_000_123, remainder: 777 });
    expect(relay2.state).toBe(0);
    expect(h.e.restoredFrom).toBe("newest");
    // The last sign of life was the periodic save at 60 s: that is when the outage started.
    expect(report.outage).toEqual({ startUtcMs: r.clock.wallClockMs() - 90_000, durationMs: 90_000, finalSave: false });
    expect(codes(b.events)).toEqual([STORE_EVENT.powerDown, STORE_EVENT.powerDownWithoutSave, STORE_EVENT.powerUp]);
    expect(b.events.standard.timeAt(0)).toBe(r.clock.wallClockMs() - 90_000);
  });

  test("the power-fail input triggers the emergency save: nothing lost, no erase, events 1 and 2", () => {
    const r = rig();
    let { p } = boot(r);
    const energy = { value: 5, remainder: 0 };
    let drained = 0;
    p = new (p.constructor as typeof import("../../firmware/app/persistence").Persistence)(r.board, boot(r).events, {}, {
      drainForPowerFail: () => {
        drained++;
        energy.value += 3; // the IC's pending energy
      },
    });
    registerAll(p, energy, { state: 1 });
    p.restore();
    p.start();
    r.clock.runUntil(61_000);
    (r.board.powerFail as import("../../host-sim/board").SimInput).set(0);
    expect(drained).toBe(1);
    // One combined final record: the changed energy and the power-down stamp (final-record.ts).
    expect(p.lastEmergencySave).toMatchObject({ records: 1, erases: 0 });
    expect(p.lastEmergencySave!.flashBytes).toBeLessThan(100);
    r.clock.runUntil(100_000);
    const e2 = { value: 0, remainder: 0 };
    const b = boot(r);
    registerAll(b.p, e2, { state: 1 });
    const report = b.p.restore();
    expect(e2.value).toBe(8);
    expect(report.outage).toMatchObject({ durationMs: 39_000, finalSave: true });
    expect(codes(b.events)).toEqual([STORE_EVENT.powerDown, STORE_EVENT.powerUp]);
  });

  test("a cut at every byte of a save leaves the old or the new value, never anything else, and never event 14", () => {
    const r = rig(64, 512);
    const { p } = boot(r);
    const energy = { value: 100, remainder: 1 };
    registerAll(p, energy, { state: 1 });
    p.restore();
    // Fill the journal enough that saves cross sectors (allocation, erase, reclamation).
    for (let i = 0; i < 30; i++) {
      energy.value += 10;
      p.savePeriodic();
    }
    const image = r.flash.bytes.slice();
    let bytes = 0;
    // Measure the bytes of the next few saves to cover allocations and reclamation too.
    r.flash.resetCounters();
    const probe = boot(r);
    const probeEnergy = { value: 0, remainder: 0 };
    registerAll(probe.p, probeEnergy, { state: 1 });
    probe.p.restore();
    const base = probeEnergy.value;
    r.flash.resetCounters();
    for (let i = 1; i <= 8; i++) {
      probeEnergy.value = base + i;
      probe.p.savePeriodic();
    }
    bytes = r.flash.bytesWritten + r.flash.eraseOps * 512;
    expect(bytes).toBeGreaterThan(200);
    for (let cut = 0; cut < bytes; cut += 1) {
      r.flash.bytes.set(image);
      r.flash.powerOn();
      const run = boot(r);
      const e = { value: 0, remainder: 0 };
      registerAll(run.p, e, { state: 1 });
      run.p.restore();
      const start = e.value;
      r.flash.armPowerCut(cut);
      let completed = start;
      for (let i = 1; i <= 8 && r.flash.powered; i++) {
        e.value = start + i;
        run.p.savePeriodic();
        if (r.flash.powered) completed = e.value;
      }
      const after = boot(r);
      const got = { value: -1, remainder: -1 };
      registerAll(after.p, got, { state: 1 });
      const report = after.p.restore();
      expect([completed, completed + 1]).toContain(got.value);
      expect(report.corruptRecords).toBe(0);
      expect(report.lost).toEqual([]);
      expect(codes(after.events)).not.toContain(STORE_EVENT.nvMemoryError);
    }
  });

  test("bit rot in the newest record: the older generation is used, event 14 logged, no alarm", () => {
    const r = rig();
    const { p } = boot(r);
    const energy = { value: 1000, remainder: 0 };
    registerAll(p, energy, { state: 1 });
    p.restore();
    p.savePeriodic();
    energy.value = 2000;
    const before = r.flash.bytesWritten;
    p.savePeriodic();
    // Flip a bit inside the payload of the newest energy record (its first write after `before`).
    const flipAt = findRecord(r.flash.bytes, 2000);
    expect(flipAt).toBeGreaterThan(0);
    expect(r.flash.bytesWritten).toBeGreaterThan(before);
    r.flash.flipBit(flipAt, 3);
    const b = boot(r);
    const got = { value: 0, remainder: 0 };
    const h = registerAll(b.p, got, { state: 1 });
    const report = b.p.restore();
    // The rotten record is skipped: the newest valid generation is the older save.
    expect(got.value).toBe(1000);
    expect(h.e.restoredFrom).toBe("newest");
    expect(report.corruptRecords).toBe(1);
    expect(codes(b.events)).toContain(STORE_EVENT.nvMemoryError);
    expect(b.events.isAlarmSet(ALARM.nvMemoryError)).toBe(false);
  });

  test("no valid copy of an essential state: safe defaults, event 14 and alarm bit 10", () => {
    const r = rig();
    const { p } = boot(r);
    const energy = { value: 1000, remainder: 0 };
    registerAll(p, energy, { state: 1 });
    p.restore();
    p.savePeriodic();
    energy.value = 2000;
    p.savePeriodic();
    // Every copy of it (the power-up save wrote one more of 1000).
    for (const v of [1000, 2000]) for (let at = findRecord(r.flash.bytes, v); at > 0; at = findRecord(r.flash.bytes, v)) r.flash.flipBit(at, 0);
    const b = boot(r);
    const got = { value: 0, remainder: 0 };
    const h = registerAll(b.p, got, { state: 1 });
    const report = b.p.restore();
    expect(got.value).toBe(0);
    expect(h.e.restoredFrom).toBe("defaults");
    expect(report.lost).toEqual(["energy"]);
    expect(codes(b.events).filter((c) => c === STORE_EVENT.nvMemoryError)).toHaveLength(1);
    expect(b.events.isAlarmSet(ALARM.nvMemoryError)).toBe(true);
  });

  test("a state saved once survives thousands of later saves (reclamation copies its two generations)", () => {
    const r = rig(40, 1024);
    const { p } = boot(r, { stateSectors: 4 });
    const energy = { value: 0, remainder: 0 };
    const relay = { state: 0 };
    const h = registerAll(p, energy, relay);
    const config = { tariff: "night", limits: [1, 2, 3] };
    const hc = p.register({ id: "config", essential: true, snapshot: () => config, restore: () => {} });
    p.restore();
    hc.save();
    relay.state = 2;
    h.r.save();
    for (let i = 0; i < 5000; i++) {
      energy.value = i;
      p.savePeriodic();
    }
    expect(p.stateChain!.reclaimed).toBeGreaterThan(100);
    const b = boot(r, { stateSectors: 4 });
    const got = { value: 0, remainder: 0 };
    const relay2 = { state: 9 };
    let cfg: unknown = null;
    registerAll(b.p, got, relay2);
    b.p.register({ id: "config", essential: true, snapshot: () => ({}), restore: (v) => (cfg = v) });
    const report = b.p.restore();
    expect(got.value).toBe(4999);
    expect(relay2.state).toBe(2);
    expect(cfg).toEqual(config);
    expect(report.corruptRecords).toBe(0);
    // Both generations of the rarely saved states are still on flash.
    expect(countRecords(r.flash.bytes, encodeValue({ state: 2 }))).toBeGreaterThanOrEqual(1);
  });

  test("event logs are appended per event and restored in order with their ordinals", () => {
    const r = rig();
    let b = boot(r);
    b.p.restore();
    for (let i = 0; i < 250; i++) {
      r.clock.runUntil(i * 1000);
      b.events.record("fraud", 40 + (i % 6));
    }
    b.events.record("powerQuality", 76);
    b = boot(r);
    b.p.restore();
    expect(b.events.fraud.count).toBe(100);
    expect(b.events.fraud.total).toBe(250);
    expect(b.events.fraud.codeAt(0)).toBe(40 + (150 % 6));
    expect(b.events.fraud.timeAt(99) - b.events.fraud.timeAt(0)).toBe(99_000);
    expect(b.events.powerQuality.lastCode).toBe(76);
  });

  test("random torn power cuts during a stream of saves never lose more than the save in progress", () => {
    const rand = prng(42);
    const r = rig(40, 1024);
    let value = 0;
    let persisted = 0;
    for (let round = 0; round < 300; round++) {
      const b = boot(r, { stateSectors: 4 });
      const e = { value: -1, remainder: 0 };
      registerAll(b.p, e, { state: 1 });
      const report = b.p.restore();
      expect(report.corruptRecords).toBe(0);
      if (round > 0) {
        expect(e.value).toBeGreaterThanOrEqual(persisted);
        expect(e.value).toBeLessThanOrEqual(value);
      }
      value = Math.max(e.value, 0);
      persisted = value;
      r.flash.armPowerCut(Math.floor(rand() * 4000));
      while (r.flash.powered) {
        e.value = ++value;
        b.p.savePeriodic();
        if (r.flash.powered) persisted = value;
      }
    }
  });
});

/** Offset of a byte inside the value-codec payload of the energy snapshot whose value is `value`. */
function findRecord(bytes: Uint8Array, value: number): number {
  const needle = encodeValue({ value, remainder: 0 });
  const at = indexOf(bytes, needle, 0);
  return at < 0 ? -1 : at + needle.length - 3;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function countRecords(hay: Uint8Array, needle: Uint8Array): number {
  let n = 0;
  for (let at = indexOf(hay, needle, 0); at >= 0; at = indexOf(hay, needle, at + 1)) n++;
  return n;
}

describe("bit rot anywhere in the partition", () => {
  test("random flipped bits: recovery takes a saved generation (older when the newest is hit) and logs event 14", () => {
    const rand = prng(7);
    let olderUsed = 0;
    for (let round = 0; round < 40; round++) {
      const r = rig(40, 1024);
      const { p } = boot(r, { stateSectors: 4 });
      const energy = { value: 0, remainder: 0 };
      registerAll(p, energy, { state: 1 });
      p.restore();
      const saved: number[] = [];
      for (let i = 0; i < 30 + Math.floor(rand() * 30); i++) {
        energy.value = 1000 + i * 7;
        p.savePeriodic();
        saved.push(energy.value);
      }
      // Rot: flip bits in the programmed part of the partition (one of them in the newest energy record).
      const used: number[] = [];
      for (let i = 0; i < r.flash.bytes.length; i++) if (r.flash.bytes[i] !== 0xff) used.push(i);
      r.flash.flipBit(findRecord(r.flash.bytes, saved[saved.length - 1]), Math.floor(rand() * 8));
      for (let k = 0; k < 3; k++) r.flash.flipBit(used[Math.floor(rand() * used.length)], Math.floor(rand() * 8));
      const b = boot(r, { stateSectors: 4 });
      const got = { value: -1, remainder: 0 };
      registerAll(b.p, got, { state: 1 });
      const report = b.p.restore();
      if (report.lost.length === 0) {
        expect(saved).toContain(got.value);
        expect(got.value).toBeLessThan(saved[saved.length - 1]);
        olderUsed++;
      } else {
        expect(b.events.isAlarmSet(ALARM.nvMemoryError)).toBe(true);
      }
      expect(report.corruptRecords).toBeGreaterThanOrEqual(1);
      expect(codes(b.events)).toContain(STORE_EVENT.nvMemoryError);
    }
    expect(olderUsed).toBeGreaterThan(30);
  });
});
