/**
 * The client's own DLMS encoder/decoder, written apart from firmware/comms/dlms so that tests
 * which drive the server through it cross-check two implementations. Integers are bigint here.
 */
export type Data =
  | { kind: "null" }
  | { kind: "array" | "structure"; items: Data[] }
  | { kind: "boolean"; value: boolean }
  | { kind: "bit-string"; bits: string }
  | { kind: "octet-string"; bytes: number[] }
  | { kind: "visible-string" | "utf8-string"; text: string }
  | { kind: "int"; tag: IntTag; value: bigint }
  | { kind: "enum"; value: number }
  | { kind: "float32" | "float64"; value: number };

export type IntTag = 5 | 6 | 15 | 16 | 17 | 18 | 20 | 21;

/** [tag, byte width, signed] of the integer types. */
const INT_TYPES: Record<IntTag, [number, boolean]> = {
  5: [4, true], 6: [4, false], 15: [1, true], 16: [2, true], 17: [1, false], 18: [2, false], 20: [8, true], 21: [8, false],
};

export const TYPE_NAMES: Record<string, number> = {
  null: 0, array: 1, structure: 2, boolean: 3, "bit-string": 4, "double-long": 5, "double-long-unsigned": 6,
  "octet-string": 9, "visible-string": 10, "utf8-string": 12, integer: 15, long: 16, unsigned: 17,
  "long-unsigned": 18, long64: 20, "long64-unsigned": 21, enum: 22, float32: 23, float64: 24,
};

export class ProtocolError extends Error {}

export const int = (tag: IntTag, value: number | bigint): Data => ({ kind: "int", tag, value: BigInt(value) });
export const octets = (bytes: ArrayLike<number>): Data => ({ kind: "octet-string", bytes: Array.from(bytes) });
export const struct = (...items: Data[]): Data => ({ kind: "structure", items });
export const array = (...items: Data[]): Data => ({ kind: "array", items });

export function pushLength(out: number[], n: number): void {
  if (n < 0x80) out.push(n);
  else if (n <= 0xff) out.push(0x81, n);
  else if (n <= 0xffff) out.push(0x82, n >> 8, n & 0xff);
  else if (n <= 0xffffff) out.push(0x83, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  else out.push(0x84, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

function pushInt(out: number[], value: bigint, width: number): void {
  const u = BigInt.asUintN(width * 8, value);
  for (let i = width - 1; i >= 0; i--) out.push(Number((u >> BigInt(8 * i)) & 0xffn));
}

export function encode(d: Data, out: number[] = []): number[] {
  switch (d.kind) {
    case "null":
      out.push(0);
      break;
    case "array":
    case "structure":
      out.push(d.kind === "array" ? 1 : 2);
      pushLength(out, d.items.length);
      for (const i of d.items) encode(i, out);
      break;
    case "boolean":
      out.push(3, d.value ? 1 : 0);
      break;
    case "bit-string": {
      out.push(4);
      pushLength(out, d.bits.length);
      for (let i = 0; i < d.bits.length; i += 8) out.push(parseInt(d.bits.slice(i, i + 8).padEnd(8, "0"), 2));
      break;
    }
    case "octet-string":
      out.push(9);
      pushLength(out, d.bytes.length);
      out.push(...d.bytes);
      break;
    case "visible-string":
    case "utf8-string": {
      const bytes = Array.from(Buffer.from(d.text, d.kind === "visible-string" ? "latin1" : "utf8"));
      out.push(d.kind === "visible-string" ? 10 : 12);
      pushLength(out, bytes.length);
      out.push(...bytes);
      break;
    }
    case "int":
      out.push(d.tag);
      pushInt(out, d.value, INT_TYPES[d.tag][0]);
      break;
    case "enum":
      out.push(22, d.value & 0xff);
      break;
    case "float32": {
      const b = Buffer.alloc(4);
      b.writeFloatBE(d.value);
      out.push(23, ...b);
      break;
    }
    case "float64": {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(d.value);
      out.push(24, ...b);
      break;
    }
  }
  return out;
}

/** A cursor over received bytes. */
export class Cursor {
  constructor(readonly bytes: Uint8Array, public pos = 0) {}
  get left(): number {
    return this.bytes.length - this.pos;
  }
  take(n: number): Uint8Array {
    if (n > this.left) throw new ProtocolError(`message truncated (wanted ${n} bytes, ${this.left} left)`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  byte(): number {
    return this.take(1)[0];
  }
  uint(width: number): number {
    let v = 0;
    for (const b of this.take(width)) v = v * 256 + b;
    return v;
  }
  length(): number {
    const first = this.byte();
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n < 1 || n > 4) throw new ProtocolError(`bad length byte ${first}`);
    return this.uint(n);
  }
}

export function decode(c: Cursor): Data {
  const tag = c.byte();
  if (tag in INT_TYPES) {
    const [width, signed] = INT_TYPES[tag as IntTag];
    let v = 0n;
    for (const b of c.take(width)) v = (v << 8n) | BigInt(b);
    return { kind: "int", tag: tag as IntTag, value: signed ? BigInt.asIntN(width * 8, v) : v };
  }
  switch (tag) {
    case 0:
      return { kind: "null" };
    case 1:
    case 2: {
      const n = c.length();
      const items: Data[] = [];
      for (let i = 0; i < n; i++) items.push(decode(c));
      return { kind: tag === 1 ? "array" : "structure", items };
    }
    case 3:
      return { kind: "boolean", value: c.byte() !== 0 };
    case 4: {
      const n = c.length();
      const bytes = c.take(Math.ceil(n / 8));
      const bits = Array.from(bytes, (b) => b.toString(2).padStart(8, "0")).join("").slice(0, n);
      return { kind: "bit-string", bits };
    }
    case 9:
      return { kind: "octet-string", bytes: Array.from(c.take(c.length())) };
    case 10:
      return { kind: "visible-string", text: Buffer.from(c.take(c.length())).toString("latin1") };
    case 12:
      return { kind: "utf8-string", text: Buffer.from(c.take(c.length())).toString("utf8") };
    case 22:
      return { kind: "enum", value: c.byte() };
    case 23:
      return { kind: "float32", value: Buffer.from(c.take(4)).readFloatBE(0) };
    case 24:
      return { kind: "float64", value: Buffer.from(c.take(8)).readDoubleBE(0) };
    default:
      throw new ProtocolError(`unknown data type tag ${tag}`);
  }
}

export function decodeAll(bytes: Uint8Array): Data {
  const c = new Cursor(bytes);
  const d = decode(c);
  if (c.left !== 0) throw new ProtocolError(`${c.left} unexpected bytes after the value`);
  return d;
}

export function obisBytes(text: string): number[] {
  const parts = text.split(".").map(Number);
  if (parts.length !== 6 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new ProtocolError(`"${text}" is not an OBIS code A.B.C.D.E.F`);
  return parts;
}

export function obisText(bytes: ArrayLike<number>): string {
  return Array.from(bytes).join(".");
}

// ---- APDUs ----

const DLMS_OID = [0x60, 0x85, 0x74, 0x05, 0x08];

function ber(tag: number, content: number[]): number[] {
  const out = [tag];
  if (content.length < 0x80) out.push(content.length);
  else out.push(0x81, content.length);
  return out.concat(content);
}

export interface AssociationRequest {
  mechanism: 0 | 1;
  password?: Uint8Array;
  conformance: number;
  maxReceivePdu: number;
}

export function aarq(r: AssociationRequest): number[] {
  const initiate = [0x01, 0x00, 0x00, 0x00, 0x06, 0x5f, 0x1f, 0x04, 0x00, (r.conformance >> 16) & 0xff, (r.conformance >> 8) & 0xff, r.conformance & 0xff, (r.maxReceivePdu >> 8) & 0xff, r.maxReceivePdu & 0xff];
  let body = ber(0xa1, ber(0x06, [...DLMS_OID, 1, 1]));
  if (r.mechanism === 1) {
    body = body.concat(ber(0x8a, [0x07, 0x80]), ber(0x8b, [...DLMS_OID, 2, 1]), ber(0xac, ber(0x80, Array.from(r.password ?? []))));
  }
  body = body.concat(ber(0xbe, ber(0x04, initiate)));
  return ber(0x60, body);
}

export interface AssociationResponse {
  result: number;
  diagnostic: number;
  conformance: number;
  serverMaxReceivePdu: number;
}

export function parseAare(apdu: Uint8Array): AssociationResponse {
  const c = new Cursor(apdu);
  if (c.byte() !== 0x61) throw new ProtocolError("expected an AARE");
  const end = c.length() + c.pos;
  const out: AssociationResponse = { result: -1, diagnostic: -1, conformance: 0, serverMaxReceivePdu: 0 };
  while (c.pos < end) {
    const tag = c.byte();
    const content = new Cursor(c.take(c.length()));
    if (tag === 0xa2) {
      content.byte();
      content.byte();
      out.result = content.byte();
    } else if (tag === 0xa3) {
      content.take(4);
      out.diagnostic = content.byte();
    } else if (tag === 0xbe) {
      content.byte();
      content.length();
      const kind = content.byte();
      if (kind === 0x08) {
        if (content.byte() !== 0) content.byte();
        content.byte(); // version
        content.take(4);
        out.conformance = content.uint(3);
        out.serverMaxReceivePdu = content.uint(2);
      }
    }
  }
  return out;
}

export const rlrq = (): number[] => [0x62, 0x03, 0x80, 0x01, 0x00];

/** Selective access {selector, parameters} or none. */
export interface Selection {
  selector: number;
  parameters: Data;
}

function descriptor(classId: number, obis: string, id: number): number[] {
  return [classId >> 8, classId & 0xff, ...obisBytes(obis), id & 0xff];
}

function selection(s?: Selection): number[] {
  return s ? [0x01, s.selector, ...encode(s.parameters)] : [0x00];
}

export const getNormal = (invoke: number, classId: number, obis: string, attr: number, sel?: Selection): number[] =>
  [0xc0, 0x01, invoke, ...descriptor(classId, obis, attr), ...selection(sel)];

export const getNext = (invoke: number, block: number): number[] =>
  [0xc0, 0x02, invoke, (block >>> 24) & 0xff, (block >>> 16) & 0xff, (block >>> 8) & 0xff, block & 0xff];

export function getWithList(invoke: number, items: { classId: number; obis: string; attr: number; sel?: Selection }[]): number[] {
  const out = [0xc0, 0x03, invoke];
  pushLength(out, items.length);
  for (const i of items) out.push(...descriptor(i.classId, i.obis, i.attr), ...selection(i.sel));
  return out;
}

export const setNormal = (invoke: number, classId: number, obis: string, attr: number, value: Data): number[] =>
  [0xc1, 0x01, invoke, ...descriptor(classId, obis, attr), 0x00, ...encode(value)];

export function setFirstBlock(invoke: number, classId: number, obis: string, attr: number, last: boolean, chunk: number[]): number[] {
  const out = [0xc1, 0x02, invoke, ...descriptor(classId, obis, attr), 0x00, last ? 1 : 0, 0, 0, 0, 1];
  pushLength(out, chunk.length);
  return out.concat(chunk);
}

export function setBlock(invoke: number, block: number, last: boolean, chunk: number[]): number[] {
  const out = [0xc1, 0x03, invoke, last ? 1 : 0, (block >>> 24) & 0xff, (block >>> 16) & 0xff, (block >>> 8) & 0xff, block & 0xff];
  pushLength(out, chunk.length);
  return out.concat(chunk);
}

export const actionNormal = (invoke: number, classId: number, obis: string, method: number, parameter?: Data): number[] =>
  [0xc3, 0x01, invoke, ...descriptor(classId, obis, method), ...(parameter ? [0x01, ...encode(parameter)] : [0x00])];

/** A decoded server response (GET/SET/ACTION/exception). */
export type Response =
  | { type: "get-normal"; invoke: number; data?: Data; error?: number }
  | { type: "get-block"; invoke: number; last: boolean; block: number; raw?: Uint8Array; error?: number }
  | { type: "get-list"; invoke: number; results: { data?: Data; error?: number }[] }
  | { type: "set"; invoke: number; result: number; block?: number; last?: boolean }
  | { type: "action"; invoke: number; result: number; data?: Data; error?: number }
  | { type: "exception"; state: number; service: number }
  | { type: "rlre" };

export function parseResponse(apdu: Uint8Array): Response {
  const c = new Cursor(apdu);
  const tag = c.byte();
  if (tag === 0xd8) return { type: "exception", state: c.byte(), service: c.byte() };
  if (tag === 0x63) return { type: "rlre" };
  const kind = c.byte();
  const invoke = c.byte();
  const finish = <T>(r: T): T => {
    if (c.left !== 0) throw new ProtocolError(`${c.left} junk bytes after the response`);
    return r;
  };
  if (tag === 0xc4) {
    if (kind === 1) {
      const choice = c.byte();
      return finish(choice === 0 ? { type: "get-normal", invoke, data: decode(c) } : { type: "get-normal", invoke, error: c.byte() });
    }
    if (kind === 2) {
      const last = c.byte() !== 0;
      const block = c.uint(4);
      const choice = c.byte();
      if (choice === 0) return finish({ type: "get-block", invoke, last, block, raw: c.take(c.length()).slice() });
      return finish({ type: "get-block", invoke, last, block, error: c.byte() });
    }
    if (kind === 3) {
      const n = c.length();
      const results: { data?: Data; error?: number }[] = [];
      for (let i = 0; i < n; i++) results.push(c.byte() === 0 ? { data: decode(c) } : { error: c.byte() });
      return finish({ type: "get-list", invoke, results });
    }
  }
  if (tag === 0xc5) {
    if (kind === 1) return finish({ type: "set", invoke, result: c.byte() });
    if (kind === 2) return finish({ type: "set", invoke, result: 0, block: c.uint(4), last: false });
    if (kind === 3) {
      const result = c.byte();
      return finish({ type: "set", invoke, result, block: c.uint(4), last: true });
    }
  }
  if (tag === 0xc7 && kind === 1) {
    const result = c.byte();
    if (c.byte() === 0) return finish({ type: "action", invoke, result });
    const choice = c.byte();
    return finish(choice === 0 ? { type: "action", invoke, result, data: decode(c) } : { type: "action", invoke, result, error: c.byte() });
  }
  throw new ProtocolError(`unexpected response tag ${tag.toString(16)} ${kind}`);
}

// ---- WRAPPER ----

export function wrap(source: number, destination: number, apdu: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(8 + apdu.length);
  out.set([0, 1, source >> 8, source & 0xff, destination >> 8, destination & 0xff, apdu.length >> 8, apdu.length & 0xff]);
  out.set(Array.from(apdu), 8);
  return out;
}

/** Splits a byte stream into WRAPPER frames. */
export class FrameSplitter {
  private pending = new Uint8Array(0);
  push(chunk: Uint8Array): { source: number; destination: number; apdu: Uint8Array }[] {
    const merged = new Uint8Array(this.pending.length + chunk.length);
    merged.set(this.pending);
    merged.set(chunk, this.pending.length);
    const frames: { source: number; destination: number; apdu: Uint8Array }[] = [];
    let p = 0;
    while (merged.length - p >= 8) {
      if (merged[p] !== 0 || merged[p + 1] !== 1) throw new ProtocolError("bad WRAPPER version from the meter");
      const len = merged[p + 6] * 256 + merged[p + 7];
      if (merged.length - p < 8 + len) break;
      frames.push({ source: merged[p + 2] * 256 + merged[p + 3], destination: merged[p + 4] * 256 + merged[p + 5], apdu: merged.slice(p + 8, p + 8 + len) });
      p += 8 + len;
    }
    this.pending = merged.slice(p);
    return frames;
  }
}
