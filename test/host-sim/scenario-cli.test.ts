import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDuration, ScenarioError } from "../../emulation/scenario/duration";
import { expectedActiveEnergyWh, ScenarioLine } from "../../emulation/scenario/line-source";
import { parseScenario } from "../../host-sim/event-types";
import { DEFAULT_SCENARIO } from "../../host-sim/cli";
import { VirtualClock } from "../../emulation/virtual-clock";
import { runNode } from "../node-run";

/** The CLI as `npm start` runs it: bundled with esbuild, in plain Node (test/node-run.ts). */
function runCli(args: string[]) {
  return runNode("host-sim/cli.ts", args);
}

describe("durations and scenario parsing", () => {
  it("parses the duration forms", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("2d")).toBe(172_800_000);
    expect(parseDuration("45")).toBe(45_000);
    expect(parseDuration(1.5)).toBe(1500);
    expect(() => parseDuration("1x")).toThrow(ScenarioError);
    expect(() => parseDuration("h")).toThrow(ScenarioError);
  });

  it("converts the local start to UTC with the zone and EU summer time", () => {
    const winter = parseScenario({ start: "2026-03-01T00:00:00", utcOffsetMinutes: 60, load: [{ at: 0 }] });
    expect(new Date(winter.startUtcMs).toISOString()).toBe("2026-02-28T23:00:00.000Z");
    const summer = parseScenario({ start: "2026-07-01T12:00:00", utcOffsetMinutes: 60, load: [{ at: 0 }] });
    expect(new Date(summer.startUtcMs).toISOString()).toBe("2026-07-01T10:00:00.000Z");
  });

  it.each([
    [{ load: [{ at: 0 }], colour: "red" }, 'unknown field "colour"'],
    [{ load: [{ at: 0, amps: 3 }] }, 'load[0]: unknown field "amps"'],
    [{ load: [{ at: 0 }], events: [{ at: "1h", type: "earthquake" }] }, 'unknown event type "earthquake"'],
    [{ load: [{ at: 0 }], events: [{ at: "1h", type: "power-cut" }] }, 'needs "duration"'],
    [{ load: [{ at: 0 }], events: [{ at: "1h", type: "power-cut", duration: "5m", size: 3 }] }, 'unknown field "size"'],
    [{ load: [{ at: "soon" }] }, '"soon" is not a duration'],
    [{ load: [{ at: 0, voltage: -5 }] }, '"voltage" must be a number'],
    [{ start: "2026-02-30T00:00:00", load: [{ at: 0 }] }, "not a valid date-time"],
    [{ chip: "ade9000", load: [{ at: 0 }] }, '"chip" must be'],
    [{ load: [] }, '"load" must be a non-empty array'],
  ])("rejects %j naming the problem", (json, message) => {
    expect(() => parseScenario(json)).toThrow(message);
  });
});

describe("virtual clock", () => {
  it("fires timers in order of virtual time, ties in the order they were scheduled", () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.schedule(() => fired.push("b@20"), 20);
    clock.schedule(() => fired.push("a@10"), 10);
    const id = clock.repeat(() => fired.push(`i@${clock.nowMs()}`), 10);
    clock.schedule(() => fired.push("c@20"), 20);
    clock.runUntil(30);
    clock.clearTimer(id);
    clock.runUntil(100);
    // A repeating timer re-arms when it fires, so at 20 it comes after timers scheduled before that.
    expect(fired).toEqual(["a@10", "i@10", "b@20", "c@20", "i@20", "i@30"]);
    expect(clock.nowMs()).toBe(100);
  });
});

describe("npm start", () => {
  const dir = mkdtempSync(join(tmpdir(), "meter-cli-"));

  it("runs the default day at max speed and reports A+ and A- matching the scenario within 0.1 %", () => {
    const reportFile = join(dir, "r.json");
    const result = runCli(["--speed", "max", "--until", "24h", "--report", reportFile]);
    expect(result.status).toBe(0);
    const report = JSON.parse(readFileSync(reportFile, "utf8"));
    const scenario = parseScenario(JSON.parse(readFileSync(DEFAULT_SCENARIO, "utf8")));
    const expected = expectedActiveEnergyWh(new ScenarioLine(scenario), 0, 86_400_000);
    const wh = (obis: string) => report.registers[obis].value * 10 ** report.registers[obis].scaler;
    expect(report.registers["1.0.1.8.0.255"].unit).toBe("Wh");
    expect(Math.abs(wh("1.0.1.8.0.255") - expected.importWh) / expected.importWh).toBeLessThan(0.001);
    expect(Math.abs(wh("1.0.2.8.0.255") - expected.exportWh) / expected.exportWh).toBeLessThan(0.001);
    expect(report.time).toBe("2026-03-02T23:00:00.000Z");
    expect(typeof report.display).toBe("string");
    expect(report.events).toBeDefined();
  });

  it.each([
    [["--colour", "red"], "colour"],
    [["--speed", "fast"], "--speed"],
    [["--until", "tomorrow"], "--until"],
    [["--scenario", "/nonexistent/file.json"], "cannot read scenario file"],
  ])("%j: one-line error, exit code 2", (args, fragment) => {
    const result = runCli(args as string[]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(fragment);
  });

  it("a bad scenario file: one-line error naming the field, exit code 2", () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ load: [{ at: 0, current: 5 }], events: [{ at: "1h", type: "meteor" }] }));
    const result = runCli(["--scenario", file, "--speed", "max"]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain('unknown event type "meteor"');
  });
});
