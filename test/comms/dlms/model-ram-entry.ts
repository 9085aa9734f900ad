/**
 * Bundled into xsnap by model-ram.test.ts: a meter (the default scenario, one simulated minute)
 * and its DLMS object model, built as often as the test asks, kept alive in `globalThis.models`.
 */
import { buildMeterObjectModel } from "../../../firmware/app/meter-objects";
import type { ObjectModel } from "../../../firmware/comms/dlms/object-model";
import { parseScenario } from "../../../host-sim/event-types";
import { Simulation } from "../../../host-sim/simulation";

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

import "../../../host-sim/bench/dlms-xs/entry";
import type { DlmsXsBench } from "../../../host-sim/bench/dlms-xs/entry";

/** A reader association (PDU 256) on the bench meter, and the first block of a long GET of `obis` attribute 2. */
(globalThis as Record<string, unknown>).longGetRam = {
  boot(scenarioJson: string): void {
    const bench = (globalThis as unknown as { dlmsBench: DlmsXsBench }).dlmsBench;
    bench.boot(scenarioJson, 96, 256);
  },
  start(classId: number, obis: number[]): number {
    const bench = (globalThis as unknown as { dlmsBench: DlmsXsBench }).dlmsBench;
    const apdu = [0xc0, 0x01, 0xc1, 0x00, classId, ...obis, 2, 0];
    bench.socket.handler!(Uint8Array.from([0, 1, 0, 17, 0, 1, apdu.length >> 8, apdu.length & 0xff, ...apdu]));
    // WRAPPER header (8), GET-Response-With-Datablock: c4 02, the invoke id, last-block flag 0.
    const r = bench.socket.last;
    return r[9] === 2 && r[11] === 0 ? 1 : 0;
  },
};
