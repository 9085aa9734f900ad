import { Ade7953Driver, type Ade7953Options, DEFAULT_ADE7953_CALIBRATION } from "../../../firmware/drivers/ade7953/driver";
import { ADE7953 } from "../../../firmware/drivers/ade7953/registers";
import { SimInput, SimSpi } from "../../../host-sim/board";
import { Ade7953Emulator, type Ade7953EmulatorOptions } from "../../../emulation/ade7953/emulator";
import type { LineConditions, LineSource } from "../../../emulation/line";

/** Line conditions the test changes at will, from the time it sets them. */
export class TestLine implements LineSource {
  c: LineConditions = { voltage: 230, current: 0, angle: 0, frequency: 50, neutralCurrent: 0 };
  conditionsAt(_t: number, out: LineConditions): number {
    Object.assign(out, this.c);
    return Infinity;
  }
}

/** Emulator + SPI + driver with a hand-driven clock (no meter). */
export function rig(options: { emulator?: Ade7953EmulatorOptions; driver?: Ade7953Options; irq?: boolean } = {}) {
  let now = 0;
  const line = new TestLine();
  const chip = new Ade7953Emulator(line, () => now, options.emulator);
  const spi = new SimSpi(chip);
  let irq: SimInput | undefined;
  if (options.irq) {
    irq = new SimInput(chip.irqLevel);
    chip.onIrqChange = (level) => irq!.set(level);
  }
  const driver = new Ade7953Driver(spi, DEFAULT_ADE7953_CALIBRATION, { irq, ...options.driver });
  return {
    chip, spi, driver, line, irq,
    get now() { return now; },
    advance(ms: number) { now += ms; },
    /** The 0x120 setting the chip needs for its specified accuracy (as the driver's init writes it). */
    unlock() { driver.write(ADE7953.UNLOCK_120, 0xad); driver.write(ADE7953.RESERVED_120, 0x30); },
    /** Conditions from now on (the emulator integrates up to now first). */
    set(c: Partial<LineConditions>) { chip.peek(0); Object.assign(line.c, c); },
  };
}

/** Raw SPI frame helper: bytes out, bytes back, chip select released at the end unless `hold`. */
export function frame(spi: SimSpi, bytes: number[], hold = false): number[] {
  const buf = Uint8Array.from(bytes);
  spi.transfer(buf);
  if (!hold) spi.flush(true);
  return [...buf];
}
