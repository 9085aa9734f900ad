/**
 * Issue 19 (periodic save): a numbers codec flattens into reused arrays and hands back the very
 * bytes of its last record while the values are the same, so the registry skips the write; any
 * changed value, a different count or a value the numbers record cannot hold encodes again.
 */
import { flat, NumbersCodec, tamperRecord } from "../../firmware/app/state-codecs";
import { decodeValue } from "../../firmware/storage/value-codec";
import { parseScenario } from "../../host-sim/event-types";
import { Simulation } from "../../host-sim/simulation";

describe("NumbersCodec last-record cache", () => {
  test("same values: the same bytes object; a changed value, a longer or shorter list: new bytes", () => {
    const codec: NumbersCodec<number[]> = flat(0xa1, "alarms");
    const first = codec.encode([1, 5, 300]);
    expect(Array.from(first)).toEqual([0xa1, 1, 2, 6, 0xad, 2]);
    expect(codec.encode([1, 5, 300])).toBe(first);
    const changed = codec.encode([1, 6, 300]);
    expect(changed).not.toBe(first);
    expect(Array.from(changed)).toEqual([0xa1, 1, 2, 7, 0xad, 2]);
    const longer = codec.encode([1, 6, 300, 0]);
    expect(Array.from(longer)).toEqual([0xa1, 1, 2, 7, 0xad, 2, 1]);
    const shorter = codec.encode([1, 6, 300]);
    expect(shorter).not.toBe(changed);
    expect(Array.from(shorter)).toEqual(Array.from(changed));
    expect(codec.decode(shorter)).toEqual([1, 6, 300]);
  });

  test("after a decode, the stored values encode to the stored bytes (the save at power up skips them)", () => {
    const writer = flat(0xa1, "alarms");
    const stored = writer.encode([1, 0x8000, 2 ** 40]);
    const reader = flat(0xa1, "alarms");
    expect(reader.decode(stored)).toEqual([1, 0x8000, 2 ** 40]);
    expect(reader.encode([1, 0x8000, 2 ** 40])).toBe(stored);
    expect(reader.encode([1, 0x8000, 2 ** 40 + 1])).not.toBe(stored);
  });

  test("values a numbers record cannot hold go to the value codec and are encoded again every time", () => {
    const codec = flat(0xa1, "alarms");
    const a = codec.encode([1, 2.5, 3]);
    expect(a[0]).not.toBe(0xa1);
    expect(decodeValue(a)).toEqual([1, 2.5, 3]);
    const b = codec.encode([1, 2.5, 3]);
    expect(b).not.toBe(a);
    expect(Array.from(b)).toEqual(Array.from(a));
    // Back to integers: a numbers record again, then cached.
    const c = codec.encode([1, 2, 3]);
    expect(Array.from(c)).toEqual([0xa1, 1, 2, 3, 4]);
    expect(codec.encode([1, 2, 3])).toBe(c);
  });

  test("tamper: booleans as 0/1 in field order; a flag change is a new record", () => {
    const codec = tamperRecord();
    const s = { tamperFlag: false, tamperEvents: 2, terminalCoverOpen: true, meterCoverOpen: false, magnetPresent: false, reverseActive: false, mismatchActive: true, meteringLine: 1 };
    const a = codec.encode(s);
    expect(Array.from(a)).toEqual([0x7a, 1, 1, 3, 2, 1, 1, 1, 2, 2]);
    expect(codec.encode({ ...s })).toBe(a);
    const b = codec.encode({ ...s, magnetPresent: true });
    expect(Array.from(b)).toEqual([0x7a, 1, 1, 3, 2, 1, 2, 1, 2, 2]);
    expect(codec.decode(b)).toEqual({ ...s, magnetPresent: true });
  });
});

describe("billing record: encoded again only when a maximum, its time or the billing rows changed", () => {
  function meter(): Simulation {
    const s = new Simulation(parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 10, angle: 0 }] }));
    s.runFor(5 * 60_000);
    return s;
  }

  test("no change (times still 'none', NaN): no billing snapshot; a moved maximum or a -0: one", () => {
    const s = meter();
    const m = s.meter;
    const billing = m.tariffs.billing;
    const snapshot = jest.spyOn(billing, "snapshot");
    m.persistence.savePeriodic();
    snapshot.mockClear();
    expect(Number.isNaN(m.tariffs.demand.maxImportTime[2])).toBe(true);
    m.persistence.savePeriodic();
    m.persistence.savePeriodic();
    expect(snapshot).not.toHaveBeenCalled();
    const demand = m.tariffs.demand;
    demand.maxImport[2] = 1234;
    demand.maxImportTime[2] = s.board.clock.wallClockMs();
    m.persistence.savePeriodic();
    expect(snapshot).toHaveBeenCalledTimes(1);
    m.persistence.savePeriodic();
    expect(snapshot).toHaveBeenCalledTimes(1);
    // Object.is, as before: -0 is not 0.
    demand.maxExport = demand.maxExport === 0 ? -0 : 0;
    m.persistence.savePeriodic();
    expect(snapshot).toHaveBeenCalledTimes(2);
  });
});
