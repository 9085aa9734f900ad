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

/** Smallest and largest value of each integer type (long64 within the exact doubles). */
function rangeOf(type: DataTypeTag): [number, number] {
  switch (type) {
    case DataType.doubleLongUnsigned:
      return [0, 0xffffffff];
    case DataType.doubleLong:
      return [-0x80000000, 0x7fffffff];
    case DataType.long64Unsigned:
      return [0, Number.MAX_SAFE_INTEGER];
    case DataType.unsigned:
    case DataType.enum:
      return [0, 255];
    case DataType.integer:
      return [-128, 127];
    case DataType.longUnsigned:
      return [0, 0xffff];
    case DataType.long:
      return [-0x8000, 0x7fff];
    default:
      return [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  }
}

/**
 * Writes an integer as the A-XDR type `type`. Throws ValueRangeError when the value is not an
 * integer the type holds: the server answers that GET with other-reason, never with a clamped
 * or rounded number that would look like a measurement.
 */
export function writeNumber(w: AxdrWriter, type: DataTypeTag, value: number): void {
  if (type === DataType.boolean) {
    w.boolean(value !== 0);
    return;
  }
  const [lo, hi] = rangeOf(type);
  if (!Number.isInteger(value) || value < lo || value > hi) throw new ValueRangeError(`${value} does not fit A-XDR type ${type}`);
  switch (type) {
    case DataType.doubleLongUnsigned:
      w.doubleLongUnsigned(value);
      return;
    case DataType.doubleLong:
      w.doubleLong(value);
      return;
    case DataType.long64Unsigned:
      w.long64Unsigned(value);
      return;
    case DataType.unsigned:
      w.unsigned(value);
      return;
    case DataType.integer:
      w.integer(value);
      return;
    case DataType.longUnsigned:
      w.longUnsigned(value);
      return;
    case DataType.long:
      w.long(value);
      return;
    case DataType.enum:
      w.enumValue(value);
      return;
    default:
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
