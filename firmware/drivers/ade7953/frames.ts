import type { MeteringSample } from "../../kernel/metering-ic";
import { ADE7953, type Ade7953Register } from "./registers";

/** Frames, register indices and value helpers of the ADE7953 driver (driver.ts). */

/** Read command bit of the frame's third byte. */
export const READ = 0x80;

/**
 * A read frame for the hot path, header filled in and data bytes zero. The tick copies it into
 * the working frame (one native `set`) instead of storing the bytes one by one.
 */
export function readFrame(register: Ade7953Register): Uint8Array {
  const frame = new Uint8Array(3 + (register.bits >> 3));
  frame[0] = register.address >> 8;
  frame[1] = register.address & 0xff;
  frame[2] = READ;
  return frame;
}

export const FRAME_AENERGYA = readFrame(ADE7953.AENERGYA);
export const FRAME_RENERGYA = readFrame(ADE7953.RENERGYA);
export const FRAME_APENERGYA = readFrame(ADE7953.APENERGYA);
export const FRAME_AENERGYB = readFrame(ADE7953.AENERGYB);
export const FRAME_LAST_ADD = readFrame(ADE7953.LAST_ADD);
export const FRAME_LAST_RWDATA24 = readFrame(ADE7953.LAST_RWDATA24);
export const FRAME_VRMS = readFrame(ADE7953.VRMS);
export const FRAME_IRMSA = readFrame(ADE7953.IRMSA);
export const FRAME_IRMSB = readFrame(ADE7953.IRMSB);
export const FRAME_AWATT = readFrame(ADE7953.AWATT);
export const FRAME_AVAR = readFrame(ADE7953.AVAR);
export const FRAME_AVA = readFrame(ADE7953.AVA);
export const FRAME_PFA = readFrame(ADE7953.PFA);
export const FRAME_PERIOD = readFrame(ADE7953.PERIOD);
export const FRAME_ACCMODE = readFrame(ADE7953.ACCMODE);

/** The ADE7953's energy registers are 24-bit two's complement: unambiguous within ±2^23 LSB. */
export const ENERGY_RANGE_LSB = 0x800000;
export const ENERGY_MODULUS_LSB = 0x1000000;
/** Index of each tick energy register in drainedAt (ADE7953_TICK_ENERGY_REGISTERS order). */
export const IX_AENERGYA = 0;
export const IX_RENERGYA = 1;
export const IX_APENERGYA = 2;
export const IX_AENERGYB = 3;

/** Table decode: two's complement registers signed at their width (32-bit reads are sign-extended). */
export function decode(register: Ade7953Register, raw: number): number {
  if (!register.signed) return raw;
  const half = 2 ** (register.bits - 1);
  return raw >= half ? raw - 2 * half : raw;
}

export function signed24(raw: number): number {
  return raw >= 0x800000 ? raw - 0x1000000 : raw;
}

/** Index in drainedAt of a tick energy register (address order 0x21e..0x222). */
export function tickIndex(register: Ade7953Register): number {
  switch (register.address) {
    case 0x21e: return IX_AENERGYA;
    case 0x220: return IX_RENERGYA;
    case 0x222: return IX_APENERGYA;
    default: return IX_AENERGYB;
  }
}

/** Adds a verified energy register value to its sample field. */
export function credit(s: MeteringSample, register: Ade7953Register, raw: number): void {
  const value = signed24(raw & 0xffffff);
  switch (register.address) {
    case 0x21e: s.activeEnergyLsb += value; break;
    case 0x21f: s.neutralActiveEnergyLsb += value; break;
    case 0x220: s.reactiveEnergyLsb += value; break;
    case 0x221: s.neutralReactiveEnergyLsb += value; break;
    case 0x222: s.apparentEnergyLsb += value; break;
    case 0x223: s.neutralApparentEnergyLsb += value; break;
  }
}
