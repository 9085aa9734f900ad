/**
 * The emergency save's one combined record (issue 19): the power-down stamp and every emergency
 * state that changed (energy, billing, demand, gas, water) under one record header and one
 * CRC-32, instead of one record each. Payload layout (little endian):
 *
 *   0      magic 0xF5
 *   1      layout version (1)
 *   2..3   0
 *   4..23  the power stamp (outage-tally.ts encodeStamp, STAMP_BYTES)
 *   24..   per state: record type (u16), length (u16), the state's own record bytes
 *
 * The record is one generation of its own type in the state journal (two kept, like any state).
 * At power up a state takes the copy with the highest sequence number among its own two
 * generations and the final records that hold it; a final record that is torn or corrupt fails
 * its CRC and is not a generation at all, so the states fall back to their own records.
 * A state whose newest copy is in a final record is written again by the next save of any kind
 * (its `last` is cleared), so no state ever depends on a final record older than the newest one.
 */
import { STAMP_BYTES } from "./outage-tally";
import type { StateIndex } from "./state-index";

export const FINAL_MAGIC = 0xf5;
export const FINAL_VERSION = 1;
/** Offset of the stamp in the payload. */
export const FINAL_STAMP_AT = 4;
/** Offset of the first state. */
export const FINAL_STATES_AT = FINAL_STAMP_AT + STAMP_BYTES;
export const FINAL_STATE_HEADER = 4;

/** Writes the payload's head (magic, version) into `out` at `p`; returns where the states go (the stamp is before them). */
export function beginFinal(out: Uint8Array, p = 0): number {
  out[p] = FINAL_MAGIC;
  out[p + 1] = FINAL_VERSION;
  out[p + 2] = 0;
  out[p + 3] = 0;
  return p + FINAL_STATES_AT;
}

/** Appends one state at `at`; returns the next offset, or -1 when it does not fit `out`. */
export function addFinalState(out: Uint8Array, at: number, type: number, bytes: Uint8Array): number {
  const n = bytes.length;
  const end = at + FINAL_STATE_HEADER + n;
  if (end > out.length || n > 0xffff) return -1;
  finalStateHeader(out, at, type, n);
  out.set(bytes, at + FINAL_STATE_HEADER);
  return end;
}

/** The header of a state of `length` bytes already written after it (at + FINAL_STATE_HEADER). */
export function finalStateHeader(out: Uint8Array, at: number, type: number, length: number): void {
  out[at] = type & 0xff;
  out[at + 1] = type >> 8;
  out[at + 2] = length & 0xff;
  out[at + 3] = length >> 8;
}

/** True when `payload` is a final record of this layout whose states tile it exactly. */
export function isFinalRecord(payload: Uint8Array): boolean {
  if (payload.length < FINAL_STATES_AT || payload[0] !== FINAL_MAGIC || payload[1] !== FINAL_VERSION) return false;
  let at = FINAL_STATES_AT;
  while (at + FINAL_STATE_HEADER <= payload.length) at += FINAL_STATE_HEADER + (payload[at + 2] | (payload[at + 3] << 8));
  return at === payload.length;
}

/** The stamp's bytes in a final record (a view). */
export function finalStamp(payload: Uint8Array): Uint8Array {
  return payload.subarray(FINAL_STAMP_AT, FINAL_STAMP_AT + STAMP_BYTES);
}

/** The bytes of state `type` in a final record (a view), or null when the record does not hold it. */
export function finalState(payload: Uint8Array, type: number): Uint8Array | null {
  let at = FINAL_STATES_AT;
  const end = payload.length;
  while (at + FINAL_STATE_HEADER <= end) {
    const n = payload[at + 2] | (payload[at + 3] << 8);
    if ((payload[at] | (payload[at + 1] << 8)) === type) return payload.subarray(at + FINAL_STATE_HEADER, at + FINAL_STATE_HEADER + n);
    at += FINAL_STATE_HEADER + n;
  }
  return null;
}

/**
 * The untried copy of record type `type` with the highest sequence number (a bit of `tried` per
 * copy): 0 and 1 its own generations, 2 and 3 the final records' of type `finalType` (only the
 * first `limit` copies are considered); -1 when none is left.
 */
export function newestCopy(index: StateIndex | null, finalType: number, type: number, tried: number, limit: number): number {
  if (!index) return -1;
  let best = -1;
  let bestSeq = -1;
  for (let c = 0; c < limit; c++) {
    if ((tried & (1 << c)) !== 0) continue;
    const s = c < 2 ? index.seq(type, c) : index.seq(finalType, c - 2);
    if (s > bestSeq) {
      bestSeq = s;
      best = c;
    }
  }
  return best;
}
