/**
 * Any A-XDR value as JSON, both ways. In: one key naming the type, e.g.
 *   {"structure": [{"octet-string": "0x0000010000FF"}, {"long-unsigned": 2}]}
 *   {"array": [{"unsigned": 1}]}, {"date-time": "2026-12-24T18:00"}, {"octet-string": [1, 2]}
 * (octet-string: "0x..." hex, text, or a list of bytes). Out: plain JSON for --json output.
 */
import { type Data, octets, ProtocolError, TYPE_NAMES } from "./codec";
import { formatData, isDateTime, parseTypedValue } from "./format";

const TYPES = [...Object.keys(TYPE_NAMES), "date-time"].join(", ");

function fromJson(v: unknown, where: string): Data {
  if (v === null) return { kind: "null" };
  if (typeof v !== "object" || Array.isArray(v)) throw new ProtocolError(`${where}: a value is an object with one type name, like {"long-unsigned": 5} (types: ${TYPES})`);
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length !== 1) throw new ProtocolError(`${where}: a value has exactly one type name, got ${entries.length}`);
  const [type, inner] = entries[0];
  if (type === "array" || type === "structure") {
    if (!Array.isArray(inner)) throw new ProtocolError(`${where}: ${type} takes a list of values`);
    return { kind: type, items: inner.map((x, i) => fromJson(x, `${where}.${type}[${i}]`)) };
  }
  if (type === "octet-string" && Array.isArray(inner)) {
    if (!inner.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) throw new ProtocolError(`${where}: octet-string bytes are 0..255`);
    return octets(inner as number[]);
  }
  if (!(type in TYPE_NAMES) && type !== "date-time") throw new ProtocolError(`${where}: unknown type "${type}" (one of: ${TYPES})`);
  if (type === "null") return { kind: "null" };
  if (typeof inner !== "string" && typeof inner !== "number" && typeof inner !== "boolean") throw new ProtocolError(`${where}: ${type} takes a number or a string`);
  try {
    return parseTypedValue(type, String(inner));
  } catch (e) {
    throw new ProtocolError(`${where}: ${(e as Error).message}`);
  }
}

/** Parses a JSON A-XDR value from the command line. */
export function parseJsonValue(text: string): Data {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError(`value is not valid JSON (${(e as Error).message})`);
  }
  return fromJson(json, "value");
}

/** A Data value as plain JSON: numbers, strings (date-times as text, bytes as 0x hex), lists. */
export function dataToJson(d: Data): unknown {
  switch (d.kind) {
    case "null":
      return null;
    case "array":
    case "structure":
      return d.items.map(dataToJson);
    case "int":
      return d.value >= BigInt(Number.MIN_SAFE_INTEGER) && d.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(d.value) : d.value.toString();
    case "boolean":
    case "enum":
    case "float32":
    case "float64":
      return d.value;
    case "bit-string":
      return d.bits;
    case "visible-string":
    case "utf8-string":
      return d.text;
    case "octet-string":
      if (isDateTime(d)) return formatData(d);
      if (d.bytes.length > 0 && d.bytes.every((b) => b >= 0x20 && b < 0x7f)) return String.fromCharCode(...d.bytes);
      return `0x${Buffer.from(d.bytes).toString("hex").toUpperCase()}`;
  }
}
