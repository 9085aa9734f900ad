/**
 * The heavy parts of outage-stamp.test.ts in plain Node (jest's vm context makes the simulated
 * meter about 9 times slower; test/node-run.ts): the errors of 200 sudden cuts at random moments
 * with the alive tally and of 60 without it, and a simulated day of the tally's wear.
 * Prints one JSON line; outage-stamp.test.ts asserts on it.
 */
import { defaultPersistenceConfig } from "../../firmware/app/persistence";
import { parseScenario } from "../../host-sim/event-types";
import { losePower, restorePower } from "../../host-sim/power";
import { Simulation } from "../../host-sim/simulation";

const MIN = 60_000;

function sim(aliveIntervalMs = defaultPersistenceConfig().aliveIntervalMs): Simulation {
  const scenario = parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 5, angle: 0 }] });
  // No LCD (the glass is not looked at; nothing else changes: test/host-sim/skip-runs.test.ts).
  return new Simulation(scenario, { display: false, config: { persistence: { ...defaultPersistenceConfig(), aliveIntervalMs } } });
}

/** Cuts the supply without signal after `lifeMs`, restores it after `offMs`: cut time - logged start, and whether a final save was seen. */
function suddenCut(s: Simulation, lifeMs: number, offMs: number): { error: number; finalSave: boolean } {
  s.runFor(lifeMs);
  const cutUtc = s.board.clock.wallClockMs();
  losePower(s, false);
  s.runFor(offMs);
  restorePower(s);
  const outage = s.meter.persistence.lastRestore!.outage!;
  return { error: cutUtc - outage.startUtcMs, finalSave: outage.finalSave };
}

let seed = 14;
const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
function errors(s: Simulation, cuts: number): { errors: number[]; finalSaves: number } {
  const out: number[] = [];
  let finalSaves = 0;
  for (let i = 0; i < cuts; i++) {
    const r = suddenCut(s, 20_000 + Math.floor(rand() * 300_000), 1_000 + Math.floor(rand() * 4_000));
    out.push(r.error);
    if (r.finalSave) finalSaves++;
  }
  return { errors: out, finalSaves };
}

function wear(): { marks: number; profileErases: number; journalRecordsPerSave: number } {
  const s = sim();
  s.runFor(MIN);
  const profiles = s.meter.persistence.profileJournal!;
  const tally = s.meter.persistence.tally!;
  const erases = profiles.stats.erases;
  const marks = tally.marks;
  const state = s.meter.persistence.journal!.stats.recordsWritten;
  s.runFor(86_400_000);
  return {
    marks: tally.marks - marks,
    profileErases: profiles.stats.erases - erases,
    journalRecordsPerSave: (s.meter.persistence.journal!.stats.recordsWritten - state) / 1440,
  };
}

const tally = errors(sim(), 200);
const legacy = errors(sim(0), 60);
console.log(JSON.stringify({ tally, legacy, wear: wear() }));
