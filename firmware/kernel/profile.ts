import type { Unit } from "./register-table";

/** One captured column of a profile generic (DLMS capture_object definition). */
export interface CaptureColumn {
  classId: number;
  obis: string;
  attribute: number;
  dataIndex: number;
  /** For value columns: how to read the number (value * 10^scaler in unit). */
  scaler?: number;
  unit?: Unit;
}

/**
 * A profile generic's buffer as readers see it: rows of numbers, column 0 the capture time
 * (UTC ms). Readers walk it entry by entry, so nothing ever builds the whole buffer (a 40-day
 * load profile on the ESP32 lives in flash, not RAM). Implementations: RAM ring (CircularProfile)
 * and the flash journal's profile store.
 */
/** Reads rows of a buffer by index, as ProfileBuffer.readEntry does (see ProfileBuffer.openReader). */
export interface ProfileRowReader {
  entriesInUse(): number;
  readEntry(index: number, out: Float64Array): void;
  /**
   * The row's 32-bit words as stored, when the buffer keeps rows that way (a flash profile's fixed
   * layout), so a long read takes each value with one load: the row of entry `index` is checked
   * (CRC) and left in `words`, and the index of its first word w is returned, with column 0 =
   * ((words[w] >>> 8) & 0x3ff) * 2^32 + (words[w + 1] >>> 0), column 1 = words[w] >>> 18 and
   * column c >= 2 = words[w + c] >>> 0.
   * Otherwise (another layout, a damaged row: NaN) the row is copied into `out` as readEntry
   * does and -1 returned. Valid until the next read through this reader.
   */
  rowWords?(index: number, out: Float64Array): number;
  /** The words rowWords points into (null: rowWords never returns a word index). */
  readonly words?: Int32Array | null;
}

export interface ProfileBuffer {
  readonly obis: string;
  readonly columns: readonly CaptureColumn[];
  /** Seconds between captures (0 = captured on events, e.g. billing). */
  readonly capturePeriodS: number;
  /** profile_entries: maximum rows kept. */
  readonly capacity: number;
  entriesInUse(): number;
  /** Copies entry `index` (0 = oldest held) into `out` (length >= columns.length). */
  readEntry(index: number, out: Float64Array): void;
  /** Index of the first entry with capture time >= utcMs (entriesInUse() if none). */
  firstIndexAtOrAfter(utcMs: number): number;
  /**
   * Rows ever appended (cleared or dropped ones included): a reader holding an index across
   * captures sees how many of the oldest rows went (appended more minus entries more).
   */
  rowsAppended?(): number;
  /**
   * A reader for one long read (a DLMS answer streamed block by block): it may keep a cursor and
   * a scratch of its own, which go with it when the read ends (nothing kept at rest). Rows read
   * through it are the rows readEntry gives. Without it, readers use readEntry.
   */
  openReader?(): ProfileRowReader;
  append(row: ArrayLike<number>): void;
  clear(): void;
}
