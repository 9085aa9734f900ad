import type { Unit } from "../kernel/register-table";

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
  append(row: ArrayLike<number>): void;
  clear(): void;
}

/** A profile kept in a preallocated RAM ring. */
export class CircularProfile implements ProfileBuffer {
  private readonly rows: Float64Array;
  private head = 0;
  private count = 0;

  constructor(readonly obis: string, readonly columns: readonly CaptureColumn[], readonly capturePeriodS: number, readonly capacity: number) {
    this.rows = new Float64Array(capacity * columns.length);
  }

  entriesInUse(): number {
    return this.count;
  }

  readEntry(index: number, out: Float64Array): void {
    if (index < 0 || index >= this.count) throw new RangeError(`profile entry ${index} outside 0..${this.count - 1}`);
    const width = this.columns.length;
    const base = ((this.head - this.count + index + this.capacity) % this.capacity) * width;
    for (let c = 0; c < width; c++) out[c] = this.rows[base + c];
  }

  firstIndexAtOrAfter(utcMs: number): number {
    // Rows are appended in capture order, but a clock set backwards can break monotonicity;
    // a linear scan from the oldest keeps the answer right in that case.
    const width = this.columns.length;
    for (let i = 0; i < this.count; i++) {
      const base = ((this.head - this.count + i + this.capacity) % this.capacity) * width;
      if (this.rows[base] >= utcMs) return i;
    }
    return this.count;
  }

  append(row: ArrayLike<number>): void {
    const width = this.columns.length;
    const base = this.head * width;
    for (let c = 0; c < width; c++) this.rows[base + c] = row[c] ?? 0;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}
