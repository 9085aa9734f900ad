import { deepFreeze } from "../../kernel/freeze";
/**
 * ATM90E26 (M90E26) register facts used by the driver: 7-bit address, format and access class.
 * Every register is 16 bits. Source: docs/chips.md part B and docs/chips/atm90e26_registers.csv.
 */
type Atm90e26Format = "u" | "s2" | "sm";
type Atm90e26Access = "w" | "r" | "rw" | "rc";

export interface Atm90e26Register {
  readonly name: string;
  readonly address: number;
  readonly access: Atm90e26Access;
  /** u unsigned, s2 two's complement, sm sign-magnitude (bit 15 sign). */
  readonly format: Atm90e26Format;
  readonly reset: number;
}

function reg(name: string, address: number, access: Atm90e26Access, reset: number, format: Atm90e26Format = "u"): Atm90e26Register {
  return Object.freeze({ name, address, access, format, reset });
}

export const ATM90E26 = deepFreeze({
  SoftReset: reg("SoftReset", 0x00, "w", 0x0000),
  SysStatus: reg("SysStatus", 0x01, "rc", 0x0000),
  FuncEn: reg("FuncEn", 0x02, "rw", 0x000c),
  SagTh: reg("SagTh", 0x03, "rw", 0x1d6a),
  SmallPMod: reg("SmallPMod", 0x04, "rw", 0x0000),
  LastData: reg("LastData", 0x06, "r", 0x0000),
  LSB: reg("LSB", 0x08, "r", 0x0000),
  CalStart: reg("CalStart", 0x20, "rw", 0x6886),
  PLconstH: reg("PLconstH", 0x21, "rw", 0x0015),
  PLconstL: reg("PLconstL", 0x22, "rw", 0xd174),
  Lgain: reg("Lgain", 0x23, "rw", 0x0000, "s2"),
  Lphi: reg("Lphi", 0x24, "rw", 0x0000, "sm"),
  Ngain: reg("Ngain", 0x25, "rw", 0x0000, "s2"),
  Nphi: reg("Nphi", 0x26, "rw", 0x0000, "sm"),
  PStartTh: reg("PStartTh", 0x27, "rw", 0x08bd),
  PNolTh: reg("PNolTh", 0x28, "rw", 0x0000),
  QStartTh: reg("QStartTh", 0x29, "rw", 0x0aec),
  QNolTh: reg("QNolTh", 0x2a, "rw", 0x0000),
  MMode: reg("MMode", 0x2b, "rw", 0x9422),
  CS1: reg("CS1", 0x2c, "rw", 0x0000),
  AdjStart: reg("AdjStart", 0x30, "rw", 0x6886),
  Ugain: reg("Ugain", 0x31, "rw", 0x6720),
  IgainL: reg("IgainL", 0x32, "rw", 0x7a13),
  IgainN: reg("IgainN", 0x33, "rw", 0x7530),
  Uoffset: reg("Uoffset", 0x34, "rw", 0x0000, "s2"),
  IoffsetL: reg("IoffsetL", 0x35, "rw", 0x0000, "s2"),
  IoffsetN: reg("IoffsetN", 0x36, "rw", 0x0000, "s2"),
  PoffsetL: reg("PoffsetL", 0x37, "rw", 0x0000, "s2"),
  QoffsetL: reg("QoffsetL", 0x38, "rw", 0x0000, "s2"),
  PoffsetN: reg("PoffsetN", 0x39, "rw", 0x0000, "s2"),
  QoffsetN: reg("QoffsetN", 0x3a, "rw", 0x0000, "s2"),
  CS2: reg("CS2", 0x3b, "rw", 0x0000),
  APenergy: reg("APenergy", 0x40, "rc", 0x0000),
  ANenergy: reg("ANenergy", 0x41, "rc", 0x0000),
  ATenergy: reg("ATenergy", 0x42, "rc", 0x0000),
  RPenergy: reg("RPenergy", 0x43, "rc", 0x0000),
  RNenergy: reg("RNenergy", 0x44, "rc", 0x0000),
  RTenergy: reg("RTenergy", 0x45, "rc", 0x0000),
  EnStatus: reg("EnStatus", 0x46, "r", 0xc800),
  Irms: reg("Irms", 0x48, "r", 0x0000),
  Urms: reg("Urms", 0x49, "r", 0x0000),
  Pmean: reg("Pmean", 0x4a, "r", 0x0000, "s2"),
  Qmean: reg("Qmean", 0x4b, "r", 0x0000, "s2"),
  Freq: reg("Freq", 0x4c, "r", 0x0000),
  PowerF: reg("PowerF", 0x4d, "r", 0x0000, "sm"),
  Pangle: reg("Pangle", 0x4e, "r", 0x0000, "sm"),
  Smean: reg("Smean", 0x4f, "r", 0x0000),
  Irms2: reg("Irms2", 0x68, "r", 0x0000),
  Pmean2: reg("Pmean2", 0x6a, "r", 0x0000, "s2"),
  Qmean2: reg("Qmean2", 0x6b, "r", 0x0000, "s2"),
  PowerF2: reg("PowerF2", 0x6d, "r", 0x0000, "sm"),
  Pangle2: reg("Pangle2", 0x6e, "r", 0x0000, "sm"),
  Smean2: reg("Smean2", 0x6f, "r", 0x0000),
} as const);

/** Every register, in address order. */
export const ATM90E26_REGISTERS: readonly Atm90e26Register[] = deepFreeze(Object.values(ATM90E26).sort((a, b) => a.address - b.address));

/** Start-command values of CalStart/AdjStart. */
export const START_POWER_ON = 0x6886;
export const START_CALIBRATE = 0x5678;
export const START_CHECKED = 0x8765;
export const SOFT_RESET_KEY = 0x789a;
export const SMALL_POWER_KEY = 0xa987;

/** SysStatus bits. */
export const SYS_CAL_ERR = 0xc000;
export const SYS_ADJ_ERR = 0x3000;
export const SYS_REVP_CHG = 1 << 5;
export const SYS_SAG_WARN = 1 << 1;
export const EN_PNOLOAD = 1 << 14;
export const EN_REVP = 1 << 12;
export const EN_LLINE = 1 << 11;

/**
 * CS1/CS2 rule: over the high and low bytes of each covered register, low byte = sum mod 256,
 * high byte = XOR. `values` holds the registers in address order.
 */
export function atmChecksum(values: ArrayLike<number>): number {
  let sum = 0;
  let xor = 0;
  for (let i = 0; i < values.length; i++) {
    const hi = (values[i] >> 8) & 0xff;
    const lo = values[i] & 0xff;
    sum += hi + lo;
    xor ^= hi ^ lo;
  }
  return ((xor & 0xff) << 8) | (sum & 0xff);
}

/** Signed integer to sign-magnitude (bit 15 sign); magnitude limited to 15 bits. */
export function toSignMagnitude(value: number): number {
  const m = Math.min(0x7fff, Math.abs(Math.trunc(value)));
  return value < 0 && m !== 0 ? 0x8000 | m : m;
}

/** Two's complement 16-bit to a signed integer. */
export function fromS16(raw: number): number {
  return raw & 0x8000 ? raw - 0x10000 : raw;
}
