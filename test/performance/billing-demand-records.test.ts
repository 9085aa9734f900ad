import fc from "fast-check";
import { Persistence, STORE_EVENT } from "../../firmware/app/persistence";
import { decodeNumberRecord, encodeNumberRecord } from "../../firmware/storage/number-record";
import { encodeValue } from "../../firmware/storage/value-codec";
import { EventLogs } from "../../firmware/records/event-log";
import type { Meter } from "../../firmware/app/meter";
import { BILLING_RECORD_MAGIC, BILLING_RECORD_VERSION, DEMAND_RECORD_MAGIC, flattenBilling, unflattenBilling } from "../../firmware/app/meter-persistence";
import { parseScenario } from "../../host-sim/event-types";
import { losePower, restorePower } from "../../host-sim/power";
import { Simulation } from "../../host-sim/simulation";

const MIN = 60_000;

describe("numbers-only records", () => {
  it("round trip any integers in -1 .. 2^53 - 2; anything else is not encoded (property)", () => {
    const value = fc.oneof(fc.integer({ min: -1, max: 300 }), fc.integer({ min: -1, max: 2 ** 31 + 5 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1 }));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 40 }), (values) => {
        const bytes = encodeNumberRecord(0xb1, 1, values)!;
        expect(bytes[0]).toBe(0xb1);
        expect(bytes[1]).toBe(1);
        expect(decodeNumberRecord(bytes, 0xb1, 1, "t")).toEqual(values);
      }),
      { numRuns: 300 },
    );
    expect(encodeNumberRecord(0xb1, 1, [1, 1.5])).toBeNull();
    expect(encodeNumberRecord(0xb1, 1, [-2])).toBeNull();
    expect(encodeNumberRecord(0xb1, 1, [Number.MAX_SAFE_INTEGER])).toBeNull();
    expect(encodeNumberRecord(0xb1, 1, [NaN])).toBeNull();
    // -1 and small values take one byte; a UTC ms time six.
    expect(encodeNumberRecord(0xb1, 1, [-1, 0, 126])!.length).toBe(2 + 3);
    expect(encodeNumberRecord(0xb1, 1, [Date.UTC(2026, 2, 2)])!.length).toBe(2 + 6);
  });

  it("refuses another magic, another version, a truncated or overlong value", () => {
    const ok = encodeNumberRecord(0xd1, 1, [5, 1_777_000_000_000])!;
    expect(() => decodeNumberRecord(ok, 0xb1, 1, "t")).toThrow(RangeError);
    expect(() => decodeNumberRecord(ok, 0xd1, 2, "t")).toThrow(/layout version 1/);
    expect(() => decodeNumberRecord(ok.subarray(0, ok.length - 1), 0xd1, 1, "t")).toThrow(/truncated/);
    expect(() => decodeNumberRecord(Uint8Array.from([0xd1, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 0xd1, 1, "t")).toThrow(/overlong/);
    expect(() => decodeNumberRecord(Uint8Array.from([0xd1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), 0xd1, 1, "t")).toThrow(/out of range/);
  });

  it("the billing layout keeps every field of the state and the maxima", () => {
    const b = { v: 1, count: 7, nextUtc: 1_777_000_000_000, lastScheduledUtc: -1, lastRowUtc: 1_774_000_000_000, schedule: [[0, 0xffff, 0xff, 1, 0xff], [3600, 2027, 6, 30, 0xff]] };
    const m = [1, 5_000_000, 0, 7, 0, 0, 1_774_000_000_000, -1, 1_774_000_900_000, -1, -1, 12, 1_774_000_000_000];
    expect(unflattenBilling(flattenBilling(b, m))).toEqual({ b, m });
    expect(() => unflattenBilling([1, 7, 0, 0, 0, 3, 0])).toThrow(RangeError);
  });
});

describe("billing and demand records on flash across a power cut", () => {
  function simulation(): Simulation {
    return new Simulation(parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 5, angle: 0 }, { at: "20m", voltage: 230, current: 9, angle: 0 }] }), { config: { tickMs: 10_000 } });
  }

  /** During an outage, another firmware writes `bytes` under `id` (`times` generations). */
  function writeRaw(sim: Simulation, id: string, bytes: Uint8Array, times = 1): void {
    sim.power.flash.powerOn();
    const p = new Persistence({ ...sim.board, flash: sim.power.journal, profileFlash: sim.power.profiles ?? undefined }, new EventLogs(() => sim.clock.wallClockMs()));
    const h = p.register({ id, essential: false, save: "immediate", encode: () => bytes, decode: () => {} });
    p.restore();
    for (let i = 0; i < times; i++) h.save();
    sim.power.flash.powerOff();
  }

  function codesOf(m: Meter): number[] {
    return Array.from({ length: m.events.standard.count }, (_, i) => m.events.standard.codeAt(i));
  }

  function restoredFrom(m: Meter, id: string): string | undefined {
    return m.persistence.states().find((s) => s.id === id)?.restoredFrom;
  }

  function maxima(m: Meter): number[] {
    const d = m.tariffs.demand;
    return [...Array.from(d.maxImport), ...Array.from(d.maxImportTime), d.maxExport, m.tariffs.billing.count];
  }

  test("the meter writes numbers records; records of the generic codec (older firmware) still restore", () => {
    const sim = simulation();
    sim.runFor(50 * MIN);
    const before = maxima(sim.meter);
    expect(sim.meter.tariffs.demand.maxImport[0]).toBeGreaterThan(1_000_000); // ~2 kW in mW
    // The registry's entries (private): what the meter hands to the journal for each id.
    const entries = (sim.meter.persistence as unknown as { entries: { id: string; encode(): Uint8Array }[] }).entries;
    const billing = entries.find((e) => e.id === "billing")!;
    const demand = entries.find((e) => e.id === "demand")!;
    expect(billing.encode()[0]).toBe(BILLING_RECORD_MAGIC);
    expect(demand.encode()[0]).toBe(DEMAND_RECORD_MAGIC);
    const legacyBilling = encodeValue({ b: sim.meter.tariffs.billing.snapshot(), m: sim.meter.tariffs.demand.snapshotMax() });
    const legacyDemand = encodeValue(sim.meter.tariffs.demand.snapshotPeriod());
    losePower(sim, true);
    writeRaw(sim, "billing", legacyBilling);
    writeRaw(sim, "demand", legacyDemand);
    sim.runFor(MIN);
    const m = restorePower(sim);
    expect(restoredFrom(m, "billing")).toBe("newest");
    expect(restoredFrom(m, "demand")).toBe("newest");
    expect(maxima(m)).toEqual(before);
    expect(codesOf(m)).not.toContain(STORE_EVENT.nvMemoryError);
  });

  test("a numbers record of another layout version or truncated is refused: older generation, event 14, never zeros", () => {
    for (const bad of [Uint8Array.from([BILLING_RECORD_MAGIC, BILLING_RECORD_VERSION + 1, 1, 2, 3]), Uint8Array.from([BILLING_RECORD_MAGIC, BILLING_RECORD_VERSION, 2, 8, 0x80])]) {
      const sim = simulation();
      sim.runFor(50 * MIN);
      const before = maxima(sim.meter);
      expect(before[0]).toBeGreaterThan(0);
      losePower(sim, true);
      writeRaw(sim, "billing", bad);
      sim.runFor(MIN);
      const m = restorePower(sim);
      expect(restoredFrom(m, "billing")).toBe("older");
      expect(maxima(m)).toEqual(before);
      expect(codesOf(m)).toContain(STORE_EVENT.nvMemoryError);
    }
  });
});
