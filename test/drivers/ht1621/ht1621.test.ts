import fc from "fast-check";
import { Ht1621 } from "../../../firmware/drivers/ht1621/driver";
import { SimOutput } from "../../../host-sim/board";
import { Ht1621Emulator } from "../../../emulation/ht1621/emulator";
import { BitRecorder, DisplayRig } from "../../display/rig";

/** Nibble bit strings as the chip receives them, D0 (COM0) first. */
const N: Record<number, string> = { 0x0: "0000", 0x1: "1000", 0x2: "0100", 0x3: "1100", 0x5: "1010", 0x6: "0110", 0x7: "1110", 0x9: "1001", 0xb: "1101", 0xd: "1011", 0xf: "1111" };

describe("HT1621 driver: golden bit streams", () => {
  test("power-up: one command frame (100 + 9-bit commands), then the whole RAM cleared in one write frame", () => {
    const rig = new DisplayRig();
    rig.driver.configure();
    expect(rig.recorder.frames).toEqual([
      "100" + "000000010" /* SYS EN */ + "000110000" /* RC 256K */ + "001010010" /* BIAS 1/3, 4 COM */ +
        "000001000" /* TIMER DIS */ + "000001010" /* WDT DIS */ + "000010000" /* TONE OFF */ + "000000110" /* LCD ON */,
      "101" + "000000" + "0".repeat(128),
    ]);
    expect(rig.emulator.visible).toBe(true);
    expect(rig.emulator.bias).toBe(0b001010010);
    expect(rig.emulator.framingErrors).toBe(0);
  });

  test("a known screen: 1.8.1 | 123.45 kWh with T1 and the import arrow, one frame for addresses 7..28", () => {
    const rig = new DisplayRig();
    rig.values["1.0.1.8.1.255"] = 123_456_789; // mWh: 123.456789 kWh shows 123.45 (truncated)
    rig.values["0.0.96.14.0.255"] = 1;
    rig.source.instant.activePowerMilliW = 500_000;
    rig.display.start();
    const nibbles = [0x5, 0xd, 0x3, 0x9, 0xf, 0x2, 0x7, 0xb, 0x6, 0x0, 0xd, 0xf, 0xf, 0x0, 0x5, 0x0, 0x0, 0x1, 0x1, 0x0, 0x0, 0x7];
    expect(rig.recorder.frames.slice(2)).toEqual(["101" + "000111" + nibbles.map((n) => N[n]).join("")]);
    expect(rig.text()).toBe("1.8.1   |    123.45 kWh | T1 IMPORT");
    // 123.45 -> 123.46 changes one address (D8: '5' -> '6', left column 0xB -> 0xF): 13 bits.
    rig.values["1.0.1.8.1.255"] = 123_460_000;
    rig.clock.runUntil(1000);
    expect(rig.recorder.frames.slice(3)).toEqual(["101" + "001110" + N[0xf]]);
    expect(rig.text()).toBe("1.8.1   |    123.46 kWh | T1 IMPORT");
    // Nothing changed: nothing sent.
    rig.clock.runUntil(2000);
    expect(rig.recorder.frames).toHaveLength(4);
  });

  test("changed runs further apart than two addresses go in separate frames", () => {
    const pins = { cs: new SimOutput(), wr: new SimOutput(), data: new SimOutput() };
    const rec = new BitRecorder(pins.cs, pins.wr, pins.data);
    const lcd = new Ht1621(pins);
    lcd.configure();
    const ram = new Uint8Array(32);
    ram[2] = 0x1;
    ram[4] = 0x2; // gap of one: same frame
    ram[8] = 0x4; // gap of three: new frame
    expect(lcd.update(ram)).toBe(2);
    expect(rec.frames.slice(2)).toEqual(["101" + "000010" + "1000" + "0000" + "0100", "101" + "001000" + "0010"]);
  });

  test("the emulator's RAM equals whatever the driver was asked to show (random images, random order)", () => {
    const pins = { cs: new SimOutput(), wr: new SimOutput(), data: new SimOutput() };
    const emulator = new Ht1621Emulator();
    pins.cs.listeners.push((l) => emulator.csChanged(l));
    pins.wr.listeners.push((l) => emulator.wrChanged(l));
    pins.data.listeners.push((l) => emulator.dataChanged(l));
    const lcd = new Ht1621(pins);
    lcd.configure();
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 5 }), (images) => {
        for (const image of images) {
          lcd.update(image);
          expect(Array.from(emulator.ram)).toEqual(Array.from(image, (b) => b & 0x0f));
        }
      }),
      { numRuns: 200 },
    );
    expect(emulator.framingErrors).toBe(0);
  });

  test("emulator: LCD OFF / SYS DIS blank the glass; a frame cut short is a framing error", () => {
    const rig = new DisplayRig();
    rig.display.start();
    expect(rig.text()).not.toBe("(LCD off)");
    rig.driver.close();
    expect(rig.emulator.visible).toBe(false);
    expect(rig.text()).toBe("(LCD off)");
    rig.cs.write(0);
    rig.wr.write(0);
    rig.data.write(1);
    rig.wr.write(1);
    rig.cs.write(1);
    expect(rig.emulator.framingErrors).toBe(1);
  });
});

describe("HT1621 driver: an image sent one frame at a time (updateNext)", () => {
  test("any two images: frames of at most N addresses, each a valid write frame; the chip ends with the new image; with no limit the frames are update()'s (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 1, max: 32 }),
        (first, second, limit) => {
          const make = () => {
            const pins = { cs: new SimOutput(), wr: new SimOutput(), data: new SimOutput() };
            const emulator = new Ht1621Emulator();
            pins.cs.listeners.push((l) => emulator.csChanged(l));
            pins.wr.listeners.push((l) => emulator.wrChanged(l));
            pins.data.listeners.push((l) => emulator.dataChanged(l));
            const rec = new BitRecorder(pins.cs, pins.wr, pins.data);
            const lcd = new Ht1621(pins);
            lcd.configure();
            lcd.update(first);
            return { emulator, rec, lcd };
          };
          const sliced = make();
          const whole = make();
          const before = sliced.rec.frames.length;
          let calls = 0;
          while (sliced.lcd.updateNext(second, limit)) calls++;
          whole.lcd.update(second);
          const frames = sliced.rec.frames.slice(before);
          expect(frames.length).toBe(calls + (frames.length > 0 ? 1 : 0));
          for (const f of frames) {
            expect(f.slice(0, 3)).toBe("101");
            expect((f.length - 9) % 4).toBe(0);
            expect((f.length - 9) / 4).toBeLessThanOrEqual(limit);
          }
          expect(sliced.emulator.framingErrors).toBe(0);
          expect(sliced.emulator.ram).toEqual(whole.emulator.ram);
          for (let a = 0; a < 32; a++) expect(sliced.emulator.ram[a]).toBe(second[a] & 0x0f);
          if (limit === 32) expect(frames).toEqual(whole.rec.frames.slice(before));
          // Nothing left: another call sends nothing.
          expect(sliced.lcd.updateNext(second, limit)).toBe(false);
          expect(sliced.rec.frames.length).toBe(before + frames.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  test("an image given as a view at an odd offset is sent the same way", () => {
    const pins = { cs: new SimOutput(), wr: new SimOutput(), data: new SimOutput() };
    const emulator = new Ht1621Emulator();
    pins.cs.listeners.push((l) => emulator.csChanged(l));
    pins.wr.listeners.push((l) => emulator.wrChanged(l));
    pins.data.listeners.push((l) => emulator.dataChanged(l));
    const lcd = new Ht1621(pins);
    lcd.configure();
    const ram = new Uint8Array(33).subarray(1);
    ram[5] = 0x3;
    ram[30] = 0xf;
    while (lcd.updateNext(ram, 2));
    expect(Array.from(emulator.ram)).toEqual(Array.from(ram));
  });
});
