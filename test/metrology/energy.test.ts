import { expectedActiveEnergyWh, ScenarioLine } from "../../emulation/scenario/line-source";
import fc from "fast-check";
import { CarryingConverter } from "../../firmware/kernel/rational";
import { EnergyRegisters } from "../../firmware/metrology/energy-registers";
import { constantLoad, quantity, simulate } from "../system/helpers";

const HOUR = 3_600_000;

describe("energy registers from the emulated ADE7953", () => {
  it("230 V, 10 A, angle 0 for 1 h gives A+ = 2300 Wh within 0.1 % and no A-", () => {
    const sim = simulate(constantLoad({ voltage: 230, current: 10, angle: 0 }));
    sim.runFor(HOUR);
    const aPlus = quantity(sim, "1.0.1.8.0.255");
    expect(Math.abs(aPlus - 2300) / 2300).toBeLessThan(0.001);
    expect(quantity(sim, "1.0.2.8.0.255")).toBe(0);
    expect(sim.meter.ticks).toBe(3600);
  });

  it("angle 180 counts A- instead of A+", () => {
    const sim = simulate(constantLoad({ voltage: 230, current: 10, angle: 180 }));
    sim.runFor(HOUR);
    const aMinus = quantity(sim, "1.0.2.8.0.255");
    expect(Math.abs(aMinus - 2300) / 2300).toBeLessThan(0.001);
    expect(quantity(sim, "1.0.1.8.0.255")).toBe(0);
  });

  it("a scenario with segments sums exactly to the sum of its parts", () => {
    const json = {
      ...constantLoad({}),
      load: [
        { at: "0s", voltage: 230, current: 4, angle: 0 },
        { at: "10m", voltage: 240, current: 2.5, angle: 60 },
        { at: "25m", voltage: 225, current: 7, angle: 180 },
        { at: "40m", voltage: 230, current: 1, angle: 0 },
      ],
    };
    const sim = simulate(json);
    sim.runFor(HOUR);
    // 230*4*10/60 + 240*2.5*0.5*15/60 + 230*1*20/60 = 153.333 + 75 + 76.667 = 305 Wh import
    const expected = expectedActiveEnergyWh(new ScenarioLine(sim.scenario), 0, HOUR);
    expect(expected.importWh).toBeCloseTo(305, 9);
    expect(expected.exportWh).toBeCloseTo((225 * 7 * 15) / 60, 9);
    expect(Math.abs(quantity(sim, "1.0.1.8.0.255") - 305) / 305).toBeLessThan(0.001);
    expect(Math.abs(quantity(sim, "1.0.2.8.0.255") - 393.75) / 393.75).toBeLessThan(0.001);
  });

  it("shows V, I, P and frequency from the chip", () => {
    const sim = simulate(constantLoad({ voltage: 231.5, current: 12.25, angle: 60, frequency: 49.9 }));
    sim.runFor(5000);
    expect(quantity(sim, "1.0.32.7.0.255")).toBeCloseTo(231.5, 2);
    expect(quantity(sim, "1.0.31.7.0.255")).toBeCloseTo(12.25, 2);
    expect(Math.abs(quantity(sim, "1.0.1.7.0.255") - 231.5 * 12.25 * 0.5)).toBeLessThan(231.5 * 12.25 * 0.5 * 0.002);
    expect(Math.abs(quantity(sim, "1.0.14.7.0.255") - 49.9)).toBeLessThan(0.02);
  });
});

describe("fixed-point conversion", () => {
  it("carries remainders: the sum of converted ticks equals one conversion of the total", () => {
    const c = new CarryingConverter({ num: 1_000_000, den: 23_739_295 });
    let units = 0;
    let counts = 0;
    for (let i = 1; i <= 100_000; i++) {
      const n = (i * 7919) % 40_000;
      counts += n;
      units += c.add(n);
    }
    expect(units).toBe(Math.floor((counts * 1_000_000) / 23_739_295));
  });

  it("add() by remainder (total % den) gives floor(total / den) and the same remainder, up to counts x num near 2^53 (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 26 }), fc.integer({ min: 1, max: 2 ** 26 }), fc.array(fc.integer({ min: 0, max: 2 ** 26 }), { maxLength: 20 }), (num, den, ticks) => {
        const c = new CarryingConverter({ num, den });
        let remainder = 0;
        for (const n of ticks) {
          const total = n * num + remainder;
          const units = Math.floor(total / den);
          remainder = total - units * den;
          expect(c.add(n)).toBe(units);
          expect(c.carried).toBe(remainder);
        }
      }),
    );
  });

  it("EnergyRegisters.addTick (the conversion inlined) equals one CarryingConverter per direction, rate split included (property)", () => {
    const tick = fc.tuple(fc.integer({ min: -3_000_000, max: 3_000_000 }), fc.integer({ min: -3_000_000, max: 3_000_000 }), fc.integer({ min: 0, max: 3_000_000 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1000 }));
    fc.assert(
      fc.property(fc.array(tick, { maxLength: 40 }), (ticks) => {
        const scale = { num: 1_000_000, den: 23_739_295 };
        const e = new EnergyRegisters(scale);
        const c = [0, 1, 2, 3, 4].map(() => new CarryingConverter(scale));
        const imp = [0, 0, 0, 0, 0];
        const q = [0, 0, 0, 0, 0];
        let apparent = 0;
        for (const [p, r, s, before, after, beforeMs] of ticks) {
          e.addTick(p, r, s, before, after, beforeMs, 1000);
          if (p > 0) {
            const u = c[0].add(p);
            const first = before === after || beforeMs >= 1000 ? u : beforeMs <= 0 ? 0 : Math.floor((u * beforeMs) / 1000);
            imp[before] += first;
            imp[after] += u - first;
            expect(e.lastImportUnits).toBe(u);
          } else if (p < 0) {
            expect(e.lastExportUnits).toBe(c[1].add(-p));
          }
          if (r > 0) q[p >= 0 ? 1 : 2] += c[2].add(r);
          else if (r < 0) q[p >= 0 ? 4 : 3] += c[3].add(-r);
          if (s > 0) apparent += c[4].add(s);
        }
        expect(Array.from(e.activeImportRates)).toEqual(imp);
        expect(Array.from(e.quadrants)).toEqual(q);
        expect(e.apparent).toBe(apparent);
        const snap = e.snapshot().remainders;
        expect([snap.activeImport, snap.activeExport, snap.reactiveImport, snap.reactiveExport, snap.apparent]).toEqual(c.map((x) => x.carried));
      }),
    );
  });

  it("refuses non-integer constants", () => {
    expect(() => new CarryingConverter({ num: 1.5, den: 2 })).toThrow(RangeError);
  });
});
