import type { CaptureColumn, ProfileBuffer, ProfileRowReader } from "../kernel/profile";
import { littleEndian } from "./crc32";
import { type FlashJournal, RECORD_HEADER_BYTES, type RecordRef, recordSize, SECTOR_HEADER_BYTES } from "./journal";

const TYPICAL_BYTES_PER_COLUMN = 6;

/**
 * A profile generic's buffer kept in flash: each captured row is one record appended when it is
 * captured (sequence number = row index), in sectors of its own. When the rows beyond the oldest
 * sector already fill the capacity, that sector is retired, so the buffer is circular with
 * sector granularity and rows are never copied. Readers stream rows by index; a small cursor
 * makes sequential reads cost one record read each. RAM: the sector list and one row buffer,
 * whatever the capacity (a 40-day load profile stays in flash).
 *
 * Row encoding: per column, an integer |v| < 2^51 as an unsigned varint of its zigzag value
 * times two; anything else as byte 0x01 then the float64 (8 bytes).
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
  private readonly timeRow: Float64Array;
  /** The newest row as appended (row index lastIndex, -1: none cached): read back without flash (billing asks every save). */
  private readonly lastRow: Float64Array;
  private lastIndex = -1;
  /** Rows that found no flash at all (partition exhausted); 0 in a sized configuration. */
  droppedRows = 0;

  constructor(private readonly journal: FlashJournal, readonly owner: number, readonly obis: string, readonly columns: readonly CaptureColumn[], readonly capturePeriodS: number, readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`profile ${obis}: capacity must be a positive integer, got ${capacity}`);
    this.payload = new Uint8Array(FlashProfile.maxRowBytes(columns.length));
    this.timeRow = new Float64Array(columns.length);
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
    // Rows are appended in order, their indexes one after the other: a walk of the headers finds
    // the newest (its CRC is checked when it is read); anything unusual, a scan with CRCs.
    const end = j.walkSector(head, (ref) => {
      if (ref.type !== this.owner) return -2;
      last = ref.seq;
      return ref.seq + 1;
    });
    if (end >= 0 && (last >= 0 || end === SECTOR_HEADER_BYTES)) {
      this.headOffset = end;
    } else {
      last = -1;
      this.headOffset = j.scanSector(head, true, (ref) => {
        if (ref.type === this.owner && ref.seq > last) last = ref.seq;
      });
    }
    this.nextRow = Math.max(last + 1, j.firstSeq[head]);
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
    if (!this.find(row) || !decodeRow(this.payload, 0, this.ref.length, out, this.columns.length, this.f64)) {
      for (let c = 0; c < this.columns.length; c++) out[c] = NaN;
    }
  }

  /**
   * A reader for one long read (a DLMS answer): a record buffer and a cursor of its own, made
   * here and gone with the reader. Each row is one flash read of its whole record, CRC-checked
   * by words; the rows are those readEntry gives (a damaged row reads as NaN).
   */
  openReader(): ProfileRowReader {
    return new FlashRowReader(this, recordSize(this.payload.length));
  }

  /**
   * FlashRowReader.readEntry: readEntry with the reader's buffer and cursor (find and readRecord
   * in one, the record read whole by FlashJournal.readRecordInto).
   */
  readWith(r: FlashRowReader, index: number, out: Float64Array): void {
    const oldest = this.oldestRow();
    const count = this.nextRow - oldest;
    if (index < 0 || index >= count) throw new RangeError(`profile entry ${index} outside 0..${count - 1}`);
    const row = oldest + index;
    if (row === this.lastIndex) {
      out.set(this.lastRow);
      return;
    }
    const j = this.journal;
    const sectors = this.sectors;
    const firstSeq = j.firstSeq;
    let k = sectors.length - 1;
    while (k > 0 && firstSeq[sectors[k]] > row) k--;
    const sector = sectors[k];
    const end = k === sectors.length - 1 ? this.headOffset : j.sectorSize;
    // As find: the reader's cursor counts when it is on this sector's current rows.
    const cursorHere = r.sector === sector && r.row >= firstSeq[sector];
    let off = cursorHere && r.row < row ? r.offset + r.size : cursorHere && r.row === row ? r.offset : SECTOR_HEADER_BYTES;
    const rec = r.rec;
    const owner = this.owner;
    const max = this.payload.length;
    while (off + RECORD_HEADER_BYTES < end) {
      const length = j.readRecordInto(sector, off, rec, r.words, max);
      if (length >= 0 && (rec[1] | (rec[2] << 8)) === owner) {
        const seq = (rec[5] | (rec[6] << 8) | (rec[7] << 16) | (rec[8] << 24)) >>> 0;
        const size = (RECORD_HEADER_BYTES + length + 4) & ~3;
        if (seq === row) {
          r.sector = sector;
          r.offset = off;
          r.row = row;
          r.size = size;
          if (decodeRow(rec, RECORD_HEADER_BYTES, length, out, this.columns.length, this.f64)) return;
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
  }

  /** Binary search on capture time (rows are in capture order; a clock set back can blur it). */
  firstIndexAtOrAfter(utcMs: number): number {
    let lo = 0;
    let hi = this.entriesInUse();
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      this.readEntry(mid, this.timeRow);
      // A damaged row (NaN) is treated as earlier, so the search moves past it.
      if (this.timeRow[0] >= utcMs) hi = mid;
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

/**
 * One long read's reader of a FlashProfile (FlashProfile.openReader): the record buffer, 4-byte
 * aligned with an Int32Array over it for the CRC, and the cursor (the record read last).
 */
class FlashRowReader implements ProfileRowReader {
  /** The record read last, at byte 3 of its buffer (FlashJournal.readRecordInto); the buffer as words. */
  readonly rec: Uint8Array;
  readonly words: Int32Array | null;
  sector = -1;
  offset = 0;
  row = -1;
  size = 0;

  constructor(private readonly profile: FlashProfile, recordBytes: number) {
    // 3 bytes before the record, and whole words, so that the Int32Array covers every byte.
    const buffer = new ArrayBuffer((recordBytes + 3 + 3) & ~3);
    this.rec = new Uint8Array(buffer, 3, recordBytes);
    this.words = littleEndian() ? new Int32Array(buffer) : null;
  }

  entriesInUse(): number {
    return this.profile.entriesInUse();
  }

  readEntry(index: number, out: Float64Array): void {
    this.profile.readWith(this, index, out);
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
