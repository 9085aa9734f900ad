import { DEFAULT_ATM90E26_CALIBRATION } from "../../../firmware/drivers/atm90e26/calibration";
import type { accuracyTable } from "../../../host-sim/calibration";
import { runNodeJson } from "../../node-run";

type Cells = ReturnType<typeof accuracyTable>;

describe("ATM90E26 in the chip-agnostic calibration tooling (npm run calibrate / accuracy)", () => {
  test("the registered ATM90E26 procedure calibrates the simulator's board; every accuracy cell is within class 0.5S", () => {
    // Run in plain Node (atm90e26-calibration-runner.ts): the same bench, procedure and tables.
    const run = runNodeJson<{ before: Cells; procedureName: string; lgain: number; cells: Cells }>("test/drivers/atm90e26/atm90e26-calibration-runner.ts", []);
    const before = run.before;
    expect(before.some((c) => Math.abs(c.errorPercent) > c.limitPercent)).toBe(true);
    expect(run.procedureName).toMatch(/AN 46102/);
    expect(Math.abs(run.lgain - DEFAULT_ATM90E26_CALIBRATION.lgain)).toBeLessThanOrEqual(1);
    const cells = run.cells;
    expect(cells).toHaveLength(36);
    for (const c of cells) expect({ c, within: Math.abs(c.errorPercent) <= c.limitPercent }).toMatchObject({ within: true });
  });
});
