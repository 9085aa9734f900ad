/**
 * One household day (the default scenario) on the simulated board with the chip named in argv[2];
 * prints the figures atm90e26-scenario.test.ts compares as JSON. It runs in plain Node
 * (test/node-run.ts): inside jest's vm context the day takes about 9 times longer.
 */
import { readFileSync } from "node:fs";
import { expectedActiveEnergyWh } from "../../../emulation/scenario/line-source";
import { parseScenario } from "../../../host-sim/event-types";
import { DEFAULT_SCENARIO } from "../../../host-sim/options";
import { Simulation } from "../../../host-sim/simulation";

export interface HouseholdDay {
  chip: string;
  activeImportMilliWh: number;
  activeExportMilliWh: number;
  exact: { importWh: number; exportWh: number };
  lastIcStatus: string;
  standardEvents: number;
}

const DAY = 24 * 3_600_000;
const chip = process.argv[2] as "ade7953" | "atm90e26";
const json = JSON.parse(readFileSync(DEFAULT_SCENARIO, "utf8"));
json.chip = chip;
const sim = new Simulation(parseScenario(json));
sim.runFor(DAY);
const out: HouseholdDay = {
  chip: sim.meter.ic.chip,
  activeImportMilliWh: sim.meter.energy.activeImport,
  activeExportMilliWh: sim.meter.energy.activeExport,
  exact: expectedActiveEnergyWh(sim.line, 0, DAY),
  lastIcStatus: sim.meter.lastIcStatus,
  standardEvents: sim.meter.events.standard.count,
};
process.stdout.write(JSON.stringify(out) + "\n");
