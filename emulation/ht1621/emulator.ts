import { HT1621_CMD, HT1621_MODE, HT1621_RAM_ADDRESSES } from "../../firmware/drivers/ht1621/commands";

/**
 * Pin-level HT1621: follows CS, WR and DATA, latches DATA on each WR rising edge while CS is
 * low, and decodes command frames (100 + 9-bit commands) and write frames (101 + 6-bit
 * address + 4-bit nibbles D0 first, address auto-increment) into the 32 x 4 segment RAM.
 * Read mode is not wired (DATA is an output on the meter board) and is counted as an error.
 */
export class Ht1621Emulator {
  /** Segment RAM: low nibble per address, bit n = COMn. */
  readonly ram = new Uint8Array(HT1621_RAM_ADDRESSES);
  systemEnabled = false;
  lcdOn = false;
  /** Last BIAS command seen (9-bit value), or -1. */
  bias = -1;
  commandsReceived = 0;
  framesReceived = 0;
  /** Frames with an unknown mode id, read mode, or ended mid-field. */
  framingErrors = 0;

  private cs = 1;
  private wr = 1;
  private data = 0;
  private mode = 0;
  private modeBits = 0;
  private field = 0;
  private fieldBits = 0;
  private address = -1;

  /** CS level change (wire the lcdCs output here). */
  csChanged(level: number): void {
    if (level === this.cs) return;
    this.cs = level;
    if (level === 0) {
      this.mode = 0;
      this.modeBits = 0;
      this.field = 0;
      this.fieldBits = 0;
      this.address = -1;
      this.framesReceived++;
    } else if (this.fieldBits !== 0 || this.modeBits < 3) {
      this.framingErrors++;
    }
  }

  wrChanged(level: number): void {
    const rising = this.wr === 0 && level === 1;
    this.wr = level;
    if (rising && this.cs === 0) this.clockIn(this.data);
  }

  dataChanged(level: number): void {
    this.data = level ? 1 : 0;
  }

  /** Whether the glass shows anything (oscillator and LCD bias on). */
  get visible(): boolean {
    return this.systemEnabled && this.lcdOn;
  }

  private clockIn(bit: number): void {
    if (this.modeBits < 3) {
      this.mode = (this.mode << 1) | bit;
      this.modeBits++;
      if (this.modeBits === 3 && this.mode !== HT1621_MODE.command && this.mode !== HT1621_MODE.write) this.framingErrors++;
      return;
    }
    if (this.mode === HT1621_MODE.command) {
      this.field = (this.field << 1) | bit;
      if (++this.fieldBits === 9) {
        this.command(this.field);
        this.field = 0;
        this.fieldBits = 0;
      }
    } else if (this.mode === HT1621_MODE.write) {
      if (this.address < 0) {
        this.field = (this.field << 1) | bit;
        if (++this.fieldBits === 6) {
          this.address = this.field;
          this.field = 0;
          this.fieldBits = 0;
        }
        return;
      }
      // Data arrives D0 first.
      this.field |= bit << this.fieldBits;
      if (++this.fieldBits === 4) {
        this.ram[this.address & 0x1f] = this.field;
        this.address = (this.address + 1) & 0x3f;
        this.field = 0;
        this.fieldBits = 0;
      }
    }
  }

  private command(code: number): void {
    this.commandsReceived++;
    const c = code >> 1; // C8..C1; C0 is "don't care"
    if (c === HT1621_CMD.SYS_DIS >> 1) {
      this.systemEnabled = false;
      this.lcdOn = false;
    } else if (c === HT1621_CMD.SYS_EN >> 1) this.systemEnabled = true;
    else if (c === HT1621_CMD.LCD_OFF >> 1) this.lcdOn = false;
    else if (c === HT1621_CMD.LCD_ON >> 1) this.lcdOn = true;
    else if ((c & 0xf0) === 0x20) this.bias = code;
  }
}
