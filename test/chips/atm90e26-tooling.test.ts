import { DEFAULT_ATM90E26_CALIBRATION } from "../../firmware/drivers/atm90e26/calibration";
import { defaultMeterConfig } from "../../firmware/app/config";
import { accuracyTable, calibrationProcedureFor, EmulatedBench } from "../../host-sim/calibration";

describe("ATM90E26 in the chip-agnostic calibration tooling (npm run calibrate / accuracy)", () => {
  test("the registered ATM90E26 procedure calibrates the simulator's board; every accuracy cell is within class 0.5S", () => {
    const rating = defaultMeterConfig().rating;
    const bench = new EmulatedBench("atm90e26");
    bench.ic.calibration.reset();
    const before = accuracyTable(bench, rating, { currents: [1] });
    expect(before.some((c) => Math.abs(c.errorPercent) > c.limitPercent)).toBe(true);
    const procedure = calibrationProcedureFor("atm90e26");
    expect(procedure.name).toMatch(/AN 46102/);
    const record = procedure.run(bench, rating);
    expect(Math.abs((record.values.lgain as number) - DEFAULT_ATM90E26_CALIBRATION.lgain)).toBeLessThanOrEqual(1);
    const cells = accuracyTable(bench, rating);
    expect(cells).toHaveLength(36);
    for (const c of cells) expect({ c, within: Math.abs(c.errorPercent) <= c.limitPercent }).toMatchObject({ within: true });
  });
});
