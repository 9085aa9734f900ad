/**
 * The consumer interface inside XS (xsnap, the firmware bundle): the budgets of issue 18 —
 * a state publish within 6,000 computrons with its JSON building, nothing added to the metering
 * tick — and the discovery burst acknowledged message by message.
 */
import { runMqttInXs } from "../../../host-sim/bench/mqtt";

jest.setTimeout(120_000);

describe("MQTT in XS", () => {
  it("state publish within 6,000 computrons (also every value non-zero), 0 added to the metering tick, discovery sent whole", async () => {
    const r = await runMqttInXs();
    expect(r.publish.published).toBe(100);
    expect(r.publish.mean).toBeLessThan(6_000);
    expect(r.publish.max).toBeLessThan(6_000);
    expect(r.worst.mean).toBeLessThan(6_000);
    expect(r.ticks.count).toBe(600);
    expect(r.ticks.on).toBe(r.ticks.off);
    expect(r.ticks.onMax).toBe(r.ticks.offMax);
    expect(r.boot.configs).toBe(27); // "online" + 26 entity configs, each acknowledged
    expect(r.publish.bytes).toBeGreaterThan(400);
    expect(r.publish.bytes).toBeLessThan(1024 - 160);
  });
});
