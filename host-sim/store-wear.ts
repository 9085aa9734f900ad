import type { FlashProfile } from "../firmware/storage";
import type { Meter } from "../firmware/app/meter";
import type { Scenario } from "../emulation/scenario/scenario";
import type { FlashPartition } from "../emulation/flash/partition";
import { Simulation } from "./simulation";

/** Erase counts of one partition over the simulated period. */
export interface PartitionWear {
  label: string;
  sectors: number;
  sectorSize: number;
  eraseCounts: number[];
  eraseMin: number;
  eraseMax: number;
  eraseMean: number;
  /** Years until the most-erased sector reaches `cyclesPerSector`, at this rate. */
  lifetimeYears: number;
}

export interface WearResult {
  days: number;
  /** The journal partition (state and event logs, "meterdata") and the profiles' ("meterprof"). */
  journal: PartitionWear;
  profiles: PartitionWear | null;
  /** The shorter of the two. */
  lifetimeYears: number;
  /** Bytes programmed per day, journal and profiles (records, headers, copies). */
  bytesPerDay: number;
  journalBytesPerDay: number;
  /** Bytes the state journal copied forward (reclamation overhead) and the event chain's wear-levelling moves. */
  stateCopiedBytes: number;
  eventSectorsReclaimed: number;
  loadProfileRows: number;
  dailyProfileRows: number;
  billingRows: number;
  /** Periodic saves done, and the records the unchanged-state check left out. */
  periodicSaves: number;
  /** Flash bytes, records and erases of one emergency save; the journal's RAM estimate. */
  emergencySave: { flashBytes: number; records: number; erases: number };
  ramBytes: number;
  /** Bytes of every periodic state's record as last written, and the size of each record. */
  periodicRecordBytes: number;
  records: { id: string; bytes: number; periodic: boolean }[];
}

function wearOf(part: FlashPartition, start: readonly number[], days: number, cyclesPerSector: number): PartitionWear {
  const counts = Array.from(part.eraseCounts, (n, i) => n - start[i]);
  const eraseMax = Math.max(...counts);
  return {
    label: part.label,
    sectors: part.sectorCount,
    sectorSize: part.sectorSize,
    eraseCounts: counts,
    eraseMin: Math.min(...counts),
    eraseMax,
    eraseMean: counts.reduce((a, b) => a + b, 0) / counts.length,
    lifetimeYears: eraseMax === 0 ? Infinity : (cyclesPerSector / eraseMax) * (days / 365),
  };
}

/**
 * Flash wear at default settings without running the metrology tick (a year of ticks takes
 * minutes): the meter's own persistence does what its timers would do, on the meter's real
 * registered states and profiles: a periodic save every saveIntervalMs with the registers, the
 * demand period and the maxima moving as a household's would, a load-profile row every capture
 * period, a daily row, an end of billing period every 30 days, gas pulses, a few events a day,
 * and the alive tally's byte every 5 s (docs/readme/faults.md).
 */
export function simulateWear(scenario: Scenario, days: number, cyclesPerSector = 100_000): WearResult {
  // No LCD: the glass is not looked at, and flash, registers and profiles are those of a run with it (test/host-sim/skip-runs.test.ts).
  const sim = new Simulation(scenario, { display: false });
  const m: Meter = sim.meter;
  const supply = sim.power;
  const p = m.persistence;
  const savesPerDay = Math.round(86_400_000 / p.config.saveIntervalMs);
  const load = m.profiles.load.buffer;
  const daily = m.profiles.daily.buffer;
  const demand = m.tariffs.demand;
  const loadPerDay = Math.round(86_400 / load.capturePeriodS);
  const loadRow = new Float64Array(load.columns.length);
  const dailyRow = new Float64Array(daily.columns.length);
  const journalStart = Array.from(supply.journal.eraseCounts);
  const profileStart = supply.profiles ? Array.from(supply.profiles.eraseCounts) : [];
  const startBytes = supply.flash.bytesWritten;
  const startJournalBytes = p.journal!.stats.bytesWritten;
  let utc = sim.scenario.startUtcMs;
  const minuteMs = p.config.saveIntervalMs;
  const whPerMinute = 8_000 / 1440; // about 8 kWh a day, in Wh
  for (let day = 0; day < days; day++) {
    for (let minute = 0; minute < savesPerDay; minute++) {
      const e = m.energy;
      const units = Math.round(whPerMinute * 1000 * (0.5 + ((minute * 7919 + day * 104729) % 100) / 100));
      e.activeImport += units;
      e.activeImportRates[1 + (minute % 4)] += units;
      e.reactiveImport += units >> 3;
      e.quadrants[1] += units >> 3;
      e.apparent += units + (units >> 2);
      utc += minuteMs;
      demand.tick(utc, units, 0, 1 + (minute % 4));
      if (minute % 97 === 0) m.gas.pulses++;
      p.savePeriodic();
      // The alive tally's marks of the minute (its timer: one byte per aliveIntervalMs; a full
      // sector starts the next one and writes a stamp, as markAlive does).
      const tally = p.tally;
      if (tally) {
        for (let k = 0; k < minuteMs / p.config.aliveIntervalMs; k++) {
          if (tally.full) p.markAlive();
          else tally.mark();
        }
      }
      if (minute % Math.round(savesPerDay / loadPerDay) === 0) {
        loadRow[0] = utc;
        loadRow[1] = 0;
        for (let c = 2; c < loadRow.length; c++) loadRow[c] = e.activeImport + c;
        load.append(loadRow);
      }
      if (minute % 360 === 0) m.events.record("powerQuality", minute % 720 === 0 ? 76 : 85);
    }
    dailyRow[0] = utc;
    for (let c = 2; c < dailyRow.length; c++) dailyRow[c] = m.energy.activeImport + c;
    daily.append(dailyRow);
    if (day % 30 === 29) m.tariffs.billing.capture(utc);
  }
  const journal = wearOf(supply.journal, journalStart, days, cyclesPerSector);
  const profiles = supply.profiles ? wearOf(supply.profiles, profileStart, days, cyclesPerSector) : null;
  const bytes = supply.flash.bytesWritten - startBytes;
  const states = p.states();
  const periodicRecordBytes = states.filter((s) => s.periodic).reduce((a, s) => a + s.bytes, 0);
  // The emergency save's cost on this meter (drains the IC: a tick with the chip emulator).
  supply.powerFail.set(0);
  return {
    days,
    journal,
    profiles,
    lifetimeYears: Math.min(journal.lifetimeYears, profiles ? profiles.lifetimeYears : Infinity),
    bytesPerDay: bytes / days,
    journalBytesPerDay: (p.journal!.stats.bytesWritten - startJournalBytes) / days,
    stateCopiedBytes: p.stateChain!.bytesCopied,
    eventSectorsReclaimed: p.eventChain!.reclaimed,
    loadProfileRows: load.entriesInUse(),
    dailyProfileRows: daily.entriesInUse(),
    billingRows: m.tariffs.billing.profile.entriesInUse(),
    periodicSaves: p.periodicSaves,
    emergencySave: p.lastEmergencySave!,
    ramBytes: p.ramBytes() + (load as FlashProfile).sectorCount * 8,
    periodicRecordBytes,
    records: states.map((s) => ({ id: s.id, bytes: s.bytes, periodic: s.periodic })),
  };
}
