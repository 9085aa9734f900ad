import { defaultPersistenceConfig, Persistence, STORE_EVENT } from "../../firmware/app/persistence";
import { DemandMeter } from "../../firmware/metrology/demand";
import { ALARM } from "../../firmware/kernel/event-codes";
import { EventLogs } from "../../firmware/records/event-log";
import { type CalendarDefinition, defaultCalendar, MAX_SPECIAL_DAYS } from "../../firmware/metrology/tou";
import { decodeCalendar, decodePassive, decodeSpecialDays, encodeCalendar, encodePassive, encodeSpecialDays } from "../../firmware/metrology/tou-codec";
import type { Meter } from "../../firmware/app/meter";
import { FlashPartition, FlashViolation, NorFlashEmulator } from "../../emulation/flash";
import { parseScenario } from "../../host-sim/event-types";
import { losePower, restorePower } from "../../host-sim/power";
import { Simulation } from "../../host-sim/simulation";

const MIN = 60_000;

/** The largest calendar the validation accepts. */
function largestCalendar(): CalendarDefinition {
  const name = (prefix: string, i: number) => `${prefix}${i}`.padEnd(32, "x");
  const days = Array.from({ length: 32 }, (_, d) => ({ id: 200 + d, actions: Array.from({ length: 16 }, (_, a) => ({ startSecond: a * 5000 + d, tariff: 1 + ((a + d) % 4) })) }));
  const weeks = Array.from({ length: 16 }, (_, w) => ({ name: name("W", w), days: Array.from({ length: 7 }, (_, k) => 200 + ((w + k) % 32)) }));
  const seasons = Array.from({ length: 16 }, (_, s) => ({ name: name("S", s), start: { year: s % 2 ? 0xffff : 2030 + s, month: 1 + (s % 12), day: 1 + s, second: s * 3600 + 59 }, week: weeks[15 - s].name }));
  return { name: name("CAL", 0), seasons, weeks, days };
}

describe("tariff programme records", () => {
  test("calendars and special days round-trip; the largest calendar fits one journal sector", () => {
    for (const c of [defaultCalendar(), largestCalendar()]) expect(decodeCalendar(encodeCalendar(c))).toEqual(decodeCalendar(encodeCalendar(decodeCalendar(encodeCalendar(c)))));
    const big = largestCalendar();
    const back = decodeCalendar(encodeCalendar(big));
    expect(back.days[31].actions[15]).toEqual({ startSecond: 15 * 5000 + 31, tariff: 1 + ((15 + 31) % 4) });
    expect(back.seasons[3]).toEqual({ name: "S3".padEnd(32, "x"), start: { year: 0xffff, month: 4, day: 4, second: 3 * 3600 + 59 }, week: "W12".padEnd(32, "x") });
    const passive = encodePassive(big, Date.UTC(2027, 0, 1));
    // 4096-byte sector - 24 header - 14 record overhead.
    expect(passive.length).toBeLessThanOrEqual(4058);
    expect(decodePassive(passive)).toEqual({ calendar: back, activationUtc: Date.UTC(2027, 0, 1) });
    expect(decodePassive(encodePassive(defaultCalendar(), null)).activationUtc).toBeNull();
    const days = Array.from({ length: MAX_SPECIAL_DAYS }, (_, i) => ({ index: i * 3, year: 0xffff, month: 1 + (i % 12), day: 1 + (i % 28), dayOfWeek: 0xff, dayId: i % 7 }));
    expect(decodeSpecialDays(encodeSpecialDays(days))).toEqual(days);
    expect(encodeSpecialDays(days).length).toBe(2 + 8 * MAX_SPECIAL_DAYS);
  });

  test("a damaged, truncated or foreign record is refused, never read as something else", () => {
    const good = encodeCalendar(defaultCalendar());
    expect(() => decodeCalendar(good.subarray(0, good.length - 1))).toThrow(/truncated/);
    expect(() => decodeCalendar(Uint8Array.of(...good, 0))).toThrow(/too many/);
    expect(() => decodeCalendar(Uint8Array.of(2, ...good.subarray(1)))).toThrow(/format/);
    // A tariff out of range (bit flipped where the validation notices) is refused by the calendar rules.
    const bad = good.slice();
    bad[bad.length - 1] = 9;
    expect(() => decodeCalendar(bad)).toThrow(/tariff 9/);
    expect(() => decodeSpecialDays(Uint8Array.of(1, 1, 0, 0, 0xff, 0xff, 13, 1, 0xff, 1))).toThrow(/month 13/);
  });

  test("the special days table is bounded (its record stays inside a sector)", () => {
    const sim = new Simulation(parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 1, angle: 0 }] }));
    const tou = sim.meter.tariffs.tou;
    for (let i = 0; i < MAX_SPECIAL_DAYS; i++) tou.insertSpecialDay({ index: i, year: 0xffff, month: 1, day: 1, dayOfWeek: 0xff, dayId: 2 });
    expect(() => tou.insertSpecialDay({ index: 999, year: 0xffff, month: 1, day: 2, dayOfWeek: 0xff, dayId: 2 })).toThrow(/full/);
    // Replacing an entry is still possible.
    tou.insertSpecialDay({ index: 5, year: 0xffff, month: 2, day: 2, dayOfWeek: 0xff, dayId: 1 });
    expect(tou.specialDays).toHaveLength(MAX_SPECIAL_DAYS);
    expect(() => tou.programPassive({ ...defaultCalendar(), weeks: [{ name: "W".repeat(33), days: [1, 1, 1, 1, 1, 2, 2] }], seasons: [{ name: "ALL", start: { year: 0xffff, month: 1, day: 1, second: 0 }, week: "W".repeat(33) }] }, null)).toThrow(/1\.\.32 characters/);
  });
});

describe("demand period across an outage", () => {
  const T0 = Date.UTC(2026, 2, 2);
  const SUB = 5 * MIN;
  function meter(): DemandMeter {
    const d = new DemandMeter({ periodS: 900, subperiods: 3 }, { standardOffsetMinutes: 0 });
    d.start(T0);
    // 3 Wh in each of the first two sub-periods (closed at 5 and 10 min), 1 Wh so far in the third.
    d.tick(T0 + SUB, 3000, 0, 1);
    d.tick(T0 + 2 * SUB, 3000, 0, 1);
    d.tick(T0 + 2 * SUB + MIN, 1000, 0, 1);
    return d;
  }

  test("back inside the same sub-period: it continues with its energy", () => {
    const stored = meter().snapshotPeriod();
    const d = new DemandMeter({ periodS: 900, subperiods: 3 }, { standardOffsetMinutes: 0 });
    d.restorePeriod(stored, T0 + 2 * SUB + 2 * MIN, () => 1);
    d.tick(T0 + 3 * SUB, 2000, 0, 1);
    // Window of 15 min: 3 + 3 + (1 + 2) Wh = 9 Wh -> 36 W.
    expect(d.lastAverageImport).toBe(36_000);
    expect(d.maxImport[0]).toBe(36_000);
    expect(d.maxImportTime[0]).toBe(T0 + 3 * SUB);
  });

  test("the sub-period in progress is closed at its end; the outage's sub-periods count as empty; a long outage empties the window", () => {
    const stored = meter().snapshotPeriod();
    const d = new DemandMeter({ periodS: 900, subperiods: 3 }, { standardOffsetMinutes: 0 });
    // Power back at 22 min: the sub-period ending at 15 min closes with 1 Wh (3 + 3 + 1 = 7 Wh -> 28 W),
    // the one ending at 20 min is empty (3 + 1 + 0 -> 16 W); a new one starts at 20 min.
    d.restorePeriod(stored, T0 + 22 * MIN, () => 2);
    expect(d.maxImport[0]).toBe(28_000);
    expect(d.maxImportTime[0]).toBe(T0 + 15 * MIN);
    expect(d.maxImport[2]).toBe(28_000);
    expect(d.lastAverageImport).toBe(16_000);
    expect(d.periodEndUtc).toBe(T0 + 25 * MIN);
    const long = new DemandMeter({ periodS: 900, subperiods: 3 }, { standardOffsetMinutes: 0 });
    long.restorePeriod(stored, T0 + 3 * 60 * MIN, () => 1);
    long.tick(T0 + 3 * 60 * MIN + SUB, 0, 0, 1);
    expect(long.lastAverageImport).toBe(0);
  });

  test("a record for other demand settings is refused; a sub-period billed before the reset gives no new maximum", () => {
    const stored = meter().snapshotPeriod();
    expect(() => new DemandMeter({ periodS: 900, subperiods: 1 }, { standardOffsetMinutes: 0 }).restorePeriod(stored, T0, () => 1)).toThrow(/sub-periods|record/);
    expect(() => new DemandMeter({ periodS: 900, subperiods: 3 }, { standardOffsetMinutes: 0 }).restorePeriod([...stored.slice(0, 4), -5, ...stored.slice(5)], T0, () => 1)).toThrow(RangeError);
    const d = new DemandMeter({ periodS: 900, subperiods: 3 }, { standardOffsetMinutes: 0 });
    d.noteMaxReset(T0 + 15 * MIN);
    d.restorePeriod(stored, T0 + 22 * MIN, () => 1);
    // Not the 28 W of the sub-period that ended at 15 min (billed), only the window closing after the reset.
    expect(d.maxImport[0]).toBe(16_000);
    expect(d.maxImportTime[0]).toBe(T0 + 20 * MIN);
  });
});

describe("records that are whole but not acceptable", () => {
  function simulation(): Simulation {
    return new Simulation(parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 5, angle: 0 }] }), { config: { tickMs: 10_000 } });
  }

  /** During an outage, another firmware writes `bad` under `id` (`times` generations). */
  function writeForeign(sim: Simulation, id: string, bad: unknown, times: number): void {
    sim.power.flash.powerOn();
    const p = new Persistence({ ...sim.board, flash: sim.power.journal, profileFlash: sim.power.profiles ?? undefined }, new EventLogs(() => sim.clock.wallClockMs()));
    const h = p.register({ id, essential: false, save: "immediate", snapshot: () => bad, restore: () => {} });
    p.restore();
    for (let i = 0; i < times; i++) h.save();
    sim.power.flash.powerOff();
  }

  function codesOf(m: Meter): number[] {
    return Array.from({ length: m.events.standard.count }, (_, i) => m.events.standard.codeAt(i));
  }

  test("a newest generation of another format: skipped, the older one restored, event 14, no alarm", () => {
    const sim = simulation();
    sim.runFor(MIN);
    sim.meter.clock.timeZone = -120;
    sim.meter.clock.timeZone = -180;
    losePower(sim, true);
    writeForeign(sim, "clock", { v: 9, note: "from another firmware" }, 1);
    sim.runFor(MIN);
    const m = restorePower(sim);
    expect(m.persistence.states().find((s) => s.id === "clock")?.restoredFrom).toBe("older");
    expect(m.clock.timeZone).toBe(-180);
    expect(codesOf(m)).toContain(STORE_EVENT.nvMemoryError);
    expect(m.events.isAlarmSet(ALARM.nvMemoryError)).toBe(false);
  });

  test("no acceptable generation of an essential state: safe defaults, event 14 and alarm bit 10, never zeros", () => {
    const sim = simulation();
    sim.runFor(MIN);
    expect(sim.meter.disconnector.setControlMode(4).ok).toBe(true);
    expect(sim.meter.disconnector.remoteDisconnect().ok).toBe(true);
    losePower(sim, true);
    writeForeign(sim, "disconnector", { v: 1, s: { controlState: 7, controlMode: 4 } }, 2);
    sim.runFor(MIN);
    const m = restorePower(sim);
    expect(m.persistence.lastRestore!.lost).toEqual(["disconnector"]);
    expect(m.disconnector.controlState).toBe(1);
    expect(m.disconnector.controlMode).toBe(1);
    expect(codesOf(m)).toContain(STORE_EVENT.nvMemoryError);
    expect(m.events.isAlarmSet(ALARM.nvMemoryError)).toBe(true);
    // The alarm itself survives the next cut.
    losePower(sim, false);
    sim.runFor(MIN);
    expect(restorePower(sim).events.isAlarmSet(ALARM.nvMemoryError)).toBe(true);
  });
});

describe("flash partitions and the unchanged-state check", () => {
  test("a partition maps offsets into its part of the chip, refuses the rest, and dies with the chip", () => {
    const chip = new NorFlashEmulator(256, 12);
    const a = new FlashPartition(chip, "a", 0, 4);
    const b = new FlashPartition(chip, "b", 4, 8);
    b.write(0, Uint8Array.of(0x12));
    expect(chip.bytes[4 * 256]).toBe(0x12);
    b.eraseSector(0);
    expect(b.eraseCounts[0]).toBe(1);
    expect(chip.eraseCounts[4]).toBe(1);
    expect(() => a.write(4 * 256 - 1, Uint8Array.of(1, 2))).toThrow(FlashViolation);
    expect(() => a.eraseSector(4)).toThrow(FlashViolation);
    expect(() => new FlashPartition(chip, "c", 10, 4)).toThrow(RangeError);
    chip.armPowerCut(0);
    a.write(0, Uint8Array.of(0));
    b.write(8, Uint8Array.of(0));
    expect(chip.powered).toBe(false);
    expect(chip.bytes[4 * 256 + 8]).toBe(0xff);
  });

  test("the simulated board has a 64 KiB journal and a profiles partition; without the latter the profiles fall back to RAM and say so", () => {
    const sim = new Simulation(parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 5, angle: 0 }] }));
    expect(sim.board.flash!.sectorCount * sim.board.flash!.sectorSize).toBe(65_536);
    expect(sim.meter.persistence.profileJournal!.sectorCount).toBe(64);
    expect(sim.meter.profiles.load.buffer.capacity).toBe(42 * 96);
    expect(sim.meter.profiles.load.buffer.constructor.name).toBe("FlashProfile");
    const alone = new Simulation(parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 5, angle: 0 }] }), { power: { profileSectors: 0 } });
    expect(alone.meter.profiles.load.buffer.constructor.name).toBe("CircularProfile");
    expect(alone.log.lines.join("\n")).toContain("profile 1.0.99.1.0.255: no flash left; kept in RAM");
    // A larger journal partition holds them as before.
    const big = new Simulation(parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 5, angle: 0 }] }), { power: { journalSectors: 96, profileSectors: 0 } });
    expect(big.meter.profiles.load.buffer.constructor.name).toBe("FlashProfile");
    expect(big.meter.profiles.load.buffer.capacity).toBe(42 * 96);
  });

  test("a periodic save writes only the states that changed (and the power stamp)", () => {
    // Without the alive tally the periodic save writes the stamp (with it, see the next test).
    const persistence = { ...defaultPersistenceConfig(), aliveIntervalMs: 0 };
    const sim = new Simulation(parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 0, current: 0, angle: 0 }] }), { config: { tickMs: 10_000, persistence } });
    sim.runFor(5 * MIN);
    const p = sim.meter.persistence;
    const stats = p.journal!.stats;
    let records = stats.recordsWritten;
    p.savePeriodic();
    // No load, nothing moves: the stamp alone.
    expect(stats.recordsWritten - records).toBe(1);
    sim.meter.gas.pulses += 3;
    records = stats.recordsWritten;
    p.savePeriodic();
    expect(stats.recordsWritten - records).toBe(2);
  });

  test("with the alive tally a periodic save of unchanged states writes nothing (the tally dates the life)", () => {
    const sim = new Simulation(parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 0, current: 0, angle: 0 }] }), { config: { tickMs: 10_000 } });
    sim.runFor(5 * MIN);
    const p = sim.meter.persistence;
    const stats = p.journal!.stats;
    let records = stats.recordsWritten;
    p.savePeriodic();
    expect(stats.recordsWritten - records).toBe(0);
    sim.meter.gas.pulses += 3;
    records = stats.recordsWritten;
    p.savePeriodic();
    expect(stats.recordsWritten - records).toBe(1);
  });
});
