/**
 * Numbers as DLMS values: the A-XDR writer for a meter quantity (`writeNumber`, which never
 * clamps or rounds: a value its type cannot hold is a ValueRangeError the caller answers with a
 * data-access-result), scaler_unit, and the numeric reading of a written value.
 */
import { type AxdrWriter, DataType, type DataTypeTag, type DlmsData } from "./axdr";
import type { AttributeDef, RequestContext } from "./object-model";
import { RESULT } from "./xdlms";
import type { Unit } from "../../kernel/register-table";
import { deepFreeze } from "../../kernel/freeze";

/** DLMS unit enumeration of the meter's unit names. */
const UNIT_CODE: Record<Unit, number> = deepFreeze({ Wh: 30, varh: 32, VAh: 31, W: 27, var: 29, VA: 28, V: 35, A: 33, Hz: 44, s: 7, m3: 13, "": 255 });

/** A number the requested A-XDR type cannot hold exactly (out of range, a fraction, NaN). */
export class ValueRangeError extends RangeError {}

/** 2^53 - 1: the largest integer a double holds exactly. */
const MAX_EXACT = 9007199254740991;

function outOfRange(value: number, type: DataTypeTag): ValueRangeError {
  return new ValueRangeError(`${value} does not fit A-XDR type ${type}`);
}

/**
 * Writes an integer as the A-XDR type `type`. Throws ValueRangeError when the value is not an
 * integer the type holds: the server answers that GET with other-reason, never with a clamped
 * or rounded number that would look like a measurement.
 */
export function writeNumber(w: AxdrWriter, type: DataTypeTag, value: number): void {
  numberWriter(type)(w, value);
}

/**
 * The writer of `type` as a function (what `writeNumber` does, with the type resolved once): a
 * profile read looks it up per column, not per value.
 */
export function numberWriter(type: DataTypeTag): (w: AxdrWriter, value: number) => void {
  switch (type) {
    case DataType.doubleLongUnsigned:
      return writeDoubleLongUnsigned;
    case DataType.doubleLong:
      return writeDoubleLong;
    case DataType.long64Unsigned:
      return writeLong64Unsigned;
    case DataType.unsigned:
      return writeUnsigned;
    case DataType.integer:
      return writeInteger;
    case DataType.longUnsigned:
      return writeLongUnsigned;
    case DataType.long:
      return writeLong;
    case DataType.enum:
      return writeEnum;
    case DataType.boolean:
      return writeBoolean;
    default:
      return writeLong64;
  }
}

/**
 * The A-XDR type of a writer `numberWriter` returned for long64-unsigned, double-long-unsigned or
 * unsigned (0 for any other function): a profile read writes those inline, with the same checks.
 */
export function inlineNumberType(write: unknown): number {
  if (write === writeLong64Unsigned) return DataType.long64Unsigned;
  if (write === writeDoubleLongUnsigned) return DataType.doubleLongUnsigned;
  if (write === writeUnsigned) return DataType.unsigned;
  return 0;
}

function writeDoubleLongUnsigned(w: AxdrWriter, value: number): void {
  if (!(value >= 0 && value <= 0xffffffff) || value % 1 !== 0) throw outOfRange(value, DataType.doubleLongUnsigned);
  w.doubleLongUnsigned(value);
}
function writeDoubleLong(w: AxdrWriter, value: number): void {
  if (!(value >= -0x80000000 && value <= 0x7fffffff) || value % 1 !== 0) throw outOfRange(value, DataType.doubleLong);
  w.doubleLong(value);
}
function writeLong64Unsigned(w: AxdrWriter, value: number): void {
  if (!(value >= 0 && value <= MAX_EXACT) || value % 1 !== 0) throw outOfRange(value, DataType.long64Unsigned);
  w.long64Unsigned(value);
}
function writeUnsigned(w: AxdrWriter, value: number): void {
  if (!(value >= 0 && value <= 255) || value % 1 !== 0) throw outOfRange(value, DataType.unsigned);
  w.unsigned(value);
}
function writeInteger(w: AxdrWriter, value: number): void {
  if (!(value >= -128 && value <= 127) || value % 1 !== 0) throw outOfRange(value, DataType.integer);
  w.integer(value);
}
function writeLongUnsigned(w: AxdrWriter, value: number): void {
  if (!(value >= 0 && value <= 0xffff) || value % 1 !== 0) throw outOfRange(value, DataType.longUnsigned);
  w.longUnsigned(value);
}
function writeLong(w: AxdrWriter, value: number): void {
  if (!(value >= -0x8000 && value <= 0x7fff) || value % 1 !== 0) throw outOfRange(value, DataType.long);
  w.long(value);
}
function writeEnum(w: AxdrWriter, value: number): void {
  if (!(value >= 0 && value <= 255) || value % 1 !== 0) throw outOfRange(value, DataType.enum);
  w.enumValue(value);
}
function writeBoolean(w: AxdrWriter, value: number): void {
  w.boolean(value !== 0);
}
function writeLong64(w: AxdrWriter, value: number): void {
  if (!(value >= -MAX_EXACT && value <= MAX_EXACT) || value % 1 !== 0) throw outOfRange(value, DataType.long64);
  w.long64(value);
}

/** scaler_unit structure {integer scaler, enum unit}. */
export function writeScalerUnit(w: AxdrWriter, scaler: number, unit: Unit): void {
  w.structure(2);
  w.integer(scaler);
  w.enumValue(UNIT_CODE[unit]);
}

/** Integer of a numeric Data, or NaN. */
export function numberOf(d: DlmsData): number {
  if (!("value" in d)) return NaN;
  const v = d.value;
  return typeof v === "number" ? v : NaN;
}

/**
 * Setter that takes a number of one of the given types, range-checked, applied by `apply` (which
 * gets the request context: a shared class finds its target there). Make it at module level.
 */
export function numericSetter(types: readonly number[], min: number, max: number, apply: (v: number, ctx: RequestContext) => void): AttributeDef["set"] {
  deepFreeze(types);
  return (value, ctx) => {
    if (!types.includes(value.type)) return RESULT.typeUnmatched;
    const v = numberOf(value);
    if (!Number.isInteger(v) || v < min || v > max) return RESULT.otherReason;
    apply(v, ctx);
    return RESULT.success;
  };
}
