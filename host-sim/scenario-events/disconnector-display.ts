/**
 * Scenario events for the disconnector, the limiter and the front panel:
 *   { "at": "1h", "type": "button", "press": "short" }             one press (200 ms)
 *   { "at": "1h", "type": "button", "press": "long" }              held 3.5 s (manual reconnect)
 *   { "at": "1h", "type": "button", "press": "long", "hold": "5s" }
 *   { "at": "2h", "type": "remote-disconnect" } / { "type": "remote-reconnect" }
 *   { "at": "0s", "type": "set-control-mode", "mode": 5 }
 *   { "at": "0s", "type": "limiter", "normal": 3000, "minOver": "30s", "minUnder": "1m" }
 *       thresholds in W (kW for demand), "monitor": "power" (default) or "demand",
 *       "emergency": 1500, "emergencyStart": "2026-03-02T18:00:00" or "6h", "emergencyDuration": "2h",
 *       "emergencyProfileId": 1, "groupIds": [1]  (the profile applies when its id is in groupIds;
 *       both default to 1 when an emergency window is given)
 *   { "at": "3h", "type": "relay-stuck" } / { "type": "relay-stuck", "stuck": false }
 * Every command's result (accepted or refused with its reason) is listed in the report's relay section.
 */
import { isControlMode } from "../../firmware/control/disconnector";
import { LIMITER_MONITOR_DEMAND, LIMITER_MONITOR_POWER, type LimiterConfig } from "../../firmware/control/limiter";
import type { Simulation } from "../simulation";
import type { EventTypeDefiner } from "../event-types";
import { ScenarioError } from "../../emulation/scenario/duration";
import type { ScenarioEvent } from "../../emulation/scenario/scenario";

/** Commands the scenario sent and what the meter answered (for the report). */
export interface CommandRecord {
  time: string;
  command: string;
  ok: boolean;
  transition?: string | null;
  reason?: string | null;
}

/** The simulation's command log (kept on the Simulation, which outlives every meter). */
export function commandLog(sim: Simulation): CommandRecord[] {
  return sim.commandLog;
}

function record(sim: Simulation, command: string, result: { ok: boolean; transition?: string | null; reason?: string | null; field?: string | null }): void {
  const row: CommandRecord = { time: new Date(sim.clock.wallClockMs()).toISOString(), command, ok: result.ok };
  if (result.transition !== undefined) row.transition = result.transition;
  if (!result.ok) row.reason = result.field ? `${result.reason} (${result.field})` : result.reason;
  commandLog(sim).push(row);
  if (!result.ok) sim.log.warn(`${command} refused: ${row.reason}`);
}

const SHORT_PRESS_MS = 200;
const LONG_PRESS_MS = 3500;

/** Adds this file's scenario event types (their fields and what they do) to the simulator's table (host-sim/event-types.ts). */
export function defineDisconnectorDisplayEvents({ registerEventType, onEvent }: EventTypeDefiner): void {
  registerEventType("button", {
    fields: { press: "string", hold: "duration" },
    physical: true,
    validate(fields) {
      const press = fields.press ?? "short";
      if (press !== "short" && press !== "long") throw new ScenarioError(`"press" must be "short" or "long", got ${JSON.stringify(press)}`);
      const hold = fields.hold as number | undefined;
      if (hold !== undefined && (hold < 50 || hold > 60_000)) throw new ScenarioError(`"hold" must be between 50ms and 60s`);
    },
  });
  onEvent("button", (sim, event) => {
    const hold = (event.fields.hold as number | undefined) ?? (event.fields.press === "long" ? LONG_PRESS_MS : SHORT_PRESS_MS);
    const button = sim.panel.pins.button;
    button.set(0);
    sim.clock.schedule(() => button.set(1), hold);
  });

  registerEventType("remote-disconnect", { fields: {} });
  registerEventType("remote-reconnect", { fields: {} });
  onEvent("remote-disconnect", (sim) => record(sim, "remote-disconnect", sim.meter.disconnector.remoteDisconnect()));
  onEvent("remote-reconnect", (sim) => record(sim, "remote-reconnect", sim.meter.disconnector.remoteReconnect()));

  registerEventType("set-control-mode", {
    fields: { mode: "integer" },
    required: ["mode"],
    validate(fields) {
      if (!isControlMode(fields.mode)) throw new ScenarioError(`"mode" must be a control mode 0..6, got ${String(fields.mode)}`);
    },
  });
  onEvent("set-control-mode", (sim, event) => record(sim, `set-control-mode ${event.fields.mode}`, sim.meter.disconnector.setControlMode(event.fields.mode as number)));

  registerEventType("limiter", {
    fields: {
      monitor: "string", normal: "number", emergency: "number", minOver: "duration", minUnder: "duration",
      emergencyStart: "time", emergencyDuration: "duration", emergencyProfileId: "integer", groupIds: "array",
    },
    validate(fields) {
      if (fields.monitor !== undefined && fields.monitor !== "power" && fields.monitor !== "demand") throw new ScenarioError(`"monitor" must be "power" or "demand", got ${JSON.stringify(fields.monitor)}`);
      for (const key of ["normal", "emergency"]) {
        const v = fields[key] as number | undefined;
        if (v !== undefined && (v < 0 || v > 1e7)) throw new ScenarioError(`"${key}" must be a threshold in W between 0 (no limit) and 10000000, got ${v}`);
      }
      const ids = fields.groupIds as unknown[] | undefined;
      if (ids !== undefined && !ids.every((id) => Number.isInteger(id) && (id as number) >= 0 && (id as number) <= 0xffff)) throw new ScenarioError(`"groupIds" must be integers 0..65535`);
      const id = fields.emergencyProfileId as number | undefined;
      if (id !== undefined && (id < 0 || id > 0xffff)) throw new ScenarioError(`"emergencyProfileId" must be 0..65535`);
    },
  });
  onEvent("limiter", (sim, event) => record(sim, "limiter", sim.meter.limiter.configure(limiterChanges(sim, event))));

  registerEventType("relay-stuck", { fields: { stuck: "boolean" }, physical: true });
  onEvent("relay-stuck", (sim, event) => {
    sim.panel.relay.stuck = (event.fields.stuck as boolean | undefined) ?? true;
  });
}

/** Scenario fields (W, durations in ms, UTC ms) to the limiter's settings (register units, seconds). */
export function limiterChanges(sim: Simulation, event: ScenarioEvent): Partial<LimiterConfig> {
  const f = event.fields;
  const changes: Partial<LimiterConfig> = {};
  const obis = f.monitor === "demand" ? LIMITER_MONITOR_DEMAND : f.monitor === "power" ? LIMITER_MONITOR_POWER : sim.meter.limiter.settings.monitoredObis;
  if (f.monitor !== undefined) changes.monitoredObis = obis;
  const register = sim.meter.register(obis);
  // Thresholds are in the register's integer units: W * 10^-scaler (mW for scaler -3).
  const perWatt = register ? 10 ** -register.scaler : 1000;
  if (f.normal !== undefined) changes.thresholdNormal = Math.round((f.normal as number) * perWatt);
  if (f.emergency !== undefined) changes.thresholdEmergency = Math.round((f.emergency as number) * perWatt);
  if (f.minOver !== undefined) changes.minOverThresholdDurationS = Math.ceil((f.minOver as number) / 1000);
  if (f.minUnder !== undefined) changes.minUnderThresholdDurationS = Math.ceil((f.minUnder as number) / 1000);
  if (f.emergencyStart !== undefined || f.emergencyDuration !== undefined || f.emergencyProfileId !== undefined) {
    const current = sim.meter.limiter.settings.emergencyProfile;
    const id = (f.emergencyProfileId as number | undefined) ?? (current.id || 1);
    changes.emergencyProfile = {
      id,
      activationUtcMs: (f.emergencyStart as number | undefined) ?? current.activationUtcMs,
      durationS: f.emergencyDuration !== undefined ? Math.ceil((f.emergencyDuration as number) / 1000) : current.durationS,
    };
    if (f.groupIds === undefined) changes.emergencyProfileGroupIds = [id];
  }
  if (f.groupIds !== undefined) changes.emergencyProfileGroupIds = (f.groupIds as number[]).slice();
  return changes;
}
