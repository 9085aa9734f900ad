import { type LineConditions, type LineSource, newLineConditions, type SpiSlave } from "../line";

/**
 * Register-level ADE7953 on SPI: framing `[addr16][rw][N bytes]`, register widths by address
 * window, read-with-reset energy with a fractional internal accumulator, 0x120 unlock,
 * COMM_LOCK, verification registers, RESET interrupt. Measurements derive from a LineSource.
 *
 * The analog front end of the reference board: VRMS = 26000 counts/V, IRMS = 100000 counts/A,
 * so full scale (9,032,007 counts) is 347.4 V and 90.32 A; full-scale power (both at full
 * scale) reads 4,862,401 and advances the energy register at 206,900 counts/s (chips.md A3).
 */
export const ADE7953_FRONT_END = {
  voltageCountsPerVolt: 26000,
  currentCountsPerAmp: 100000,
  rmsFullScale: 9_032_007,
  powerFullScale: 4_862_401,
  energyFullScaleRate: 206_900,
} as const;

const FULL_SCALE_VOLTS = ADE7953_FRONT_END.rmsFullScale / ADE7953_FRONT_END.voltageCountsPerVolt;
const FULL_SCALE_AMPS = ADE7953_FRONT_END.rmsFullScale / ADE7953_FRONT_END.currentCountsPerAmp;
const FULL_SCALE_WATTS = FULL_SCALE_VOLTS * FULL_SCALE_AMPS;
const UNITY_GAIN = 0x400000;

interface RegisterSpec {
  bits: 8 | 16 | 24;
  reset: number;
  writable: boolean;
  readClears?: boolean;
}

/** Register file keyed by the 24-bit-window address (32-bit accesses alias at +0x100). */
const SPECS: Record<number, RegisterSpec> = {
  0x000: { bits: 8, reset: 0x00, writable: true }, // SAGCYC
  0x001: { bits: 8, reset: 0x00, writable: true }, // DISNOLOAD
  0x004: { bits: 8, reset: 0x40, writable: true }, // LCYCMODE
  0x007: { bits: 8, reset: 0, writable: true }, // PGA_V
  0x008: { bits: 8, reset: 0, writable: true }, // PGA_IA
  0x009: { bits: 8, reset: 0, writable: true }, // PGA_IB
  0x040: { bits: 8, reset: 0, writable: true }, // WRITE_PROTECT
  0x0fd: { bits: 8, reset: 0, writable: false }, // LAST_OP
  0x0fe: { bits: 8, reset: 0, writable: true }, // unlock key for 0x120
  0x0ff: { bits: 8, reset: 0, writable: false }, // LAST_RWDATA8
  0x702: { bits: 8, reset: 0x02, writable: false }, // VERSION
  0x800: { bits: 8, reset: 0, writable: true }, // EX_REF
  0x100: { bits: 16, reset: 0xffff, writable: true }, // ZXTOUT
  0x101: { bits: 16, reset: 0, writable: true }, // LINECYC
  0x102: { bits: 16, reset: 0x8004, writable: true }, // CONFIG
  0x103: { bits: 16, reset: 0x3f, writable: true }, // CF1DEN
  0x104: { bits: 16, reset: 0x3f, writable: true }, // CF2DEN
  0x107: { bits: 16, reset: 0x0300, writable: true }, // CFMODE
  0x108: { bits: 16, reset: 0, writable: true }, // PHCALA
  0x109: { bits: 16, reset: 0, writable: true }, // PHCALB
  0x10a: { bits: 16, reset: 0, writable: false }, // PFA
  0x10b: { bits: 16, reset: 0, writable: false }, // PFB
  0x10c: { bits: 16, reset: 0, writable: false }, // ANGLE_A
  0x10d: { bits: 16, reset: 0, writable: false }, // ANGLE_B
  0x10e: { bits: 16, reset: 0, writable: false }, // PERIOD
  0x110: { bits: 16, reset: 0, writable: true }, // ALT_OUTPUT
  0x120: { bits: 16, reset: 0, writable: true }, // needs the 0xAD key
  0x1fe: { bits: 16, reset: 0, writable: false }, // LAST_ADD
  0x1ff: { bits: 16, reset: 0, writable: false }, // LAST_RWDATA16
  0x200: { bits: 24, reset: 0, writable: true }, // SAGLVL
  0x201: { bits: 24, reset: 0, writable: true }, // ACCMODE
  0x203: { bits: 24, reset: 0x00e419, writable: true }, // AP_NOLOAD
  0x204: { bits: 24, reset: 0x00e419, writable: true }, // VAR_NOLOAD
  0x205: { bits: 24, reset: 0, writable: true }, // VA_NOLOAD
  0x210: { bits: 24, reset: 0, writable: false }, // AVA
  0x211: { bits: 24, reset: 0, writable: false }, // BVA
  0x212: { bits: 24, reset: 0, writable: false }, // AWATT
  0x213: { bits: 24, reset: 0, writable: false }, // BWATT
  0x214: { bits: 24, reset: 0, writable: false }, // AVAR
  0x215: { bits: 24, reset: 0, writable: false }, // BVAR
  0x21a: { bits: 24, reset: 0, writable: false }, // IRMSA
  0x21b: { bits: 24, reset: 0, writable: false }, // IRMSB
  0x21c: { bits: 24, reset: 0, writable: false }, // VRMS
  0x21e: { bits: 24, reset: 0, writable: false, readClears: true }, // AENERGYA
  0x21f: { bits: 24, reset: 0, writable: false, readClears: true }, // AENERGYB
  0x220: { bits: 24, reset: 0, writable: false, readClears: true }, // RENERGYA
  0x221: { bits: 24, reset: 0, writable: false, readClears: true }, // RENERGYB
  0x222: { bits: 24, reset: 0, writable: false, readClears: true }, // APENERGYA
  0x223: { bits: 24, reset: 0, writable: false, readClears: true }, // APENERGYB
  0x224: { bits: 24, reset: 0xffffff, writable: true }, // OVLVL
  0x225: { bits: 24, reset: 0xffffff, writable: true }, // OILVL
  0x22c: { bits: 24, reset: 0x100000, writable: true }, // IRQENA
  0x22d: { bits: 24, reset: 0, writable: false }, // IRQSTATA
  0x22e: { bits: 24, reset: 0, writable: false }, // RSTIRQSTATA
  0x22f: { bits: 24, reset: 0, writable: true }, // IRQENB
  0x230: { bits: 24, reset: 0, writable: false }, // IRQSTATB
  0x231: { bits: 24, reset: 0, writable: false }, // RSTIRQSTATB
  0x2ff: { bits: 24, reset: 0, writable: false }, // LAST_RWDATA24
};
for (let a = 0x280; a <= 0x297; a++) {
  const gain = (a >= 0x280 && a <= 0x284) || (a >= 0x28c && a <= 0x290);
  SPECS[a] = { bits: 24, reset: gain ? UNITY_GAIN : 0, writable: true };
}

const ENERGY_REGS = [0x21e, 0x21f, 0x220, 0x221, 0x222, 0x223] as const;
const IRQ_RESET = 1 << 20;

/** Board-level analog error of the emulated sensors (so calibration has something to correct). */
export interface AnalogErrors {
  voltageGain: number;
  currentGain: number;
  neutralGain: number;
  /** Extra phase lag of the current sensor, degrees. */
  phaseErrorDeg: number;
}

export class Ade7953Emulator implements SpiSlave {
  /** Register storage keyed by 24-bit-window address (raw, unsigned bit patterns). */
  private readonly regs = new Map<number, number>();
  /** Fractional internal energy accumulators, one per energy register, in register counts. */
  private readonly accumulators = new Float64Array(6);
  private lastUpdateMs: number;
  private readonly line: LineConditions = newLineConditions();
  private frame: number[] = [];
  private selected = false;
  private lastWriteWasUnlockKey = false;
  /** Times the chip has been reset (power-up counts as one). */
  resets = 0;
  analogErrors: AnalogErrors = { voltageGain: 1, currentGain: 1, neutralGain: 1, phaseErrorDeg: 0 };

  constructor(private readonly source: LineSource, private readonly now: () => number) {
    this.lastUpdateMs = now();
    this.reset();
  }

  /** Hardware or power-on reset: every register back to its default, RESET interrupt raised. */
  reset(): void {
    this.regs.clear();
    for (const [address, spec] of Object.entries(SPECS)) this.regs.set(Number(address), spec.reset);
    this.accumulators.fill(0);
    this.regs.set(0x22d, IRQ_RESET);
    this.lastWriteWasUnlockKey = false;
    this.resets++;
  }

  /** Raw register bits (for tests and fault scenarios). */
  peek(address: number): number {
    this.update();
    return this.regs.get(address & ~0x100) ?? 0;
  }

  select(): void {
    this.selected = true;
    this.frame = [];
  }

  deselect(): void {
    if (this.selected && this.frame.length >= 3 && this.frame[2] === 0x00) this.completeWrite();
    this.selected = false;
    this.frame = [];
  }

  exchange(mosi: number): number {
    if (!this.selected) return 0xff;
    const frame = this.frame;
    frame.push(mosi & 0xff);
    if (frame.length < 3) return 0;
    const address = (frame[0] << 8) | frame[1];
    const width = widthOf(address);
    if (frame[2] !== 0x80) return 0;
    // A read: the chip shifts the register out MSB first in the bytes after the header.
    const index = frame.length - 4;
    if (index < 0) {
      // Header just completed: latch the value for the whole frame.
      this.latchRead(address, width);
      return 0;
    }
    if (index >= width / 8) return 0;
    return this.readLatch[index];
  }

  private readLatch = new Uint8Array(4);

  private latchRead(address: number, width: number): void {
    this.update();
    const base = width === 32 ? address - 0x100 : address;
    const spec = SPECS[base];
    let raw = spec ? (this.regs.get(base) ?? 0) : 0;
    if (base === 0x22e) raw = this.regs.get(0x22d) ?? 0;
    if (base === 0x231) raw = this.regs.get(0x230) ?? 0;
    let value = raw;
    if (width === 32 && spec && spec.bits === 24 && isSignedAddress(base) && (raw & 0x800000)) value = (raw | 0xff000000) >>> 0;
    const bytes = width / 8;
    for (let i = 0; i < bytes; i++) this.readLatch[i] = (value >>> (8 * (bytes - 1 - i))) & 0xff;
    // Side effects of a successful read.
    if (spec?.readClears && ((this.regs.get(0x004) ?? 0) & 0x40)) {
      this.regs.set(base, 0);
    }
    if (base === 0x22e) this.regs.set(0x22d, 0);
    if (base === 0x231) this.regs.set(0x230, 0);
    this.recordAccess(0x35, address, width, value);
  }

  private completeWrite(): void {
    const frame = this.frame;
    const address = (frame[0] << 8) | frame[1];
    const width = widthOf(address);
    const bytes = width / 8;
    if (frame.length !== 3 + bytes) return; // wrong length: ignored
    let value = 0;
    for (let i = 0; i < bytes; i++) value = value * 256 + frame[3 + i];
    const base = width === 32 ? address - 0x100 : address;
    const spec = SPECS[base];
    if (!spec || !spec.writable) return;
    this.update();
    if (base === 0x120 && !this.lastWriteWasUnlockKey) {
      this.lastWriteWasUnlockKey = false;
      return;
    }
    const mask = spec.bits === 24 ? 0xffffff : spec.bits === 16 ? 0xffff : 0xff;
    let stored = value & mask;
    if (base === 0x102 && (stored & 0x80)) {
      this.reset();
      return;
    }
    if (base === 0x201) stored = (stored & 0x3ff) | ((this.regs.get(0x201) ?? 0) & ~0x3ff);
    this.regs.set(base, stored);
    this.lastWriteWasUnlockKey = base === 0x0fe && stored === 0xad;
    this.recordAccess(0xca, address, width, value);
  }

  private recordAccess(op: number, address: number, width: number, value: number): void {
    this.regs.set(0x0fd, op);
    this.regs.set(0x1fe, address & 0xffff);
    if (width === 8) this.regs.set(0x0ff, value & 0xff);
    else if (width === 16) this.regs.set(0x1ff, value & 0xffff);
    else this.regs.set(0x2ff, value & 0xffffff);
  }

  private gain(address: number): number {
    return (this.regs.get(address) ?? UNITY_GAIN) / UNITY_GAIN;
  }

  /** Integrates the measurement engine from the last update to now, segment by segment. */
  private update(): void {
    const target = this.now();
    let t = this.lastUpdateMs;
    while (t < target) {
      const until = Math.min(target, this.source.conditionsAt(t, this.line));
      this.integrate((until - t) / 1000);
      t = until;
    }
    this.source.conditionsAt(target, this.line);
    this.lastUpdateMs = target;
    this.refreshInstantaneous();
  }

  private integrate(seconds: number): void {
    if (seconds <= 0) return;
    const { p, q, s, pb, qb, sb } = this.powers();
    const rate = ADE7953_FRONT_END.energyFullScaleRate / FULL_SCALE_WATTS;
    const deltas = [
      p * rate * this.gain(0x282), pb * rate * this.gain(0x28e),
      q * rate * this.gain(0x283), qb * rate * this.gain(0x28f),
      s * rate * this.gain(0x284), sb * rate * this.gain(0x290),
    ];
    for (let i = 0; i < 6; i++) {
      this.accumulators[i] += deltas[i] * seconds;
      const whole = Math.trunc(this.accumulators[i]);
      if (whole !== 0) {
        this.accumulators[i] -= whole;
        const address = ENERGY_REGS[i];
        const current = toSigned24(this.regs.get(address) ?? 0);
        this.regs.set(address, (current + whole) & 0xffffff);
      }
    }
  }

  /** Powers in watts as the chip sees them through the board's sensors and its gain registers. */
  private powers(): { p: number; q: number; s: number; pb: number; qb: number; sb: number } {
    const l = this.line;
    const e = this.analogErrors;
    const v = l.voltage * e.voltageGain * this.gain(0x281);
    const ia = l.current * e.currentGain * this.gain(0x280);
    const ib = l.neutralCurrent * e.neutralGain * this.gain(0x28c);
    const phcal = this.regs.get(0x108) ?? 0;
    const phcalDeg = ((phcal & 0x200) ? -1 : 1) * (phcal & 0x1ff) * 1.117e-6 * 360 * l.frequency;
    const angle = ((l.angle + e.phaseErrorDeg - phcalDeg) * Math.PI) / 180;
    const angleB = (l.angle * Math.PI) / 180;
    return {
      p: v * ia * Math.cos(angle), q: v * ia * Math.sin(angle), s: v * ia,
      pb: v * ib * Math.cos(angleB), qb: v * ib * Math.sin(angleB), sb: v * ib,
    };
  }

  private refreshInstantaneous(): void {
    const l = this.line;
    const e = this.analogErrors;
    const f = ADE7953_FRONT_END;
    const clamp = (x: number) => Math.max(0, Math.min(0xffffff, Math.round(x)));
    this.regs.set(0x21c, clamp(l.voltage * e.voltageGain * this.gain(0x281) * f.voltageCountsPerVolt));
    this.regs.set(0x21a, clamp(l.current * e.currentGain * this.gain(0x280) * f.currentCountsPerAmp));
    this.regs.set(0x21b, clamp(l.neutralCurrent * e.neutralGain * this.gain(0x28c) * f.currentCountsPerAmp));
    const { p, q, s, pb } = this.powers();
    const perWatt = f.powerFullScale / FULL_SCALE_WATTS;
    this.regs.set(0x212, Math.round(p * perWatt * this.gain(0x282)) & 0xffffff);
    this.regs.set(0x214, Math.round(q * perWatt * this.gain(0x283)) & 0xffffff);
    this.regs.set(0x210, Math.round(s * perWatt * this.gain(0x284)) & 0xffffff);
    this.regs.set(0x213, Math.round(pb * perWatt * this.gain(0x28e)) & 0xffffff);
    const pf = s > 0 ? Math.abs(p) / s : 1;
    const signedPf = Math.round((q < 0 ? -pf : pf) * 0x7fff);
    this.regs.set(0x10a, signedPf & 0xffff);
    this.regs.set(0x10e, l.voltage > 0 && l.frequency > 0 ? Math.round(223750 / l.frequency) - 1 : 0);
    let accmode = (this.regs.get(0x201) ?? 0) & 0x3ff;
    if (p < 0) accmode |= 1 << 10;
    if (q < 0) accmode |= 1 << 12;
    this.regs.set(0x201, accmode);
  }
}

function widthOf(address: number): 8 | 16 | 24 | 32 {
  if (address === 0x702 || address === 0x800) return 8;
  if (address < 0x100) return 8;
  if (address < 0x200) return 16;
  if (address < 0x300) return 24;
  return 32;
}

function isSignedAddress(address: number): boolean {
  return (address >= 0x210 && address <= 0x223) || [0x286, 0x288, 0x289, 0x28a, 0x28b, 0x292, 0x295, 0x296, 0x297].includes(address);
}

function toSigned24(raw: number): number {
  return raw & 0x800000 ? raw - 0x1000000 : raw;
}
