/**
 * ADE7953 facts the emulator needs beyond the register table (docs/chips.md part A, the
 * datasheet's bit tables), written here and not imported from firmware/drivers: the emulator is
 * the oracle the driver is tested against, so the two must not share a mistake.
 */

/** Wire width of an address: the window (0x0xx 8, 0x1xx 16, 0x2xx 24, 0x3xx 32 bits) with two 8-bit exceptions. */
export function widthOfAddress(address: number): 8 | 16 | 24 | 32 {
  if (address === 0x702 || address === 0x800) return 8;
  return address < 0x100 ? 8 : address < 0x200 ? 16 : address < 0x300 ? 24 : 32;
}

/** LAST_OP after a successful read / write. */
export const LAST_OP_READ = 0x35;
export const LAST_OP_WRITE = 0xca;
/** 0xAD to 0x0FE arms the one write of 0x0030 to 0x120 that every power-up needs. */
export const UNLOCK_120_KEY = 0xad;
export const SETUP_120_VALUE = 0x0030;

/** CONFIG (0x102) bits. */
export const CONFIG_SWRST = 1 << 7;
export const CONFIG_CRC_ENABLE = 1 << 8;
/** 1 after reset: the interface is not locked yet; writing 0 locks it to SPI. */
export const CONFIG_COMM_LOCK = 1 << 15;

/** ACCMODE (0x201): bits 0..9 configure, bits 10..21 report. */
export const ACCMODE_WRITABLE_MASK = (1 << 10) - 1;
export const ACCMODE_APSIGN_A = 1 << 10;
export const ACCMODE_APSIGN_B = 1 << 11;
export const ACCMODE_VARSIGN_A = 1 << 12;
export const ACCMODE_VARSIGN_B = 1 << 13;
export const ACCMODE_ACTNLOAD_A = 1 << 16;
export const ACCMODE_VANLOAD_A = 1 << 17;
export const ACCMODE_VARNLOAD_A = 1 << 18;
export const ACCMODE_ACTNLOAD_B = 1 << 19;
export const ACCMODE_VANLOAD_B = 1 << 20;
export const ACCMODE_VARNLOAD_B = 1 << 21;

/** IRQSTATA bit numbers (IRQSTATB has bits 0..13 with the same meaning for channel B). */
const IRQ_BIT = {
  AP_NOLOAD: 6, VAR_NOLOAD: 7, VA_NOLOAD: 8, APSIGN: 9, VARSIGN: 10, ZXTO_I: 11, ZX_I: 12, OI: 13,
  ZXTO: 14, ZXV: 15, OV: 16, WSMP: 17, CYCEND: 18, SAG: 19, RESET: 20, CRC: 21,
} as const;
export const IRQ_AP_NOLOAD = 1 << IRQ_BIT.AP_NOLOAD;
export const IRQ_VAR_NOLOAD = 1 << IRQ_BIT.VAR_NOLOAD;
export const IRQ_VA_NOLOAD = 1 << IRQ_BIT.VA_NOLOAD;
export const IRQ_APSIGN = 1 << IRQ_BIT.APSIGN;
export const IRQ_VARSIGN = 1 << IRQ_BIT.VARSIGN;
export const IRQ_ZXTO_I = 1 << IRQ_BIT.ZXTO_I;
export const IRQ_ZX_I = 1 << IRQ_BIT.ZX_I;
export const IRQ_OI = 1 << IRQ_BIT.OI;
export const IRQ_ZXTO = 1 << IRQ_BIT.ZXTO;
export const IRQ_ZXV = 1 << IRQ_BIT.ZXV;
export const IRQ_OV = 1 << IRQ_BIT.OV;
export const IRQ_WSMP = 1 << IRQ_BIT.WSMP;
export const IRQ_CYCEND = 1 << IRQ_BIT.CYCEND;
export const IRQ_SAG = 1 << IRQ_BIT.SAG;
export const IRQ_RESET = 1 << IRQ_BIT.RESET;
export const IRQ_CRC = 1 << IRQ_BIT.CRC;

/** PGA codes 0..5 -> gain (22 on channel A only). */
export const PGA_GAINS: readonly number[] = [1, 2, 4, 8, 16, 22];

/** Full scale / no-load threshold ratio that a no-load register value X sets: (65536 - X) * 1.4. */
export function noLoadRatio(register: number): number {
  return (65536 - register) * 1.4;
}
