/**
 * The emergency save's combined final record (firmware/storage/final-record.ts): one record with
 * the power-down stamp and the changed emergency states; the restore prefers it over older
 * records and newer records over it; a torn or corrupt one falls back to the states' own records.
 */
import { ALARM } from "../../firmware/kernel/event-codes";
import { STORE_EVENT } from "../../firmware/app/persistence";
import { addFinalState, beginFinal, FINAL_STATES_AT, finalState, isFinalRecord } from "../../firmware/storage/final-record";
import { parseScenario } from "../../host-sim/event-types";
import { losePower, restorePower } from "../../host-sim/power";
import { Simulation } from "../../host-sim/simulation";

const MIN = 60_000;

function sim(): Simulation {
  return new Simulation(parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 5, angle: 0 }] }), { config: { tickMs: 10_000 } });
}

function codes(s: Simulation): number[] {
  const log = s.meter.events.standard;
  const out: number[] = [];
  for (let i = 0; i < log.count; i++) out.push(log.codeAt(i));
  return out;
}

/** Power off for `ms` (the clock runs), then back on: a new meter restores. */
function outage(s: Simulation, ms: number, signal: boolean): void {
  const now = s.clock.nowMs();
  s.line.addOutage(now, now + ms);
  losePower(s, signal);
  s.runFor(ms);
  restorePower(s);
}

function restoredFrom(s: Simulation, id: string): string | undefined {
  return s.meter.persistence.states().find((x) => x.id === id)?.restoredFrom;
}

describe("final record codec", () => {
  test("states tile the record; a state is found by type; anything else is not a final record", () => {
    const out = new Uint8Array(100);
    let at = beginFinal(out);
    expect(at).toBe(FINAL_STATES_AT);
    at = addFinalState(out, at, 0x1234, Uint8Array.of(1, 2, 3));
    at = addFinalState(out, at, 0x0042, new Uint8Array(0));
    at = addFinalState(out, at, 0xbeef, Uint8Array.of(9));
    const record = out.slice(0, at);
    expect(isFinalRecord(record)).toBe(true);
    expect(Array.from(finalState(record, 0x1234)!)).toEqual([1, 2, 3]);
    expect(finalState(record, 0x0042)!.length).toBe(0);
    expect(Array.from(finalState(record, 0xbeef)!)).toEqual([9]);
    expect(finalState(record, 0x9999)).toBeNull();
    // Truncated, overlong, another magic or version: refused.
    expect(isFinalRecord(record.slice(0, at - 1))).toBe(false);
    expect(isFinalRecord(Uint8Array.from([...record, 0]))).toBe(false);
    expect(isFinalRecord(Uint8Array.from(record, (b, i) => (i === 0 ? 0xe7 : b)))).toBe(false);
    expect(isFinalRecord(Uint8Array.from(record, (b, i) => (i === 1 ? 2 : b)))).toBe(false);
    // A state that does not fit is refused, the buffer untouched beyond `at`.
    expect(addFinalState(new Uint8Array(FINAL_STATES_AT + 5), FINAL_STATES_AT, 1, new Uint8Array(2))).toBe(-1);
  });
});

describe("the emergency save's one final record", () => {
  test("one record with energy, demand and the stamp; restored exactly, then written again as the states' own records", () => {
    const s = sim();
    s.runFor(5 * MIN + 30_000);
    const old = s.meter;
    const records = old.persistence.journal!.stats.recordsWritten;
    const demandBefore = old.tariffs.demand.snapshotPeriod();
    losePower(s, true);
    expect(old.persistence.lastEmergencySave).toMatchObject({ records: 1, erases: 0 });
    expect(old.persistence.journal!.stats.recordsWritten - records).toBe(1);
    const atCut = old.energy.snapshot();
    s.runFor(2 * MIN);
    restorePower(s);
    expect(s.meter.energy.snapshot()).toEqual(atCut);
    expect(restoredFrom(s, "energy")).toBe("newest");
    expect(restoredFrom(s, "demand")).toBe("newest");
    // The demand period in progress came back from the final record too (its sub-period had not ended).
    expect(s.meter.tariffs.demand.snapshotPeriod().slice(4, 6)).toEqual(demandBefore.slice(4, 6));
    expect(codes(s)).toEqual([STORE_EVENT.powerDown, STORE_EVENT.powerUp]);
    expect(s.meter.events.isAlarmSet(ALARM.nvMemoryError)).toBe(false);
    // The power-up save wrote energy again as its own record: a sudden reset right now restores
    // it from there (a newer record than the final one), still exact.
    const afterBoot = s.meter.energy.snapshot();
    const p = s.meter.persistence as unknown as { index: { seq(type: number, gen: number): number }; finalType: number; entries: { id: string; type: number }[] };
    const energyType = p.entries.find((e) => e.id === "energy")!.type;
    expect(p.index.seq(energyType, 0)).toBeGreaterThan(p.index.seq(p.finalType, 0));
    outage(s, MIN, false);
    expect(s.meter.energy.snapshot()).toEqual(afterBoot);
    expect(restoredFrom(s, "energy")).toBe("newest");
  });

  test("a newer periodic save wins over an older final record", () => {
    const s = sim();
    s.runFor(3 * MIN + 30_000);
    outage(s, MIN, true);
    // Several periodic saves after the power up, then a sudden reset: the last save's energy, not the final record's.
    let saved: ReturnType<typeof s.meter.energy.snapshot> | null = null;
    s.meter.persistence.addSavedListener(() => (saved = s.meter.energy.snapshot()));
    s.runFor(3 * MIN + 20_000);
    expect(saved).not.toBeNull();
    outage(s, MIN, false);
    expect(s.meter.energy.snapshot()).toEqual(saved);
    expect(codes(s).slice(-3)).toEqual([STORE_EVENT.powerDown, STORE_EVENT.powerDownWithoutSave, STORE_EVENT.powerUp]);
  });

  test("a final record torn by the cut is no generation: the states' own records restore, no event 14", () => {
    for (const bytes of [0, 10, 40, 120, 200]) {
      const s = sim();
      let saved: ReturnType<typeof s.meter.energy.snapshot> | null = null;
      s.meter.persistence.addSavedListener(() => (saved = s.meter.energy.snapshot()));
      s.runFor(5 * MIN + 30_000);
      // The emergency save's only flash writes are the final record and its commit byte.
      s.power.flash.armPowerCut(bytes);
      outage(s, MIN, true);
      expect(saved).not.toBeNull();
      expect(s.meter.energy.snapshot()).toEqual(saved);
      expect(restoredFrom(s, "energy")).toBe("newest");
      expect(s.meter.persistence.lastRestore!.tornRecords).toBe(1);
      // No final stamp: the outage is dated by the last sign of life, "without final save".
      expect(codes(s)).toContain(STORE_EVENT.powerDownWithoutSave);
      expect(codes(s)).not.toContain(STORE_EVENT.nvMemoryError);
      expect(s.meter.events.isAlarmSet(ALARM.nvMemoryError)).toBe(false);
    }
  });

  test("bit rot in a committed final record: event 14, the states' own records restore (never zeros)", () => {
    const s = sim();
    let saved: ReturnType<typeof s.meter.energy.snapshot> | null = null;
    s.meter.persistence.addSavedListener(() => (saved = s.meter.energy.snapshot()));
    s.runFor(5 * MIN + 30_000);
    const j = s.meter.persistence.journal!;
    const chain = s.meter.persistence.stateChain!;
    const end = chain.sectors[chain.sectors.length - 1] * j.sectorSize + (j.sectorSize - chain.room);
    losePower(s, true);
    // Flip one bit in the middle of the final record's payload (its energy state).
    const base = s.power.journal.firstSector * s.power.flash.sectorSize;
    s.power.flash.bytes[base + end + 60] ^= 0x10;
    s.runFor(MIN);
    restorePower(s);
    expect(s.meter.energy.snapshot()).toEqual(saved);
    expect(codes(s)).toContain(STORE_EVENT.nvMemoryError);
    // Energy is essential but a valid copy remained: no alarm 10.
    expect(s.meter.events.isAlarmSet(ALARM.nvMemoryError)).toBe(false);
  });

  test("brown-out: the supply comes back without a reset; the states saved only in the final record are written again", () => {
    const s = sim();
    // The brown-outs at 5:05, 5:25 and 5:45, between two periodic saves (a minute apart).
    s.runFor(5 * MIN + 5_000);
    const m = s.meter;
    // Power-fail edge, then the supply recovers: the firmware keeps running.
    s.power.powerFail.set(0);
    s.power.powerFail.set(1);
    s.meter.gas.pulses += 7;
    // Two more brown-outs with no periodic save between: gas is in every final record since.
    s.runFor(20_000);
    s.power.powerFail.set(0);
    s.power.powerFail.set(1);
    s.runFor(20_000);
    s.power.powerFail.set(0);
    s.power.powerFail.set(1);
    expect(s.meter).toBe(m);
    const records = m.persistence.journal!.stats.recordsWritten;
    // The next periodic save writes energy, demand and gas as their own records again.
    s.runFor(MIN);
    expect(m.persistence.journal!.stats.recordsWritten - records).toBeGreaterThanOrEqual(3);
    let saved: ReturnType<typeof s.meter.energy.snapshot> | null = null;
    m.persistence.addSavedListener(() => (saved = m.energy.snapshot()));
    s.runFor(MIN);
    const gas = m.gas.pulses;
    outage(s, MIN, false);
    expect(s.meter.energy.snapshot()).toEqual(saved);
    expect(s.meter.gas.pulses).toBe(gas);
  });
});
