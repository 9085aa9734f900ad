import { ATM90E26, atmChecksum } from "../../firmware/drivers/atm90e26/registers";
import { Atm90e26Emulator, NO_ANALOG_ERRORS } from "../../emulation/atm90e26/emulator";
import type { LineConditions, LineSource } from "../../emulation/line";

/** A constant line the test can change. */
class Line implements LineSource {
  c: LineConditions = { voltage: 230, current: 5, angle: 0, frequency: 50, neutralCurrent: 5 };
  conditionsAt(_t: number, out: LineConditions): number {
    Object.assign(out, this.c);
    return Infinity;
  }
}

function setup(pins = 0) {
  const line = new Line();
  const clock = { now: 0 };
  const chip = new Atm90e26Emulator(line, () => clock.now, { analogErrors: NO_ANALOG_ERRORS, meteringModePins: pins });
  const frame = (bytes: number[]): number[] => {
    chip.select();
    const out = bytes.map((b) => chip.exchange(b));
    chip.deselect();
    return out;
  };
  const read = (address: number): number => {
    const out = frame([0x80 | address, 0, 0]);
    return (out[1] << 8) | out[2];
  };
  const write = (address: number, value: number): void => {
    frame([address, value >> 8, value & 0xff]);
  };
  return { line, clock, chip, frame, read, write };
}

/** Starts metering and measurement unchecked (calibration mode). */
function startUnchecked(t: ReturnType<typeof setup>): void {
  t.write(0x20, 0x5678);
  t.write(0x30, 0x5678);
}

describe("ATM90E26 checksums (docs/chips.md B1 test vectors)", () => {
  test("all-default registers give CS1 0x55CB and CS2 0x6BB9, computed and read from the chip", () => {
    const defaults1 = [0x0015, 0xd174, 0, 0, 0, 0, 0x08bd, 0, 0x0aec, 0, 0x9422];
    const defaults2 = [0x6720, 0x7a13, 0x7530, 0, 0, 0, 0, 0, 0, 0];
    expect(atmChecksum(defaults1)).toBe(0x55cb);
    expect(atmChecksum(defaults2)).toBe(0x6bb9);
    const t = setup();
    expect(t.read(0x2c)).toBe(0x55cb);
    expect(t.read(0x3b)).toBe(0x6bb9);
  });

  test("whatnick's register values reproduce its hard-coded CS1 0x4A34 and CS2 0xD294", () => {
    const cs1 = [0x00b9, 0xc1f3, 0x1d39, 0, 0, 0, 0x08bd, 0, 0x0aec, 0, 0x9422];
    const cs2 = [0xd464, 0x6e49, 0x7530, 0, 0, 0, 0, 0, 0, 0];
    expect(atmChecksum(cs1)).toBe(0x4a34);
    expect(atmChecksum(cs2)).toBe(0xd294);
    // The same registers written to the chip: 0x8765 with these CS values runs without error.
    const t = setup();
    t.write(0x20, 0x5678);
    cs1.forEach((v, i) => t.write(0x21 + i, v));
    t.write(0x2c, 0x4a34);
    t.write(0x30, 0x5678);
    cs2.forEach((v, i) => t.write(0x31 + i, v));
    t.write(0x3b, 0xd294);
    t.write(0x20, 0x8765);
    t.write(0x30, 0x8765);
    expect(t.read(0x01)).toBe(0);
    expect(t.chip.running).toEqual({ metering: true, measuring: true });
  });

  test("a CSx read returns the chip's own computation, not the value written", () => {
    const t = setup();
    t.write(0x2c, 0x1234);
    expect(t.read(0x2c)).toBe(0x55cb);
    t.write(0x20, 0x5678);
    t.write(0x23, 0x0100); // Lgain
    expect(t.read(0x2c)).toBe(atmChecksum([0x0015, 0xd174, 0x0100, 0, 0, 0, 0x08bd, 0, 0x0aec, 0, 0x9422]));
  });
});

describe("ATM90E26 framing (24 clocks)", () => {
  test("a write needs exactly 24 clocks; shorter or longer frames are discarded and LastData keeps its value", () => {
    const t = setup();
    t.write(0x02, 0x0030);
    expect(t.read(0x06)).toBe(0x0030);
    t.frame([0x02, 0x00]); // 16 clocks
    t.frame([0x02, 0x00, 0x3c, 0x00]); // 32 clocks
    expect(t.read(0x02)).toBe(0x0030);
    expect(t.chip.stats.discardedWrites).toBe(2);
  });

  test("a read completes at 24 clocks (more clocks shift out zeros); an aborted read has no side effect", () => {
    const t = setup();
    startUnchecked(t);
    t.clock.now += 60_000;
    const energy = t.chip.peek(0x40);
    expect(energy).toBeGreaterThan(0);
    // 16 clocks: not a read; the read-with-reset register keeps its value.
    t.frame([0x80 | 0x40, 0]);
    expect(t.chip.peek(0x40)).toBe(energy);
    const out = t.frame([0x80 | 0x40, 0, 0, 0]);
    expect((out[1] << 8) | out[2]).toBe(energy);
    expect(out[3]).toBe(0);
    expect(t.chip.peek(0x40)).toBe(0);
    expect(t.read(0x06)).toBe(energy); // LastData holds read-clear data too
  });

  test("invalid addresses read 0 and discard writes; read-only registers ignore writes", () => {
    const t = setup();
    t.write(0x02, 0x0030);
    expect(t.read(0x05)).toBe(0);
    expect(t.read(0x06)).toBe(0x0030); // the invalid read did not touch LastData
    t.write(0x05, 0x1111);
    t.write(0x46, 0x0000);
    expect(t.read(0x46)).toBe(0xc800);
    expect(t.read(0x00)).toBe(0); // SoftReset is write-only
  });
});

describe("ATM90E26 start/checksum state machine", () => {
  test("at reset (0x6886) nothing is metered or measured", () => {
    const t = setup();
    t.clock.now += 600_000;
    expect(t.read(0x20)).toBe(0x6886);
    expect(t.read(0x30)).toBe(0x6886);
    expect(t.read(0x40)).toBe(0);
    expect(t.read(0x49)).toBe(0);
    expect(t.read(0x46)).toBe(0xc800);
  });

  test("0x5678 restores 21H-2BH defaults and meters unchecked; 0x8765 with a wrong CS1 sets CalErr, stops, raises IRQ and WarnOut", () => {
    const t = setup();
    t.write(0x20, 0x5678);
    t.write(0x23, 0x1000);
    t.write(0x20, 0x5678);
    expect(t.read(0x23)).toBe(0); // back to default
    t.clock.now += 10_000;
    expect(t.read(0x40)).toBeGreaterThan(0);
    t.write(0x2c, 0x0000);
    t.write(0x20, 0x8765);
    expect(t.chip.irqPin.read()).toBe(1);
    expect(t.chip.warnOutPin.read()).toBe(1);
    expect(t.read(0x01) & 0xc000).toBe(0xc000);
    expect(t.chip.irqPin.read()).toBe(0); // SysStatus read cleared it
    t.clock.now += 60_000;
    expect(t.read(0x40)).toBe(0);
  });

  test("changing Lphi after 0x8765 without a new CS1 stops metering (whatnick #10)", () => {
    const t = setup();
    t.write(0x20, 0x5678);
    t.write(0x2c, 0x55cb);
    t.write(0x20, 0x8765);
    expect(t.chip.running.metering).toBe(true);
    t.write(0x24, 0x0010);
    expect(t.chip.running.metering).toBe(false);
    expect(t.read(0x01) & 0xc000).toBe(0xc000);
  });

  test("AdjStart 0x8765 with a wrong CS2 sets AdjErr and freezes measurement; other start values mean off + error", () => {
    const t = setup();
    t.write(0x30, 0x5678);
    t.clock.now += 1000;
    expect(t.read(0x49)).toBe(23000);
    t.write(0x3b, 0x0001);
    t.write(0x30, 0x8765);
    expect(t.read(0x01) & 0x3000).toBe(0x3000);
    t.clock.now += 1000;
    expect(t.read(0x49)).toBe(0);
    t.write(0x20, 0x1234);
    expect(t.read(0x01) & 0xc000).toBe(0xc000);
    expect(t.chip.running.metering).toBe(false);
  });

  test("PLconstH takes effect only when PLconstL is written", () => {
    const t = setup();
    startUnchecked(t);
    const energyIn = (ms: number) => {
      t.read(0x40);
      t.clock.now += ms;
      return t.read(0x40);
    };
    const base = energyIn(100_000);
    t.write(0x21, 0x002b); // about double the PL_constant: half the energy, but not yet
    expect(Math.abs(energyIn(100_000) - base)).toBeLessThanOrEqual(1); // fraction carry only
    t.write(0x22, 0xa2e8);
    const halved = energyIn(100_000);
    expect(halved).toBeGreaterThan(base * 0.45);
    expect(halved).toBeLessThan(base * 0.55);
  });

  test("SoftReset 0x789A returns every register to its default", () => {
    const t = setup();
    startUnchecked(t);
    t.write(0x02, 0x0030);
    t.write(0x00, 0x789a);
    expect(t.read(0x02)).toBe(0x000c);
    expect(t.read(0x20)).toBe(0x6886);
    expect(t.chip.resets).toBe(2);
  });
});

describe("ATM90E26 energy engine", () => {
  test("0.1-pulse LSB at the PL_constant rate; 16-bit wrap", () => {
    const t = setup();
    startUnchecked(t);
    // Default PL_constant is for GL 24, VL 1 mV, VU 250 mV at 220 V: this board has VU 250 mV at 230 V.
    t.write(0x2b, 0x7422); // L PGA x24 (MMode is in 21H-2BH, so write after 0x5678)
    t.read(0x40);
    t.clock.now += 100_000;
    const lsb = t.read(0x40);
    const pulsesPerSecond = (250 * 24 * 838860800) / (3.6e6 * 0x15d174);
    expect(lsb).toBe(Math.floor(pulsesPerSecond * 100 * 10));
    // 65536 LSB later the register has wrapped to the same low bits.
    t.clock.now += Math.ceil((65536 / (pulsesPerSecond * 10)) * 1000);
    const wrapped = t.read(0x40);
    expect(wrapped).toBeLessThan(20);
  });

  test("forward and reverse registers, absolute registers, RevP at whole pulses with RevPchg gated by FuncEn", () => {
    const t = setup();
    startUnchecked(t);
    t.write(0x2b, 0x7422);
    t.write(0x02, 0x000c);
    t.clock.now += 20_000;
    const ap = t.read(0x40);
    expect(t.read(0x41)).toBe(0);
    t.line.c.angle = 180;
    t.clock.now += 200; // 0.2 pulse reverse: no whole pulse yet
    expect(t.read(0x46) & 0x1000).toBe(0);
    t.clock.now += 20_000;
    expect(t.read(0x46) & 0x1000).toBe(0x1000);
    expect(t.read(0x01) & 0x20).toBe(0x20);
    const an = t.read(0x41);
    expect(an).toBeGreaterThan(0);
    expect(t.read(0x40)).toBe(0);
    // The absolute register counted both directions.
    const at = t.read(0x42);
    expect(Math.abs(at - (ap + an))).toBeLessThanOrEqual(1);
    // Without RevPEn the direction change is not latched.
    t.write(0x02, 0x0000);
    t.line.c.angle = 0;
    t.clock.now += 20_000;
    expect(t.read(0x46) & 0x1000).toBe(0);
    expect(t.read(0x01) & 0x20).toBe(0);
  });

  test("below the startup threshold nothing accumulates and Pnoload is set", () => {
    const t = setup();
    startUnchecked(t);
    t.write(0x2b, 0x7422);
    t.write(0x27, 1118); // start at 0.002 Ib
    t.line.c.current = 0.005; // 0.001 Ib
    t.line.c.neutralCurrent = 0.005;
    t.clock.now += 3_600_000;
    expect(t.read(0x40)).toBe(0);
    expect(t.read(0x46) & 0x4000).toBe(0x4000);
    t.line.c.current = 0.02;
    t.line.c.neutralCurrent = 0.02;
    t.clock.now += 600_000;
    expect(t.read(0x40)).toBeGreaterThan(0);
    expect(t.read(0x46) & 0x4000).toBe(0);
  });

  test("anti-tamper: the chip meters N when it exceeds L by Pthresh, with hysteresis, LNchange and IRQ", () => {
    const t = setup(0);
    startUnchecked(t);
    t.write(0x2b, 0x7422); // Pthresh 3.125 %
    t.line.c.neutralCurrent = 5.1; // 2 % more: stays on L
    t.clock.now += 1000;
    expect(t.read(0x46) & 0x0800).toBe(0x0800);
    t.line.c.neutralCurrent = 6; // 20 % more: switch to N
    t.clock.now += 1000;
    expect(t.read(0x46) & 0x0800).toBe(0);
    expect(t.chip.irqPin.read()).toBe(1);
    expect(t.read(0x01) & 0x80).toBe(0x80);
    t.line.c.neutralCurrent = 4.9; // L 2 % more than N: hysteresis keeps N
    t.clock.now += 1000;
    expect(t.read(0x46) & 0x0800).toBe(0);
    t.line.c.neutralCurrent = 4; // L 25 % more: back to L
    t.clock.now += 1000;
    expect(t.read(0x46) & 0x0800).toBe(0x0800);
    // Fixed-L strap never switches.
    const f = setup(1);
    startUnchecked(f);
    f.line.c.neutralCurrent = 10;
    f.clock.now += 1000;
    expect(f.read(0x46) & 0x0803).toBe(0x0801);
  });
});

describe("ATM90E26 measurement registers", () => {
  test("RMS, power, PF (sign-magnitude), frequency; LSB latched on each RMS/power read", () => {
    const t = setup();
    startUnchecked(t);
    t.write(0x2b, 0x7422);
    t.line.c = { voltage: 230, current: 5, angle: 60, frequency: 49.98, neutralCurrent: 5 };
    t.clock.now += 1000;
    expect(t.read(0x49)).toBe(23000);
    expect(t.read(0x4c)).toBe(4998);
    expect(t.read(0x4d)).toBe(500);
    t.line.c.angle = 180;
    t.clock.now += 1000;
    expect(t.read(0x4d)).toBe(0x8000 | 1000);
    t.line.c = { voltage: 230.5, current: 5, angle: 0, frequency: 50, neutralCurrent: 5 };
    t.clock.now += 1000;
    const urms = t.read(0x49);
    const lsb = t.read(ATM90E26.LSB.address);
    expect(lsb & 0xff).toBe(0);
    expect(urms + lsb / 65536).toBeCloseTo(23050, 0);
  });

  test("small-power mode reads the raw power product at a finer scale", () => {
    const t = setup();
    startUnchecked(t);
    t.write(0x2b, 0x7422);
    t.line.c.current = 0.01;
    t.line.c.neutralCurrent = 0.01;
    t.clock.now += 1000;
    const normal = t.read(0x4a);
    t.write(0x04, 0xa987);
    t.clock.now += 1000;
    const small = t.read(0x4a);
    expect(small).toBeGreaterThan(normal * 100);
    // normal = small * Ugain * Igain / (100000 * 2^22)
    expect((small * 0x6720 * 0x7a13) / (100000 * 2 ** 22)).toBeCloseTo(2.3, 1);
  });
});
