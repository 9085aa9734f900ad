import type { MeteringSample } from "../../kernel/metering-ic";
import { ADE7953, type Ade7953Register } from "./registers";
import { deepFreeze } from "../../kernel/freeze";

/** Frames, register indices and value helpers of the ADE7953 driver (driver.ts). */

/**
 * Energy registers read every tick: the ones the metrology uses. Channel A's active, reactive and
 * apparent energy feed the registers; channel B's active energy feeds the tamper rule (bill the
 * larger of phase and neutral). Channel B's reactive and apparent energy have no consumer, so
 * they are not read (their sample fields stay 0): six verified reads a tick saved. They keep
 * accumulating (and wrapping) in the chip, harmlessly: their overflow interrupts are not enabled.
 */
export const ADE7953_TICK_ENERGY_REGISTERS: readonly Ade7953Register[] = deepFreeze([ADE7953.AENERGYA, ADE7953.RENERGYA, ADE7953.APENERGYA, ADE7953.AENERGYB]);
/** Every read-with-reset energy register (all six are drained at init so none starts full). */
export const ALL_ENERGY_REGISTERS: readonly Ade7953Register[] = Object.freeze([
  ADE7953.AENERGYA, ADE7953.RENERGYA, ADE7953.APENERGYA, ADE7953.AENERGYB, ADE7953.RENERGYB, ADE7953.APENERGYB,
]);

/** Read command bit of the frame's third byte. */
export const READ = 0x80;

/** A read frame, header filled in and data bytes zero. */
function readFrame(register: Ade7953Register): Uint8Array {
  const frame = new Uint8Array(3 + (register.bits >> 3));
  frame[0] = register.address >> 8;
  frame[1] = register.address & 0xff;
  frame[2] = READ;
  return frame;
}

/**
 * The reads of an ordinary tick, in order: each tick energy register followed by its check
 * (LAST_ADD, LAST_RWDATA24), then the instantaneous registers. Their frames lie back to back in
 * one buffer (`tickFrameTemplate()`): one native `set` refills every header at the start of a
 * tick, and each transaction is a `transfer` of a view made at construction.
 */
export const TICK_READS: readonly Ade7953Register[] = deepFreeze([
  ADE7953.AENERGYA, ADE7953.LAST_ADD, ADE7953.LAST_RWDATA24,
  ADE7953.RENERGYA, ADE7953.LAST_ADD, ADE7953.LAST_RWDATA24,
  ADE7953.APENERGYA, ADE7953.LAST_ADD, ADE7953.LAST_RWDATA24,
  ADE7953.AENERGYB, ADE7953.LAST_ADD, ADE7953.LAST_RWDATA24,
  ADE7953.VRMS, ADE7953.IRMSA, ADE7953.IRMSB, ADE7953.AWATT, ADE7953.AVAR, ADE7953.AVA, ADE7953.PERIOD,
]);
/** Reads of one verified energy register (the register, LAST_ADD, LAST_RWDATA24) and their bytes. */
export const ENERGY_GROUP_READS = 3;
export const ENERGY_GROUP_BYTES = 6 + 5 + 6;
/** First read of the instantaneous registers in TICK_READS; 16-bit reads among them (PERIOD). */
export const FIRST_INSTANT_READ = 4 * ENERGY_GROUP_READS;
export const INSTANT_READS16 = 1;
/** Offset of the first data byte of each instantaneous read in the tick buffer. */
export const AT_VRMS = 4 * ENERGY_GROUP_BYTES + 3;
export const AT_IRMSA = AT_VRMS + 6;
export const AT_IRMSB = AT_IRMSA + 6;
export const AT_AWATT = AT_IRMSB + 6;
export const AT_AVAR = AT_AWATT + 6;
export const AT_AVA = AT_AVAR + 6;
export const AT_PERIOD = AT_AVA + 6;
const TICK_FRAME_BYTES = AT_PERIOD + 2;
/** The tick buffer rounded up to whole 32-bit words (it is refilled word-wise). */
const TICK_BUFFER_BYTES = (TICK_FRAME_BYTES + 3) & ~3;

/** The tick's frames back to back (TICK_READS order), headers filled in, data bytes zero. */
export function tickFrameTemplate(): Uint8Array {
  const template = new Uint8Array(TICK_BUFFER_BYTES);
  let at = 0;
  for (let i = 0; i < TICK_READS.length; i++) {
    const frame = readFrame(TICK_READS[i]);
    template.set(frame, at);
    at += frame.length;
  }
  if (at !== TICK_FRAME_BYTES) throw new Error("ADE7953 tick frame layout mismatch");
  return template;
}

/** Views of `buffer`, one per tick read (TICK_READS order): made once, transferred every tick. */
export function tickFrameViews(buffer: Uint8Array): Uint8Array[] {
  const views: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < TICK_READS.length; i++) {
    const length = 3 + (TICK_READS[i].bits >> 3);
    views.push(buffer.subarray(at, at + length));
    at += length;
  }
  return views;
}


/** The ADE7953's energy registers are 24-bit two's complement: unambiguous within ±2^23 LSB. */
export const ENERGY_RANGE_LSB = 0x800000;
export const ENERGY_MODULUS_LSB = 0x1000000;
/** Index of each tick energy register in drainedAt (ADE7953_TICK_ENERGY_REGISTERS order). */
export const IX_AENERGYA = 0;
export const IX_RENERGYA = 1;
export const IX_APENERGYA = 2;
const IX_AENERGYB = 3;

/** Table decode: two's complement registers signed at their width (32-bit reads are sign-extended). */
export function decode(register: Ade7953Register, raw: number): number {
  if (!register.signed) return raw;
  const half = 2 ** (register.bits - 1);
  return raw >= half ? raw - 2 * half : raw;
}

function signed24(raw: number): number {
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
