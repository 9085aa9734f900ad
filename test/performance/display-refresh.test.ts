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

describe("display refresh: a changed screen goes to the HT1621 over several timer slices", () => {
  it("a scroll renders in the refresh, then one frame of at most 5 addresses per zero-delay slice; the glass ends as a from-scratch draw", () => {
    const r = new DisplayRig({ autoList: ["1.0.1.8.1.255", "1.0.32.7.0.255"], scrollMs: 2000 });
    r.values["1.0.1.8.1.255"] = 123_456_789;
    r.values["1.0.32.7.0.255"] = 231_400;
    r.display.start();
    const frames = r.recorder.frames.length;
    // Each call of the timer's work is one slice: record the frames each one sends.
    const display = r.display as unknown as { timedRefresh(): void };
    const perSlice: number[] = [];
    const timed = display.timedRefresh.bind(display);
    display.timedRefresh = () => {
      const before = r.recorder.frames.length;
      const redraws = r.display.redraws;
      timed();
      perSlice.push(r.display.redraws > redraws ? -1 : r.recorder.frames.length - before);
    };
    // The slices re-arm one timer made at start: no timer is made per slice (garbage at rest).
    let timersMade = 0;
    const clock = r.clock;
    const { schedule, repeat, oneShot } = clock;
    clock.schedule = (cb, ms) => (timersMade++, schedule.call(clock, cb, ms));
    clock.repeat = (cb, ms) => (timersMade++, repeat.call(clock, cb, ms));
    clock.oneShot = (cb) => (timersMade++, oneShot.call(clock, cb));
    r.clock.runUntil(r.clock.nowMs() + 2000); // the scroll to the voltage
    expect(timersMade).toBe(0);
    const sent = r.recorder.frames.slice(frames);
    // The slice that renders the scroll sends nothing; every later slice at most one frame.
    const rendered = perSlice.indexOf(-1);
    expect(rendered).toBeGreaterThanOrEqual(0);
    expect(perSlice.filter((n) => n === -1)).toHaveLength(1);
    expect(perSlice.every((n) => n <= 1)).toBe(true);
    expect(perSlice.slice(rendered + 1).filter((n) => n === 1).length).toBe(sent.length);
    expect(sent.length).toBeGreaterThanOrEqual(3);
    for (const f of sent) {
      // Write mode 101, 6 address bits, 1..5 nibbles.
      expect(f.slice(0, 3)).toBe("101");
      expect((f.length - 9) % 4).toBe(0);
      expect((f.length - 9) / 4).toBeGreaterThanOrEqual(1);
      expect((f.length - 9) / 4).toBeLessThanOrEqual(5);
    }
    expect(r.emulator.framingErrors).toBe(0);
    const fresh = new DisplayRig({ autoList: ["1.0.32.7.0.255"] });
    fresh.values["1.0.32.7.0.255"] = 231_400;
    fresh.display.start();
    expect(r.emulator.ram).toEqual(fresh.emulator.ram);
    expect(r.text()).toContain("231.4");
  });

  it("a screen change while slices are pending, and a synchronous refresh meanwhile, still leave the glass equal to a from-scratch draw (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ value: fc.integer({ min: 0, max: 2_000_000_000 }), power: fc.integer({ min: -2, max: 2 }), sync: fc.boolean(), atMs: fc.integer({ min: 1, max: 999 }) }), { minLength: 1, maxLength: 10 }),
        (steps) => {
          const r = started(0);
          for (const s of steps) {
            // The refresh timer fires; before its slices have all run (they are due at the same
            // ms), the value changes and the next timed refresh or a synchronous one comes.
            r.values[OBIS] = s.value;
            r.source.instant.activePowerMilliW = s.power * 1000;
            r.clock.runUntil(r.clock.nowMs() + s.atMs);
            (r.display as unknown as { timedRefresh(): void }).timedRefresh();
            r.values[OBIS] = s.value + 7_777_777;
            if (s.sync) r.display.refresh();
            r.clock.runUntil(r.clock.nowMs() + 1000);
            const fresh = started(s.value + 7_777_777);
            fresh.source.instant.activePowerMilliW = s.power * 1000;
            fresh.display.refresh();
            expect(r.emulator.ram).toEqual(fresh.emulator.ram);
            expect(r.emulator.framingErrors).toBe(0);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
