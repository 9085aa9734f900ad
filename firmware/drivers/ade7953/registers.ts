/**
 * ADE7953 register facts used by the driver: address (24-bit window), width in bits and
 * signedness. Width follows the address window (0x0xx 8, 0x1xx 16, 0x2xx 24, 0x3xx 32)
 * except VERSION (0x702) and EX_REF (0x800), which are 8-bit. Source: shared/specs/chips.md.
 */
export interface Ade7953Register {
  readonly address: number;
  readonly bits: 8 | 16 | 24 | 32;
  readonly signed: boolean;
}

function reg(address: number, signed = false): Ade7953Register {
  const bits = address === 0x702 || address === 0x800 ? 8
    : address < 0x100 ? 8 : address < 0x200 ? 16 : address < 0x300 ? 24 : 32;
  return { address, bits, signed };
}

export const ADE7953 = {
  SAGCYC: reg(0x000),
  DISNOLOAD: reg(0x001),
  LCYCMODE: reg(0x004),
  PGA_V: reg(0x007),
  PGA_IA: reg(0x008),
  PGA_IB: reg(0x009),
  WRITE_PROTECT: reg(0x040),
  LAST_OP: reg(0x0fd),
  UNLOCK_120: reg(0x0fe),
  LAST_RWDATA8: reg(0x0ff),
  VERSION: reg(0x702),
  ZXTOUT: reg(0x100),
  LINECYC: reg(0x101),
  CONFIG: reg(0x102),
  CFMODE: reg(0x107),
  PHCALA: reg(0x108),
  PHCALB: reg(0x109),
  PFA: reg(0x10a, true),
  PFB: reg(0x10b, true),
  ANGLE_A: reg(0x10c, true),
  PERIOD: reg(0x10e),
  ALT_OUTPUT: reg(0x110),
  SETUP_120: reg(0x120),
  LAST_ADD: reg(0x1fe),
  LAST_RWDATA16: reg(0x1ff),
  SAGLVL: reg(0x200),
  ACCMODE: reg(0x201),
  AP_NOLOAD: reg(0x203),
  VAR_NOLOAD: reg(0x204),
  VA_NOLOAD: reg(0x205),
  AVA: reg(0x210, true),
  BVA: reg(0x211, true),
  AWATT: reg(0x212, true),
  BWATT: reg(0x213, true),
  AVAR: reg(0x214, true),
  BVAR: reg(0x215, true),
  IRMSA: reg(0x21a),
  IRMSB: reg(0x21b),
  VRMS: reg(0x21c),
  AENERGYA: reg(0x21e, true),
  AENERGYB: reg(0x21f, true),
  RENERGYA: reg(0x220, true),
  RENERGYB: reg(0x221, true),
  APENERGYA: reg(0x222, true),
  APENERGYB: reg(0x223, true),
  OVLVL: reg(0x224),
  OILVL: reg(0x225),
  IRQENA: reg(0x22c),
  IRQSTATA: reg(0x22d),
  RSTIRQSTATA: reg(0x22e),
  IRQENB: reg(0x22f),
  RSTIRQSTATB: reg(0x231),
  AIGAIN: reg(0x280),
  AVGAIN: reg(0x281),
  AWGAIN: reg(0x282),
  AVARGAIN: reg(0x283),
  AVAGAIN: reg(0x284),
  AIRMSOS: reg(0x286, true),
  VRMSOS: reg(0x288, true),
  AWATTOS: reg(0x289, true),
  BIGAIN: reg(0x28c),
  BVGAIN: reg(0x28d),
  BWGAIN: reg(0x28e),
  BVARGAIN: reg(0x28f),
  BVAGAIN: reg(0x290),
  LAST_RWDATA24: reg(0x2ff),
} as const;

export const LAST_OP_READ = 0x35;
export const LAST_OP_WRITE = 0xca;
export const CONFIG_COMM_LOCK = 0x8000;
export const CONFIG_SWRST = 0x0080;
export const CONFIG_HPFEN = 0x0004;
export const LCYCMODE_RSTREAD = 0x40;
export const IRQ_RESET = 1 << 20;
export const IRQ_SAG = 1 << 19;
export const IRQ_APSIGN_A = 1 << 9;
/** Frequency: f = 223750 / (PERIOD + 1) Hz. */
export const PERIOD_CLOCK_HZ = 223750;
