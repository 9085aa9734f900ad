import type { Flash } from "../hal";
import { readU32LE, writeU32LE } from "../kernel/bytes";
import { CRC32_INIT, crc32, crc32Final, crc32RecordWords, crc32Update, crc32UpdateWords, littleEndian } from "./crc32";
import { deepFreeze } from "../kernel/freeze";

/** Payloads up to this size are CRC-ed from an aligned scratch copy (word reads); larger ones byte by byte. */
const SCRATCH_BYTES = 512;

/**
 * On-flash layout of the journal (all little endian).
 *
 * Sector header, 24 bytes:
 *   0..3   magic "MTRJ" (zeroed when the sector is retired: one write, clears bits only)
 *   4..5   owner: 1 state journal, 2 event logs, other values a profile stream
 *   6      format version (1)
 *   7      0xFF
 *   8..11  sector sequence number (allocation order, never reused)
 *   12..15 erase count of this sector including the erase that preceded this header
 *   16..19 first record sequence number held (profile streams: first row index)
 *   20..23 CRC-32 of bytes 4..19 (so a retired sector still tells its erase count)
 *
 * Record, 4-byte aligned, size align4(14 + length):
 *   0      magic 0xA5
 *   1..2   type (state kind, event log or stream)
 *   3..4   payload length
 *   5..8   sequence number (state: global and monotonic, copies keep it; events: ordinal in
 *          their log; profiles: row index)
 *   9..12  CRC-32 of bytes 1..8 and the payload
 *   13..   payload
 *   then   commit byte 0x00, written after the rest: a record that fails its CRC but carries
 *          the commit byte was damaged after it was complete (corruption, event 14); one without
 *          it was torn by a power cut.
 * Zero bytes where a record would start are padding (torn tails are zeroed at mount).
 */
export const SECTOR_HEADER_BYTES = 24;
export const RECORD_HEADER_BYTES = 13;
const RECORD_MAGIC = 0xa5;
const FORMAT_VERSION = 1;
/** Owner value of a sector that belongs to nobody (blank, retired or unreadable header). */
export const FREE = 0xffff;
export const OWNER_STATE = 1;
export const OWNER_EVENTS = 2;
const MAGIC = deepFreeze([0x4d, 0x54, 0x52, 0x4a]);

export function recordSize(payloadLength: number): number {
  return (RECORD_HEADER_BYTES + payloadLength + 1 + 3) & ~3;
}

/** A valid record found by a scan (reused object: copy what you keep). */
export interface RecordRef {
  sector: number;
  offset: number;
  type: number;
  length: number;
  seq: number;
  /** Total bytes the record occupies. */
  size: number;
}

interface JournalStats {
  /** Records that failed their CRC after being complete (bit rot, bad cells). */
  corruptRecords: number;
  /** Records cut short by a power loss (found at the end of a head sector). */
  tornRecords: number;
  /** Used sectors whose header was damaged (their records are lost to the scan). */
  unreadableSectors: number;
  erases: number;
  bytesWritten: number;
  recordsWritten: number;
}

/** Computes the free sectors a journal keeps for its hot chains (the persistent store). */
export interface HotReserve {
  hotReserve(): number;
}

/**
 * The sector pool and the record format over a raw NOR partition. Chains (state journal, event
 * log journal, profile streams) take sectors from the pool and give them back; the pool spreads
 * erases: hot chains get the least-erased free sector, cold ones (profiles, which keep a sector
 * for weeks) the most-erased, so worn sectors rest while fresh ones take the churn.
 *
 * RAM: one sector-sized scan buffer plus 18 bytes per sector of tables.
 */
export class FlashJournal {
  readonly sectorSize: number;
  readonly sectorCount: number;
  /** Owner of each sector (FREE when free). */
  readonly owner: Uint16Array;
  readonly sectorSeq: Uint32Array;
  readonly eraseCount: Uint32Array;
  readonly firstSeq: Float64Array;
  readonly stats: JournalStats = { corruptRecords: 0, tornRecords: 0, unreadableSectors: 0, erases: 0, bytesWritten: 0, recordsWritten: 0 };
  /** Scan buffer: holds the last scanned sector (valid until the next scan). */
  readonly buf: Uint8Array;
  /** Record types seen on corrupt records whose header still read plausibly (-1: some header was unreadable). */
  readonly corruptTypes = new Set<number>();
  /** True when mount found no valid sector at all (a fresh partition). */
  blank = true;
  /**
   * Free sectors the hot chains (state, events) may still need; a cold allocation that would
   * dip into them fails instead (the profile then gives up its oldest sector).
   */
  reserveSectors = 1;
  /** When set, it computes the reserve instead (the state journal: what its chains may still need). */
  reserveOf: HotReserve | null = null;
  private nextSectorSeq = 1;
  private allocCursor = 0;
  private readonly header = new Uint8Array(SECTOR_HEADER_BYTES);
  /** The header as six words: a blank (erased) header is six -1 words, checked without a byte loop. */
  private readonly headerWords = new Int32Array(this.header.buffer);
  private readonly recordHeader = new Uint8Array(RECORD_HEADER_BYTES);
  private readonly commit = new Uint8Array(1);
  private readonly zeros = new Uint8Array(4);
  private readonly ref: RecordRef = { sector: 0, offset: 0, type: 0, length: 0, seq: 0, size: 0 };
  /** Word views for the CRC (null on a big-endian CPU: byte path). */
  private readonly bufWords: Int32Array | null;
  /**
   * The write scratch: a record as it goes to flash, header then payload. A payload built in place
   * after the header (from RECORD_HEADER_BYTES) is written without a copy when `scratch` itself is
   * handed to writeRecord. Overwritten by the next record written (and so by a chain rotation).
   */
  readonly scratch = new Uint8Array(SCRATCH_BYTES);
  private readonly scratchWords: Int32Array | null;

  /** `scanBuffer`: a sector-sized buffer to share with another journal on the same chip (scans never interleave). */
  constructor(readonly flash: Flash, scanBuffer?: Uint8Array) {
    this.sectorSize = flash.sectorSize;
    this.sectorCount = flash.sectorCount;
    if (this.sectorSize < 256 || this.sectorSize > 65536) throw new RangeError(`journal needs 256..65536-byte sectors, got ${this.sectorSize}`);
    if (this.sectorCount < 4) throw new RangeError(`journal needs at least 4 sectors, got ${this.sectorCount}`);
    this.owner = new Uint16Array(this.sectorCount).fill(FREE);
    this.sectorSeq = new Uint32Array(this.sectorCount);
    this.eraseCount = new Uint32Array(this.sectorCount);
    this.firstSeq = new Float64Array(this.sectorCount);
    this.buf = scanBuffer && scanBuffer.length === this.sectorSize ? scanBuffer : new Uint8Array(this.sectorSize);
    const words = littleEndian();
    this.bufWords = words && (this.buf.byteOffset & 3) === 0 ? new Int32Array(this.buf.buffer, this.buf.byteOffset, this.buf.length >> 2) : null;
    this.scratchWords = words ? new Int32Array(this.scratch.buffer) : null;
  }

  /** Bytes of the scan buffer and tables (the journal's fixed RAM, besides the chains' own). */
  get ramBytes(): number {
    return this.buf.length + SCRATCH_BYTES + this.sectorCount * (2 + 4 + 4 + 8) + SECTOR_HEADER_BYTES + RECORD_HEADER_BYTES + 5;
  }

  /** Reads every sector header; chains then scan their own sectors. */
  mount(): void {
    const h = this.header;
    let maxSeq = 0;
    let maxErase = 0;
    let minErase = Infinity;
    const unknown: number[] = [];
    const blank: number[] = [];
    this.blank = true;
    for (let s = 0; s < this.sectorCount; s++) {
      this.flash.read(s * this.sectorSize, h);
      this.owner[s] = FREE;
      // Never used (or erased and cut before its header): most of a new partition. No CRC to compute.
      const w = this.headerWords;
      if ((w[0] & w[1] & w[2] & w[3] & w[4] & w[5]) === -1) {
        blank.push(s);
        continue;
      }
      const crcOk = h[6] === FORMAT_VERSION && crc32(h, 4, 20) === readU32LE(h, 20);
      const magicOk = h[0] === MAGIC[0] && h[1] === MAGIC[1] && h[2] === MAGIC[2] && h[3] === MAGIC[3];
      this.owner[s] = FREE;
      if (crcOk) {
        this.eraseCount[s] = readU32LE(h, 12);
        this.sectorSeq[s] = readU32LE(h, 8);
        if (this.sectorSeq[s] > maxSeq) maxSeq = this.sectorSeq[s];
        if (this.eraseCount[s] > maxErase) maxErase = this.eraseCount[s];
        if (this.eraseCount[s] < minErase) minErase = this.eraseCount[s];
        if (magicOk) {
          this.owner[s] = h[4] | (h[5] << 8);
          this.firstSeq[s] = readU32LE(h, 16);
          this.blank = false;
        }
      } else if (isAll(h, 0xff)) {
        blank.push(s);
      } else {
        unknown.push(s);
        // A torn allocation leaves an erased sector behind its broken header, a torn erase a
        // broken magic; a good magic, a bad CRC and data behind it is damage to a used sector.
        if (magicOk && !this.isBlankBody(s)) {
          this.stats.unreadableSectors++;
          this.corruptTypes.add(-1);
        }
      }
    }
    // A blank header is a sector never used (or erased and then cut before its header): take the
    // least known count so it joins the rotation. A garbled header has lost its count: assume
    // the worst known.
    for (const s of blank) this.eraseCount[s] = minErase === Infinity ? 0 : minErase;
    for (const s of unknown) this.eraseCount[s] = maxErase;
    this.nextSectorSeq = maxSeq + 1;
  }

  private isBlankBody(sector: number): boolean {
    this.flash.read(sector * this.sectorSize, this.buf);
    for (let i = SECTOR_HEADER_BYTES; i < this.sectorSize; i++) if (this.buf[i] !== 0xff) return false;
    return true;
  }

  /** Live sectors of an owner, oldest first. */
  sectorsOf(owner: number): number[] {
    const list: number[] = [];
    for (let s = 0; s < this.sectorCount; s++) if (this.owner[s] === owner) list.push(s);
    return list.sort((a, b) => this.sectorSeq[a] - this.sectorSeq[b]);
  }

  freeSectors(): number {
    let n = 0;
    for (let s = 0; s < this.sectorCount; s++) if (this.owner[s] === FREE) n++;
    return n;
  }

  /**
   * Takes a free sector for `owner`: erases it and writes its header. Hot chains get the least
   * worn free sector, cold ones the most worn. A hot allocation throws when the pool is empty (a
   * sizing bug); a cold one returns -1 when only the hot reserve is left.
   */
  allocate(owner: number, firstSeq: number, cold: boolean): number {
    if (cold && this.freeSectors() <= (this.reserveOf ? this.reserveOf.hotReserve() : this.reserveSectors)) return -1;
    let best = -1;
    for (let i = 0; i < this.sectorCount; i++) {
      const s = (this.allocCursor + i) % this.sectorCount;
      if (this.owner[s] !== FREE) continue;
      if (best < 0 || (cold ? this.eraseCount[s] > this.eraseCount[best] : this.eraseCount[s] < this.eraseCount[best])) best = s;
    }
    if (best < 0) throw new Error("flash journal: no free sector (partition too small for what is stored)");
    this.allocCursor = (best + 1) % this.sectorCount;
    this.flash.eraseSector(best);
    this.stats.erases++;
    this.eraseCount[best]++;
    const h = this.header;
    h.set(MAGIC, 0);
    h[4] = owner & 0xff;
    h[5] = owner >> 8;
    h[6] = FORMAT_VERSION;
    h[7] = 0xff;
    writeU32LE(h, 8, this.nextSectorSeq);
    writeU32LE(h, 12, this.eraseCount[best]);
    writeU32LE(h, 16, firstSeq);
    writeU32LE(h, 20, crc32(h, 4, 20));
    this.flash.write(best * this.sectorSize, h);
    this.stats.bytesWritten += SECTOR_HEADER_BYTES;
    this.owner[best] = owner;
    this.sectorSeq[best] = this.nextSectorSeq++;
    this.firstSeq[best] = firstSeq;
    return best;
  }

  /** Gives a sector back: zeroes its magic (erased later, when it is allocated again). */
  retire(sector: number): void {
    this.flash.write(sector * this.sectorSize, this.zeros);
    this.stats.bytesWritten += 4;
    this.owner[sector] = FREE;
  }

  /** Appends one record at `offset` of `sector` (the caller checked the room). Returns its size. */
  writeRecord(sector: number, offset: number, type: number, seq: number, payload: Uint8Array, length = payload.length): number {
    const size = recordSize(length);
    if (offset + size > this.sectorSize) throw new RangeError(`record of ${length} bytes does not fit at ${offset}`);
    const base = sector * this.sectorSize + offset;
    const sw = this.scratchWords;
    if (sw && length <= SCRATCH_BYTES - RECORD_HEADER_BYTES) {
      // The record as it goes to flash, header and payload in one aligned buffer: the CRC reads
      // words, and one program operation writes both (the commit byte still goes last, alone).
      // The header is written in place (a copy loop costs XS ~20 instructions a byte).
      const sc = this.scratch;
      sc[0] = RECORD_MAGIC;
      sc[1] = type & 0xff;
      sc[2] = type >> 8;
      sc[3] = length & 0xff;
      sc[4] = length >> 8;
      sc[5] = seq & 0xff;
      sc[6] = (seq >>> 8) & 0xff;
      sc[7] = (seq >>> 16) & 0xff;
      sc[8] = (seq >>> 24) & 0xff;
      if (length > 0 && payload !== sc) sc.set(length === payload.length ? payload : payload.subarray(0, length), RECORD_HEADER_BYTES);
      const crc = crc32Final(crc32UpdateWords(crc32UpdateWords(CRC32_INIT, sc, sw, 1, 9), sc, sw, RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + length));
      sc[9] = crc & 0xff;
      sc[10] = (crc >>> 8) & 0xff;
      sc[11] = (crc >>> 16) & 0xff;
      sc[12] = (crc >>> 24) & 0xff;
      this.flash.write(base, sc.subarray(0, RECORD_HEADER_BYTES + length));
    } else {
      // The payload in place in the scratch: its bytes after the header.
      if (payload === this.scratch) payload = this.scratch.slice(RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + length);
      const h = this.recordHeader;
      h[0] = RECORD_MAGIC;
      h[1] = type & 0xff;
      h[2] = type >> 8;
      h[3] = length & 0xff;
      h[4] = length >> 8;
      writeU32LE(h, 5, seq);
      const crc = crc32Final(crc32Update(crc32Update(CRC32_INIT, h, 1, 9), payload, 0, length));
      writeU32LE(h, 9, crc);
      this.flash.write(base, h);
      if (length > 0) this.flash.write(base + RECORD_HEADER_BYTES, length === payload.length ? payload : payload.subarray(0, length));
    }
    this.commit[0] = 0;
    this.flash.write(base + RECORD_HEADER_BYTES + length, this.commit);
    this.stats.bytesWritten += RECORD_HEADER_BYTES + length + 1;
    this.stats.recordsWritten++;
    return size;
  }

  /**
   * Copies a record found by the last scan (still in `buf`) to another place, unchanged: same
   * type, sequence number and CRC, so a copy and its original are interchangeable.
   */
  copyFromBuffer(fromOffset: number, length: number, sector: number, offset: number): number {
    const size = recordSize(length);
    const base = sector * this.sectorSize + offset;
    this.flash.write(base, this.buf.subarray(fromOffset, fromOffset + RECORD_HEADER_BYTES + length));
    this.commit[0] = 0;
    this.flash.write(base + RECORD_HEADER_BYTES + length, this.commit);
    this.stats.bytesWritten += RECORD_HEADER_BYTES + length + 1;
    this.stats.recordsWritten++;
    return size;
  }

  /**
   * Reads a sector into `buf` and calls `visit` for each valid record in order. Returns the
   * offset where the next record may be appended (after the last programmed byte). In a chain's
   * head sector, a damaged tail is classified (torn without commit byte, corrupt with) and
   * zeroed so later appends and scans step over it; anywhere else a bad record is corruption.
   */
  scanSector(sector: number, isHead: boolean, visit: ((ref: RecordRef) => void) | null): number {
    const b = this.buf;
    const size = this.sectorSize;
    this.flash.read(sector * size, b);
    let last = size - 1;
    while (last >= SECTOR_HEADER_BYTES && b[last] === 0xff) last--;
    const end = Math.min(size, (last + 1 + 3) & ~3);
    let off = SECTOR_HEADER_BYTES;
    let badStart = -1;
    let badCommitted = false;
    let badType = -1;
    const ref = this.ref;
    while (off < end) {
      const magic = b[off];
      if (magic === RECORD_MAGIC && off + RECORD_HEADER_BYTES + 1 <= size) {
        const length = b[off + 3] | (b[off + 4] << 8);
        const total = recordSize(length);
        if (off + total <= size) {
          const words = this.bufWords;
          const crc = words
            ? crc32Final(crc32UpdateWords(crc32UpdateWords(CRC32_INIT, b, words, off + 1, off + 9), b, words, off + RECORD_HEADER_BYTES, off + RECORD_HEADER_BYTES + length))
            : crc32Final(crc32Update(crc32Update(CRC32_INIT, b, off + 1, off + 9), b, off + RECORD_HEADER_BYTES, off + RECORD_HEADER_BYTES + length));
          if (crc === readU32LE(b, off + 9)) {
            if (badStart >= 0) {
              // Damage followed by good data: not the tail a power cut leaves.
              this.stats.corruptRecords++;
              this.corruptTypes.add(badType);
              badStart = -1;
            }
            ref.sector = sector;
            ref.offset = off;
            ref.type = b[off + 1] | (b[off + 2] << 8);
            ref.length = length;
            ref.seq = readU32LE(b, off + 5);
            ref.size = total;
            if (visit) visit(ref);
            off += total;
            continue;
          }
          if (badStart < 0) {
            badStart = off;
            badCommitted = b[off + RECORD_HEADER_BYTES + length] === 0;
            badType = b[off + 1] | (b[off + 2] << 8);
          }
        } else if (badStart < 0) {
          badStart = off;
          badCommitted = false;
          badType = -1;
        }
      } else if (magic !== 0 && badStart < 0) {
        badStart = off;
        badCommitted = false;
        badType = -1;
      }
      off += 4;
    }
    if (badStart >= 0) {
      if (isHead && !badCommitted) this.stats.tornRecords++;
      else {
        this.stats.corruptRecords++;
        this.corruptTypes.add(badType);
      }
      if (isHead) this.seal(sector, badStart, end);
    }
    return Math.max(end, SECTOR_HEADER_BYTES);
  }

  /**
   * Walks a head sector's records by their headers alone (no CRC): magic, length, commit byte,
   * unwritten padding, and sequence numbers that follow each other where `consecutiveFrom` says
   * (the visitor returns the next expected sequence number, -1 for none, -2 to give up). Returns the append
   * offset, or -1 when anything is not as a clean append-only sector leaves it (a torn tail,
   * padding, damage): the caller then scans with CRCs (`scanSector`). What the caller takes from
   * a walk it verifies when it reads it (readRecord checks the CRC).
   */
  walkSector(sector: number, visit: (ref: RecordRef) => number): number {
    const b = this.buf;
    const size = this.sectorSize;
    this.flash.read(sector * size, b);
    const ref = this.ref;
    let off = SECTOR_HEADER_BYTES;
    let expect = -1;
    while (off + RECORD_HEADER_BYTES + 1 <= size && b[off] === RECORD_MAGIC) {
      const length = b[off + 3] | (b[off + 4] << 8);
      const total = recordSize(length);
      const commit = off + RECORD_HEADER_BYTES + length;
      if (off + total > size || b[commit] !== 0) return -1;
      for (let i = commit + 1; i < off + total; i++) if (b[i] !== 0xff) return -1;
      const seq = readU32LE(b, off + 5);
      if (expect >= 0 && seq !== expect) return -1;
      ref.sector = sector;
      ref.offset = off;
      ref.type = b[off + 1] | (b[off + 2] << 8);
      ref.length = length;
      ref.seq = seq;
      ref.size = total;
      expect = visit(ref);
      if (expect < -1) return -1;
      off += total;
    }
    // The end: erased from here (a few bytes checked: appends program in order).
    for (let i = off; i < size && i < off + 16; i++) if (b[i] !== 0xff) return -1;
    return off;
  }

  /** True when the record at `offset` of the scan buffer (a walked sector) passes its CRC. */
  verifyInBuffer(offset: number): boolean {
    const b = this.buf;
    const length = b[offset + 3] | (b[offset + 4] << 8);
    const words = this.bufWords;
    const crc = words
      ? crc32Final(crc32UpdateWords(crc32UpdateWords(CRC32_INIT, b, words, offset + 1, offset + 9), b, words, offset + RECORD_HEADER_BYTES, offset + RECORD_HEADER_BYTES + length))
      : crc32Final(crc32Update(crc32Update(CRC32_INIT, b, offset + 1, offset + 9), b, offset + RECORD_HEADER_BYTES, offset + RECORD_HEADER_BYTES + length));
    return crc === readU32LE(b, offset + 9);
  }

  /** Reads one record's header at a known place; returns false if it is not a valid record. */
  readRecord(sector: number, offset: number, payload: Uint8Array, ref: RecordRef): boolean {
    const h = this.recordHeader;
    if (offset + RECORD_HEADER_BYTES + 1 > this.sectorSize) return false;
    const base = sector * this.sectorSize + offset;
    this.flash.read(base, h);
    if (h[0] !== RECORD_MAGIC) return false;
    const length = h[3] | (h[4] << 8);
    if (offset + recordSize(length) > this.sectorSize || length > payload.length) return false;
    const view = length === payload.length ? payload : payload.subarray(0, length);
    this.flash.read(base + RECORD_HEADER_BYTES, view);
    const crc = crc32Final(crc32Update(crc32Update(CRC32_INIT, h, 1, 9), view, 0, length));
    if (crc !== readU32LE(h, 9)) return false;
    ref.sector = sector;
    ref.offset = offset;
    ref.type = h[1] | (h[2] << 8);
    ref.length = length;
    ref.seq = readU32LE(h, 5);
    ref.size = recordSize(length);
    return true;
  }

  /**
   * readRecord for a reader with a buffer of its own: the whole record at `offset` in one flash
   * read into `rec` (header, then the payload at RECORD_HEADER_BYTES). With `words` (an Int32Array
   * over rec's buffer, rec's byteOffset 3 mod 4: the bytes the CRC covers fall on words) the CRC
   * reads words. The same checks as readRecord with a payload of `maxLength` bytes. Returns the
   * payload length, or -1 when this is not a valid record; type and sequence number are in `rec`.
   */
  readRecordInto(sector: number, offset: number, rec: Uint8Array, words: Int32Array | null, maxLength: number): number {
    const sectorSize = this.sectorSize;
    if (offset + RECORD_HEADER_BYTES + 1 > sectorSize) return -1;
    // Up to the sector's end: bytes after the record are read and not looked at.
    const n = sectorSize - offset < rec.length ? sectorSize - offset : rec.length;
    this.flash.read(sector * sectorSize + offset, n === rec.length ? rec : rec.subarray(0, n));
    if (rec[0] !== RECORD_MAGIC) return -1;
    const length = rec[3] | (rec[4] << 8);
    if (length > maxLength || ((RECORD_HEADER_BYTES + length + 4) & ~3) > n) return -1;
    const end = RECORD_HEADER_BYTES + length;
    const crc = words ? crc32RecordWords(rec, words, end) : crc32Final(crc32Update(crc32Update(CRC32_INIT, rec, 1, 9), rec, RECORD_HEADER_BYTES, end)) | 0;
    return crc === (rec[9] | (rec[10] << 8) | (rec[11] << 16) | (rec[12] << 24)) ? length : -1;
  }

  /** Zeroes a damaged tail so it reads as padding (clearing bits is always a legal write). */
  private seal(sector: number, from: number, to: number): void {
    const zeros = new Uint8Array(to - from);
    this.flash.write(sector * this.sectorSize + from, zeros);
    this.stats.bytesWritten += zeros.length;
    this.buf.fill(0, from, to);
  }
}

function isAll(b: Uint8Array, value: number): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== value) return false;
  return true;
}
