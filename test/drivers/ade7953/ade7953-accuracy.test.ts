import { DEFAULT_ADE7953_CALIBRATION } from "../../../firmware/drivers/ade7953/driver";
import { DEFAULT_RATING } from "../../../firmware/kernel/calibration";
import { accuracyTable, calibrationProcedureFor, EmulatedBench } from "../../../host-sim/calibration";
import { parseScenario } from "../../../host-sim/event-types";
import { Simulation } from "../../../host-sim/simulation";
import { ADE7953 } from "../../../firmware/drivers/ade7953/registers";
import { Ade7953Emulator } from "../../../emulation/ade7953/emulator";

const CURRENTS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, "imax"] as const;

function aPlusMilliWh(sim: Simulation): number {
  return sim.meter.register("1.0.1.8.0.255")!.read();
}

function constant(fields: Record<string, number>): Simulation {
  return new Simulation(parseScenario({ start: "2026-03-02T00:00:00", chip: "ade7953", load: [{ at: "0s", ...fields }] }));
}

describe("ADE7953 calibration and class 0.5S accuracy on the emulated board", () => {
  const bench = new EmulatedBench("ade7953");
  bench.ic.calibration.reset();
  const uncalibrated = accuracyTable(bench, DEFAULT_RATING, { currents: [0.1, 1], seconds: 5 });
  const record = calibrationProcedureFor("ade7953").run(bench, DEFAULT_RATING);
  const cells = accuracyTable(bench, DEFAULT_RATING, { currents: CURRENTS, seconds: 10 });

  it("the uncalibrated board misses class 0.5S (so calibration has something to correct)", () => {
    expect(uncalibrated.some((c) => Math.abs(c.errorPercent) > c.limitPercent)).toBe(true);
  });

  it("after calibration every cell 0.01 Ib .. Imax, PF 1 / 0.5L / 0.8C, import and export is within its limit", () => {
    expect(cells.length).toBe(CURRENTS.length * 3 * 2);
    const over = cells.filter((c) => Math.abs(c.errorPercent) > c.limitPercent);
    expect(over).toEqual([]);
    // The limits applied: 0.5 % from 0.05 Ib at PF 1, 0.6 % from 0.1 Ib otherwise, 1.0 % below.
    expect(cells.find((c) => c.fractionOfIb === 0.05 && c.pf === "PF 1")!.limitPercent).toBe(0.5);
    expect(cells.find((c) => c.fractionOfIb === 0.05 && c.pf === "PF 0.5L")!.limitPercent).toBe(1.0);
    expect(cells.find((c) => c.fractionOfIb === 0.1 && c.pf === "PF 0.8C")!.limitPercent).toBe(0.6);
    expect(Math.max(...cells.map((c) => Math.abs(c.errorPercent)))).toBeLessThan(0.2);
  });

  it("the default meter calibration is what the routine produces for the default board", () => {
    // A fresh bench, as `npm run calibrate` uses: the result is deterministic.
    const fresh = calibrationProcedureFor("ade7953").run(new EmulatedBench("ade7953"), DEFAULT_RATING);
    expect(fresh.values).toEqual({ ...DEFAULT_ADE7953_CALIBRATION });
    expect(fresh.steps.map((s) => s.kind)).toEqual(["gain", "phase", "offset", "gain"]);
    // Calibrated from another starting point, gains agree within a few ppm (energy quantisation).
    expect(Math.abs(record.values.awGain as number - DEFAULT_ADE7953_CALIBRATION.awGain)).toBeLessThan(100);
  });

  it("starting current: 0.004 Ib at PF 1 counts A+ (within 1 % over 2 minutes)", () => {
    const sim = constant({ voltage: 230, current: 0.004 * 5, angle: 0 });
    sim.runFor(120_000);
    const expected = (230 * 0.02 * 120) / 3.6; // mWh
    expect(aPlusMilliWh(sim)).toBeGreaterThan(0);
    expect(Math.abs(aPlusMilliWh(sim) - expected) / expected).toBeLessThan(0.01);
  });

  it("creep: 1.15 Un with no current for 10 minutes does not move A+ by one unit, though the chip sees power", () => {
    const sim = constant({ voltage: 1.15 * 230, current: 0, angle: 0 });
    sim.runFor(600_000);
    expect(aPlusMilliWh(sim)).toBe(0);
    const chip = sim.chip as Ade7953Emulator;
    const awatt = chip.peek(ADE7953.AWATT.address);
    expect(awatt).toBeGreaterThan(0); // crosstalk left over after calibration at 230 V
    // The test can fail: a board with 3 W of crosstalk (above the 2.3 W no-load level) creeps.
    const creeping = constant({ voltage: 1.15 * 230, current: 0, angle: 0 });
    (creeping.chip as Ade7953Emulator).board.activeOffsetW = 3;
    creeping.runFor(600_000);
    expect(aPlusMilliWh(creeping)).toBeGreaterThan(500);
  });

  it("a configuration register changed behind the driver's back (CRC interrupt) is restored", () => {
    const sim = constant({ voltage: 230, current: 1, angle: 0 });
    sim.runFor(5000);
    const chip = sim.chip as Ade7953Emulator;
    chip.poke(ADE7953.DISNOLOAD.address, 7);
    chip.poke(ADE7953.AWGAIN.address, 0x500000);
    sim.runFor(1000);
    expect(chip.peek(ADE7953.DISNOLOAD.address)).toBe(0);
    expect(chip.peek(ADE7953.AWGAIN.address)).toBe(DEFAULT_ADE7953_CALIBRATION.awGain);
  });
});
