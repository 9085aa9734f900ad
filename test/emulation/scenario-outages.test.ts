import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScenarioError } from "../../emulation/scenario/duration";
import { parseScenario } from "../../host-sim/event-types";
import { runNode } from "../node-run";

const load = [{ at: 0, current: 5 }];
const cut = { at: "10m", type: "power-cut", duration: "2m" };

function error(events: Record<string, unknown>[]): string {
  try {
    parseScenario({ load, events });
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as Error).message;
  }
  return "no error";
}

describe("scenario semantics around outages (issue 14 finding 7)", () => {
  it.each([
    [{ at: "11m", type: "remote-disconnect" }],
    [{ at: "11m", type: "set-clock", time: "2026-03-01T05:00:00" }],
    [{ at: "11m", type: "billing-reset" }],
    [{ at: "10m", type: "shift-clock", seconds: 3600 }],
    [{ at: "12m", type: "remote-reconnect" }],
  ])("a command in an outage (%j) is an error naming both events", (ev) => {
    const message = error([cut, ev]);
    expect(message).toContain(`events[1] (${ev.type} at`);
    expect(message).toContain("falls in the outage of events[0] (power-cut at 10m)");
    expect(message.split("\n")).toHaveLength(1);
  });

  it("overlapping outages are an error naming both", () => {
    expect(error([{ at: "11m", type: "power-cut", duration: "5m" }, cut])).toBe(
      "scenario: events[0] (power-cut at 11m) overlaps the outage of events[1] (power-cut at 10m), which lasts until 12m",
    );
  });

  it("physical events (load, inputs, faults) may fall in an outage; commands before or after it are fine", () => {
    const s = parseScenario({
      load: [...load, { at: "11m", current: 30 }],
      events: [
        cut,
        { at: "10m30s", type: "cover-open" },
        { at: "11m", type: "magnet-on" },
        { at: "11m", type: "spi-fault", kind: "dead-low", duration: "5s" },
        { at: "11m", type: "chip-reset" },
        { at: "11m", type: "gas-pulses", count: 3 },
        { at: "11m", type: "relay-stuck" },
        { at: "11m", type: "button" },
        { at: "9m59s", type: "remote-disconnect" },
        { at: "12m3s", type: "remote-reconnect" },
        { at: "12m1s", type: "power-cut", duration: "1s" },
      ],
    });
    expect(s.events).toHaveLength(11);
  });

  it("the simulator CLI refuses such a scenario: one line on stderr, exit code 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "outage-"));
    const file = join(dir, "s.json");
    writeFileSync(file, JSON.stringify({ load, events: [cut, { at: "11m", type: "remote-disconnect" }] }));
    const result = runNode("host-sim/cli.ts", ["--scenario", file, "--speed", "max"]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("events[1] (remote-disconnect at 11m) falls in the outage of events[0] (power-cut at 10m)");
  });
});
