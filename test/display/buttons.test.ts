import { parseScenario } from "../../host-sim/event-types";
import { Simulation } from "../../host-sim/simulation";

function simulation(events: unknown[] = []): Simulation {
  const scenario = parseScenario({ start: "2026-03-02T12:00:00", load: [{ at: "0s", voltage: 230, current: 10, angle: 0 }], events });
  return new Simulation(scenario);
}

/** The code field of the glass, read back from the HT1621 emulator. */
function code(sim: Simulation): string {
  return sim.panel.lcdText().split("|")[0].trim();
}

describe("display lists and the button on the simulated board", () => {
  test("auto-scroll: one billing item every 8 s, through the list and round again", () => {
    const sim = simulation();
    const auto = sim.meter.display.lists().auto;
    expect(auto[0]).toBe("1.0.1.8.0.255");
    const seen: string[] = [];
    for (let i = 0; i <= auto.length; i++) {
      seen.push(code(sim));
      sim.runFor(8000);
    }
    const expected = auto.map((o) => o.split(".").slice(2, 5).join("."));
    expect(seen).toEqual([...expected, expected[0]]);
  });

  test("short presses step the manual list; bounces are ignored; back to auto-scroll after 60 s", () => {
    const sim = simulation();
    const button = sim.panel.pins.button;
    const manual = sim.meter.display.lists().manual;
    sim.runFor(3000);
    const press = (bounces: number) => {
      for (let k = 0; k < bounces; k++) {
        button.set(0);
        sim.runFor(2);
        button.set(1);
        sim.runFor(2);
      }
      button.set(0);
      sim.runFor(150);
      button.set(1);
      sim.runFor(100);
    };
    press(3);
    expect(sim.meter.display.mode).toBe("manual");
    expect(sim.meter.display.current).toBe(manual[0]);
    press(0);
    press(5);
    expect(sim.meter.display.current).toBe(manual[2]);
    expect(sim.meter.button!.shortPresses).toBe(3);
    // The manual list does not scroll by itself.
    sim.runFor(30_000);
    expect(sim.meter.display.current).toBe(manual[2]);
    sim.runFor(29_000);
    expect(sim.meter.display.mode).toBe("manual");
    sim.runFor(2000); // the next redraw after 60 s without a press
    expect(sim.meter.display.mode).toBe("auto");
    expect(code(sim)).toBe("1.8.0");
  });

  test("a 10 ms glitch is not a press", () => {
    const sim = simulation();
    sim.panel.pins.button.set(0);
    sim.runFor(10);
    sim.panel.pins.button.set(1);
    sim.runFor(500);
    expect(sim.meter.button!.shortPresses).toBe(0);
    expect(sim.meter.display.mode).toBe("auto");
  });

  test("long press (3 s) reconnects in ready_for_reconnection; 2.9 s does not; short presses never do", () => {
    const sim = simulation();
    sim.runFor(2000);
    const d = sim.meter.disconnector;
    expect(d.localDisconnect().ok).toBe(true);
    sim.runFor(1000);
    expect(sim.panel.relay.closed).toBe(false);
    expect(sim.panel.lcdText()).toContain("RELAY-OPEN");
    const button = sim.panel.pins.button;
    button.set(0);
    sim.runFor(2900);
    button.set(1);
    sim.runFor(500);
    expect(d.controlState).toBe(2);
    button.set(0);
    sim.runFor(2999);
    expect(d.controlState).toBe(2);
    sim.runFor(31);
    expect(d.controlState).toBe(1);
    sim.runFor(1000);
    button.set(1);
    sim.runFor(500);
    expect(sim.panel.relay.closed).toBe(true);
    expect(sim.panel.lcdText()).not.toContain("RELAY-OPEN");
    // The release after a long press is not also a short press.
    expect(sim.meter.button!.longPresses).toBe(1);
    expect(sim.meter.button!.shortPresses).toBe(1);
    // In state 0 (remote disconnect) the button cannot reconnect.
    d.remoteDisconnect();
    button.set(0);
    sim.runFor(4000);
    button.set(1);
    sim.runFor(500);
    expect(d.controlState).toBe(0);
    expect(sim.panel.relay.closed).toBe(false);
  });

  test("the relay open annunciator and the load current follow the relay", () => {
    const sim = simulation([{ at: "5s", type: "remote-disconnect" }]);
    sim.runFor(4000);
    expect(sim.meter.instant.currentMilliA).toBeGreaterThan(9900);
    expect(sim.panel.lcdText()).toContain("IMPORT");
    sim.runFor(3000);
    expect(sim.panel.lcdText()).toContain("RELAY-OPEN");
    expect(sim.panel.lcdText()).not.toContain("IMPORT");
    expect(sim.meter.instant.currentMilliA).toBeLessThan(50);
  });
});
