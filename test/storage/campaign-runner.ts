/**
 * Randomized power-cut campaign (issue 6): a month of the household scenario with N power cuts at
 * random virtual times: with the power-fail signal (emergency save), sudden (no signal), and torn
 * (power dies inside a random flash write or erase). After every restore it checks the registers,
 * the logs and the load profile. Runs in plain Node (jest's vm context makes the chip emulator
 * an order of magnitude slower); campaign.test.ts starts it and asserts on its JSON summary.
 *
 * Usage: node -r ts-node/register/transpile-only test/storage/campaign-runner.ts [cuts] [days] [seed]
 * (campaign.test.ts runs it bundled with esbuild, test/node-run.ts).
 */
import { readFileSync } from "node:fs";
import { STORE_EVENT } from "../../firmware/app/persistence";
import { ALARM } from "../../firmware/kernel/event-codes";
import type { Meter } from "../../firmware/app/meter";
import { parseScenario } from "../../host-sim/event-types";
import { DEFAULT_SCENARIO } from "../../host-sim/options";
import { killFirmware, losePower, restorePower } from "../../host-sim/power";
import { Simulation } from "../../host-sim/simulation";
import { prng } from "./helpers";

const cuts = Number(process.argv[2] ?? 10_000);
const days = Number(process.argv[3] ?? 30);
const seed = Number(process.argv[4] ?? 2026);
const TICK_MS = 60_000;
const SAVE_MS = 60_000;

/** Every energy register (totals, rates, quadrants) and remainder as one flat list. */
function registers(m: Meter): number[] {
  const s = m.energy.snapshot();
  return [s.activeImport, s.activeExport, ...s.activeImportRates, ...s.activeExportRates, s.reactiveImport, s.reactiveExport, ...s.quadrants, s.apparent];
}

const started = Date.now();
// The household day (emulation/scenario/scenarios/household-day.json).
const json = JSON.parse(readFileSync(DEFAULT_SCENARIO, "utf8"));
// No LCD on the board: nothing here reads the glass, and a run without it keeps every register,
// log, profile row and flash byte (test/host-sim/skip-runs.test.ts); 10,000 boots draw no screen.
const sim = new Simulation(parseScenario(json), { display: false, config: { tickMs: TICK_MS, persistence: { saveIntervalMs: SAVE_MS, stateSectors: 8, aliveIntervalMs: 5_000 } } });
const rand = prng(seed);
const horizon = days * 86_400_000;
// The largest power of the scenario (W): bounds what one save interval can hold.
const maxWatts = Math.max(...sim.scenario.load.map((l) => l.voltage * l.current));
const intervalBoundMilli = Math.ceil((maxWatts * (SAVE_MS + TICK_MS)) / 3600);

const violations: string[] = [];
const fail = (msg: string) => {
  if (violations.length < 30) violations.push(msg);
};
const modes = { signal: 0, sudden: 0, torn: 0 };
const tornOps = { write: 0, erase: 0 };
let maxLossSignal = 0;
let maxLossNoSignal = 0;
let savedRegs: number[] = registers(sim.meter);
let savedAt = 0;
// Load-profile rows the meters captured with the flash powered (a row torn by a cut is not counted).
let rowsCaptured = 0;
let lastCountedStamp = -1;
const watch = (m: Meter) => {
  const lpBuffer = m.profiles.load.buffer;
  const append = lpBuffer.append.bind(lpBuffer);
  lpBuffer.append = (row) => {
    append(row);
    if (sim.power.flash.powered) {
      rowsCaptured++;
      lastCountedStamp = row[0];
    }
  };
  m.persistence.addSavedListener(() => {
    // A save that ran after an injected cut wrote nothing.
    if (!sim.power.flash.powered) return;
    savedRegs = registers(m);
    savedAt = sim.clock.nowMs();
  });
};
watch(sim.meter);
// A boundary that passed while the meter was down (or before its tick could capture it) gets its
// row at power-up (power-down bit), before watch() is installed on the new meter: counted here (it
// is the newest row, newer than any counted one).
const countPowerUpRow = (m: Meter) => {
  const buffer = m.profiles.load.buffer;
  const n = buffer.entriesInUse();
  if (n === 0) return;
  const row = new Float64Array(buffer.columns.length);
  buffer.readEntry(n - 1, row);
  if (row[0] > lastCountedStamp && (row[1] & 0x80) !== 0) {
    rowsCaptured++;
    lastCountedStamp = row[0];
  }
};
let previous = registers(sim.meter);
let powerEvents = 0;
let lpChecks = 0;
// Torn cuts wait for their flash operation: plan slightly shorter cycles so the month holds them all.
const meanCycle = (horizon / cuts) * 0.8;
// The scenario line keeps every outage window and scans them all per sample: drop the ended ones.
// (Only while the line keeps them in that list: a line source that indexes its outages needs no pruning.)
const outages = (sim.line as unknown as { outages?: { from: number; to: number }[] }).outages ?? [];
const outageMax = Math.min(120_000, Math.floor(meanCycle / 3));
let end = 0;

for (let i = 0; i < cuts; i++) {
  const outage = 1000 + Math.floor(rand() * outageMax);
  // Powered time between cuts: uniform around the mean cycle minus the mean outage.
  const t = end + 1000 + Math.floor(rand() * 2 * (meanCycle - 1000 - outageMax / 2 - 1000));
  if (t + 2 * SAVE_MS + outage >= horizon) break;
  sim.runUntil(t);
  for (let k = outages.length - 1; k >= 0; k--) if (outages[k].to < sim.clock.nowMs()) outages.splice(k, 1);
  const roll = rand();
  const mode = roll < 0.4 ? "signal" : roll < 0.7 ? "sudden" : "torn";
  modes[mode]++;
  let before: number[];
  let cutMs: number;
  const old = sim.meter;
  if (mode === "torn") {
    // Power dies inside the next flash operation (a save, a profile row, an event, an erase).
    const flash = sim.power.flash;
    let state: number[] | null = null;
    let at = 0;
    flash.onPowerCut = (cut) => {
      tornOps[cut.operation]++;
      state = registers(old);
      at = sim.clock.nowMs();
      sim.line.addOutage(at, at + outage);
      sim.clock.schedule(() => killFirmware(sim), 0);
      sim.clock.schedule(() => restorePower(sim), outage);
    };
    flash.armPowerCutInNextOperation(rand() < 0.25 ? "erase" : null);
    while (state === null) sim.runFor(10_000);
    flash.onPowerCut = null;
    before = state;
    cutMs = at;
  } else {
    cutMs = sim.clock.nowMs(); // a torn cut may have waited past t for its flash operation
    sim.line.addOutage(cutMs, cutMs + outage);
    losePower(sim, mode === "signal");
    before = registers(old); // after the emergency save's drain when signalled
    sim.clock.schedule(() => restorePower(sim), outage);
  }
  const savedBefore = savedRegs;
  const savedTime = savedAt;
  end = cutMs + outage;
  sim.runUntil(end);
  const m = sim.meter;
  if (m === old || !sim.power.on) {
    fail(`cut ${i}: meter not restarted (${mode}, on ${sim.power.on}, same ${m === old}, now ${sim.clock.nowMs()}, end ${end}, horizon ${horizon})`);
    break;
  }
  watch(m);
  countPowerUpRow(m);
  const after = registers(m);
  for (let k = 0; k < after.length; k++) {
    if (after[k] < previous[k]) fail(`cut ${i} (${mode}): register ${k} went down ${previous[k]} -> ${after[k]}`);
    if (after[k] > before[k]) fail(`cut ${i} (${mode}): register ${k} grew over the cut ${before[k]} -> ${after[k]}`);
  }
  const loss = before[0] - after[0] + (before[1] - after[1]);
  if (mode === "signal") {
    maxLossSignal = Math.max(maxLossSignal, loss);
    for (let k = 0; k < after.length; k++) if (before[k] - after[k] > 1) fail(`cut ${i} (signal): register ${k} lost ${before[k] - after[k]} units`);
  } else {
    maxLossNoSignal = Math.max(maxLossNoSignal, loss);
    if (loss > intervalBoundMilli) fail(`cut ${i} (${mode}): lost ${loss} mWh > ${intervalBoundMilli}`);
    for (let k = 0; k < after.length; k++) if (after[k] < savedBefore[k]) fail(`cut ${i} (${mode}): register ${k} below the last completed save (${savedBefore[k]} -> ${after[k]}, saved at ${savedTime})`);
  }
  previous = after;
  // Logs: the outage is in the standard log, nothing reads as NV memory damage.
  const report = m.persistence.lastRestore!;
  if (!report.outage) fail(`cut ${i}: no outage logged`);
  else powerEvents++;
  if (report.corruptRecords > 0 || report.lost.length > 0) fail(`cut ${i} (${mode}): corrupt ${report.corruptRecords}, lost ${report.lost.join(",")}`);
  // A torn record never counts as a generation: every state (demand, billing, clock, counters...) is its newest.
  if (report.fromOlder.length > 0) fail(`cut ${i} (${mode}): restored from the older generation: ${report.fromOlder.join(",")}`);
  if (m.events.isAlarmSet(ALARM.nvMemoryError)) fail(`cut ${i}: NV alarm`);
  const std = m.events.standard;
  if (std.count < 2 || std.codeAt(std.count - 1) !== STORE_EVENT.powerUp) fail(`cut ${i}: last standard event is not a power up`);
  for (const log of m.events.all()) for (let e = 0; e < log.count; e++) if (!(log.timeAt(e) > 0)) fail(`cut ${i}: ${log.name} entry ${e} unreadable`);
  // Load profile: readable, strictly increasing capture times (no duplicate rows).
  const lp = m.profiles.load.buffer;
  const n = lp.entriesInUse();
  const row = new Float64Array(lp.columns.length);
  const full = i % 500 === 0;
  let last = -Infinity;
  for (let e = full ? 0 : Math.max(0, n - 4); e < n; e++) {
    lp.readEntry(e, row);
    if (!(row[0] > last)) fail(`cut ${i}: load profile row ${e} at ${row[0]} not after ${last}`);
    if (row[0] % 900_000 !== 0) fail(`cut ${i}: load profile row ${e} off the 15-min grid`);
    last = row[0];
  }
  if (full) lpChecks++;
}
sim.runUntil(horizon);
const m = sim.meter;
const flash = sim.power.flash;
const counts = Array.from(flash.eraseCounts);
const profile = m.profiles.load.buffer;
process.stdout.write(JSON.stringify({
  cuts: modes.signal + modes.sudden + modes.torn, modes, tornOps, violations, maxLossSignal, maxLossNoSignal, intervalBoundMilli, powerEvents, lpChecks,
  lpRows: profile.entriesInUse(), rowsCaptured, lpCapacity: profile.capacity, lpDropped: (profile as unknown as { droppedRows: number }).droppedRows, powerFailures: m.powerFailures.count,
  activeImportMilli: m.energy.activeImport, eraseMin: Math.min(...counts), eraseMax: Math.max(...counts),
  virtualDays: sim.clock.nowMs() / 86_400_000, elapsedMs: Date.now() - started,
}) + "\n");
