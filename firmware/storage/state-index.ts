import type { CompactingChain } from "./compacting-chain";
import { type FlashJournal, OWNER_STATE, RECORD_HEADER_BYTES, type RecordRef, SECTOR_HEADER_BYTES } from "./journal";

/** The two newest valid generations of one record type: sequence numbers and places (-1: none). */
export interface Generations {
  seq0: number;
  loc0: number;
  seq1: number;
  loc1: number;
}

const INDEX_VERSION = 1;
const INDEX_HEAD_BYTES = 8;
const INDEX_ENTRY_BYTES = 18;
const NONE = 0xffffffff;

/**
 * Where the state journal's records are: for each record type the two newest generations. Built
 * at power up, kept up to date by every append and reclamation.
 *
 * Mount without reading the whole journal (issue 19, docs/readme/performance.md): at each
 * rotation, once the reclamation is done, the index itself is appended as a record (the first
 * fresh record of the new head sector). At power up only the head sector is scanned: its newest
 * index record gives the places in the older sectors, the head's own records come on top. Every
 * record the restore then uses is read with its CRC; a place that does not verify (bit rot in an
 * older sector), an index naming a sector the chain does not hold, or a head without an index
 * (older firmware, a cut before it was written), or a sector header that does not read (a newer head
 * may be the one lost) falls back to the full scan of every sector, which
 * gives exactly the index a full mount gives. Damage in records nothing reads any more is found
 * when their sector is reclaimed (its records are copied only if their CRC holds).
 */
export class StateIndex {
  private readonly map = new Map<number, Generations>();
  /** Sequence number of the next fresh record. */
  nextSeq = 1;
  /** True while the index came from an index record (older sectors not scanned yet). */
  fromIndexRecord = false;
  /** True when the mount scanned the head with CRCs (false: walked its headers). */
  private headScanned = false;
  /** Index records written (tests, bench). */
  written = 0;

  constructor(private readonly journal: FlashJournal, readonly indexType: number) {}

  get(type: number): Generations | undefined {
    return this.map.get(type);
  }

  get size(): number {
    return this.map.size;
  }

  note(type: number, seq: number, loc: number): void {
    if (type === this.indexType) return;
    let g = this.map.get(type);
    if (!g) this.map.set(type, (g = { seq0: -1, loc0: -1, seq1: -1, loc1: -1 }));
    if (seq === g.seq0 || seq === g.seq1) return; // a copy made by reclamation
    if (seq > g.seq0) {
      g.seq1 = g.seq0;
      g.loc1 = g.loc0;
      g.seq0 = seq;
      g.loc0 = loc;
    } else if (seq > g.seq1) {
      g.seq1 = seq;
      g.loc1 = loc;
    }
  }

  isLive(ref: RecordRef): boolean {
    const g = this.map.get(ref.type);
    const loc = ref.sector * this.journal.sectorSize + ref.offset;
    return g !== undefined && (g.loc0 === loc || g.loc1 === loc);
  }

  moved(ref: RecordRef, loc: number): void {
    const g = this.map.get(ref.type);
    const from = ref.sector * this.journal.sectorSize + ref.offset;
    if (!g) return;
    if (g.loc0 === from) g.loc0 = loc;
    else if (g.loc1 === from) g.loc1 = loc;
  }

  /** Power up: the head sector and its index record, or every sector when that cannot be trusted. */
  mount(chain: CompactingChain): void {
    const j = this.journal;
    let record: Uint8Array | null = null;
    const head: number[] = [];
    // First a walk of the head's headers: the fresh records after the index record follow its
    // sequence number one by one (every fresh record goes to this chain), the copies before it
    // are named in it. Only the index record's CRC is checked here; what the restore reads is
    // checked when read. Anything unusual: the head is scanned with CRCs instead.
    let at = -1;
    const walked = chain.walkHead((ref) => {
      head.push(ref.type, ref.seq, ref.sector * j.sectorSize + ref.offset);
      if (ref.seq >= this.nextSeq) this.nextSeq = ref.seq + 1;
      if (ref.type === this.indexType) at = ref.offset;
      return at >= 0 ? ref.seq + 1 : -1;
    });
    this.headScanned = !(walked && at >= 0 && j.verifyInBuffer(at));
    if (!this.headScanned) {
      const length = j.buf[at + 3] | (j.buf[at + 4] << 8);
      record = j.buf.slice(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + length);
    } else {
      head.length = 0;
      chain.mountHead((ref) => {
        if (ref.type === this.indexType) record = j.buf.slice(ref.offset + RECORD_HEADER_BYTES, ref.offset + RECORD_HEADER_BYTES + ref.length);
        head.push(ref.type, ref.seq, ref.sector * j.sectorSize + ref.offset);
        if (ref.seq >= this.nextSeq) this.nextSeq = ref.seq + 1;
      });
    }
    // A sector header that did not read (a newer head may be lost): no shortcut, verify everything.
    if (record !== null && j.stats.unreadableSectors === 0 && this.apply(record, chain)) {
      for (let i = 0; i < head.length; i += 3) this.note(head[i], head[i + 1], head[i + 2]);
      this.fromIndexRecord = true;
      return;
    }
    this.scanAll(chain);
  }

  /** Forgets the index record and scans every sector (a place it named did not verify). */
  remount(chain: CompactingChain): void {
    if (!this.fromIndexRecord) return;
    // The head sector was counted at mount and is scanned again: what a scan of it counts now
    // (its torn tail is sealed already) comes off twice, so its damage stays counted once.
    // (After a walk nothing was counted yet: the full scan counts the head once.)
    const stats = this.journal.stats;
    let again = 0;
    if (this.headScanned && chain.headSector >= 0) {
      const before = stats.corruptRecords;
      this.journal.scanSector(chain.headSector, true, null);
      again = stats.corruptRecords - before;
    }
    this.scanAll(chain);
    stats.corruptRecords -= 2 * again;
  }

  private scanAll(chain: CompactingChain): void {
    const j = this.journal;
    this.map.clear();
    this.fromIndexRecord = false;
    chain.mount((ref) => {
      this.note(ref.type, ref.seq, ref.sector * j.sectorSize + ref.offset);
      if (ref.seq >= this.nextSeq) this.nextSeq = ref.seq + 1;
    });
  }

  /** Takes an index record if every place it names is in a sector of the state chain. */
  private apply(b: Uint8Array, chain: CompactingChain): boolean {
    const j = this.journal;
    if (b.length < INDEX_HEAD_BYTES || b[0] !== INDEX_VERSION) return false;
    const view = new DataView(b.buffer, b.byteOffset, b.length);
    const count = view.getUint16(2, true);
    if (b.length !== INDEX_HEAD_BYTES + count * INDEX_ENTRY_BYTES) return false;
    const held = (loc: number): boolean => {
      if (loc === NONE) return true;
      const sector = Math.floor(loc / j.sectorSize);
      const offset = loc - sector * j.sectorSize;
      return sector < j.sectorCount && j.owner[sector] === OWNER_STATE && chain.sectors.includes(sector) && offset >= SECTOR_HEADER_BYTES && (offset & 3) === 0;
    };
    for (let k = 0, at = INDEX_HEAD_BYTES; k < count; k++, at += INDEX_ENTRY_BYTES) {
      if (!held(view.getUint32(at + 6, true)) || !held(view.getUint32(at + 14, true))) {
        this.map.clear();
        return false;
      }
      const seq0 = view.getUint32(at + 2, true);
      const seq1 = view.getUint32(at + 10, true);
      this.map.set(view.getUint16(at, true), {
        seq0: seq0 === NONE ? -1 : seq0, loc0: seq0 === NONE ? -1 : view.getUint32(at + 6, true),
        seq1: seq1 === NONE ? -1 : seq1, loc1: seq1 === NONE ? -1 : view.getUint32(at + 14, true),
      });
    }
    const next = view.getUint32(4, true);
    if (next > this.nextSeq) this.nextSeq = next;
    return true;
  }

  /** Appends the index as a record (called when a rotation is done); skipped when it would not fit a quarter sector. */
  write(chain: CompactingChain): void {
    const size = INDEX_HEAD_BYTES + this.map.size * INDEX_ENTRY_BYTES;
    if (size > (this.journal.sectorSize - SECTOR_HEADER_BYTES) >> 2) return;
    const b = new Uint8Array(size);
    const view = new DataView(b.buffer);
    b[0] = INDEX_VERSION;
    view.setUint16(2, this.map.size, true);
    const seq = this.nextSeq++;
    // The index names records up to this one; anything newer is found in the head at mount.
    view.setUint32(4, this.nextSeq, true);
    let at = INDEX_HEAD_BYTES;
    for (const [type, g] of this.map) {
      view.setUint16(at, type, true);
      view.setUint32(at + 2, g.seq0 < 0 ? NONE : g.seq0, true);
      view.setUint32(at + 6, g.seq0 < 0 ? NONE : g.loc0, true);
      view.setUint32(at + 10, g.seq1 < 0 ? NONE : g.seq1, true);
      view.setUint32(at + 14, g.seq1 < 0 ? NONE : g.loc1, true);
      at += INDEX_ENTRY_BYTES;
    }
    chain.append(this.indexType, seq, b);
    this.written++;
  }
}
