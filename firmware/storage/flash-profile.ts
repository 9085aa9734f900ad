import type { CaptureColumn, ProfileBuffer, ProfileRowReader } from "../kernel/profile";
import type { Flash } from "../hal";
import { CRC32_TABLES, littleEndian } from "./crc32";

const [T0, T1, T2, T3] = CRC32_TABLES;
/** Whether the CPU is little endian (the reader's CRC and rows by words need it), found once. */
const LITTLE_ENDIAN = littleEndian();
import { type FlashJournal, RECORD_HEADER_BYTES, type RecordRef, recordSize, SECTOR_HEADER_BYTES } from "./journal";

const TYPICAL_BYTES_PER_COLUMN = 6;

/** First payload byte of a row in the fixed layout: odd and not 0x01, which no varint row begins with. */
export const FIXED_ROW_TAG = 3;

/** Payload bytes of a fixed-layout row of `width` columns (0: the layout is not used for that width). */
export function fixedRowBytes(width: number): number {
  return width >= 2 ? 4 * width : 0;
}

/**
 * A profile generic's buffer kept in flash: each captured row is one record appended when it is
 * captured (sequence number = row index), in sectors of its own. When the rows beyond the oldest
 * sector already fill the capacity, that sector is retired, so the buffer is circular with
 * sector granularity and rows are never copied. Readers stream rows by index; a small cursor
 * makes sequential reads cost one record read each. RAM: the sector list and one row buffer,
 * whatever the capacity (a 40-day load profile stays in flash).
 *
 * Row encodings (the record's payload; both are read, the first byte tells them apart):
 * - Fixed (rows of two columns or more whose column 0 is an integer in [0, 2^42) (a UTC ms time
 *   before 2109), column 1 an integer in [0, 2^14) (a status word) and the other columns
 *   integers in [0, 2^32), -0 excluded: a load profile's time, status and energies), 4 x width
 *   bytes in little-endian 32-bit words: word 0 holds FIXED_ROW_TAG in bits 0..7, column 0
 *   divided by 2^32 in bits 8..17 and column 1 in bits 18..31; word 1 column 0 modulo 2^32; word
 *   c column c (c >= 2). A reader takes a value with one word load (ProfileRowReader.rowWords).
 * - Varint (any other row, and every row written before the fixed layout): per column, an integer
 *   |v| < 2^51 as an unsigned varint of its zigzag value times two; anything else as byte 0x01
 *   then the float64 (8 bytes). Its first byte is even or 0x01, never FIXED_ROW_TAG.
 */
export class FlashProfile implements ProfileBuffer {
  private sectors: number[] = [];
  private headOffset = 0;
  /** Index the next appended row gets. */
  private nextRow = 0;
  /** Rows below this index were cleared. */
  private clearedBelow = 0;
  private readonly payload: Uint8Array;
  private readonly ref: RecordRef = { sector: 0, offset: 0, type: 0, length: 0, seq: 0, size: 0 };
  private readonly f64 = new DataView(new ArrayBuffer(8));
  private cursorSector = -1;
  private cursorOffset = 0;
  private cursorRow = -1;
  /** Flash size of the record at the cursor: a sequential read starts right after it. */
  private cursorSize = 0;
  /** The newest row as appended (row index lastIndex, -1: none cached): read back without flash (billing asks every save). */
  private readonly lastRow: Float64Array;
  private lastIndex = -1;
  /** Payload length of a fixed-layout row (0: never used, a single column). */
  readonly fixedLength: number;
  /** Changes with every append and clear (a reader's indexes then count from another oldest row). */
  epoch = 0;
  /** Rows that found no flash at all (partition exhausted); 0 in a sized configuration. */
  droppedRows = 0;

  constructor(readonly journal: FlashJournal, readonly owner: number, readonly obis: string, readonly columns: readonly CaptureColumn[], readonly capturePeriodS: number, readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`profile ${obis}: capacity must be a positive integer, got ${capacity}`);
    this.payload = new Uint8Array(FlashProfile.maxRowBytes(columns.length));
    this.fixedLength = fixedRowBytes(columns.length);
    this.lastRow = new Float64Array(columns.length);
    this.mount();
  }

  /** Largest payload of a row of `width` columns. */
  static maxRowBytes(width: number): number {
    return width * 9;
  }

  /**
   * Sectors planned for `capacity` rows of `width` columns: rows of energy registers and a time
   * take about 6 bytes a column (varints); one sector more is the one being retired.
   */
  static sectorsNeeded(sectorSize: number, width: number, capacity: number): number {
    return Math.ceil(capacity / FlashProfile.rowsPerSector(sectorSize, width)) + 1;
  }

  static rowsPerSector(sectorSize: number, width: number): number {
    return Math.floor((sectorSize - SECTOR_HEADER_BYTES) / recordSize(width * TYPICAL_BYTES_PER_COLUMN));
  }

  /** Sectors currently held. */
  get sectorCount(): number {
    return this.sectors.length;
  }

  private mount(): void {
    const j = this.journal;
    this.sectors = j.sectorsOf(this.owner);
    this.nextRow = 0;
    this.headOffset = j.sectorSize;
    if (this.sectors.length === 0) return;
    const head = this.sectors[this.sectors.length - 1];
    let last = -1;
    let lastOffset = 0;
    let lastSize = 0;
    // Rows are appended in order, their indexes one after the other: a walk of the headers finds
    // the newest (its CRC is checked when it is read); anything unusual, a scan with CRCs.
    const end = j.walkSector(head, (ref) => {
      if (ref.type !== this.owner) return -2;
      last = ref.seq;
      lastOffset = ref.offset;
      lastSize = ref.size;
      return ref.seq + 1;
    });
    if (end >= 0 && (last >= 0 || end === SECTOR_HEADER_BYTES)) {
      this.headOffset = end;
    } else {
      last = -1;
      this.headOffset = j.scanSector(head, true, (ref) => {
        if (ref.type === this.owner && ref.seq > last) {
          last = ref.seq;
          lastOffset = ref.offset;
          lastSize = ref.size;
        }
      });
    }
    this.nextRow = Math.max(last + 1, j.firstSeq[head]);
    // The cursor on the newest record: the power-up reads the newest row (one record read, not a
    // walk of the sector with a CRC per record). find checks the record as always.
    if (last >= 0) {
      this.cursorSector = head;
      this.cursorOffset = lastOffset;
      this.cursorRow = last;
      this.cursorSize = lastSize;
    }
  }

  entriesInUse(): number {
    return this.nextRow - this.oldestRow();
  }

  /** Rows ever appended to this buffer (the next row's sequence number). */
  rowsAppended(): number {
    return this.nextRow;
  }

  private oldestRow(): number {
    const sectors = this.sectors;
    if (sectors.length === 0) return this.nextRow;
    // The largest of three, compared inline (Math.max is a native call per row read).
    let oldest = this.journal.firstSeq[sectors[0]];
    const kept = this.nextRow - this.capacity;
    if (kept > oldest) oldest = kept;
    return this.clearedBelow > oldest ? this.clearedBelow : oldest;
  }

  append(row: ArrayLike<number>): void {
    const length = this.encode(row);
    const size = recordSize(length);
    const j = this.journal;
    if (this.sectors.length === 0 || this.headOffset + size > j.sectorSize) {
      // The oldest sector goes once the newer ones hold a full buffer without it.
      while (this.sectors.length >= 2 && this.nextRow + 1 - j.firstSeq[this.sectors[1]] >= this.capacity) {
        j.retire(this.sectors.shift()!);
      }
      let sector = j.allocate(this.owner, this.nextRow, true);
      // Rows larger than planned and the partition is full: the oldest rows make room.
      while (sector < 0 && this.sectors.length >= 2) {
        j.retire(this.sectors.shift()!);
        sector = j.allocate(this.owner, this.nextRow, true);
      }
      if (sector < 0) {
        this.droppedRows++;
        return;
      }
      this.sectors.push(sector);
      this.headOffset = SECTOR_HEADER_BYTES;
    }
    j.writeRecord(this.sectors[this.sectors.length - 1], this.headOffset, this.owner, this.nextRow, this.payload, length);
    this.headOffset += size;
    // Stored exactly (integers as varints, anything else as its float64), so the copy reads the same.
    for (let c = 0; c < this.columns.length; c++) this.lastRow[c] = row[c] ?? 0;
    this.lastIndex = this.nextRow;
    this.nextRow++;
    this.epoch++;
  }

  /** Copies entry `index` (0 = oldest held) into `out`; a row lost to flash damage reads as NaN. */
  readEntry(index: number, out: Float64Array): void {
    const oldest = this.oldestRow();
    const count = this.nextRow - oldest;
    if (index < 0 || index >= count) throw new RangeError(`profile entry ${index} outside 0..${count - 1}`);
    const row = oldest + index;
    if (row === this.lastIndex) {
      out.set(this.lastRow);
      return;
    }
    if (!this.find(row) || !this.decode(this.payload, 0, this.ref.length, out)) {
      for (let c = 0; c < this.columns.length; c++) out[c] = NaN;
    }
  }

  /**
   * A reader for one long read (a DLMS answer): a record buffer and a cursor of its own, made
   * here and gone with the reader. Each row is one flash read of its whole record, CRC-checked
   * by words; the rows are those readEntry gives (a damaged row reads as NaN).
   */
  openReader(): ProfileRowReader {
    return new FlashRowReader(this, recordSize(this.payload.length), this.owner, this.fixedLength);
  }

  /**
   * FlashRowReader.readEntry and rowWords: readEntry with the reader's buffer and cursor (find and
   * readRecord in one, the record read whole by FlashJournal.readRecordInto). With `words` true, a
   * fixed-layout row is left in the reader's buffer and its first word's index returned (out not
   * written); otherwise the row goes into `out` and the result is -1.
   */
  readWith(r: FlashRowReader, index: number, out: Float64Array, words: boolean): number {
    const oldest = this.oldestRow();
    const count = this.nextRow - oldest;
    if (index < 0 || index >= count) throw new RangeError(`profile entry ${index} outside 0..${count - 1}`);
    const row = oldest + index;
    if (row === this.lastIndex) {
      out.set(this.lastRow);
      return -1;
    }
    const j = this.journal;
    const sectors = this.sectors;
    const firstSeq = j.firstSeq;
    let k = sectors.length - 1;
    while (k > 0 && firstSeq[sectors[k]] > row) k--;
    const sector = sectors[k];
    const end = k === sectors.length - 1 ? this.headOffset : j.sectorSize;
    // As find: the reader's cursor counts when it is on this sector's current rows.
    const base = sector * j.sectorSize;
    const cursorHere = r.address >= base && r.address < base + j.sectorSize && r.row >= firstSeq[sector];
    let off = cursorHere && r.row < row ? r.end - base : cursorHere && r.row === row ? r.address - base : SECTOR_HEADER_BYTES;
    const rec = r.rec;
    const owner = this.owner;
    const max = this.payload.length;
    while (off + RECORD_HEADER_BYTES < end) {
      const length = j.readRecordInto(sector, off, rec, r.words, max);
      if (length >= 0 && (rec[1] | (rec[2] << 8)) === owner) {
        const seq = (rec[5] | (rec[6] << 8) | (rec[7] << 16) | (rec[8] << 24)) >>> 0;
        const size = (RECORD_HEADER_BYTES + length + 4) & ~3;
        if (seq === row) {
          r.address = base + off;
          r.row = row;
          r.end = base + off + size;
          // The next fixed-layout record may be read straight (rowWords) up to here: inside the
          // records as they are now, and the reader's whole buffer inside the sector.
          const fixedSize = recordSize(this.fixedLength);
          r.lastAddress = this.fixedLength === 0 || this.fixedLength >= 0x100 || r.words === null ? -2 : base + (end - fixedSize < j.sectorSize - rec.length ? end - fixedSize : j.sectorSize - rec.length);
          if (words && length === this.fixedLength && rec[RECORD_HEADER_BYTES] === FIXED_ROW_TAG && r.words !== null) return FIXED_ROW_WORD;
          if (this.decode(rec, RECORD_HEADER_BYTES, length, out)) return -1;
          break;
        }
        if (seq > row) break;
        off += size;
      } else {
        off += 4;
      }
    }
    // Not found, or its bytes are not a row: lost to flash damage.
    out.fill(NaN, 0, this.columns.length);
    return -1;
  }

  /** Decodes a row's `length` payload bytes at p[start] (either layout) into `out`; false when they are not a row. */
  private decode(p: Uint8Array, start: number, length: number, out: Float64Array): boolean {
    const width = this.columns.length;
    if (length === this.fixedLength && p[start] === FIXED_ROW_TAG) {
      // Columns 0 and 1 from words 0 and 1, the others one word each.
      const w0 = p[start] | (p[start + 1] << 8) | (p[start + 2] << 16) | (p[start + 3] << 24);
      out[0] = ((w0 >>> 8) & 0x3ff) * 4294967296 + ((p[start + 4] | (p[start + 5] << 8) | (p[start + 6] << 16) | (p[start + 7] << 24)) >>> 0);
      out[1] = w0 >>> 18;
      for (let c = 2, n = start + 8; c < width; c++, n += 4) out[c] = (p[n] | (p[n + 1] << 8) | (p[n + 2] << 16) | (p[n + 3] << 24)) >>> 0;
      return true;
    }
    return decodeRow(p, start, length, out, width, this.f64);
  }

  /** Binary search on capture time (rows are in capture order; a clock set back can blur it). */
  firstIndexAtOrAfter(utcMs: number): number {
    // A row of its own (rare: no scratch kept at rest for it).
    const timeRow = new Float64Array(this.columns.length);
    let lo = 0;
    let hi = this.entriesInUse();
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      this.readEntry(mid, timeRow);
      // A damaged row (NaN) is treated as earlier, so the search moves past it.
      if (timeRow[0] >= utcMs) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  clear(): void {
    const j = this.journal;
    while (this.sectors.length > 0) j.retire(this.sectors.shift()!);
    this.clearedBelow = this.nextRow;
    this.cursorSector = -1;
    this.lastIndex = -1;
    this.epoch++;
  }

  /** Locates row `row` in flash into this.ref and this.payload. */
  private find(row: number): boolean {
    const j = this.journal;
    const sectors = this.sectors;
    let k = sectors.length - 1;
    while (k > 0 && j.firstSeq[sectors[k]] > row) k--;
    const sector = sectors[k];
    const end = k === sectors.length - 1 ? this.headOffset : j.sectorSize;
    // The cursor is on a record of this sector's current rows (not a retired and reused sector's).
    const cursorHere = this.cursorSector === sector && this.cursorRow >= j.firstSeq[sector];
    // Sequential reads start right after the record read last: one record read per row.
    let off = cursorHere && this.cursorRow < row ? this.cursorOffset + this.cursorSize : cursorHere && this.cursorRow === row ? this.cursorOffset : SECTOR_HEADER_BYTES;
    while (off + RECORD_HEADER_BYTES < end) {
      if (j.readRecord(sector, off, this.payload, this.ref) && this.ref.type === this.owner) {
        if (this.ref.seq === row) {
          this.cursorSector = sector;
          this.cursorOffset = off;
          this.cursorRow = row;
          this.cursorSize = this.ref.size;
          return true;
        }
        if (this.ref.seq > row) return false;
        off += this.ref.size;
      } else {
        off += 4;
      }
    }
    return false;
  }

  private encode(row: ArrayLike<number>): number {
    const p = this.payload;
    const fixed = this.fixedLength;
    if (fixed > 0) {
      // The fixed layout when every value fits it (see the class comment); else the varints.
      const t = row[0] ?? 0;
      const lo = t % 4294967296;
      const status = row[1] ?? 0;
      let fits = lo >>> 0 === lo && t >= 0 && t < 4398046511104 && (t !== 0 || 1 / t > 0) && (status & 0x3fff) === status && (status !== 0 || 1 / status > 0);
      for (let c = 2; fits && c < this.columns.length; c++) {
        const v = row[c] ?? 0;
        fits = v >>> 0 === v && (v !== 0 || 1 / v > 0);
      }
      if (fits) {
        const w0 = FIXED_ROW_TAG | (((t - lo) / 4294967296) << 8) | (status << 18);
        p[0] = w0 & 0xff;
        p[1] = (w0 >>> 8) & 0xff;
        p[2] = (w0 >>> 16) & 0xff;
        p[3] = (w0 >>> 24) & 0xff;
        for (let c = 1, n = 4; c < this.columns.length; c++, n += 4) {
          const v = c === 1 ? lo : (row[c] ?? 0);
          p[n] = v & 0xff;
          p[n + 1] = (v >>> 8) & 0xff;
          p[n + 2] = (v >>> 16) & 0xff;
          p[n + 3] = (v >>> 24) & 0xff;
        }
        return fixed;
      }
    }
    let n = 0;
    for (let c = 0; c < this.columns.length; c++) {
      const v = row[c] ?? 0;
      if (Number.isInteger(v) && Math.abs(v) < 2 ** 51 && !Object.is(v, -0)) {
        let z = (v >= 0 ? v * 2 : -v * 2 - 1) * 2;
        while (z >= 0x80) {
          p[n++] = (z % 0x80) | 0x80;
          z = Math.floor(z / 0x80);
        }
        p[n++] = z;
      } else {
        p[n++] = 1;
        this.f64.setFloat64(0, v, true);
        for (let i = 0; i < 8; i++) p[n++] = this.f64.getUint8(i);
      }
    }
    return n;
  }
}

/** One word's step of the CRC-32 by words (crc32RecordWords): the state after `c`, which already has the word in it. */
function crcStep(c: number): number {
  return T3[c & 0xff] ^ T2[(c >>> 8) & 0xff] ^ T1[(c >>> 16) & 0xff] ^ T0[c >>> 24];
}

/** Index in FlashRowReader.words of a record's first payload word (the record at byte 3 of its buffer). */
const FIXED_ROW_WORD = 4;

/**
 * One long read's reader of a FlashProfile (FlashProfile.openReader): the record buffer, 4-byte
 * aligned with an Int32Array over it for the CRC, and the cursor (the record read last).
 */
class FlashRowReader implements ProfileRowReader {
  /** The record read last, at byte 3 of its buffer (FlashJournal.readRecordInto); the buffer as words. */
  readonly rec: Uint8Array;
  readonly words: Int32Array | null;
  /** The cursor: the flash address and row of the record read last and where it ends (-1: none). */
  address = -1;
  row = -1;
  end = -1;
  /** The last address rowWords may read the next record at (-2: none; the cursor's end is at least -1). */
  lastAddress = -2;
  /** The profile's oldest row and its epoch when they were last looked at (rowWords counts indexes from it). */
  private first = 0;
  private epoch = -1;

  /** The partition (the journal's). */
  private readonly flash: Flash;

  constructor(private readonly profile: FlashProfile, recordBytes: number, owner: number, fixedLength: number) {
    this.flash = profile.journal.flash;
    // 3 bytes before the record, and whole words, so that the Int32Array covers every byte; then
    // a word for rowWords.
    const buffer = new ArrayBuffer(((recordBytes + 3 + 3) & ~3) + 4);
    this.rec = new Uint8Array(buffer, 3, recordBytes);
    this.words = LITTLE_ENDIAN ? new Int32Array(buffer) : null;
    const words = this.words;
    if (words && fixedLength < 0x100) {
      // What rowWords compares and starts from, kept in the buffer (properties less while the read
      // lasts): the 3 bytes before the record (never read into) hold a fixed-layout record's header
      // word 1, type and payload length (word 0 & 0xffffff); the last word the CRC's state after
      // that word and the step of the next one, less that word (the step is linear: see rowWords).
      const typeLength = owner | (fixedLength << 16);
      words[0] = typeLength;
      words[words.length - 1] = crcStep(crcStep(-1 ^ typeLength));
    }
  }

  entriesInUse(): number {
    return this.profile.entriesInUse();
  }

  readEntry(index: number, out: Float64Array): void {
    this.profile.readWith(this, index, out, false);
  }

  /**
   * ProfileRowReader.rowWords. The row after the cursor's, when it is the next record in the same
   * sector and in the fixed layout, is read here: one flash read, the header checked by words (magic,
   * type and length, sequence number), the layout's tag and the CRC; anything else goes to readWith.
   */
  rowWords(index: number, out: Float64Array): number {
    const p = this.profile;
    if (p.epoch !== this.epoch) {
      this.epoch = p.epoch;
      this.first = p.rowsAppended() - p.entriesInUse();
    }
    const row = this.first + index;
    const at = this.end;
    // (lastAddress is -2 without words.)
    if (row === this.row + 1 && at <= this.lastAddress) {
      const words = this.words!;
      this.flash.read(at, this.rec);
      // Word 0: type and length of a fixed-layout record (see the constructor), then the magic
      // (rec[0]); words 1..4: type and length, sequence number, CRC, tag.
      const w0 = words[0];
      const typeLength = w0 & 0xffffff;
      if (w0 >>> 24 === 0xa5 && words[1] === typeLength && words[2] === row && (words[4] & 0xff) === 3 /* FIXED_ROW_TAG */) {
        // The record's CRC-32 (crc32RecordWords inline): header words 1 and 2, then the payload's
        // words. A step is linear (the tables are), so step(state ^ row) = step(state) ^ step(row),
        // and step(state) after header word 1 is the same for every record (kept in the last word).
        const t0 = T0;
        const t1 = T1;
        const t2 = T2;
        const t3 = T3;
        let c = words[words.length - 1] ^ t3[row & 0xff] ^ t2[(row >>> 8) & 0xff] ^ t1[(row >>> 16) & 0xff] ^ t0[row >>> 24];
        const length = typeLength >>> 16;
        const end = FIXED_ROW_WORD + (length >> 2);
        // Two words a turn (a loop turn costs XS about a quarter of a word's step).
        let w = FIXED_ROW_WORD;
        for (; w + 1 < end; w += 2) {
          c ^= words[w];
          c = t3[c & 0xff] ^ t2[(c >>> 8) & 0xff] ^ t1[(c >>> 16) & 0xff] ^ t0[c >>> 24];
          c ^= words[w + 1];
          c = t3[c & 0xff] ^ t2[(c >>> 8) & 0xff] ^ t1[(c >>> 16) & 0xff] ^ t0[c >>> 24];
        }
        if (w < end) {
          c ^= words[w];
          c = t3[c & 0xff] ^ t2[(c >>> 8) & 0xff] ^ t1[(c >>> 16) & 0xff] ^ t0[c >>> 24];
        }
        if ((c ^ -1) === words[3]) {
          this.address = at;
          this.row = row;
          this.end = at + ((RECORD_HEADER_BYTES + length + 4) & ~3);
          return FIXED_ROW_WORD;
        }
      }
    }
    return p.readWith(this, index, out, true);
  }
}

/**
 * Decodes a row's `length` payload bytes at p[start] into out[0, width); false when they are not
 * exactly `width` well-formed values (see FlashProfile's row encoding). A value running past the
 * end is only found by the last check: `n` never goes back, so once past `end` the row fails (the
 * bytes read there are still inside `p`, or undefined, which reads as 0: nothing throws).
 */
function decodeRow(p: Uint8Array, start: number, length: number, out: Float64Array, width: number, f64: DataView): boolean {
  const end = start + length;
  let n = start;
  for (let c = 0; c < width; c++) {
    // Unsigned varint: the first four bytes (28 bits) in int32 arithmetic, any further in doubles
    // (indexes written out: an n++ in an index costs XS several instructions more).
    let b = p[n];
    let z = b & 0x7f;
    if (b < 0x80) n += 1;
    else {
      b = p[n + 1];
      z |= (b & 0x7f) << 7;
      if (b < 0x80) n += 2;
      else {
        b = p[n + 2];
        z |= (b & 0x7f) << 14;
        if (b < 0x80) n += 3;
        else {
          b = p[n + 3];
          z |= (b & 0x7f) << 21;
          n += 4;
          if (b >= 0x80) {
            // Bytes five to eight in a second int32 (a capture time takes seven): z = lo + hi * 2^28.
            b = p[n];
            let hi = b & 0x7f;
            if (b < 0x80) n += 1;
            else {
              b = p[n + 1];
              hi |= (b & 0x7f) << 7;
              if (b < 0x80) n += 2;
              else {
                b = p[n + 2];
                hi |= (b & 0x7f) << 14;
                if (b < 0x80) n += 3;
                else {
                  b = p[n + 3];
                  hi |= (b & 0x7f) << 21;
                  n += 4;
                }
              }
            }
            if (b >= 0x80 || hi >= 0x2000000) {
              // Nine bytes (weight 2^56; a tenth is malformed), or z of 2^53 and more: in doubles
              // as they always were (the sum so far is exact, its one rounding the same).
              z += hi * 0x10000000;
              if (b >= 0x80) {
                let scale = 72057594037927936;
                do {
                  if (n >= end || scale > 72057594037927936) return false;
                  b = p[n++];
                  z += (b & 0x7f) * scale;
                  scale *= 0x80;
                } while (b >= 0x80);
              }
              if (z % 2 !== 0) return false;
              out[c] = z % 4 === 0 ? z / 4 : -(z + 2) / 4;
              continue;
            }
            if (hi !== 0 || z !== 1) {
              // 2^28 is a multiple of 4: the zigzag's low bits are z's int32 part's.
              if ((z & 1) !== 0) return false;
              out[c] = (z & 2) === 0 ? (z >> 2) + hi * 0x4000000 : -(((z + 2) >> 2) + hi * 0x4000000);
              continue;
            }
          }
        }
      }
    }
    if (z === 1) {
      // A float64 follows (8 bytes, little endian).
      for (let i = 0; i < 8; i++) f64.setUint8(i, p[n + i]);
      n += 8;
      out[c] = f64.getFloat64(0, true);
    } else {
      // An int32 below 2^28: 4v for v >= 0, -4v - 2 for v < 0.
      if ((z & 1) !== 0) return false;
      out[c] = (z & 2) === 0 ? z >> 2 : -((z + 2) >> 2);
    }
  }
  return n === end;
}
