import { type FlashJournal, SECTOR_HEADER_BYTES } from "./journal";

/** Owner of the tally sectors in the pool (profiles hash to other owners: persistent-store.ts). */
export const OWNER_TALLY = 3;
/** Sectors the tally may hold at once (the current one, the one its stamp still names, one being started). */
export const TALLY_SECTORS = 3;

/**
 * The alive tally (issue 14, docs/readme/faults.md): bounds how long a sudden outage is logged
 * without wearing the flash. Every `intervalMs` of life one more byte of a tally sector is
 * programmed from 0xFF to 0x00: no erase, no record, no CRC. The power stamp in the journal
 * names a place in the tally (the sector's allocation number and the byte offset): at power up
 * the bytes programmed after that place, times the interval, is how long the meter lived after
 * its stamp. A byte cut half-programmed counts (its mark had begun, so the meter was alive then).
 *
 * A 4 KiB sector holds 4,072 marks (5.7 h at 5 s); then a new sector is started (one erase) and
 * the caller writes a new stamp naming it before the older sectors are given back.
 */
export class OutageTally {
  /** Tally sectors held, oldest first. */
  private sectors: number[] = [];
  /** Next byte to program in the newest sector (sectorSize: full or none). */
  private offset = 0;
  private readonly one = new Uint8Array(1);
  /** Marks programmed since power up (tests, bench). */
  marks = 0;

  constructor(private readonly journal: FlashJournal) {}

  /** Finds the tally sectors and the next free byte of the newest. */
  mount(): void {
    const j = this.journal;
    this.sectors = j.sectorsOf(OWNER_TALLY);
    this.offset = j.sectorSize;
    if (this.sectors.length > 0) this.offset = SECTOR_HEADER_BYTES + this.programmedFrom(this.current, SECTOR_HEADER_BYTES);
  }

  private get current(): number {
    return this.sectors.length > 0 ? this.sectors[this.sectors.length - 1] : -1;
  }

  /** Allocation number of the newest tally sector (0: none yet). */
  get sectorSeq(): number {
    const s = this.current;
    return s < 0 ? 0 : this.journal.sectorSeq[s];
  }

  /** Offset of the next byte to program (the place a new stamp names). */
  get nextOffset(): number {
    return this.offset;
  }

  /** True when the next mark needs a new sector (the caller starts one, then stamps). */
  get full(): boolean {
    return this.current < 0 || this.offset >= this.journal.sectorSize;
  }

  /** Programs the next mark; false when the sector is full (call `startSector` and stamp first). */
  mark(): boolean {
    if (this.full) return false;
    this.one[0] = 0;
    this.journal.flash.write(this.current * this.journal.sectorSize + this.offset, this.one);
    this.journal.stats.bytesWritten++;
    this.offset++;
    this.marks++;
    return true;
  }

  /** Takes a fresh sector for the next marks (one erase). The older ones stay until `release`. */
  startSector(): void {
    const s = this.journal.allocate(OWNER_TALLY, 0, false);
    this.sectors.push(s);
    this.offset = SECTOR_HEADER_BYTES;
  }

  /** Gives back every tally sector but the newest (the stamp now names the newest). */
  release(): void {
    while (this.sectors.length > 1) this.journal.retire(this.sectors.shift()!);
  }

  /**
   * Marks programmed at or after (`sectorSeq`, `offset`): the rest of that sector and every
   * newer tally sector. -1 when that sector is no longer held (the stamp is of no use then).
   */
  countSince(sectorSeq: number, offset: number): number {
    const j = this.journal;
    let k = -1;
    for (let i = 0; i < this.sectors.length; i++) if (j.sectorSeq[this.sectors[i]] === sectorSeq) k = i;
    if (k < 0 || offset < SECTOR_HEADER_BYTES || offset > j.sectorSize) return -1;
    let n = this.programmedFrom(this.sectors[k], offset);
    for (let i = k + 1; i < this.sectors.length; i++) n += this.programmedFrom(this.sectors[i], SECTOR_HEADER_BYTES);
    return n;
  }

  /**
   * Programmed (not 0xFF) bytes from `from` up to the first erased one. Marks are programmed in
   * order, so the programmed bytes are a prefix: a binary search reads ~12 bytes, not 4 KiB.
   */
  private programmedFrom(sector: number, from: number): number {
    const j = this.journal;
    const base = sector * j.sectorSize;
    let lo = from;
    let hi = j.sectorSize;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      j.flash.read(base + mid, this.one);
      if (this.one[0] === 0xff) hi = mid;
      else lo = mid + 1;
    }
    return lo - from;
  }
}

/** The newest power stamp: the last sign of life (UTC ms), whether it was the final save, and the tally place it names. */
export interface PowerStamp {
  t: number;
  f: number;
  /** Tally sector (allocation number, 0: none) and byte offset of the first mark after the stamp. */
  s: number;
  o: number;
  /** Tally interval, ms (0: no tally). */
  i: number;
}

/** Binary power stamp: a first byte that is no value-codec tag (0..9), a layout version, then the fields. */
const STAMP_MAGIC = 0x5d;
const STAMP_VERSION = 1;
export const STAMP_BYTES = 20;

/** Writes a stamp into `out` at `at` (STAMP_BYTES; `view` spans the same bytes as `out`) without allocating. */
export function encodeStamp(out: Uint8Array, view: DataView, utcMs: number, finalSave: boolean, tallySeq: number, tallyOffset: number, intervalMs: number, at = 0): Uint8Array {
  out[at] = STAMP_MAGIC;
  out[at + 1] = STAMP_VERSION;
  out[at + 2] = finalSave ? 1 : 0;
  out[at + 3] = 0;
  view.setFloat64(at + 4, utcMs, true);
  view.setUint32(at + 12, tallySeq, true);
  view.setUint16(at + 16, tallyOffset, true);
  view.setUint16(at + 18, intervalMs < 0xffff ? intervalMs : 0xffff, true);
  return out;
}

/** A binary stamp, or null when `bytes` is not one (a value-codec stamp of older firmware). Throws on a damaged layout. */
export function decodeStamp(bytes: Uint8Array): PowerStamp | null {
  if (bytes.length === 0 || bytes[0] !== STAMP_MAGIC) return null;
  if (bytes.length !== STAMP_BYTES || bytes[1] !== STAMP_VERSION || bytes[2] > 1) throw new RangeError("power stamp: unknown layout");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return { t: view.getFloat64(4, true), f: bytes[2], s: view.getUint32(12, true), o: view.getUint16(16, true), i: view.getUint16(18, true) };
}
