import { Meter } from "../../firmware/app/meter";
import type { ControlMode, ControlState } from "../../firmware/control/disconnector";
import { parseScenario } from "../../host-sim/event-types";
import { Simulation } from "../../host-sim/simulation";

function simulation(kind: "latching" | "monostable"): Simulation {
  const scenario = parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 5, angle: 0 }] });
  return new Simulation(scenario, { config: { relay: { ...new Simulation(scenario).config.relay, kind } } });
}

/** Drives the running meter into `state` under `mode` through legal transitions only. */
function reach(sim: Simulation, mode: ControlMode, state: ControlState): void {
  const d = sim.meter.disconnector;
  expect(d.setControlMode(mode).ok).toBe(true);
  if (state === 0) expect(d.remoteDisconnect().ok).toBe(true);
  if (state === 2) expect(d.localDisconnect().ok).toBe(true);
  sim.runFor(1000);
  expect(d.controlState).toBe(state);
}

/** Power cut: the MCU stops, its outputs fall low (a monostable relay drops out), RAM is lost. */
function powerCut(sim: Simulation): void {
  sim.meter.stop();
  const p = sim.panel.pins;
  for (const out of [p.relaySetCoil, p.relayResetCoil, p.relayOutput, p.lcdCs, p.lcdWr, p.lcdData]) out.write(0);
  sim.runFor(100);
}

/** Power back: a new Meter on the same board restores the snapshot and starts. */
function reboot(sim: Simulation, snapshot: ReturnType<Meter["disconnector"]["snapshot"]>): Meter {
  const meter = new Meter(sim.board, sim.config);
  sim.meter = meter;
  expect(meter.disconnector.restore(snapshot)).toMatchObject({ ok: true, state: snapshot.controlState });
  meter.start();
  sim.runFor(1000);
  return meter;
}

describe("relay state and control mode survive a power cut", () => {
  const cases: [ControlMode, ControlState][] = [[1, 1], [1, 0], [1, 2], [5, 2], [2, 0], [0, 1]];
  for (const kind of ["latching", "monostable"] as const) {
    for (const [mode, state] of cases) {
      test(`${kind}: mode ${mode}, state ${state}`, () => {
        const sim = simulation(kind);
        sim.runFor(2000);
        reach(sim, mode, state);
        expect(sim.panel.relay.closed).toBe(state === 1);
        const snapshot = JSON.parse(JSON.stringify(sim.meter.disconnector.snapshot()));
        expect(snapshot).toEqual({ controlState: state, controlMode: mode });
        powerCut(sim);
        // During the outage the contacts may end up in the wrong place (a latching pulse cut
        // short, a hand lever; a monostable relay drops out): power-up must drive them back.
        if (kind === "latching") sim.panel.relay.forcePosition(state !== 1);
        else expect(sim.panel.relay.closed).toBe(false);
        const meter = reboot(sim, snapshot);
        expect(meter.disconnector.controlState).toBe(state);
        expect(meter.disconnector.controlMode).toBe(mode);
        expect(meter.disconnector.outputState).toBe(state === 1);
        expect(sim.panel.relay.closed).toBe(state === 1);
        expect(meter.disconnector.contactMismatch).toBe(false);
        expect(sim.panel.relay.bothCoilsFaults).toBe(0);
        // The load current follows the contacts.
        sim.runFor(2000);
        expect(meter.instant.currentMilliA).toBeGreaterThan(state === 1 ? 4900 : -1);
        expect(meter.instant.currentMilliA).toBeLessThan(state === 1 ? 5100 : 50);
        // The restored state machine carries on from there (e.g. state 2 -> button reconnect).
        if (state === 2) {
          expect(meter.disconnector.manualReconnect()).toMatchObject({ ok: true, transition: "e" });
          sim.runFor(1000);
          expect(sim.panel.relay.closed).toBe(true);
        }
      });
    }
  }

  test("a corrupt snapshot is refused and the relay goes to the default (connected) state", () => {
    const sim = simulation("latching");
    sim.runFor(1000);
    powerCut(sim);
    sim.panel.relay.forcePosition(false);
    const meter = new Meter(sim.board, sim.config);
    sim.meter = meter;
    for (const bad of [{ controlState: 3, controlMode: 1 }, { controlState: 0, controlMode: 0 }, { controlState: 1, controlMode: 9 }, null]) {
      expect(meter.disconnector.restore(bad as never)).toMatchObject({ ok: false, reason: "invalid-snapshot" });
    }
    meter.start();
    sim.runFor(1000);
    expect(meter.disconnector.controlState).toBe(1);
    expect(sim.panel.relay.closed).toBe(true);
  });
});
