import { XsHarness } from "../../host-sim/xs/entry";
import { runScenarioInXs } from "../../host-sim/xs/run";

const scenario = JSON.stringify({
  start: "2026-03-02T06:00:00",
  utcOffsetMinutes: 60,
  dst: "eu",
  chip: "ade7953",
  load: [
    { at: "0s", voltage: 230, current: 10, angle: 0 },
    { at: "12m", voltage: 236, current: 6.5, angle: 180 },
    { at: "27m", voltage: 228, current: 14, angle: 25, frequency: 49.95 },
    { at: "41m30s", voltage: 231, current: 0.8, angle: 60, frequency: 50 },
  ],
  events: [{ at: "50m", type: "power-cut", duration: "2m" }],
});

describe("the firmware in the XS engine (xsnap)", () => {
  it("a 1-hour scenario gives identical registers in Node and in XS", async () => {
    const node = new XsHarness();
    node.boot(scenario);
    node.run(3600);
    const nodeRegisters = node.registers();
    const xs = await runScenarioInXs(scenario, 3600);
    // The meter is off (no ticks) during the 2-minute power cut.
    expect(xs.ticks.ticks).toBe(3600 - 120);
    expect(nodeRegisters["1.0.1.8.0.255"]).toBeGreaterThan(0);
    expect(nodeRegisters["1.0.2.8.0.255"]).toBeGreaterThan(0);
    expect(xs.registers).toEqual(nodeRegisters);
    // XS reports a deterministic instruction count for the firmware's share of every tick.
    expect(xs.ticks.meanComputrons).toBeGreaterThan(100);
  });
});
