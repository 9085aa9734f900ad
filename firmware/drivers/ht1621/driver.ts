import type { DigitalOut } from "../../hal";
import { HT1621_CMD, HT1621_MODE, HT1621_RAM_ADDRESSES } from "./commands";
import { deepFreeze } from "../../kernel/freeze";

interface Ht1621Pins {
  cs: DigitalOut;
  wr: DigitalOut;
  data: DigitalOut;
}

/**
 * HT1621 segment LCD controller bit-banged over three DigitalOut pins (Moddable drivers' shape:
 * one options object naming the IO, `configure()`, `close()`).
 *
 * The driver keeps a copy of what the chip's RAM holds and `update()` sends only the changed
 * addresses: each frame costs 3 + 6 bits of header and 4 bits per address, so changed runs
 * separated by at most two unchanged addresses go in one frame (4 bits per gap address < 9).
 */
export class Ht1621 {
  /** What the chip RAM holds (low nibble per address). */
  private readonly sent = new Uint8Array(HT1621_RAM_ADDRESSES);
  private synced = false;
  /** The level last written to DATA: a bit equal to it needs no DATA write (only the WR pulse). */
  private dataLevel = 0;
  /** Bits clocked out since construction (for the bench and tests). */
  bitsSent = 0;
  framesSent = 0;

  constructor(private readonly pins: Ht1621Pins) {
    pins.cs.write(1);
    pins.wr.write(1);
    pins.data.write(0);
  }

  /** SYS EN, internal RC oscillator, 1/3 bias with 4 commons, LCD ON; then clears the RAM. */
  configure(): void {
    this.commands(COMMAND_INIT);
    this.synced = false;
    this.sent.fill(0xff);
    const blank = new Uint8Array(HT1621_RAM_ADDRESSES);
    this.update(blank);
  }

  /** LCD OFF and SYS DIS (oscillator off; RAM kept). */
  close(): void {
    this.commands(COMMAND_OFF);
  }

  /**
   * Sends one command frame: 100 followed by each 9-bit command, MSB first. As in writeRun: the
   * pins in locals, DATA written only when its level changes, before WR falls.
   */
  commands(list: ArrayLike<number>): void {
    const pins = this.pins;
    const wr = pins.wr;
    const data = pins.data;
    let level = this.dataLevel;
    pins.cs.write(0);
    for (let k = -1; k < list.length; k++) {
      const value = k < 0 ? HT1621_MODE.command : list[k];
      for (let i = k < 0 ? 2 : 8; i >= 0; i--) {
        const bit = (value >> i) & 1;
        if (bit !== level) data.write((level = bit));
        wr.write(0);
        wr.write(1);
      }
    }
    pins.cs.write(1);
    this.dataLevel = level;
    this.framesSent++;
    this.bitsSent += 3 + 9 * list.length;
  }

  /**
   * Writes nibbles `ram[from..to]` in one write-mode frame (address auto-increments): the 9
   * header bits (101, then A5..A0, MSB first), then 4 data bits per address, D0 (COM0) first.
   * Inlined with the pins in locals; DATA is written only when its level changes (the chip
   * latches it at WR's rising edge, so it may be set before WR falls).
   */
  writeRun(ram: Uint8Array, from: number, to: number): void {
    const pins = this.pins;
    const wr = pins.wr;
    const data = pins.data;
    const sent = this.sent;
    let level = this.dataLevel;
    pins.cs.write(0);
    const header = (HT1621_MODE.write << 6) | from;
    for (let i = 8; i >= 0; i--) {
      const bit = (header >> i) & 1;
      if (bit !== level) data.write((level = bit));
      wr.write(0);
      wr.write(1);
    }
    // The nibble's bits unrolled: a loop over them costs XS about as much again as the pulses.
    for (let a = from; a <= to; a++) {
      const nibble = ram[a] & 0x0f;
      let bit = nibble & 1;
      if (bit !== level) data.write((level = bit));
      wr.write(0);
      wr.write(1);
      bit = (nibble >> 1) & 1;
      if (bit !== level) data.write((level = bit));
      wr.write(0);
      wr.write(1);
      bit = (nibble >> 2) & 1;
      if (bit !== level) data.write((level = bit));
      wr.write(0);
      wr.write(1);
      bit = nibble >> 3;
      if (bit !== level) data.write((level = bit));
      wr.write(0);
      wr.write(1);
      sent[a] = nibble;
    }
    pins.cs.write(1);
    this.dataLevel = level;
    this.framesSent++;
    this.bitsSent += 9 + 4 * (to - from + 1);
  }

  /**
   * Sends the first run of `ram` that differs from the chip's RAM, at most `maxAddresses`
   * addresses in one frame (gaps as in `update`): the runs of `update` one frame per call, split
   * where they are longer than `maxAddresses`. Returns true when another changed address remains
   * (call again), false when the chip's RAM equals `ram`. Every frame is a complete write-mode
   * frame, so the chip's RAM after the last call is what `update` would leave.
   */
  updateNext(ram: Uint8Array, maxAddresses: number): boolean {
    if (!this.synced) {
      this.update(ram);
      return false;
    }
    const sent = this.sent;
    let a = 0;
    while (a < HT1621_RAM_ADDRESSES && (ram[a] & 0x0f) === sent[a]) a++;
    if (a === HT1621_RAM_ADDRESSES) return false;
    const last = a + maxAddresses - 1;
    let end = a;
    let probe = a + 1;
    while (probe <= last && probe < HT1621_RAM_ADDRESSES && probe - end <= 3) {
      if ((ram[probe] & 0x0f) !== sent[probe]) end = probe;
      probe++;
    }
    this.writeRun(ram, a, end);
    for (a = end + 1; a < HT1621_RAM_ADDRESSES; a++) if ((ram[a] & 0x0f) !== sent[a]) return true;
    return false;
  }

  /** Brings the chip's RAM to `ram` (32 nibbles), sending only what changed. Returns the frames sent. */
  update(ram: Uint8Array): number {
    const sent = this.sent;
    const synced = this.synced;
    let frames = 0;
    let a = 0;
    while (a < HT1621_RAM_ADDRESSES) {
      if (synced && (ram[a] & 0x0f) === sent[a]) {
        a++;
        continue;
      }
      let end = a;
      let probe = a + 1;
      // Extend the run over gaps of up to two unchanged addresses.
      while (probe < HT1621_RAM_ADDRESSES && probe - end <= 3) {
        if (!synced || (ram[probe] & 0x0f) !== sent[probe]) end = probe;
        probe++;
      }
      this.writeRun(ram, a, end);
      frames++;
      a = end + 1;
    }
    this.synced = true;
    return frames;
  }
}

const COMMAND_INIT = deepFreeze([HT1621_CMD.SYS_EN, HT1621_CMD.RC_256K, HT1621_CMD.BIAS_THIRD_4COM, HT1621_CMD.TIMER_DIS, HT1621_CMD.WDT_DIS, HT1621_CMD.TONE_OFF, HT1621_CMD.LCD_ON]);
const COMMAND_OFF = deepFreeze([HT1621_CMD.LCD_OFF, HT1621_CMD.SYS_DIS]);
