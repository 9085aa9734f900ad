import type { CaptureColumn, ProfileBuffer } from "../kernel/profile";
import type { RegisterDescriptor, Unit } from "../kernel/register-table";
import { PROFILE_OBIS } from "../kernel/obis";

export type { CaptureColumn, ProfileBuffer } from "../kernel/profile";

/**
 * Columns every profile shares, frozen at module level: preloaded into flash on the device, so a
 * profile's column list costs RAM only for its array and the value columns it adds.
 */
export const CLOCK_COLUMN: CaptureColumn = Object.freeze({ classId: 8, obis: PROFILE_OBIS.clock, attribute: 2, dataIndex: 0 });
export const STATUS_COLUMN: CaptureColumn = Object.freeze({ classId: 1, obis: PROFILE_OBIS.statusWord, attribute: 2, dataIndex: 0 });

/**
 * The value (attribute 2) of a register as a capture column: class 3 (Register), or 4 (Extended
 * register) for the gas and water sub-meters (media 7 and 8). Subclasses say where obis, scaler
 * and unit come from; the rest is on the prototype (module code), so a column costs RAM only for
 * its own fields, not an object of six properties.
 */
abstract class RegisterValueColumn implements CaptureColumn {
  abstract readonly obis: string;
  abstract readonly scaler: number;
  abstract readonly unit: Unit;

  get classId(): number {
    const obis = this.obis;
    const medium = obis.charCodeAt(0);
    return (medium === 0x37 || medium === 0x38) && obis.charCodeAt(1) === 0x2e ? 4 : 3;
  }

  get attribute(): number {
    return 2;
  }

  get dataIndex(): number {
    return 0;
  }
}

/** A value column with its own obis, scaler and unit (the register's descriptor is not kept). */
export class ValueColumn extends RegisterValueColumn {
  constructor(readonly obis: string, readonly scaler: number, readonly unit: Unit) {
    super();
  }
}

/** A value column read from the register's descriptor, which its owner keeps anyway (one field). */
export class RegisterColumn extends RegisterValueColumn {
  constructor(private readonly register: RegisterDescriptor) {
    super();
  }

  get obis(): string {
    return this.register.obis;
  }

  get scaler(): number {
    return this.register.scaler;
  }

  get unit(): Unit {
    return this.register.unit;
  }
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
