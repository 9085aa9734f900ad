import type { FlashProfile } from "../firmware/drivers/store";
import type { Meter } from "../firmware/meter";
import type { Scenario } from "./grid/scenario";
import { powerSupplyOf } from "./power";
import { Simulation } from "./simulation";

export interface WearResult {
  days: number;
  sectors: number;
  sectorSize: number;
  eraseCounts: number[];
  eraseMin: number;
  eraseMax: number;
  eraseMean: number;
  /** Bytes programmed per day (records, headers, copies). */
  bytesPerDay: number;
  /** Years until the most-erased sector reaches `cyclesPerSector`, at this rate. */
  lifetimeYears: number;
  /** Bytes the state journal copied forward per byte saved (reclamation overhead). */
  stateCopiedBytes: number;
  loadProfileRows: number;
  /** Flash bytes, records and erases of one emergency save; the journal's RAM estimate. */
  emergencySave: { flashBytes: number; records: number; erases: number };
  ramBytes: number;
  periodicRecordBytes: number;
}

/**
 * Flash wear at default settings without running the metrology tick (a year of ticks takes
 * minutes): the meter's own persistence does what its timers would do, on the meter's real
 * registered states and profiles: a periodic save every saveIntervalMs, a load-profile row every
 * capture period, a daily row, a few events a day. Registers grow as a household's would, so
 * records have their real sizes.
 */
export function simulateWear(scenario: Scenario, days: number, cyclesPerSector = 100_000): WearResult {
  const sim = new Simulation(scenario);
  const m: Meter = sim.meter;
  const flash = powerSupplyOf(sim.board).flash;
  const p = m.persistence;
  const savesPerDay = Math.round(86_400_000 / p.config.saveIntervalMs);
  const load = m.profiles.load.buffer;
  const daily = m.profiles.daily.buffer;
  const loadPerDay = Math.round(86_400 / load.capturePeriodS);
  const loadRow = new Float64Array(load.columns.length);
  const dailyRow = new Float64Array(daily.columns.length);
  const startErases = Array.from(flash.eraseCounts);
  const startBytes = flash.bytesWritten;
  let utc = sim.scenario.startUtcMs;
  const whPerMinute = 8_000 / 1440; // about 8 kWh a day, in Wh
  for (let day = 0; day < days; day++) {
    for (let minute = 0; minute < savesPerDay; minute++) {
      const e = m.energy;
      const units = Math.round(whPerMinute * 1000 * (0.5 + ((minute * 7919) % 100) / 100));
      e.activeImport += units;
      e.activeImportRates[1 + (minute % 4)] += units;
      e.reactiveImport += units >> 3;
      e.quadrants[1] += units >> 3;
      e.apparent += units + (units >> 2);
      p.savePeriodic();
      if (minute % Math.round(savesPerDay / loadPerDay) === 0) {
        utc += load.capturePeriodS * 1000;
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
  }
  const counts = Array.from(flash.eraseCounts, (n, i) => n - startErases[i]);
  const eraseMax = Math.max(...counts);
  const bytes = flash.bytesWritten - startBytes;
  // The emergency save's cost on this meter (drains the IC: a tick with the chip emulator).
  (powerSupplyOf(sim.board).powerFail).set(0);
  const periodicRecordBytes = p.states().filter((s) => s.periodic).reduce((a, s) => a + s.bytes, 0);
  return {
    days,
    sectors: flash.sectorCount,
    sectorSize: flash.sectorSize,
    eraseCounts: counts,
    eraseMin: Math.min(...counts),
    eraseMax,
    eraseMean: counts.reduce((a, b) => a + b, 0) / counts.length,
    bytesPerDay: bytes / days,
    lifetimeYears: eraseMax === 0 ? Infinity : (cyclesPerSector / eraseMax) * (days / 365),
    stateCopiedBytes: p.stateChain!.bytesCopied,
    loadProfileRows: load.entriesInUse(),
    emergencySave: p.lastEmergencySave!,
    ramBytes: p.ramBytes() + (load as FlashProfile).sectorCount * 8,
    periodicRecordBytes,
  };
}
