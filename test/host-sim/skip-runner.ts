/**
 * What the batch simulator skips must not change a result (issue 19). Runs one scenario twice in
 * plain Node: once as `npm start -- --speed max` runs it (no LCD on the board; the ADE7953
 * emulator asks the line again at an instant only when its revision moved), once with nothing
 * skipped (the LCD on the board and the HT1621 emulator on its pins; the line's revision hidden,
 * so every read at an instant asks the line again). At the end of every simulated hour it records
 * the report (every register, event log, profile with its rows, and the other sections; the LCD
 * text apart), every byte of the flash chip and the metering IC's register file; skip-runs.test.ts
 * compares the two runs.
 *
 * Usage (bundled by test/node-run.ts): skip-runner.ts SCENARIO.json HOURS [--extra-events] [--atm90e26]
 * --extra-events adds power cuts (signalled, sudden), a chip reset, an SPI fault, tamper and
 * button events to the scenario's own; --atm90e26 runs the scenario on that chip.
 */
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { parseScenario } from "../../host-sim/event-types";
import { buildReport } from "../../host-sim/report";
import { Simulation } from "../../host-sim/simulation";
import type { Ade7953Emulator } from "../../emulation/ade7953/emulator";

const file = process.argv[2];
const hours = Number(process.argv[3]);
const extra = process.argv.includes("--extra-events");
const HOUR_MS = 3_600_000;

const EXTRA_EVENTS = [
  { at: "2h", type: "power-cut", duration: "10m", signal: true },
  { at: "5h30m", type: "power-cut", duration: "3s", signal: false },
  { at: "7h", type: "chip-reset" },
  { at: "8h", type: "spi-fault", kind: "dead-low", duration: "5s" },
  { at: "9h", type: "magnet-on" },
  { at: "9h20m", type: "magnet-off" },
  { at: "10h", type: "button", press: "short" },
  { at: "10h1m", type: "button", press: "short" },
  { at: "11h", type: "remote-disconnect" },
  { at: "13h", type: "remote-reconnect" },
  { at: "13h1m", type: "button", press: "long" },
  { at: "26h", type: "power-cut", duration: "2h", signal: true },
];

function load(): Simulation[] {
  const json = JSON.parse(readFileSync(file, "utf8"));
  if (extra) json.events = [...(json.events ?? []), ...EXTRA_EVENTS];
  if (process.argv.includes("--atm90e26")) json.chip = "atm90e26";
  const skipping = new Simulation(parseScenario(json, file), { display: false });
  const full = new Simulation(parseScenario(json, file), { display: true });
  // The line without its revision: the emulator asks it again at every read (the path tests with a mutable line take).
  Object.defineProperty(full.line, "revision", { get: () => undefined });
  return [skipping, full];
}

interface Checkpoint {
  hour: number;
  report: string;
  flash: string;
  chip: string;
  lcd: string;
  energyWh: number;
}

function checkpoint(sim: Simulation, hour: number): Checkpoint {
  const report = buildReport(sim);
  const lcd = report.display;
  report.display = "";
  const chip = sim.chip as Ade7953Emulator;
  const regs: number[] = [];
  if (sim.scenario.chip === "ade7953") for (let a = 0; a <= 0x3ff; a++) regs.push(chip.peek(a));
  return {
    hour,
    report: JSON.stringify(report),
    flash: createHash("sha256").update(sim.power.flash.bytes).digest("hex"),
    chip: JSON.stringify(regs),
    lcd,
    energyWh: sim.meter.energy.snapshot().activeImport,
  };
}

const sims = load();
const runs: Checkpoint[][] = [[], []];
for (let h = 1; h <= hours; h++) {
  for (let i = 0; i < sims.length; i++) {
    sims[i].runUntil(h * HOUR_MS);
    runs[i].push(checkpoint(sims[i], h));
  }
}
const profileRows = (JSON.parse(runs[0][runs[0].length - 1].report).profiles as Record<string, unknown[]>);
console.log(JSON.stringify({
  skipping: runs[0],
  full: runs[1],
  profileRows: Object.fromEntries(Object.entries(profileRows).map(([k, v]) => [k, Array.isArray(v) ? v.length : -1])),
  events: Object.values(JSON.parse(runs[0][runs[0].length - 1].report).events as Record<string, unknown[]>).reduce((n, l) => n + l.length, 0),
}));
