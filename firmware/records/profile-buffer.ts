import type { CaptureColumn, ProfileBuffer } from "../kernel/profile";
import type { RegisterRow } from "../kernel/register-table";
import { PROFILE_OBIS } from "../kernel/obis";

export type { CaptureColumn, ProfileBuffer, ProfileRowReader } from "../kernel/profile";

/**
 * Columns every profile shares, frozen at module level: preloaded into flash on the device, so a
 * profile's column list costs RAM only for its array and the value columns it adds.
 */
export const CLOCK_COLUMN: CaptureColumn = Object.freeze({ classId: 8, obis: PROFILE_OBIS.clock, attribute: 2, dataIndex: 0 });
export const STATUS_COLUMN: CaptureColumn = Object.freeze({ classId: 1, obis: PROFILE_OBIS.statusWord, attribute: 2, dataIndex: 0 });

/**
 * The value (attribute 2) of a register as a capture column, frozen: class 3 (Register), or 4
 * (Extended register) for the gas and water sub-meters (media 7 and 8). For module-level column
 * tables (preloaded into flash on the device: a profile's columns then cost no RAM but their array).
 */
export function registerValueColumn(row: RegisterRow): CaptureColumn {
  const obis = row.obis;
  const medium = obis.charCodeAt(0);
  const classId = (medium === 0x37 || medium === 0x38) && obis.charCodeAt(1) === 0x2e ? 4 : 3;
  return Object.freeze({ classId, obis, attribute: 2, dataIndex: 0, scaler: row.scaler, unit: row.unit });
}

/** A profile kept in a preallocated RAM ring. */
export class CircularProfile implements ProfileBuffer {
  private readonly rows: Float64Array;
  private head = 0;
  private count = 0;
  private appended = 0;

  constructor(readonly obis: string, readonly columns: readonly CaptureColumn[], readonly capturePeriodS: number, readonly capacity: number) {
    this.rows = new Float64Array(capacity * columns.length);
  }

  entriesInUse(): number {
    return this.count;
  }

  rowsAppended(): number {
    return this.appended;
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
    this.appended++;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}
