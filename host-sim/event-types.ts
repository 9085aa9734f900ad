/**
 * The simulator's scenario event types: each one's fields (checked when a scenario is parsed) and
 * what it does to the running simulation. Built once, explicitly, from each feature's file; the
 * table is frozen (nothing registers itself by being imported). Runs in Node and in XS.
 */
import type { EventTypeSpec, EventTypeTable, Scenario, ScenarioEvent } from "../emulation/scenario/scenario";
import { parseScenario as parseWith } from "../emulation/scenario/scenario";
import type { Simulation } from "./simulation";
import { scheduledPowerCut } from "./power";
import { defineChipEvents } from "./scenario-events/chip";
import { defineDisconnectorDisplayEvents } from "./scenario-events/disconnector-display";
import { defineTamperPulseEvents } from "./scenario-events/tamper-pulses";
import { defineTariffClockEvents } from "./scenario-events/tariffs-clock";

/** How a scenario event acts on the running simulation. */
export type EventHandler = (sim: Simulation, event: ScenarioEvent) => void;

/** An event type of the simulator: its fields and its action. */
export interface SimEventType extends EventTypeSpec {
  run: EventHandler;
}

/** What a feature's file gets to declare its event types with (host-sim/scenario-events/*). */
export interface EventTypeDefiner {
  registerEventType(type: string, spec: EventTypeSpec): void;
  onEvent(type: string, handler: EventHandler): void;
}

function buildEventTypes(): Readonly<Record<string, SimEventType>> {
  const specs: Record<string, EventTypeSpec> = {};
  const handlers: Record<string, EventHandler> = {};
  const definer: EventTypeDefiner = {
    registerEventType: (type, spec) => {
      specs[type] = spec;
    },
    onEvent: (type, handler) => {
      handlers[type] = handler;
    },
  };
  // The meter really loses power (host-sim/power.ts): emergency save when "signal" (default true),
  // timers, sockets and RAM gone, chip reset, and a new meter restores from flash after the duration.
  definer.registerEventType("power-cut", { fields: { duration: "duration", signal: "boolean" }, required: ["duration"] });
  definer.onEvent("power-cut", (sim, event) => scheduledPowerCut(sim, event.atMs, event.fields.duration as number, event.fields.signal !== false));
  defineTamperPulseEvents(definer);
  defineChipEvents(definer);
  defineDisconnectorDisplayEvents(definer);
  defineTariffClockEvents(definer);
  const table: Record<string, SimEventType> = {};
  for (const type of Object.keys(specs)) {
    const run = handlers[type];
    if (!run) throw new Error(`scenario event type "${type}" has no simulator handler`);
    table[type] = Object.freeze({ ...specs[type], run });
  }
  return Object.freeze(table);
}

/** Every scenario event type the simulator knows. */
export const SIM_EVENT_TYPES: Readonly<Record<string, SimEventType>> = buildEventTypes();

/** Parses a scenario with the simulator's event types. */
export function parseScenario(json: unknown, source = "scenario"): Scenario {
  return parseWith(json, source, SIM_EVENT_TYPES as EventTypeTable);
}
