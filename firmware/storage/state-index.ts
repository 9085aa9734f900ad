import type { CompactingChain } from "./compacting-chain";
import { type FlashJournal, OWNER_STATE, RECORD_HEADER_BYTES, type RecordRef, SECTOR_HEADER_BYTES } from "./journal";

/**
 * The two newest valid generations of one record type, 4 numbers from `GEN * slot` in `gens`:
 * sequence number and place of the newest, then of the one before (-1: none). A table of
 * numbers, not an object per type.
 */
const SEQ0 = 0;
const LOC0 = 1;
const SEQ1 = 2;
const LOC1 = 3;
const GEN = 4;

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
  /** Record type to its slot in `gens` (insertion order: the index record's order). */
  private readonly map = new Map<number, number>();
  private readonly gens: number[] = [];
  /** Sequence number of the next fresh record. */
  nextSeq = 1;
  /** True while the index came from an index record (older sectors not scanned yet). */
  fromIndexRecord = false;
  /** True when the mount scanned the head with CRCs (false: walked its headers). */
  private headScanned = false;
  /** Index records written (tests, bench). */
  written = 0;

  constructor(private readonly journal: FlashJournal, readonly indexType: number) {}

  /** True when some generation of the type was seen. */
  has(type: number): boolean {
    return this.map.has(type);
  }

  /** Place of generation `gen` (0 newest, 1 the one before) of a type, -1 when there is none. */
  loc(type: number, gen: number): number {
    const slot = this.map.get(type);
    return slot === undefined ? -1 : this.gens[GEN * slot + (gen === 0 ? LOC0 : LOC1)];
  }

  /** Sequence number of generation `gen` of a type, -1 when there is none. */
  seq(type: number, gen: number): number {
    const slot = this.map.get(type);
    return slot === undefined ? -1 : this.gens[GEN * slot + (gen === 0 ? SEQ0 : SEQ1)];
  }

  private clear(): void {
    this.map.clear();
    this.gens.length = 0;
  }

  /** The slot of a type, made (no generation yet) when it has none. */
  private slotOf(type: number): number {
    let slot = this.map.get(type);
    if (slot === undefined) {
      slot = this.map.size;
      this.map.set(type, slot);
      this.gens.push(-1, -1, -1, -1);
    }
    return GEN * slot;
  }

  get size(): number {
    return this.map.size;
  }

  note(type: number, seq: number, loc: number): void {
    if (type === this.indexType) return;
    const g = this.gens;
    const slot = this.map.get(type);
    // Offsets written out (SEQ0 0, LOC0 1, SEQ1 2, LOC1 3): every state save comes here.
    const at = slot === undefined ? this.slotOf(type) : 4 * slot;
    if (seq === g[at] || seq === g[at + 2]) return; // a copy made by reclamation
    if (seq > g[at]) {
      g[at + 2] = g[at];
      g[at + 3] = g[at + 1];
      g[at] = seq;
      g[at + 1] = loc;
    } else if (seq > g[at + 2]) {
      g[at + 2] = seq;
      g[at + 3] = loc;
    }
  }

  isLive(ref: RecordRef): boolean {
    const slot = this.map.get(ref.type);
    if (slot === undefined) return false;
    const loc = ref.sector * this.journal.sectorSize + ref.offset;
    const at = GEN * slot;
    return this.gens[at + LOC0] === loc || this.gens[at + LOC1] === loc;
  }

  moved(ref: RecordRef, loc: number): void {
    const slot = this.map.get(ref.type);
    const from = ref.sector * this.journal.sectorSize + ref.offset;
    if (slot === undefined) return;
    const g = this.gens;
    const at = GEN * slot;
    if (g[at + LOC0] === from) g[at + LOC0] = loc;
    else if (g[at + LOC1] === from) g[at + LOC1] = loc;
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
    this.clear();
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
        this.clear();
        return false;
      }
      const seq0 = view.getUint32(at + 2, true);
      const seq1 = view.getUint32(at + 10, true);
      const g = this.gens;
      const slot = this.slotOf(view.getUint16(at, true));
      g[slot + SEQ0] = seq0 === NONE ? -1 : seq0;
      g[slot + LOC0] = seq0 === NONE ? -1 : view.getUint32(at + 6, true);
      g[slot + SEQ1] = seq1 === NONE ? -1 : seq1;
      g[slot + LOC1] = seq1 === NONE ? -1 : view.getUint32(at + 14, true);
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
    const g = this.gens;
    for (const [type, slot] of this.map) {
      const s = GEN * slot;
      view.setUint16(at, type, true);
      view.setUint32(at + 2, g[s + SEQ0] < 0 ? NONE : g[s + SEQ0], true);
      view.setUint32(at + 6, g[s + SEQ0] < 0 ? NONE : g[s + LOC0], true);
      view.setUint32(at + 10, g[s + SEQ1] < 0 ? NONE : g[s + SEQ1], true);
      view.setUint32(at + 14, g[s + SEQ1] < 0 ? NONE : g[s + LOC1], true);
      at += INDEX_ENTRY_BYTES;
    }
    chain.append(this.indexType, seq, b);
    this.written++;
  }
}
