/** Human-readable values: date-times, scaler-applied units, enums by name. */
import { type Data, int, octets, ProtocolError, TYPE_NAMES, type IntTag } from "./codec";

export const UNIT_NAMES: Record<number, string> = {
  1: "a", 2: "mo", 3: "wk", 4: "d", 5: "h", 6: "min", 7: "s", 8: "°", 9: "°C", 13: "m3", 14: "m3", 27: "W", 28: "VA", 29: "var",
  30: "Wh", 31: "VAh", 32: "varh", 33: "A", 34: "C", 35: "V", 44: "Hz", 255: "",
};

/** Names of enum values by class and attribute. */
const ENUMS: Record<string, Record<number, string>> = {
  "7.5": { 1: "fifo", 2: "lifo", 3: "largest", 4: "smallest", 5: "nearest_to_zero", 6: "farthest_from_zero" },
  "8.9": { 0: "not_defined", 1: "internal_crystal", 2: "mains_frequency_50Hz", 3: "mains_frequency_60Hz", 4: "GPS", 5: "radio_controlled" },
  "15.8": { 0: "non-associated", 1: "association-pending", 2: "associated" },
  "64.2": { 0: "nothing", 1: "all_messages_authenticated", 2: "all_messages_encrypted", 3: "all_messages_authenticated_and_encrypted" },
  "64.3": { 0: "AES-GCM-128", 1: "ECDH-ECDSA-AES-GCM-128-SHA-256", 2: "ECDH-ECDSA-AES-GCM-256-SHA-384" },
  "70.3": { 0: "disconnected", 1: "connected", 2: "ready_for_reconnection" },
  "70.4": { 0: "always connected", 1: "mode 1", 2: "mode 2", 3: "mode 3", 4: "mode 4", 5: "mode 5", 6: "mode 6" },
  "40.3": { 0: "TCP", 1: "UDP" },
};

const CLOCK_STATUS_BITS: [number, string][] = [[0x01, "invalid"], [0x02, "doubtful"], [0x04, "different-base"], [0x08, "invalid-status"], [0x80, "DST"]];

export function isDateTime(d: Data): boolean {
  const b = d.kind === "octet-string" ? d.bytes : [];
  return b.length === 12 && ((b[2] >= 1 && b[2] <= 12) || b[2] >= 0xfd) && (b[0] * 256 + b[1] > 1900) && (b[9] * 256 + b[10] === 0x8000 || Math.abs(((b[9] * 256 + b[10]) << 16) >> 16) <= 840);
}

export function formatDateTime(b: number[]): string {
  const two = (v: number) => (v === 0xff ? "**" : String(v).padStart(2, "0"));
  const year = b[0] * 256 + b[1];
  const month = b[2] === 0xfe ? "DST-begin" : b[2] === 0xfd ? "DST-end" : two(b[2]);
  const weekday = b[4] >= 1 && b[4] <= 7 ? ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][b[4] - 1] : "";
  const day = b[3] === 0xfe ? `last ${weekday || "day"}` : b[3] === 0xfd ? `2nd-last ${weekday || "day"}` : two(b[3]);
  const date = `${year === 0xffff ? "****" : year}-${month}-${day}`;
  const time = `${two(b[5])}:${two(b[6])}:${two(b[7])}`;
  const rawDev = b[9] * 256 + b[10];
  let zone = "";
  if (rawDev !== 0x8000) {
    const dev = rawDev >= 0x8000 ? rawDev - 0x10000 : rawDev;
    const offset = -dev;
    const sign = offset < 0 ? "-" : "+";
    zone = ` UTC${sign}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0")}:${String(Math.abs(offset) % 60).padStart(2, "0")}`;
  }
  const flags = b[11] === 0xff ? [] : CLOCK_STATUS_BITS.filter(([bit]) => b[11] & bit).map(([, n]) => n);
  return `${date} ${time}${zone}${flags.length ? ` [${flags.join(", ")}]` : ""}`;
}

function printable(bytes: number[]): boolean {
  return bytes.length > 0 && bytes.every((b) => b >= 0x20 && b < 0x7f);
}

/** A value as text; `scale` applies a scaler_unit to numbers; `enumNames` names enum values. */
export function formatData(d: Data, opts: { scaler?: number; unit?: number; enumNames?: Record<number, string> } = {}): string {
  switch (d.kind) {
    case "null":
      return "null";
    case "boolean":
      return String(d.value);
    case "bit-string":
      return `bits ${d.bits}`;
    case "octet-string":
      if (isDateTime(d)) return formatDateTime(d.bytes);
      if (d.bytes.length === 4 && d.bytes[0] < 24 && d.bytes[1] < 60 && d.bytes[2] < 60 && d.bytes[3] < 100) return d.bytes.slice(0, 3).map((v) => String(v).padStart(2, "0")).join(":");
      if (d.bytes.length === 5 && d.bytes[2] >= 1 && (d.bytes[2] <= 12 || d.bytes[2] === 0xff)) return formatDateTime([...d.bytes, 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0xff]).split(" ")[0];
      if (d.bytes.length === 6 && !printable(d.bytes)) return d.bytes.join(".");
      return printable(d.bytes) ? `"${String.fromCharCode(...d.bytes)}"` : `0x${Buffer.from(d.bytes).toString("hex").toUpperCase()}`;
    case "visible-string":
    case "utf8-string":
      return `"${d.text}"`;
    case "enum":
      return opts.enumNames?.[d.value] !== undefined ? `${opts.enumNames[d.value]} (${d.value})` : String(d.value);
    case "float32":
    case "float64":
      return String(d.value);
    case "int":
      if (opts.scaler !== undefined) return scaled(d.value, opts.scaler, opts.unit);
      return d.value.toString();
    case "array":
    case "structure": {
      const inner = d.items.map((i) => formatData(i));
      return `${d.kind === "array" ? "[" : "{"}${inner.join(", ")}${d.kind === "array" ? "]" : "}"}`;
    }
  }
}

/** Exact decimal of value * 10^scaler with its unit. */
export function scaled(value: bigint, scaler: number, unit?: number): string {
  const u = unit !== undefined && UNIT_NAMES[unit] ? ` ${UNIT_NAMES[unit]}` : "";
  if (scaler >= 0) return `${(value * 10n ** BigInt(scaler)).toString()}${u}`;
  const neg = value < 0n;
  const digits = (neg ? -value : value).toString().padStart(-scaler + 1, "0");
  const whole = digits.slice(0, digits.length + scaler);
  const frac = digits.slice(digits.length + scaler);
  return `${neg ? "-" : ""}${whole}.${frac}${u}`;
}

export function enumNames(classId: number, attr: number): Record<number, string> | undefined {
  return ENUMS[`${classId}.${attr}`];
}

/** Parses `TYPE VALUE` from the command line into a Data value. */
export function parseTypedValue(type: string, value: string | undefined): Data {
  if (type === "null") return { kind: "null" };
  if (type === "date-time") {
    if (value === undefined) throw new ProtocolError("date-time needs a value");
    return octets(dateTimeFromText(value));
  }
  const tag = TYPE_NAMES[type];
  if (tag === undefined) throw new ProtocolError(`unknown type "${type}" (one of: ${Object.keys(TYPE_NAMES).join(", ")}, date-time)`);
  if (value === undefined) throw new ProtocolError(`${type} needs a value`);
  switch (tag) {
    case 3:
      if (value !== "true" && value !== "false") throw new ProtocolError("boolean is true or false");
      return { kind: "boolean", value: value === "true" };
    case 9:
      if (/^0x[0-9a-f]*$/i.test(value) && value.length % 2 === 0) return octets(Buffer.from(value.slice(2), "hex"));
      return octets(Buffer.from(value, "latin1"));
    case 10:
      return { kind: "visible-string", text: value };
    case 12:
      return { kind: "utf8-string", text: value };
    case 22:
      return { kind: "enum", value: Number(checkedInt(value, 0n, 255n, type)) };
    case 23:
    case 24:
      if (!Number.isFinite(Number(value))) throw new ProtocolError(`${type} needs a number`);
      return { kind: tag === 23 ? "float32" : "float64", value: Number(value) };
    case 4:
      if (!/^[01]+$/.test(value)) throw new ProtocolError("bit-string is a string of 0 and 1");
      return { kind: "bit-string", bits: value };
    default: {
      const limits: Record<number, [bigint, bigint]> = {
        5: [-(2n ** 31n), 2n ** 31n - 1n], 6: [0n, 2n ** 32n - 1n], 15: [-128n, 127n], 16: [-32768n, 32767n], 17: [0n, 255n], 18: [0n, 65535n],
        20: [-(2n ** 63n), 2n ** 63n - 1n], 21: [0n, 2n ** 64n - 1n],
      };
      const range = limits[tag];
      if (!range) throw new ProtocolError(`type ${type} cannot be given on the command line`);
      return int(tag as IntTag, checkedInt(value, range[0], range[1], type));
    }
  }
}

function checkedInt(text: string, min: bigint, max: bigint, type: string): bigint {
  if (!/^-?\d+$/.test(text)) throw new ProtocolError(`${type} needs an integer, got "${text}"`);
  const v = BigInt(text);
  if (v < min || v > max) throw new ProtocolError(`${type} must be in ${min}..${max}, got ${text}`);
  return v;
}

/**
 * "2026-11-24T16:20:00" (meter local time: deviation not specified), or with "Z" / "+01:00"
 * (deviation given). Returns the 12 date-time bytes.
 */
export function dateTimeFromText(text: string): number[] {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?(Z|[+-]\d{2}:\d{2})?$/.exec(text.trim());
  if (!m) throw new ProtocolError(`time "${text}" is not YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM]`);
  const [, y, mo, d, h = "0", mi = "0", s = "0", zone] = m;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const dt = new Date(local);
  if (dt.getUTCDate() !== Number(d)) throw new ProtocolError(`no such date ${text}`);
  let deviation = 0x8000;
  if (zone === "Z") deviation = 0;
  else if (zone) {
    const sign = zone[0] === "-" ? -1 : 1;
    const offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    deviation = (-offset) & 0xffff;
  }
  const dow = ((dt.getUTCDay() + 6) % 7) + 1;
  return [Number(y) >> 8, Number(y) & 0xff, Number(mo), Number(d), dow, Number(h), Number(mi), Number(s), 0, deviation >> 8, deviation & 0xff, 0xff];
}
