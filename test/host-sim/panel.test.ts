import { constantLoad, simulate } from "../foundation/helpers";
import { handleKey, lastEvents, panelLines, PANEL_KEYS, type PanelState } from "../../host-sim/panel/model";
import { createProgress } from "../../host-sim/progress";

function panelState(): PanelState {
  return { speed: 1, showHelp: false, message: "", dlms: () => "DLMS 127.0.0.1:4059", quit: false };
}

const LOAD = { voltage: 230, current: 10, angle: 0 };

describe("live panel: one frame", () => {
  it("shows the LCD, live values, rates, relay and the help on 'h'", () => {
    const sim = simulate(constantLoad(LOAD));
    sim.runFor(60_000);
    const state = panelState();
    const lines = panelLines(sim, state);
    expect(lines[0]).toBe(`LCD  [ ${sim.panel.lcdText()} ]`);
    expect(lines).toContain("U 230.0 V   I 10.000 A   In 10.000 A   f 50.00 Hz");
    expect(lines.some((l) => /^P\+ 2300\.0 W {3}P- 0\.0 W .* PF 1\.000$/.test(l))).toBe(true);
    expect(lines.some((l) => /^relay closed, control state 1/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith("*T"))).toBe(true); // the active rate is marked
    expect(lines[lines.length - 1]).toBe("h for help, q to quit");
    expect(handleKey("h", sim, state)).toBe(true);
    const help = panelLines(sim, state);
    expect(help).toContain("keys:");
    expect(help.filter((l) => /^ {2}\S {1,2}\S/.test(l))).toHaveLength(PANEL_KEYS.length);
  });
});

describe("live panel: keys act on the simulated meter", () => {
  it("covers and magnet toggle their inputs; the fraud log names the events", () => {
    const sim = simulate(constantLoad(LOAD));
    const state = panelState();
    sim.runFor(5_000);
    handleKey("t", sim, state);
    expect(sim.inputs.terminalCover.read()).toBe(0);
    expect(state.message).toBe("terminal cover OPEN");
    sim.runFor(5_000);
    handleKey("t", sim, state);
    expect(state.message).toBe("terminal cover closed");
    handleKey("c", sim, state);
    handleKey("m", sim, state);
    expect(state.message).toBe("magnet near");
    sim.runFor(10_000);
    const events = lastEvents(sim, 10).join("\n");
    expect(events).toContain("fraud: terminal cover removed (40)");
    expect(events).toContain("fraud: terminal cover closed (41)");
    expect(events).toContain("fraud: meter cover removed (44)");
    expect(events).toContain("fraud: magnetic field detected (42)");
  });

  it("d opens the relay, r makes it ready, a long press closes it again", () => {
    const sim = simulate(constantLoad(LOAD));
    const state = panelState();
    sim.runFor(5_000);
    handleKey("d", sim, state);
    expect(state.message).toMatch(/^remote disconnect: accepted/);
    sim.runFor(2_000);
    expect(sim.panel.relay.closed).toBe(false);
    handleKey("r", sim, state);
    expect(state.message).toMatch(/^remote reconnect: accepted/);
    sim.runFor(2_000);
    // Default control mode: a remote reconnect only arms; the customer's long press closes.
    if (!sim.panel.relay.closed) {
      handleKey("B", sim, state);
      sim.runFor(5_000);
    }
    expect(sim.panel.relay.closed).toBe(true);
    expect(lastEvents(sim, 10).join("\n")).toContain("disconnector: remote disconnect (62)");
  });

  it("short presses step the display list", () => {
    const sim = simulate(constantLoad(LOAD));
    const state = panelState();
    sim.runFor(3_000);
    const before = sim.panel.lcdText();
    handleKey("b", sim, state);
    sim.runFor(1_000);
    expect(sim.meter.button!.shortPresses).toBe(1);
    handleKey("b", sim, state);
    sim.runFor(1_000);
    expect(sim.meter.button!.shortPresses).toBe(2);
    expect(sim.panel.lcdText()).not.toBe(before);
  });

  it("p cuts the power for 30 s: an outage is counted", () => {
    const sim = simulate(constantLoad(LOAD));
    const state = panelState();
    sim.runFor(10_000);
    handleKey("p", sim, state);
    sim.runFor(60_000);
    expect(sim.meter.powerFailures.count).toBe(1);
    expect(lastEvents(sim, 10).join("\n")).toContain("standard: power down (1)");
  });

  it("+ and - double and halve the speed within limits; q quits; other keys do nothing", () => {
    const sim = simulate(constantLoad(LOAD));
    const state = panelState();
    handleKey("+", sim, state);
    handleKey("+", sim, state);
    expect(state.speed).toBe(4);
    for (let i = 0; i < 10; i++) handleKey("-", sim, state);
    expect(state.speed).toBe(0.125);
    expect(handleKey("x", sim, state)).toBe(false);
    expect(state.quit).toBe(false);
    handleKey("q", sim, state);
    expect(state.quit).toBe(true);
  });
});

describe("progress bar on a terminal", () => {
  it("draws the bar with %, the simulated date, simulated seconds per second and an ETA", () => {
    let text = "";
    const stream = { isTTY: true, columns: 120, write: (s: string) => ((text += s), true), cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => stream, removeListener: () => stream };
    let now = 0;
    const progress = createProgress(stream, 86_400_000, () => now);
    now = 2000;
    progress.update(43_200_000, Date.UTC(2026, 2, 2, 11, 0));
    progress.stop();
    expect(text).toMatch(/50% \| 2026-03-02 11:00 \| 21600 sim-s\/s \| ETA /);
  });
});
