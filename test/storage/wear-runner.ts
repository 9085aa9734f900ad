/** Prints the wear simulation's JSON (wear.test.ts runs it in plain Node for speed, test/node-run.ts). */
import { readFileSync } from "node:fs";
import { DEFAULT_SCENARIO } from "../../host-sim/options";
import { parseScenario } from "../../host-sim/event-types";
import { simulateWear } from "../../host-sim/store-wear";

// The household day (emulation/scenario/scenarios/household-day.json).
const json = JSON.parse(readFileSync(DEFAULT_SCENARIO, "utf8"));
process.stdout.write(JSON.stringify(simulateWear(parseScenario(json), Number(process.argv[2] ?? 365))) + "\n");
