/**
 * Scenario events for the cover, magnet and pulse inputs:
 *   { "at": "1h", "type": "cover-open" }            meter cover removed (input low)
 *   { "at": "1h", "type": "terminal-cover-close", "bounce": 3 }
 *   { "at": "2h", "type": "magnet-on" } / "magnet-off"
 *   { "at": "3h", "type": "gas-pulses", "count": 120, "rate": 2, "bounce": 2 }
 * `bounce`: extra contact bounces (1 ms apart) at each transition, which the meter's debounce
 * must reject. Pulses: the reed closes (input low) for half of each period (1 / rate seconds).
 */
import type { SimInput } from "../board";
import type { Simulation } from "../simulation";
import type { EventTypeDefiner } from "../event-types";
import type { SimInputs } from "../board";
import { ScenarioError } from "../../emulation/scenario/duration";

const bounceSpec = { fields: { bounce: "integer" as const }, validate: checkBounce, physical: true };

function checkBounce(fields: Record<string, unknown>): void {
  const b = fields.bounce;
  if (b !== undefined && ((b as number) < 0 || (b as number) > 8)) throw new ScenarioError(`"bounce" must be 0..8 (1 ms bounces; more would outlast the 20 ms debounce), got ${String(b)}`);
}

const SWITCHES: [type: string, input: keyof SimInputs, level: number][] = [
  ["cover-open", "meterCover", 0],
  ["cover-close", "meterCover", 1],
  ["terminal-cover-open", "terminalCover", 0],
  ["terminal-cover-close", "terminalCover", 1],
  ["magnet-on", "magnet", 0],
  ["magnet-off", "magnet", 1],
];

/** Adds this file's scenario event types (their fields and what they do) to the simulator's table (host-sim/event-types.ts). */
export function defineTamperPulseEvents({ registerEventType, onEvent }: EventTypeDefiner): void {
  for (const [type, input, level] of SWITCHES) {
    registerEventType(type, bounceSpec);
    onEvent(type, (sim, event) => drive(sim, sim.inputs[input], level, (event.fields.bounce as number | undefined) ?? 0));
  }

  const pulseSpec = {
    fields: { count: "integer" as const, rate: "number" as const, bounce: "integer" as const },
    required: ["count"],
    physical: true,
    validate(fields: Record<string, unknown>): void {
      const count = fields.count as number;
      if (count < 0 || count > 100_000_000) throw new ScenarioError(`"count" must be 0..100000000, got ${count}`);
      const rate = fields.rate as number | undefined;
      if (rate !== undefined && !(rate > 0 && rate <= 100)) throw new ScenarioError(`"rate" must be pulses per second in (0, 100], got ${rate}`);
      checkBounce(fields);
    },
  };
  registerEventType("gas-pulses", pulseSpec);
  registerEventType("water-pulses", pulseSpec);
  onEvent("gas-pulses", (sim, event) => pulseTrain(sim, sim.inputs.gasPulse, event.fields));
  onEvent("water-pulses", (sim, event) => pulseTrain(sim, sim.inputs.waterPulse, event.fields));
}

/** Sets `input` to `level` now, with `bounce` short reversals 1 ms apart after it. */
function drive(sim: Simulation, input: SimInput, level: number, bounce: number): void {
  input.set(level);
  for (let k = 1; k <= bounce; k++) {
    sim.clock.schedule(() => input.set(1 - level), 2 * k - 1);
    sim.clock.schedule(() => input.set(level), 2 * k);
  }
}

/** `count` pulses at `rate` per second from now; each pulse schedules the next (no timer flood). */
function pulseTrain(sim: Simulation, input: SimInput, fields: Record<string, unknown>): void {
  const count = fields.count as number;
  const rate = (fields.rate as number | undefined) ?? 1;
  const bounce = (fields.bounce as number | undefined) ?? 0;
  const start = sim.clock.nowMs();
  const periodMs = 1000 / rate;
  let i = 0;
  const pulse = (): void => {
    drive(sim, input, 0, bounce);
    sim.clock.schedule(() => drive(sim, input, 1, bounce), Math.round(periodMs / 2));
    i++;
    if (i < count) sim.clock.schedule(pulse, start + Math.round(i * periodMs) - sim.clock.nowMs());
  };
  if (count > 0) pulse();
}
