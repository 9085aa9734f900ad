import { type FlashJournal, type RecordRef, recordSize, SECTOR_HEADER_BYTES } from "./journal";

/** What a compacting chain asks its owner about records when it reclaims a sector. */
export interface CompactionPolicy {
  /** True when the record must survive (e.g. one of the two newest generations of its kind). */
  isLive(ref: RecordRef): boolean;
  /** The record now also lives at (sector, offset); the old place is about to be erased. */
  moved(ref: RecordRef, sector: number, offset: number): void;
}

/**
 * An append-only chain of sectors that reclaims its oldest sector once it holds more than
 * `maxSectors`: the records the policy calls live are copied to the head unchanged (same
 * sequence number and CRC), then the old sector is retired. The state journal and the event
 * log journal are such chains. A power cut during reclamation leaves the original and
 * possibly a copy, which are identical, so either may be read.
 */
export class CompactingChain {
  sectors: number[] = [];
  headOffset = 0;
  /** Sectors reclaimed and bytes copied forward so far (write amplification). */
  reclaimed = 0;
  bytesCopied = 0;
  private compacting = false;

  constructor(private readonly journal: FlashJournal, readonly owner: number, public maxSectors: number, private readonly policy: CompactionPolicy) {
    if (maxSectors < 2) throw new RangeError("a compacting chain needs at least 2 sectors");
  }

  /** Scans every sector of the chain, oldest first, calling `visit` for each valid record. */
  mount(visit: (ref: RecordRef) => void): void {
    this.sectors = this.journal.sectorsOf(this.owner);
    this.headOffset = this.journal.sectorSize;
    for (let i = 0; i < this.sectors.length; i++) {
      const head = i === this.sectors.length - 1;
      const end = this.journal.scanSector(this.sectors[i], head, visit);
      if (head) this.headOffset = end;
    }
  }

  get headSector(): number {
    return this.sectors.length > 0 ? this.sectors[this.sectors.length - 1] : -1;
  }

  /** Bytes left in the head sector. */
  get room(): number {
    return this.sectors.length > 0 ? this.journal.sectorSize - this.headOffset : 0;
  }

  /** Appends a record; returns its absolute place (sector * sectorSize + offset). */
  append(type: number, seq: number, payload: Uint8Array, length = payload.length): number {
    const size = recordSize(length);
    if (size > this.journal.sectorSize - SECTOR_HEADER_BYTES) throw new RangeError(`record of ${length} bytes is larger than a sector can hold`);
    if (this.room < size) this.rotate();
    const sector = this.headSector;
    const offset = this.headOffset;
    this.journal.writeRecord(sector, offset, type, seq, payload, length);
    this.headOffset += size;
    return sector * this.journal.sectorSize + offset;
  }

  /** Starts a new head sector now if fewer than `bytes` remain (so a later write needs no erase). */
  ensureRoom(bytes: number): void {
    if (this.room < bytes) this.rotate();
  }

  /**
   * Reclaims the oldest sector now (static wear levelling: a chain that keeps a little-worn sector
   * for long gives it back to the rotation). Its live records go to the head; nothing is lost.
   */
  reclaimOldestNow(): void {
    if (this.sectors.length < 2 || this.compacting) return;
    this.compacting = true;
    try {
      this.reclaimOldest();
    } finally {
      this.compacting = false;
    }
  }

  private rotate(): void {
    const s = this.journal.allocate(this.owner, 0, false);
    this.sectors.push(s);
    this.headOffset = SECTOR_HEADER_BYTES;
    if (this.compacting) return;
    this.compacting = true;
    try {
      while (this.sectors.length > this.maxSectors) this.reclaimOldest();
    } finally {
      this.compacting = false;
    }
  }

  private reclaimOldest(): void {
    const j = this.journal;
    const victim = this.sectors[0];
    const live: number[] = [];
    j.scanSector(victim, false, (ref) => {
      if (this.policy.isLive(ref)) live.push(ref.offset, ref.length, ref.type, ref.seq);
    });
    // The scan buffer still holds the victim: copy straight from it.
    const moved: RecordRef = { sector: victim, offset: 0, type: 0, length: 0, seq: 0, size: 0 };
    for (let i = 0; i < live.length; i += 4) {
      const length = live[i + 1];
      const size = recordSize(length);
      if (this.room < size) this.rotate();
      const sector = this.headSector;
      const offset = this.headOffset;
      j.copyFromBuffer(live[i], length, sector, offset);
      this.headOffset += size;
      this.bytesCopied += size;
      moved.offset = live[i];
      moved.length = length;
      moved.type = live[i + 2];
      moved.seq = live[i + 3];
      moved.size = size;
      this.policy.moved(moved, sector, offset);
    }
    j.retire(victim);
    this.sectors.shift();
    this.reclaimed++;
  }
}
