/**
 * Numbers as DLMS values: the A-XDR writer for a meter quantity (`writeNumber`, which never
 * clamps or rounds: a value its type cannot hold is a ValueRangeError the caller answers with a
 * data-access-result), scaler_unit, and the numeric reading of a written value.
 */
import { type AxdrWriter, DataType, type DataTypeTag, type DlmsData } from "./axdr";
import type { AttributeDef } from "./object-model";
import { RESULT } from "./xdlms";
import type { Unit } from "../../kernel/register-table";

/** DLMS unit enumeration of the meter's unit names. */
export const UNIT_CODE: Record<Unit, number> = { Wh: 30, varh: 32, VAh: 31, W: 27, var: 29, VA: 28, V: 35, A: 33, Hz: 44, s: 7, m3: 13, "": 255 };

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
  switch (type) {
    case DataType.doubleLongUnsigned:
      if (!(value >= 0 && value <= 0xffffffff) || value % 1 !== 0) throw outOfRange(value, type);
      w.doubleLongUnsigned(value);
      return;
    case DataType.doubleLong:
      if (!(value >= -0x80000000 && value <= 0x7fffffff) || value % 1 !== 0) throw outOfRange(value, type);
      w.doubleLong(value);
      return;
    case DataType.long64Unsigned:
      if (!(value >= 0 && value <= MAX_EXACT) || value % 1 !== 0) throw outOfRange(value, type);
      w.long64Unsigned(value);
      return;
    case DataType.unsigned:
      if (!(value >= 0 && value <= 255) || value % 1 !== 0) throw outOfRange(value, type);
      w.unsigned(value);
      return;
    case DataType.integer:
      if (!(value >= -128 && value <= 127) || value % 1 !== 0) throw outOfRange(value, type);
      w.integer(value);
      return;
    case DataType.longUnsigned:
      if (!(value >= 0 && value <= 0xffff) || value % 1 !== 0) throw outOfRange(value, type);
      w.longUnsigned(value);
      return;
    case DataType.long:
      if (!(value >= -0x8000 && value <= 0x7fff) || value % 1 !== 0) throw outOfRange(value, type);
      w.long(value);
      return;
    case DataType.enum:
      if (!(value >= 0 && value <= 255) || value % 1 !== 0) throw outOfRange(value, type);
      w.enumValue(value);
      return;
    case DataType.boolean:
      w.boolean(value !== 0);
      return;
    default:
      if (!(value >= -MAX_EXACT && value <= MAX_EXACT) || value % 1 !== 0) throw outOfRange(value, type);
      w.long64(value);
  }
}

/** scaler_unit structure {integer scaler, enum unit}. */
export function writeScalerUnit(w: AxdrWriter, scaler: number, unit: Unit): void {
  w.structure(2);
  w.integer(scaler);
  w.enumValue(UNIT_CODE[unit]);
}

export const readOnly = (get: AttributeDef["get"]): AttributeDef => ({ get });

/** Integer of a numeric Data, or NaN. */
export function numberOf(d: DlmsData): number {
  if (!("value" in d)) return NaN;
  const v = d.value;
  return typeof v === "number" ? v : NaN;
}

/** Setter that takes a number of one of the given types, range-checked, applied by `apply`. */
export function numericSetter(types: readonly number[], min: number, max: number, apply: (v: number) => void): AttributeDef["set"] {
  return (value) => {
    if (!types.includes(value.type)) return RESULT.typeUnmatched;
    const v = numberOf(value);
    if (!Number.isInteger(v) || v < min || v > max) return RESULT.otherReason;
    apply(v);
    return RESULT.success;
  };
}
