import { runNodeJson } from "../../node-run";
import type { HouseholdDay } from "./household-day-runner";

/** The household day with `chip`, run in plain Node (household-day-runner.ts, test/node-run.ts). */
function runDay(chip: "ade7953" | "atm90e26"): HouseholdDay {
  return runNodeJson<HouseholdDay>("test/drivers/atm90e26/household-day-runner.ts", [chip]);
}

describe("ATM90E26 on the simulated board, chosen by configuration", () => {
  test("household day: A+ and A- within 0.1 % of the ADE7953 run (and of the scenario's exact energy)", () => {
    const ade = runDay("ade7953");
    const atm = runDay("atm90e26");
    expect(atm.chip).toBe("atm90e26");
    const exact = atm.exact;
    const a = { imp: atm.activeImportMilliWh / 1000, exp: atm.activeExportMilliWh / 1000 };
    const d = { imp: ade.activeImportMilliWh / 1000, exp: ade.activeExportMilliWh / 1000 };
    expect(a.imp).toBeGreaterThan(10_000);
    expect(a.exp).toBeGreaterThan(5_000);
    expect(Math.abs(a.imp / d.imp - 1)).toBeLessThan(0.001);
    expect(Math.abs(a.exp / d.exp - 1)).toBeLessThan(0.001);
    expect(Math.abs(a.imp / exact.importWh - 1)).toBeLessThan(0.001);
    expect(Math.abs(a.exp / exact.exportWh - 1)).toBeLessThan(0.001);
    expect(atm.lastIcStatus).toBe("ok");
    expect(atm.standardEvents).toBe(ade.standardEvents);
  });
});
