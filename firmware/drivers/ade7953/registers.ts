import { deepFreeze } from "../../kernel/freeze";
/**
 * ADE7953 register facts, one table (docs/chips.md part A, docs/chips/ade7953_registers.csv; a test
 * checks this table against the CSV). Address is the 24-bit-window address for 24-bit registers;
 * the same cell is reachable at +0x100 as 32 bits (`as32`). Width otherwise follows the address
 * window (0x0xx 8, 0x1xx 16, 0x2xx 24, 0x3xx 32) except VERSION (0x702) and EX_REF (0x800).
 *
 * kind: U unsigned, S two's complement, SM sign-magnitude (PHCAL: bit 9 sign, bits 8:0 magnitude).
 * access: R read-only, RW, RC read clears (read-with-reset energy, RST* registers), W write-only key.
 * VERSION's reset value is not in the datasheet tables; 0x02 is this project's choice.
 */
type Ade7953Kind = "U" | "S" | "SM";
type Ade7953Access = "R" | "RW" | "RC" | "W";

export interface Ade7953Register {
  readonly name: string;
  readonly address: number;
  readonly bits: 8 | 16 | 24 | 32;
  /** Two's complement (S); sign-magnitude registers are decoded by their users. */
  readonly signed: boolean;
  readonly kind: Ade7953Kind;
  readonly access: Ade7953Access;
  readonly reset: number;
}

function reg(name: string, address: number, bits: 8 | 16 | 24 | 32, kind: Ade7953Kind, access: Ade7953Access, reset: number): Ade7953Register {
  return Object.freeze({ name, address, bits, signed: kind === "S", kind, access, reset });
}

export const ADE7953 = deepFreeze({
  SAGCYC: reg("SAGCYC", 0x000, 8, "U", "RW", 0x0),
  DISNOLOAD: reg("DISNOLOAD", 0x001, 8, "U", "RW", 0x0),
  LCYCMODE: reg("LCYCMODE", 0x004, 8, "U", "RW", 0x40),
  PGA_V: reg("PGA_V", 0x007, 8, "U", "RW", 0x0),
  PGA_IA: reg("PGA_IA", 0x008, 8, "U", "RW", 0x0),
  PGA_IB: reg("PGA_IB", 0x009, 8, "U", "RW", 0x0),
  WRITE_PROTECT: reg("WRITE_PROTECT", 0x040, 8, "U", "RW", 0x0),
  LAST_OP: reg("LAST_OP", 0x0fd, 8, "U", "R", 0x0),
  UNLOCK_120: reg("UNLOCK_120", 0x0fe, 8, "U", "W", 0),
  LAST_RWDATA8: reg("LAST_RWDATA8", 0x0ff, 8, "U", "R", 0x0),
  VERSION: reg("VERSION", 0x702, 8, "U", "R", 0x2),
  EX_REF: reg("EX_REF", 0x800, 8, "U", "RW", 0x0),
  ZXTOUT: reg("ZXTOUT", 0x100, 16, "U", "RW", 0xffff),
  LINECYC: reg("LINECYC", 0x101, 16, "U", "RW", 0x0),
  CONFIG: reg("CONFIG", 0x102, 16, "U", "RW", 0x8004),
  CF1DEN: reg("CF1DEN", 0x103, 16, "U", "RW", 0x3f),
  CF2DEN: reg("CF2DEN", 0x104, 16, "U", "RW", 0x3f),
  CFMODE: reg("CFMODE", 0x107, 16, "U", "RW", 0x300),
  PHCALA: reg("PHCALA", 0x108, 16, "SM", "RW", 0x0),
  PHCALB: reg("PHCALB", 0x109, 16, "SM", "RW", 0x0),
  PFA: reg("PFA", 0x10a, 16, "S", "R", 0x0),
  PFB: reg("PFB", 0x10b, 16, "S", "R", 0x0),
  ANGLE_A: reg("ANGLE_A", 0x10c, 16, "S", "R", 0x0),
  ANGLE_B: reg("ANGLE_B", 0x10d, 16, "S", "R", 0x0),
  PERIOD: reg("PERIOD", 0x10e, 16, "U", "R", 0x0),
  ALT_OUTPUT: reg("ALT_OUTPUT", 0x110, 16, "U", "RW", 0x0),
  RESERVED_120: reg("RESERVED_120", 0x120, 16, "U", "RW", 0x0),
  LAST_ADD: reg("LAST_ADD", 0x1fe, 16, "U", "R", 0x0),
  LAST_RWDATA16: reg("LAST_RWDATA16", 0x1ff, 16, "U", "R", 0x0),
  SAGLVL: reg("SAGLVL", 0x200, 24, "U", "RW", 0x0),
  ACCMODE: reg("ACCMODE", 0x201, 24, "U", "RW", 0x0),
  AP_NOLOAD: reg("AP_NOLOAD", 0x203, 24, "U", "RW", 0xe419),
  VAR_NOLOAD: reg("VAR_NOLOAD", 0x204, 24, "U", "RW", 0xe419),
  VA_NOLOAD: reg("VA_NOLOAD", 0x205, 24, "U", "RW", 0x0),
  AVA: reg("AVA", 0x210, 24, "S", "R", 0x0),
  BVA: reg("BVA", 0x211, 24, "S", "R", 0x0),
  AWATT: reg("AWATT", 0x212, 24, "S", "R", 0x0),
  BWATT: reg("BWATT", 0x213, 24, "S", "R", 0x0),
  AVAR: reg("AVAR", 0x214, 24, "S", "R", 0x0),
  BVAR: reg("BVAR", 0x215, 24, "S", "R", 0x0),
  IA: reg("IA", 0x216, 24, "S", "R", 0x0),
  IB: reg("IB", 0x217, 24, "S", "R", 0x0),
  V: reg("V", 0x218, 24, "S", "R", 0x0),
  IRMSA: reg("IRMSA", 0x21a, 24, "U", "R", 0x0),
  IRMSB: reg("IRMSB", 0x21b, 24, "U", "R", 0x0),
  VRMS: reg("VRMS", 0x21c, 24, "U", "R", 0x0),
  AENERGYA: reg("AENERGYA", 0x21e, 24, "S", "RC", 0x0),
  AENERGYB: reg("AENERGYB", 0x21f, 24, "S", "RC", 0x0),
  RENERGYA: reg("RENERGYA", 0x220, 24, "S", "RC", 0x0),
  RENERGYB: reg("RENERGYB", 0x221, 24, "S", "RC", 0x0),
  APENERGYA: reg("APENERGYA", 0x222, 24, "S", "RC", 0x0),
  APENERGYB: reg("APENERGYB", 0x223, 24, "S", "RC", 0x0),
  OVLVL: reg("OVLVL", 0x224, 24, "U", "RW", 0xffffff),
  OILVL: reg("OILVL", 0x225, 24, "U", "RW", 0xffffff),
  VPEAK: reg("VPEAK", 0x226, 24, "U", "R", 0x0),
  RSTVPEAK: reg("RSTVPEAK", 0x227, 24, "U", "RC", 0x0),
  IAPEAK: reg("IAPEAK", 0x228, 24, "U", "R", 0x0),
  RSTIAPEAK: reg("RSTIAPEAK", 0x229, 24, "U", "RC", 0x0),
  IBPEAK: reg("IBPEAK", 0x22a, 24, "U", "R", 0x0),
  RSTIBPEAK: reg("RSTIBPEAK", 0x22b, 24, "U", "RC", 0x0),
  IRQENA: reg("IRQENA", 0x22c, 24, "U", "RW", 0x100000),
  IRQSTATA: reg("IRQSTATA", 0x22d, 24, "U", "R", 0x0),
  RSTIRQSTATA: reg("RSTIRQSTATA", 0x22e, 24, "U", "RC", 0x0),
  IRQENB: reg("IRQENB", 0x22f, 24, "U", "RW", 0x0),
  IRQSTATB: reg("IRQSTATB", 0x230, 24, "U", "R", 0x0),
  RSTIRQSTATB: reg("RSTIRQSTATB", 0x231, 24, "U", "RC", 0x0),
  CRC: reg("CRC", 0x37f, 32, "U", "R", 0xffffffff),
  AIGAIN: reg("AIGAIN", 0x280, 24, "U", "RW", 0x400000),
  AVGAIN: reg("AVGAIN", 0x281, 24, "U", "RW", 0x400000),
  AWGAIN: reg("AWGAIN", 0x282, 24, "U", "RW", 0x400000),
  AVARGAIN: reg("AVARGAIN", 0x283, 24, "U", "RW", 0x400000),
  AVAGAIN: reg("AVAGAIN", 0x284, 24, "U", "RW", 0x400000),
  RESERVED_285: reg("RESERVED_285", 0x285, 24, "S", "RW", 0x0),
  AIRMSOS: reg("AIRMSOS", 0x286, 24, "S", "RW", 0x0),
  RESERVED_287: reg("RESERVED_287", 0x287, 24, "S", "RW", 0x0),
  VRMSOS: reg("VRMSOS", 0x288, 24, "S", "RW", 0x0),
  AWATTOS: reg("AWATTOS", 0x289, 24, "S", "RW", 0x0),
  AVAROS: reg("AVAROS", 0x28a, 24, "S", "RW", 0x0),
  AVAOS: reg("AVAOS", 0x28b, 24, "S", "RW", 0x0),
  BIGAIN: reg("BIGAIN", 0x28c, 24, "U", "RW", 0x400000),
  BVGAIN: reg("BVGAIN", 0x28d, 24, "U", "RW", 0x400000),
  BWGAIN: reg("BWGAIN", 0x28e, 24, "U", "RW", 0x400000),
  BVARGAIN: reg("BVARGAIN", 0x28f, 24, "U", "RW", 0x400000),
  BVAGAIN: reg("BVAGAIN", 0x290, 24, "U", "RW", 0x400000),
  RESERVED_291: reg("RESERVED_291", 0x291, 24, "S", "RW", 0x0),
  BIRMSOS: reg("BIRMSOS", 0x292, 24, "S", "RW", 0x0),
  RESERVED_293: reg("RESERVED_293", 0x293, 24, "U", "RW", 0x0),
  RESERVED_294: reg("RESERVED_294", 0x294, 24, "U", "RW", 0x0),
  BWATTOS: reg("BWATTOS", 0x295, 24, "S", "RW", 0x0),
  BVAROS: reg("BVAROS", 0x296, 24, "S", "RW", 0x0),
  BVAOS: reg("BVAOS", 0x297, 24, "S", "RW", 0x0),
  LAST_RWDATA24: reg("LAST_RWDATA24", 0x2ff, 24, "U", "R", 0x0),
} as const);

/** Every register of the table, in table order. */
export const ADE7953_REGISTERS: readonly Ade7953Register[] = deepFreeze(Object.values(ADE7953));

/** The 32-bit view (+0x100) of a 24-bit register: same cell, sign-extended when signed. */
export function as32(register: Ade7953Register): Ade7953Register {
  if (register.bits !== 24) throw new RangeError(`${register.name} has no 32-bit alias`);
  return { ...register, address: register.address + 0x100, bits: 32 };
}

export const LAST_OP_READ = 0x35;
export const LAST_OP_WRITE = 0xca;
/** Key written to 0x0FE right before 0x0030 goes to 0x120 (not retained over a reset). */
export const UNLOCK_120_KEY = 0xad;
export const SETUP_120_VALUE = 0x0030;
export const CONFIG_HPFEN = 0x0004;
export const CONFIG_CRC_ENABLE = 0x0100;
/** COMM_LOCK: 1 (default) = interface not locked; clearing it locks the interface to SPI. */
export const CONFIG_COMM_LOCK = 0x8000;
export const LCYCMODE_RSTREAD = 0x40;

export const DISNOLOAD_ACTIVE = 0x01;
export const DISNOLOAD_REACTIVE = 0x02;
export const DISNOLOAD_APPARENT = 0x04;

/** IRQENA / IRQSTATA bits (IRQENB / IRQSTATB use bits 0..13 with the same meaning for B). */
export const IRQ_AEHF = 1 << 0;
export const IRQ_AEOF = 1 << 3;
export const IRQ_APSIGN = 1 << 9;
export const IRQ_CYCEND = 1 << 18;
export const IRQ_SAG = 1 << 19;
export const IRQ_RESET = 1 << 20;
export const IRQ_CRC = 1 << 21;
/** Bits 22..23 do not exist: a status with them set was not read correctly. */
export const IRQ_RESERVED_MASK = 0xc00000;

/** Frequency: f = 223750 / (PERIOD + 1) Hz. */
export const PERIOD_CLOCK_HZ = 223750;
/** PHCAL: 1.117 us per LSB, magnitude at most 383. */
export const PHCAL_SECONDS_PER_LSB = 1.117e-6;
export const PHCAL_MAX = 383;
/** Gain registers: 0x400000 = x1. */
export const UNITY_GAIN = 0x400000;
/** xRMSOS is added in the squared domain scaled by 2^12; xWATTOS LSB = 1/512 power LSB. */
export const RMSOS_SCALE = 4096;
export const POWER_OFFSET_SCALE = 512;
/** Full-scale readings (docs/chips.md A3). */
export const RMS_FULL_SCALE = 9_032_007;
export const POWER_FULL_SCALE = 4_862_401;

/** No-load register value for a threshold of full scale / ratio: X = 65536 - ratio / 1.4. */
export function noLoadRegister(fullScaleToThresholdRatio: number): number {
  const x = Math.round(65536 - fullScaleToThresholdRatio / 1.4);
  return x < 0 ? 0 : x > 0xffff ? 0xffff : x;
}
