/**
 * The energy scale has one owner, the driver: the energy registers convert with the driver's own
 * scale object, so a live calibration load that changes it (a calibration file loaded into a
 * running meter) changes how the registers count at once — never a driver on one scale and the
 * registers on another.
 */
import { parseScenario } from "../../host-sim/event-types";
import { Simulation } from "../../host-sim/simulation";

const MIN = 60_000;

function sim(chip: "ade7953" | "atm90e26"): Simulation {
  return new Simulation(parseScenario({ start: "2026-03-02T10:00:00", chip, load: [{ at: "0s", voltage: 230, current: 10, angle: 0 }] }));
}

describe("one energy scale", () => {
  test("ADE7953: loading a doubled energyMilliWhPerLsb doubles what the registers book from then on", () => {
    const s = sim("ade7953");
    s.runFor(MIN);
    const a0 = s.meter.energy.activeImport;
    s.runFor(10 * MIN);
    const before = s.meter.energy.activeImport - a0;
    const scale = s.meter.ic.energyScale;
    const values = s.meter.calibration.values() as { energyMilliWhPerLsb: { num: number; den: number } };
    s.meter.calibration.load({ energyMilliWhPerLsb: { num: values.energyMilliWhPerLsb.num * 2, den: values.energyMilliWhPerLsb.den } });
    // The driver kept its scale object and changed it in place.
    expect(s.meter.ic.energyScale).toBe(scale);
    expect(scale.num).toBe(values.energyMilliWhPerLsb.num * 2);
    s.runFor(MIN); // the re-initialised chip settles
    const a1 = s.meter.energy.activeImport;
    s.runFor(10 * MIN);
    const after = s.meter.energy.activeImport - a1;
    // 10 A at 230 V for 10 minutes: 383.33 Wh, then twice that.
    expect(before).toBeGreaterThan(380_000);
    expect(before).toBeLessThan(387_000);
    expect(after / before).toBeGreaterThan(1.98);
    expect(after / before).toBeLessThan(2.02);
  });

  test("ATM90E26: a new meter constant reaches the registers with the next init", () => {
    const s = sim("atm90e26");
    s.runFor(MIN);
    const scale = s.meter.ic.energyScale;
    const mc = (s.meter.calibration.values() as { meterConstant: number }).meterConstant;
    s.meter.calibration.load({ ...s.meter.calibration.values(), meterConstant: mc * 2 });
    s.meter.ic.init();
    expect(s.meter.ic.energyScale).toBe(scale);
    expect(scale.den).toBe(mc * 2);
  });
});
