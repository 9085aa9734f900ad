import { parseScenario } from "../../host-sim/event-types";
import { Simulation, type SimulationOptions } from "../../host-sim/simulation";

/** A one-segment scenario at constant conditions. */
export function constantLoad(fields: Record<string, number>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { start: "2026-03-02T00:00:00", utcOffsetMinutes: 60, dst: "eu", chip: "ade7953", load: [{ at: "0s", ...fields }], ...extra };
}

export function simulate(json: Record<string, unknown>, options?: SimulationOptions): Simulation {
  return new Simulation(parseScenario(json), options);
}

/** Register value in its unit (value * 10^scaler). */
export function quantity(sim: Simulation, obis: string): number {
  const r = sim.meter.register(obis);
  if (!r) throw new Error(`no register ${obis}`);
  return r.read() * 10 ** r.scaler;
}
