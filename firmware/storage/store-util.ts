/** Helpers of the persistent store (split from persistent-store.ts): record types, byte comparison, the event logs' rebuild. */
import type { EventLog, EventStore } from "../records/event-log";
import { crc32 } from "./crc32";
import type { CompactingChain } from "./compacting-chain";
import { type FlashJournal, FREE } from "./journal";

/** Erase cycles the free sectors may run ahead of the event chain's oldest sector (levelEventWear). */
const EVENT_WEAR_GAP = 64;

/**
 * Static wear levelling: the event log chain keeps its sectors for weeks while the state journal
 * rotates through the rest of the partition every hour or so. When the free sectors' erase
 * count runs ahead of the event chain's oldest sector, that sector is compacted now (its live
 * events are copied to the head) so the little-worn sector rejoins the rotation.
 */
export function levelEventWear(chain: CompactingChain, j: FlashJournal): void {
  if (chain.sectors.length < 2) return;
  const oldest = chain.sectors[0];
  let freeMin = Infinity;
  for (let s = 0; s < j.sectorCount; s++) if (j.owner[s] === FREE && j.eraseCount[s] < freeMin) freeMin = j.eraseCount[s];
  if (freeMin !== Infinity && freeMin - j.eraseCount[oldest] > EVENT_WEAR_GAP) chain.reclaimOldestNow();
}

/**
 * Puts the stored events (ordinal, time, code triples per record type) back in front of anything
 * logged before the restore, then attaches `store` to every log (null: no event journal).
 */
export function rebuildEventLogs(logs: readonly EventLog[], logTypes: readonly number[], storedEvents: Map<number, number[]>, store: EventStore | null): void {
  for (let k = 0; k < logs.length; k++) {
    const log = logs[k];
    const type = logTypes[k];
    const early: number[] = [];
    for (let i = 0; i < log.count; i++) early.push(log.timeAt(i), log.codeAt(i));
    const stored = storedEvents.get(type) ?? [];
    // Sort by ordinal; copies made by reclamation share their ordinal.
    const order: number[] = [];
    for (let i = 0; i < stored.length; i += 3) order.push(i);
    order.sort((a, b) => stored[a] - stored[b]);
    log.clear();
    let last = -1;
    for (const i of order) {
      if (stored[i] === last) continue;
      last = stored[i];
      log.load(stored[i + 1], stored[i + 2]);
    }
    log.total = last + 1;
    if (store) log.attachStore(store);
    for (let i = 0; i < early.length; i += 2) log.append(early[i], early[i + 1]);
  }
  storedEvents.clear();
}

/**
 * Compared from the end (the fields that move with every tick, remainders and the demand ring,
 * are last). Equal records, the common case of the saves' comparison, are compared a word at a
 * time when both are aligned: XS spends ~20 computrons a loop turn, so 146 equal bytes cost
 * ~2,900 byte by byte and ~900 by words.
 */
export function sameBytes(a: Uint8Array | null, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a === null || a.length !== b.length) return false;
  const n = b.length;
  if (n > 0 && a[n - 1] !== b[n - 1]) return false;
  if (n >= 32 && ((a.byteOffset | b.byteOffset) & 3) === 0) {
    const words = n >> 2;
    const wa = new Int32Array(a.buffer, a.byteOffset, words);
    const wb = new Int32Array(b.buffer, b.byteOffset, words);
    for (let i = n - 1; i >= words << 2; i--) if (a[i] !== b[i]) return false;
    for (let k = words - 1; k >= 0; k--) if (wa[k] !== wb[k]) return false;
    return true;
  }
  for (let i = n - 2; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/** 16-bit record type of a state id (never 0 or 0xFFFF). */
export function typeOf(id: string): number {
  const t = crc32(asciiBytes(id)) & 0xffff;
  return t === 0 || t === 0xffff ? 0x5a5a : t;
}

export function asciiBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    b[2 * i] = s.charCodeAt(i) & 0xff;
    b[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  return b;
}
