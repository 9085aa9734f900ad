/**
 * Issue 19, power up: what the power-up save writes and how the saves compare records.
 */
import fc from "fast-check";
import { sameBytes } from "../../firmware/storage/store-util";
import { parseScenario } from "../../host-sim/event-types";
import { losePower, restorePower } from "../../host-sim/power";
import { Simulation } from "../../host-sim/simulation";

const MIN = 60_000;

describe("the power-up save", () => {
  test("the profiles' schedule is written as a numbers record (the wall offset, NaN until the first tick, is stored as none) and restores", () => {
    const s = new Simulation(parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 5, angle: 0 }] }), { config: { tickMs: 10_000 } });
    s.runFor(20 * MIN);
    for (const signal of [false, true]) {
      losePower(s, signal);
      s.runFor(3 * MIN);
      restorePower(s);
      // Written by the power-up save before any tick: the schedule with the outage's "power down" status.
      const stored = s.meter.persistence.readStored("profiles")!;
      expect(stored[0]).toBe(0xf2);
      const snapshot = s.meter.profiles.snapshot();
      // A reset right away restores the same schedule from it.
      losePower(s, false);
      restorePower(s);
      const again = s.meter.profiles.snapshot();
      expect(again.load).toEqual(snapshot.load);
      expect(again.daily).toEqual(snapshot.daily);
      expect(s.meter.persistence.states().find((x) => x.id === "profiles")!.restoredFrom).toBe("newest");
      s.runFor(20 * MIN);
    }
    // The load profile kept its 15-minute grid through the cuts.
    const buf = s.meter.profiles.load.buffer;
    const row = new Float64Array(buf.columns.length);
    for (let i = 0; i < buf.entriesInUse(); i++) {
      buf.readEntry(i, row);
      expect(row[0] % (15 * MIN)).toBe(0);
    }
  });
});

describe("sameBytes (the saves' comparison with the last record)", () => {
  test("(property) equals a byte-by-byte comparison, aligned or not", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(3), fc.nat(3), fc.option(fc.tuple(fc.nat(199), fc.integer({ min: 1, max: 255 }))), (bytes, offA, offB, change) => {
        const a = new Uint8Array(bytes.length + offA).subarray(offA);
        a.set(bytes);
        const b = new Uint8Array(bytes.length + offB).subarray(offB);
        b.set(bytes);
        if (change && bytes.length > 0) b[change[0] % bytes.length] ^= change[1];
        let naive = a.length === b.length;
        for (let i = 0; naive && i < a.length; i++) naive = a[i] === b[i];
        expect(sameBytes(a, b)).toBe(naive);
        expect(sameBytes(a, b.subarray(0, Math.max(0, b.length - 1)))).toBe(b.length === 0 ? naive : false);
      }),
      { numRuns: 500 },
    );
    expect(sameBytes(null, new Uint8Array(0))).toBe(false);
  });
});
