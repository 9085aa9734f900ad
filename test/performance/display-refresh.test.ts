import fc from "fast-check";
import { DisplayRig } from "../display/rig";

const OBIS = "1.0.1.8.1.255"; // Wh, scaler -3: shown in kWh with 2 decimals

function started(value: number): DisplayRig {
  const r = new DisplayRig();
  r.values[OBIS] = value;
  r.display.start();
  return r;
}

describe("display refresh: only what changed on the glass is drawn", () => {
  it("a new raw value with the same shown digits sends nothing; a new last digit sends one short frame", () => {
    const r = started(1_234_567); // 1.234567 kWh
    expect(r.text()).toContain("1.23");
    const frames = r.recorder.frames.length;
    const bits = r.driver.bitsSent;
    const redraws = r.display.redraws;
    r.values[OBIS] = 1_239_999; // still 1.23
    r.clock.runUntil(r.clock.nowMs() + 1000);
    expect(r.recorder.frames.length).toBe(frames);
    expect(r.driver.bitsSent).toBe(bits);
    // Not even rendered: the screen is drawn only when its digits or annunciators change.
    expect(r.display.redraws).toBe(redraws);
    r.values[OBIS] = 1_240_000; // 1.24: the last digit's two addresses
    r.clock.runUntil(r.clock.nowMs() + 1000);
    expect(r.text()).toContain("1.24");
    expect(r.recorder.frames.length).toBe(frames + 1);
    expect(r.display.redraws).toBe(redraws + 1);
    // 3 -> 4 changes the left column of the last digit only (a, d off; f on): write mode 101,
    // 6 address bits, one nibble.
    expect(r.recorder.frames[frames]).toBe("101" + "001110" + "0100");
  });

  it("an annunciator change with the same value is drawn", () => {
    const r = started(5_000);
    const before = r.text();
    r.source.instant.activePowerMilliW = 1200;
    r.clock.runUntil(r.clock.nowMs() + 1000);
    expect(r.text()).not.toBe(before);
    expect(r.text()).toContain("IMPORT");
  });

  it("after any sequence of changes the glass equals a screen drawn from scratch (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ value: fc.integer({ min: 0, max: 2_000_000 }), power: fc.integer({ min: -2, max: 2 }), relayOpen: fc.boolean(), bars: fc.integer({ min: -1, max: 3 }), comm: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        (steps) => {
          const r = started(0);
          for (const s of steps) {
            r.values[OBIS] = s.value;
            r.source.instant.activePowerMilliW = s.power * 1000;
            r.source.disconnector.outputState = !s.relayOpen;
            r.display.signalBars = s.bars;
            r.display.communicationActive = s.comm;
            r.clock.runUntil(r.clock.nowMs() + 1000);
            const fresh = started(s.value);
            fresh.source.instant.activePowerMilliW = s.power * 1000;
            fresh.source.disconnector.outputState = !s.relayOpen;
            fresh.display.signalBars = s.bars;
            fresh.display.communicationActive = s.comm;
            fresh.display.refresh();
            expect(r.emulator.ram).toEqual(fresh.emulator.ram);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
