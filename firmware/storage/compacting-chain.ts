import { type FlashJournal, type RecordRef, recordSize, SECTOR_HEADER_BYTES } from "./journal";

/** What a compacting chain asks its owner about records when it reclaims a sector. */
export interface CompactionPolicy {
  /** True when the record must survive (e.g. one of the two newest generations of its kind). */
  isLive(ref: RecordRef): boolean;
  /** The record now also lives at (sector, offset); the old place is about to be erased. */
  moved(ref: RecordRef, sector: number, offset: number): void;
  /** A new head sector was started and the reclamation it needed is done (the state journal writes its index then). */
  rotated?(): void;
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

  /**
   * Scans only the head sector (its damaged tail sealed as in `mount`); the owner knows the older
   * sectors from an index record (the state journal's, written at each rotation).
   */
  mountHead(visit: (ref: RecordRef) => void): void {
    this.sectors = this.journal.sectorsOf(this.owner);
    this.headOffset = this.journal.sectorSize;
    if (this.sectors.length > 0) this.headOffset = this.journal.scanSector(this.headSector, true, visit);
  }

  /**
   * As mountHead, by walking the head's headers without CRCs (journal.walkSector); false when the
   * walk found anything unusual (then call mountHead, which scans with CRCs and seals a torn tail).
   */
  walkHead(visit: (ref: RecordRef) => number): boolean {
    this.sectors = this.journal.sectorsOf(this.owner);
    this.headOffset = this.journal.sectorSize;
    if (this.sectors.length === 0) return true;
    const end = this.journal.walkSector(this.headSector, visit);
    if (end < 0) return false;
    this.headOffset = end;
    return true;
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
      this.policy.rotated?.();
    } finally {
      this.compacting = false;
    }
  }

  private reclaimOldest(): void {
    const j = this.journal;
    const victim = this.sectors[0];
    const live: number[] = [];
    const keep = (ref: RecordRef): number => {
      if (this.policy.isLive(ref)) live.push(ref.offset, ref.length, ref.type, ref.seq);
      return -1;
    };
    // Most of a reclaimed sector is superseded: walk its headers and check the CRC of the live
    // records only (a damaged one is not copied: it was read as lost anyway). A sector that is not
    // a clean sequence of records is scanned with CRCs, as before.
    if (j.walkSector(victim, keep) >= 0) {
      let n = 0;
      for (let i = 0; i < live.length; i += 4) {
        if (j.verifyInBuffer(live[i])) {
          for (let k = 0; k < 4; k++) live[n + k] = live[i + k];
          n += 4;
        } else {
          j.stats.corruptRecords++;
          j.corruptTypes.add(live[i + 2]);
        }
      }
      live.length = n;
    } else {
      live.length = 0;
      j.scanSector(victim, false, (ref) => void keep(ref));
    }
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
