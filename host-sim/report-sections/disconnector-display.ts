import type { Report } from "../report";
import type { Simulation } from "../simulation";
import { commandLog } from "../scenario-events/disconnector-display";

const STATE_NAMES = ["disconnected", "connected", "ready_for_reconnection"];

/**
 * `relay`: the class-70 attributes, the relay's contacts as the emulator has them, the limiter,
 * and the scenario's commands with their results. `display`: the LCD text decoded from the
 * HT1621 emulator's segment RAM.
 */
export function relayDisplaySection(sim: Simulation, report: Report): void {
  const d = sim.meter.disconnector;
  const l = sim.meter.limiter;
  const relay = sim.panel.relay;
  report.relay = {
    outputState: d.outputState,
    controlState: d.controlState,
    controlStateName: STATE_NAMES[d.controlState],
    controlMode: d.controlMode,
    contact: relay.closed ? "closed" : "open",
    relayKind: relay.options.kind,
    stuck: relay.stuck,
    contactMismatch: d.contactMismatch,
    bothCoilsFaults: relay.bothCoilsFaults,
    limiter: {
      monitoredObis: l.settings.monitoredObis,
      thresholdActive: l.thresholdActive(),
      thresholdNormal: l.settings.thresholdNormal,
      thresholdEmergency: l.settings.thresholdEmergency,
      emergencyProfileActive: l.emergencyProfileActive(),
      over: l.over,
    },
    commands: commandLog(sim),
  };
  report.display = sim.panel.lcdText();
}
