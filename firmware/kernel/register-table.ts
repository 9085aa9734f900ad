/**
 * A value the meter exposes under an OBIS code: read by the report, the display and the DLMS
 * object model, always from the owner of the state (no copies). value * 10^scaler is the
 * quantity in `unit`.
 */
export interface RegisterDescriptor extends RegisterRow {
  read(): number;
}

/** The constant part of a register: module tables of these are frozen (preloaded into flash). */
export interface RegisterRow {
  readonly obis: string;
  readonly name: string;
  readonly unit: Unit;
  readonly scaler: number;
}

/**
 * A register row that says where its value lives: property `field` of the object `source` names
 * (REGISTER_SOURCE), element `at` of that property when `at` >= 0. REGISTER_SOURCE.derived rows
 * are computed when read (`at` is the DERIVED_REGISTER computation, `field` is "").
 */
export interface SourcedRow<F extends string = string> extends RegisterRow {
  readonly source: number;
  readonly field: F;
  readonly at: number;
}

/**
 * The names of T's properties that hold register values (a number, or numbers indexed by `at`):
 * a row naming anything else, or a property since renamed, fails to compile.
 */
export type ValueField<T> = { [K in keyof T]: T[K] extends number | Float64Array ? K : never }[keyof T] & string;

/** The owners a SourcedRow can name (the meter resolves them to its parts). */
export const REGISTER_SOURCE = Object.freeze({
  energy: 0,
  tou: 1,
  demand: 2,
  billing: 3,
  instant: 4,
  events: 5,
  powerFailures: 6,
  powerQuality: 7,
  gas: 8,
  water: 9,
  standardLog: 10,
  fraudLog: 11,
  disconnectorLog: 12,
  powerQualityLog: 13,
  communicationLog: 14,
  /** The meter's instantaneous values: the positive part of the property (P+ from signed P). */
  instantPositive: 15,
  /** The meter's instantaneous values: the magnitude of the negative part (P- from signed P). */
  instantNegative: 16,
  derived: 17,
} as const);

/** The computations of derived rows (SourcedRow.at when the source is REGISTER_SOURCE.derived). */
export const DERIVED_REGISTER = Object.freeze({
  profileStatusWord: 0,
} as const);

/** Freezes a table of rows and each row: a module-level table the XS linker preloads into flash. */
export function frozenRows<T extends RegisterRow>(rows: T[]): readonly T[] {
  for (const r of rows) Object.freeze(r);
  return Object.freeze(rows);
}

export type Unit = "Wh" | "varh" | "VAh" | "W" | "var" | "VA" | "V" | "A" | "Hz" | "s" | "m3" | "";
