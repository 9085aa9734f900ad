/** Prints the wear simulation's JSON (wear.test.ts runs it in plain Node for speed). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseScenario } from "../../host-sim/event-types";
import { simulateWear } from "../../host-sim/store-wear";

const json = JSON.parse(readFileSync(join(__dirname, "../../emulation/scenario/scenarios/household-day.json"), "utf8"));
process.stdout.write(JSON.stringify(simulateWear(parseScenario(json), Number(process.argv[2] ?? 365))) + "\n");
