import fc from "fast-check";
import { encodeValue, decodeValue } from "../../firmware/storage/value-codec";
import { ENERGY_RECORD_BYTES, ENERGY_RECORD_MAGIC, ENERGY_RECORD_VERSION, EnergyRegisters, type EnergySnapshot } from "../../firmware/metrology/energy-registers";

const SCALE = { num: 7, den: 1000 };

/** Registers after random ticks (import, export, both reactive signs, rate boundaries). */
function filled(ticks: [number, number, number, number][]): EnergyRegisters {
  const e = new EnergyRegisters(SCALE);
  for (const [active, reactive, apparent, rate] of ticks) e.addTick(active, reactive, apparent, rate, (rate % 4) + 1, 400, 1000);
  return e;
}

const tick = fc.tuple(fc.integer({ min: -5_000_000, max: 5_000_000 }), fc.integer({ min: -5_000_000, max: 5_000_000 }), fc.integer({ min: 0, max: 5_000_000 }), fc.integer({ min: 1, max: 4 }));

describe("numbers-only energy record (emergency save layout)", () => {
  it("is 146 bytes: magic, version, 18 float64 (rates, quadrants, apparent, five remainders)", () => {
    const bytes = filled([[123_456, -7_890, 130_000, 2]]).encode();
    expect(ENERGY_RECORD_BYTES).toBe(146);
    expect(bytes.length).toBe(146);
    expect(bytes[0]).toBe(ENERGY_RECORD_MAGIC);
    expect(bytes[1]).toBe(ENERGY_RECORD_VERSION);
    // Smaller than the generic value codec's encoding of the same registers.
    expect(encodeValue(filled([[123_456, -7_890, 130_000, 2]]).snapshot()).length).toBeGreaterThan(bytes.length);
  });

  it("round-trips every register and remainder exactly (property)", () => {
    fc.assert(
      fc.property(fc.array(tick, { minLength: 1, maxLength: 40 }), (ticks) => {
        const a = filled(ticks);
        const b = new EnergyRegisters(SCALE);
        b.decode(a.encode());
        expect(b.snapshot()).toEqual(a.snapshot());
        // The carried remainders came back too: the same next tick gives the same registers.
        a.addTick(333, -333, 333, 1, 1, 1000, 1000);
        b.addTick(333, -333, 333, 1, 1, 1000, 1000);
        expect(b.snapshot()).toEqual(a.snapshot());
      }),
      { numRuns: 200 },
    );
  });

  it("large registers (beyond 2^32 mWh) survive", () => {
    const a = new EnergyRegisters({ num: 1, den: 1 });
    for (let i = 0; i < 3; i++) a.addTick(2 ** 40 + i, 2 ** 33, 2 ** 41, 3, 3, 1000, 1000);
    const b = new EnergyRegisters({ num: 1, den: 1 });
    b.decode(a.encode());
    expect(b.activeImport).toBe(3 * 2 ** 40 + 3);
    expect(b.activeImportRates[3]).toBe(3 * 2 ** 40 + 3);
    expect(b.reactiveImport).toBe(3 * 2 ** 33);
    expect(b.apparent).toBe(3 * 2 ** 41);
  });

  it("a record of the generic value codec (older firmware) still restores through the legacy decoder", () => {
    const a = filled([[50_000, 20_000, 60_000, 1], [-40_000, -10_000, 50_000, 3]]);
    const b = new EnergyRegisters(SCALE);
    b.decode(encodeValue(a.snapshot()), (x) => decodeValue(x) as EnergySnapshot);
    expect(b.snapshot()).toEqual(a.snapshot());
  });

  it("refuses a wrong version, a wrong length and non-integer or negative fields", () => {
    const good = filled([[50_000, 20_000, 60_000, 1]]).encode();
    const e = new EnergyRegisters(SCALE);
    const wrongVersion = good.slice();
    wrongVersion[1] = ENERGY_RECORD_VERSION + 1;
    expect(() => e.decode(wrongVersion)).toThrow(/layout version/);
    expect(() => e.decode(good.subarray(0, good.length - 1))).toThrow(RangeError);
    const fraction = good.slice();
    new DataView(fraction.buffer).setFloat64(2, 1.5, true);
    expect(() => e.decode(fraction)).toThrow(/non-negative integer/);
    const negative = good.slice();
    new DataView(negative.buffer).setFloat64(2 + 8 * 12, -1, true);
    expect(() => e.decode(negative)).toThrow(/non-negative integer/);
    // Nothing was applied by the refused records.
    expect(e.activeImport).toBe(0);
  });
});
