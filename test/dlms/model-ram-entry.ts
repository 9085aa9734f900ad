/**
 * Bundled into xsnap by model-ram.test.ts: a meter (the default scenario, one simulated minute)
 * and its DLMS object model, built as often as the test asks, kept alive in `globalThis.models`.
 */
import { buildMeterObjectModel } from "../../firmware/app/meter-objects";
import type { ObjectModel } from "../../firmware/comms/dlms/object-model";
import { parseScenario } from "../../host-sim/event-types";
import { Simulation } from "../../host-sim/simulation";

const state: { sim?: Simulation; models: ObjectModel[] } = { models: [] };

(globalThis as Record<string, unknown>).modelRam = {
  boot(scenarioJson: string): number {
    state.sim = new Simulation(parseScenario(JSON.parse(scenarioJson)), { config: { tickMs: 10_000 } });
    state.sim.runFor(60_000);
    // A first model, so that everything built once per meter (lazily created tables) exists.
    return buildMeterObjectModel(state.sim.meter).size;
  },
  build(): number {
    const model = buildMeterObjectModel(state.sim!.meter);
    state.models.push(model);
    return model.size;
  },
};
