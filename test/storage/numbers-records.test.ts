/**
 * Issue 19: the periodic states are numbers-only records (magic byte, version, varints), skipped
 * without encoding when they did not change; records of the value codec (older firmware) restore.
 */
import { failuresRecord, pqRecord, profilesRecord, tamperRecord } from "../../firmware/app/meter-persistence";
import { encodeValue } from "../../firmware/storage/value-codec";
import { parseScenario } from "../../host-sim/event-types";
import { losePower, restorePower } from "../../host-sim/power";
import { Simulation } from "../../host-sim/simulation";

function sim(): Simulation {
  return new Simulation(parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 10, angle: 0 }] }));
}

describe("numbers-only periodic records", () => {
  test("power quality, tamper, power failures, profiles, gas and alarms come back exactly across a signalled cut", () => {
    const s = sim();
    s.runFor(20 * 60_000);
    const m = s.meter;
    m.powerQuality.counts.set([3, 1, 4, 1]);
    m.powerQuality.totalDurationMs.set([5_000, 9_000, 2_000, 6_000]);
    m.powerQuality.lastMagnitudeMilliV.set([180_000, 260_000, 0, 0]);
    m.powerQuality.frequencyCount = 7;
    m.powerFailures.setLongThreshold(240);
    m.gas.pulses = 1_234;
    m.gas.captureUtcMs = s.board.clock.wallClockMs() - 5_000;
    m.tamper.restore({ ...m.tamper.snapshot(), tamperEvents: 2 }, s.board.clock.wallClockMs());
    const before = { pq: m.powerQuality.snapshot(), thresholds: m.powerQuality.thresholds(), failures: m.powerFailures.snapshot(), tamper: m.tamper.snapshot(), profiles: m.profiles.snapshot(), gas: m.gas.pulses, capture: m.gas.captureUtcMs };
    m.persistence.savePeriodic();
    losePower(s, true);
    s.runFor(2_000);
    restorePower(s);
    const n = s.meter;
    expect(n.powerQuality.snapshot()).toEqual(before.pq);
    expect(n.powerQuality.thresholds()).toEqual(before.thresholds);
    expect({ ...n.powerFailures.snapshot(), count: before.failures.count, lastDurationMs: 0, totalDurationMs: 0 }).toEqual({ ...before.failures, lastDurationMs: 0, totalDurationMs: 0 });
    expect(n.powerFailures.count).toBe(before.failures.count + 1);
    expect(n.tamper.snapshot().tamperEvents).toBe(2);
    expect(n.gas.pulses).toBe(1_234);
    expect(n.gas.captureUtcMs).toBe(before.capture);
    expect(n.persistence.lastRestore!.fromOlder).toEqual([]);
    expect(n.persistence.lastRestore!.corruptRecords).toBe(0);
    // Numbers records: a few bytes each (the value codec wrote keys: 191 bytes for power quality).
    const sizes = new Map(n.persistence.states().map((x) => [x.id, x.bytes]));
    expect(sizes.get("powerQuality")).toBeLessThanOrEqual(64);
  });

  test("records the value codec wrote ({ v: 1, s }) still decode to the same snapshot", () => {
    const s = sim();
    s.runFor(60_000);
    const m = s.meter;
    const pq = { c: m.powerQuality.snapshot(), t: m.powerQuality.thresholds() };
    expect(pqRecord().decode(encodeValue({ v: 1, s: pq }))).toEqual(pq);
    expect(tamperRecord().decode(encodeValue({ v: 1, s: m.tamper.snapshot() }))).toEqual(m.tamper.snapshot());
    expect(failuresRecord().decode(encodeValue({ v: 1, s: m.powerFailures.snapshot() }))).toEqual(m.powerFailures.snapshot());
    expect(profilesRecord().decode(encodeValue({ v: 1, s: m.profiles.snapshot() }))).toEqual(m.profiles.snapshot());
    // And the numbers form round-trips, first byte the magic, not a value-codec tag (0..9).
    const codec = pqRecord();
    const bytes = codec.encode(pq);
    expect(bytes[0]).toBe(0x9c);
    expect(codec.decode(bytes)).toEqual(pq);
    // A fractional value cannot be a numbers record: the value codec's form, still decodable.
    const odd = { c: { ...pq.c, frequencyLastExtremeMilliHz: 0.5 }, t: pq.t };
    expect(codec.decode(codec.encode(odd))).toEqual(odd);
    expect(() => codec.decode(new Uint8Array([0x9c, 1, 5]))).toThrow(RangeError);
  });

  test("billing is skipped while its maxima and rows stay, written when a maximum moves or the profile is reset", () => {
    const s = sim();
    s.runFor(20 * 60_000);
    const m = s.meter;
    const p = m.persistence;
    const stats = p.journal!.stats;
    expect(p.states().find((x) => x.id === "billing")!.bytes).toBeGreaterThan(0);
    // Saves at the same instant: nothing moved, nothing written (billing not even encoded).
    p.savePeriodic();
    let records = stats.recordsWritten;
    p.savePeriodic();
    expect(stats.recordsWritten - records).toBe(0);
    m.tariffs.demand.maxImport[0] += 1_000;
    records = stats.recordsWritten;
    p.savePeriodic();
    expect(stats.recordsWritten - records).toBe(1);
    records = stats.recordsWritten;
    p.savePeriodic();
    expect(stats.recordsWritten - records).toBe(0);
    // A billing row (saved at once through billing.onChange), then a DLMS reset of the profile.
    m.tariffs.billing.capture();
    p.savePeriodic();
    expect(m.tariffs.billing.profile.entriesInUse()).toBe(1);
    m.tariffs.billing.profile.clear();
    records = stats.recordsWritten;
    p.savePeriodic();
    expect(stats.recordsWritten - records).toBe(1);
  });
});
