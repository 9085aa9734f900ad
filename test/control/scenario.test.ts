import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildReport } from "../../host-sim/report";
import { parseScenario } from "../../host-sim/event-types";
import { Simulation } from "../../host-sim/simulation";
import { ScenarioError } from "../../emulation/scenario/duration";

const FILE = join(__dirname, "../../emulation/scenario/scenarios/disconnector-limiter.json");
const MIN = 60_000;

describe("scenario: remote disconnect, limiter trip, manual reconnect, stuck relay", () => {
  test("events, relay and control states at each step and in the report", () => {
    const sim = new Simulation(parseScenario(JSON.parse(readFileSync(FILE, "utf8")), FILE));
    const state = () => ({ control: sim.meter.disconnector.controlState, closed: sim.panel.relay.closed, amps: Math.round(sim.meter.instant.currentMilliA / 1000) });
    sim.runUntil(9 * MIN);
    expect(state()).toEqual({ control: 1, closed: true, amps: 8 });
    sim.runUntil(15 * MIN);
    expect(state()).toEqual({ control: 0, closed: false, amps: 0 });
    expect(sim.panel.lcdText()).toContain("RELAY-OPEN");
    sim.runUntil(20.5 * MIN);
    expect(state()).toEqual({ control: 2, closed: false, amps: 0 });
    sim.runUntil(22.5 * MIN);
    expect(state()).toEqual({ control: 1, closed: true, amps: 8 });
    // The short press at 22 min only stepped the display.
    expect(sim.meter.display.mode).toBe("manual");
    expect(sim.meter.display.current).toBe(sim.meter.display.lists().manual[0]);
    sim.runUntil(30 * MIN + 29_000);
    expect(state()).toEqual({ control: 1, closed: true, amps: 16 });
    sim.runUntil(30 * MIN + 33_000);
    expect(state()).toEqual({ control: 2, closed: false, amps: 0 });
    sim.runUntil(39 * MIN);
    expect(state()).toEqual({ control: 2, closed: false, amps: 0 }); // mode 1: no local reconnect
    sim.runUntil(45 * MIN);
    expect(state()).toEqual({ control: 1, closed: true, amps: 8 });
    sim.runUntil(60 * MIN);

    const report = buildReport(sim);
    const codes = (report.events["0.0.99.98.2.255"] as { code: number }[]).map((e) => e.code);
    expect(codes).toEqual([67, 62, 59, 61, 65, 64, 59, 66, 61, 62, 68]);
    expect(report.relay).toMatchObject({
      outputState: true, // the contacts stuck closed
      controlState: 0,
      controlStateName: "disconnected",
      controlMode: 1,
      contact: "closed",
      stuck: true,
      contactMismatch: true,
      bothCoilsFaults: 0,
      limiter: { monitoredObis: "1.0.1.7.0.255", thresholdActive: 3_000_000, over: false },
    });
    expect((report.relay.commands as { command: string; ok: boolean }[]).map((c) => [c.command, c.ok])).toEqual([
      ["limiter", true], ["remote-disconnect", true], ["remote-reconnect", true], ["remote-disconnect", true],
    ]);
    // Relay failure alarm (measurement system, bit 11) and its error screen rotate on the glass.
    expect(Math.floor(sim.meter.events.alarmRegister / 2 ** 11) % 2).toBe(1);
    expect(typeof report.display).toBe("string");
    expect(report.display).toMatch(/\|/);
    expect(report.display).not.toContain("RELAY-OPEN");
    expect(report.display).toContain("IMPORT");
  });

  test("bad scenario events are rejected with a clear message", () => {
    const bad = (event: Record<string, unknown>) => () => parseScenario({ load: [{ at: "0s", current: 1 }], events: [event] });
    expect(bad({ at: "1s", type: "set-control-mode", mode: 7 })).toThrow(ScenarioError);
    expect(bad({ at: "1s", type: "set-control-mode", mode: 7 })).toThrow(/control mode 0..6/);
    expect(bad({ at: "1s", type: "button", press: "double" })).toThrow(/"short" or "long"/);
    expect(bad({ at: "1s", type: "limiter", monitor: "voltage" })).toThrow(/"power" or "demand"/);
    expect(bad({ at: "1s", type: "limiter", normal: -5 })).toThrow(/threshold in W/);
    expect(bad({ at: "1s", type: "relay-stuck", stuck: "yes" })).toThrow(/true or false/);
  });

  test("set-control-mode and a refused remote reconnect are listed with their reasons", () => {
    const sim = new Simulation(parseScenario({
      load: [{ at: "0s", voltage: 230, current: 2 }],
      events: [
        { at: "1s", type: "set-control-mode", mode: 0 },
        { at: "2s", type: "remote-disconnect" },
        { at: "3s", type: "set-control-mode", mode: 2 },
        { at: "4s", type: "remote-disconnect" },
        { at: "5s", type: "remote-reconnect" },
        { at: "6s", type: "remote-reconnect" },
      ],
    }));
    sim.runUntil(10_000);
    const report = buildReport(sim);
    expect((report.relay.commands as { command: string; ok: boolean; reason?: string }[]).map((c) => [c.command, c.ok, c.reason ?? null])).toEqual([
      ["set-control-mode 0", true, null],
      ["remote-disconnect", false, "mode-forbids"],
      ["set-control-mode 2", true, null],
      ["remote-disconnect", true, null],
      ["remote-reconnect", true, null],
      ["remote-reconnect", false, "already-in-state"],
    ]);
    expect(report.relay).toMatchObject({ controlState: 1, controlMode: 2, contact: "closed" });
    expect((report.events["0.0.99.98.2.255"] as { code: number }[]).map((e) => e.code)).toEqual([62, 63]);
  });

  test("limiter on current average demand (1.0.1.4.0.255) instead of instantaneous power", () => {
    const sim = new Simulation(parseScenario({
      start: "2026-03-02T10:00:00",
      load: [{ at: "0s", voltage: 230, current: 16, angle: 0 }],
      events: [{ at: "0s", type: "limiter", monitor: "demand", normal: 3000, minOver: "1m", minUnder: "1m" }],
    }));
    sim.runUntil(2 * MIN);
    const limiter = sim.meter.limiter;
    expect(limiter.settings.monitoredObis).toBe("1.0.1.4.0.255");
    expect(limiter.lastValue).toBe(sim.meter.register("1.0.1.4.0.255")!.read());
    let trippedAt = -1;
    for (let m = 2; m <= 45 && trippedAt < 0; m++) {
      sim.runUntil(m * MIN);
      if (sim.meter.disconnector.controlState === 2) trippedAt = m;
    }
    // 3680 W of load: the demand passes 3000 W (threshold in mW: 3_000_000) and the trip follows.
    expect(trippedAt).toBeGreaterThan(0);
    expect(limiter.settings.thresholdNormal).toBe(3_000_000);
    expect(sim.panel.relay.closed).toBe(false);
  });
});
