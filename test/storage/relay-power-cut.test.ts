import type { ControlMode, ControlState } from "../../firmware/control/disconnector";
import { parseScenario } from "../../host-sim/event-types";
import { Simulation } from "../../host-sim/simulation";

/**
 * Relay state and control mode through real power cuts (scenario `power-cut`, host-sim/power.ts):
 * the state is saved in the flash journal when it changes; during the outage the MCU's outputs
 * fall (a monostable relay drops out) and a latching relay may be moved by hand; at power up the
 * new firmware restores the state from flash and drives the relay back to it.
 */
function simulation(kind: "latching" | "monostable", signal: boolean): Simulation {
  const scenario = parseScenario({
    start: "2026-03-02T00:00:00",
    load: [{ at: "0s", voltage: 230, current: 5, angle: 0 }],
    events: [{ at: "30s", type: "power-cut", duration: "20s", signal }],
  });
  const base = new Simulation(parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 5, angle: 0 }] }));
  return new Simulation(scenario, { config: { relay: { ...base.config.relay, kind } } });
}

const CASES: [ControlMode, ControlState][] = [[1, 1], [1, 0], [1, 2], [5, 2], [2, 0], [0, 1], [4, 1], [6, 2]];

describe.each(["latching", "monostable"] as const)("%s relay", (kind) => {
  test.each(CASES.flatMap(([mode, state]) => [true, false].map((signal) => [mode, state, signal] as const)))("mode %i, state %i, power-fail signal %s", (mode, state, signal) => {
    const sim = simulation(kind, signal);
    sim.runFor(5_000);
    const d = sim.meter.disconnector;
    expect(d.setControlMode(mode).ok).toBe(true);
    if (state === 0) expect(d.remoteDisconnect().ok).toBe(true);
    if (state === 2) expect(d.localDisconnect().ok).toBe(true);
    sim.runFor(5_000);
    expect(sim.panel.relay.closed).toBe(state === 1);
    const old = sim.meter;
    // The cut at 30 s: the old firmware is gone; a monostable relay has dropped out.
    sim.runUntil(31_000);
    expect(sim.power.on).toBe(false);
    if (kind === "monostable") expect(sim.panel.relay.closed).toBe(false);
    else sim.panel.relay.forcePosition(state !== 1);
    // Power back at 50 s: a new Meter restored from flash.
    sim.runUntil(52_000);
    const m = sim.meter;
    expect(m).not.toBe(old);
    expect(m.persistence.states().find((s) => s.id === "disconnector")?.restoredFrom).toBe(state === 1 && mode === 1 ? "defaults" : "newest");
    expect(m.disconnector.controlState).toBe(state);
    expect(m.disconnector.controlMode).toBe(mode);
    expect(m.disconnector.outputState).toBe(state === 1);
    expect(sim.panel.relay.closed).toBe(state === 1);
    expect(m.disconnector.contactMismatch).toBe(false);
    expect(sim.panel.relay.bothCoilsFaults).toBe(0);
    // The load current follows the contacts.
    sim.runFor(3_000);
    if (state === 1) expect(m.instant.currentMilliA).toBeGreaterThan(4900);
    else expect(m.instant.currentMilliA).toBeLessThan(50);
    // The restored state machine carries on (ready_for_reconnection: the button reconnects).
    if (state === 2) {
      expect(m.disconnector.manualReconnect()).toMatchObject({ ok: true, transition: "e" });
      sim.runFor(1_000);
      expect(sim.panel.relay.closed).toBe(true);
    }
  });
});
