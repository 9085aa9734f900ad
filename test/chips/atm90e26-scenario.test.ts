import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expectedActiveEnergyWh } from "../../emulation/scenario/line-source";
import { parseScenario } from "../../host-sim/event-types";
import { Simulation } from "../../host-sim/simulation";

const DAY = 24 * 3_600_000;

function runDay(chip: "ade7953" | "atm90e26", extraEvents: unknown[] = []): Simulation {
  const json = JSON.parse(readFileSync(join(__dirname, "../../emulation/scenario/scenarios/household-day.json"), "utf8"));
  json.chip = chip;
  json.events = [...json.events, ...extraEvents];
  const sim = new Simulation(parseScenario(json));
  sim.runFor(DAY);
  return sim;
}

describe("ATM90E26 on the simulated board, chosen by configuration", () => {
  test("household day: A+ and A- within 0.1 % of the ADE7953 run (and of the scenario's exact energy)", () => {
    const ade = runDay("ade7953");
    const atm = runDay("atm90e26");
    expect(atm.meter.ic.chip).toBe("atm90e26");
    const exact = expectedActiveEnergyWh(atm.line, 0, DAY);
    const a = { imp: atm.meter.energy.activeImport / 1000, exp: atm.meter.energy.activeExport / 1000 };
    const d = { imp: ade.meter.energy.activeImport / 1000, exp: ade.meter.energy.activeExport / 1000 };
    expect(a.imp).toBeGreaterThan(10_000);
    expect(a.exp).toBeGreaterThan(5_000);
    expect(Math.abs(a.imp / d.imp - 1)).toBeLessThan(0.001);
    expect(Math.abs(a.exp / d.exp - 1)).toBeLessThan(0.001);
    expect(Math.abs(a.imp / exact.importWh - 1)).toBeLessThan(0.001);
    expect(Math.abs(a.exp / exact.exportWh - 1)).toBeLessThan(0.001);
    expect(atm.meter.lastIcStatus).toBe("ok");
    expect(atm.meter.events.standard.count).toBe(ade.meter.events.standard.count);
  });
});
