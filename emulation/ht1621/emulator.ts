/**
 * HT1621 facts (Holtek datasheet; docs/chips.md part E), kept here rather than taken from the
 * firmware's driver so that a wrong driver constant shows up as a test failure.
 */
const MODE_COMMAND = 0b100;
const MODE_WRITE = 0b101;
/** Commands by their bits C8..C1 (the 9-bit command without the don't-care C0). */
const CMD_SYS_DIS = 0b0000_0000;
const CMD_SYS_EN = 0b0000_0001;
const CMD_LCD_OFF = 0b0000_0010;
const CMD_LCD_ON = 0b0000_0011;
/** BIAS commands are 0010-abX1-X: C8..C5 = 0010. */
const CMD_BIAS_GROUP = 0b0010_0000;
/** 32 segment lines = 32 RAM addresses of 4 bits (one per common). */
const RAM_ADDRESSES = 32;

/**
 * Pin-level HT1621: follows CS, WR and DATA, latches DATA on each WR rising edge while CS is
 * low, and decodes command frames (100 + 9-bit commands) and write frames (101 + 6-bit
 * address + 4-bit nibbles D0 first, address auto-increment) into the 32 x 4 segment RAM.
 * Read mode is not wired (DATA is an output on the meter board) and is counted as an error.
 */
export class Ht1621Emulator {
  /** Segment RAM: low nibble per address, bit n = COMn. */
  readonly ram = new Uint8Array(RAM_ADDRESSES);
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
      if (this.modeBits === 3 && this.mode !== MODE_COMMAND && this.mode !== MODE_WRITE) this.framingErrors++;
      return;
    }
    if (this.mode === MODE_COMMAND) {
      this.field = (this.field << 1) | bit;
      if (++this.fieldBits === 9) {
        this.command(this.field);
        this.field = 0;
        this.fieldBits = 0;
      }
    } else if (this.mode === MODE_WRITE) {
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
    if (c === CMD_SYS_DIS) {
      this.systemEnabled = false;
      this.lcdOn = false;
    } else if (c === CMD_SYS_EN) this.systemEnabled = true;
    else if (c === CMD_LCD_OFF) this.lcdOn = false;
    else if (c === CMD_LCD_ON) this.lcdOn = true;
    else if ((c & 0xf0) === CMD_BIAS_GROUP) this.bias = code;
  }
}
