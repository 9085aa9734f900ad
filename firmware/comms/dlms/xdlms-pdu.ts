/**
 * xDLMS service PDUs as values (dlms-lite sections 4 and 5): GET, SET and ACTION requests and
 * responses, each with an encoder and a decoder that reads exactly one PDU (trailing bytes or a
 * truncated PDU are a DecodeError). The server's services read a request's descriptor in place
 * with the same readers the decoders use (`readDescriptor`, `readAttributeDescriptor`), without
 * building these values; clients, tests and tools use both sides.
 */
import { AxdrReader, AxdrWriter, DecodeError, type DlmsData } from "./axdr";
import { ACTION, APDU, GET, SET, SET_RESPONSE } from "./xdlms";

/** Cosem-Attribute-Descriptor, with the optional selective access. */
export interface AttributeRef {
  classId: number;
  /** OBIS, 6 bytes. */
  ln: Uint8Array;
  attribute: number;
  access: { selector: number; parameters: DlmsData } | null;
}

/** Cosem-Method-Descriptor. */
interface MethodRef {
  classId: number;
  ln: Uint8Array;
  method: number;
}

/** Get-Data-Result and the like: data, or a data-access-result code. */
export type DataResult = { data: DlmsData } | { error: number };

export type GetRequest =
  | { type: "normal"; invoke: number; ref: AttributeRef }
  | { type: "next"; invoke: number; blockNumber: number }
  | { type: "withList"; invoke: number; refs: AttributeRef[] };

export type GetResponse =
  | { type: "normal"; invoke: number; result: DataResult }
  | { type: "block"; invoke: number; last: boolean; blockNumber: number; result: { raw: Uint8Array } | { error: number } }
  | { type: "withList"; invoke: number; results: DataResult[] };

export type SetRequest =
  | { type: "normal"; invoke: number; ref: AttributeRef; value: DlmsData }
  | { type: "firstDatablock"; invoke: number; ref: AttributeRef; last: boolean; blockNumber: number; raw: Uint8Array }
  | { type: "datablock"; invoke: number; last: boolean; blockNumber: number; raw: Uint8Array };

export type SetResponse =
  | { type: "normal"; invoke: number; result: number }
  | { type: "datablock"; invoke: number; blockNumber: number }
  | { type: "lastDatablock"; invoke: number; result: number; blockNumber: number };

export interface ActionRequest {
  type: "normal";
  invoke: number;
  ref: MethodRef;
  parameter: DlmsData | null;
}

export interface ActionResponse {
  type: "normal";
  invoke: number;
  result: number;
  /** Return parameters, when the method returned any. */
  returned: DataResult | null;
}

// ---- shared pieces ----

/**
 * A Cosem-Attribute- or -Method-Descriptor read in place: the logical name stays in the request's
 * bytes at `lnOffset`. The server's services read each request into their session's one (no
 * allocation per request); the decoders below copy out of it.
 */
export class DescriptorFields {
  classId = 0;
  lnOffset = 0;
  /** The attribute or method index (signed: negative ones are manufacturer specific). */
  member = 0;
  /** Whether an access selection followed (attribute descriptors only). */
  access = false;
  selector = 0;
  /** The access parameters; null when none, or when skipped. */
  parameters: DlmsData | null = null;
}

/** The fixed part of a descriptor: long-unsigned class id, 6-byte logical name, integer index. */
const DESCRIPTOR_BYTES = 9;

/** Class id, logical name (its offset) and attribute or method index, into `d`. */
export function readDescriptor(r: AxdrReader, d: DescriptorFields): void {
  r.need(DESCRIPTOR_BYTES);
  const b = r.bytes;
  const p = r.pos;
  d.classId = (b[p] << 8) | b[p + 1];
  d.lnOffset = p + 2;
  d.member = (b[p + 8] << 24) >> 24;
  r.pos = p + DESCRIPTOR_BYTES;
}

/**
 * Reads an attribute descriptor with its optional access selection into `d`. With `keep` false
 * the access parameters are checked and skipped, not built.
 */
export function readAttributeDescriptor(r: AxdrReader, d: DescriptorFields, keep: boolean): void {
  readDescriptor(r, d);
  d.selector = 0;
  d.parameters = null;
  d.access = r.u8() !== 0;
  if (!d.access) return;
  d.selector = r.u8();
  if (keep) d.parameters = r.data();
  else r.skipData();
}

function writeAttributeRef(w: AxdrWriter, ref: AttributeRef): void {
  w.u16(ref.classId);
  writeLn(w, ref.ln);
  w.u8(ref.attribute & 0xff);
  if (ref.access) {
    w.u8(1);
    w.u8(ref.access.selector);
    w.data(ref.access.parameters);
  } else {
    w.u8(0);
  }
}

function readAttributeRef(r: AxdrReader): AttributeRef {
  const d = new DescriptorFields();
  readAttributeDescriptor(r, d, true);
  const access = d.access ? { selector: d.selector, parameters: d.parameters! } : null;
  return { classId: d.classId, ln: copyLn(r, d), attribute: d.member, access };
}

function copyLn(r: AxdrReader, d: DescriptorFields): Uint8Array {
  return r.bytes.slice(d.lnOffset, d.lnOffset + 6);
}

function writeLn(w: AxdrWriter, ln: Uint8Array): void {
  if (ln.length !== 6) throw new RangeError("a logical name has 6 bytes");
  w.raw(ln);
}

function writeDataResult(w: AxdrWriter, result: DataResult): void {
  if ("data" in result) {
    w.u8(0);
    w.data(result.data);
  } else {
    w.u8(1);
    w.u8(result.error);
  }
}

function readDataResult(r: AxdrReader): DataResult {
  return r.u8() === 0 ? { data: r.data() } : { error: r.u8() };
}

function writeBlock(w: AxdrWriter, last: boolean, blockNumber: number, raw: Uint8Array): void {
  w.u8(last ? 1 : 0);
  w.u32(blockNumber);
  w.lengthField(raw.length);
  w.raw(raw);
}

function reader(bytes: Uint8Array, tag: number): AxdrReader {
  const r = new AxdrReader(bytes);
  const got = r.u8();
  if (got !== tag) throw new DecodeError(`APDU tag ${got}, expected ${tag}`);
  return r;
}

function finish<T>(r: AxdrReader, value: T): T {
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} bytes after the APDU`);
  return value;
}

function unknownChoice(service: string, choice: number): never {
  throw new DecodeError(`${service} choice ${choice} is not supported`);
}

// ---- GET ----

export function encodeGetRequest(p: GetRequest): Uint8Array {
  const w = new AxdrWriter(32);
  w.u8(APDU.getRequest);
  w.u8(GET[p.type]);
  w.u8(p.invoke);
  if (p.type === "normal") writeAttributeRef(w, p.ref);
  else if (p.type === "next") w.u32(p.blockNumber);
  else {
    w.lengthField(p.refs.length);
    for (const ref of p.refs) writeAttributeRef(w, ref);
  }
  return w.toBytes();
}

export function decodeGetRequest(bytes: Uint8Array): GetRequest {
  const r = reader(bytes, APDU.getRequest);
  const choice = r.u8();
  const invoke = r.u8();
  if (choice === GET.normal) return finish(r, { type: "normal", invoke, ref: readAttributeRef(r) });
  if (choice === GET.next) return finish(r, { type: "next", invoke, blockNumber: r.u32() });
  if (choice === GET.withList) {
    const n = r.lengthField();
    const refs: AttributeRef[] = [];
    for (let i = 0; i < n; i++) refs.push(readAttributeRef(r));
    return finish(r, { type: "withList", invoke, refs });
  }
  return unknownChoice("GET-Request", choice);
}

export function encodeGetResponse(p: GetResponse): Uint8Array {
  const w = new AxdrWriter(32);
  w.u8(APDU.getResponse);
  if (p.type === "normal") {
    w.u8(GET.normal);
    w.u8(p.invoke);
    writeDataResult(w, p.result);
  } else if (p.type === "block") {
    w.u8(GET.next);
    w.u8(p.invoke);
    w.u8(p.last ? 1 : 0);
    w.u32(p.blockNumber);
    if ("raw" in p.result) {
      w.u8(0);
      w.lengthField(p.result.raw.length);
      w.raw(p.result.raw);
    } else {
      w.u8(1);
      w.u8(p.result.error);
    }
  } else {
    w.u8(GET.withList);
    w.u8(p.invoke);
    w.lengthField(p.results.length);
    for (const result of p.results) writeDataResult(w, result);
  }
  return w.toBytes();
}

export function decodeGetResponse(bytes: Uint8Array): GetResponse {
  const r = reader(bytes, APDU.getResponse);
  const choice = r.u8();
  const invoke = r.u8();
  if (choice === GET.normal) return finish(r, { type: "normal", invoke, result: readDataResult(r) });
  if (choice === GET.next) {
    const last = r.u8() !== 0;
    const blockNumber = r.u32();
    const result = r.u8() === 0 ? { raw: r.bytesOf(r.lengthField()).slice() } : { error: r.u8() };
    return finish(r, { type: "block", invoke, last, blockNumber, result });
  }
  if (choice === GET.withList) {
    const n = r.lengthField();
    const results: DataResult[] = [];
    for (let i = 0; i < n; i++) results.push(readDataResult(r));
    return finish(r, { type: "withList", invoke, results });
  }
  return unknownChoice("GET-Response", choice);
}

// ---- SET ----

export function encodeSetRequest(p: SetRequest): Uint8Array {
  const w = new AxdrWriter(32);
  w.u8(APDU.setRequest);
  w.u8(SET[p.type]);
  w.u8(p.invoke);
  if (p.type === "normal") {
    writeAttributeRef(w, p.ref);
    w.data(p.value);
  } else if (p.type === "firstDatablock") {
    writeAttributeRef(w, p.ref);
    writeBlock(w, p.last, p.blockNumber, p.raw);
  } else {
    writeBlock(w, p.last, p.blockNumber, p.raw);
  }
  return w.toBytes();
}

export function decodeSetRequest(bytes: Uint8Array): SetRequest {
  const r = reader(bytes, APDU.setRequest);
  const choice = r.u8();
  const invoke = r.u8();
  if (choice === SET.normal) {
    const ref = readAttributeRef(r);
    return finish(r, { type: "normal", invoke, ref, value: r.data() });
  }
  if (choice === SET.firstDatablock || choice === SET.datablock) {
    const ref = choice === SET.firstDatablock ? readAttributeRef(r) : null;
    const last = r.u8() !== 0;
    const blockNumber = r.u32();
    const raw = r.bytesOf(r.lengthField()).slice();
    return finish(r, ref ? { type: "firstDatablock", invoke, ref, last, blockNumber, raw } : { type: "datablock", invoke, last, blockNumber, raw });
  }
  return unknownChoice("SET-Request", choice);
}

export function encodeSetResponse(p: SetResponse): Uint8Array {
  const w = new AxdrWriter(16);
  w.u8(APDU.setResponse);
  w.u8(SET_RESPONSE[p.type]);
  w.u8(p.invoke);
  if (p.type === "normal") w.u8(p.result);
  else if (p.type === "datablock") w.u32(p.blockNumber);
  else {
    w.u8(p.result);
    w.u32(p.blockNumber);
  }
  return w.toBytes();
}

export function decodeSetResponse(bytes: Uint8Array): SetResponse {
  const r = reader(bytes, APDU.setResponse);
  const choice = r.u8();
  const invoke = r.u8();
  if (choice === SET_RESPONSE.normal) return finish(r, { type: "normal", invoke, result: r.u8() });
  if (choice === SET_RESPONSE.datablock) return finish(r, { type: "datablock", invoke, blockNumber: r.u32() });
  if (choice === SET_RESPONSE.lastDatablock) {
    const result = r.u8();
    return finish(r, { type: "lastDatablock", invoke, result, blockNumber: r.u32() });
  }
  return unknownChoice("SET-Response", choice);
}

// ---- ACTION ----

export function encodeActionRequest(p: ActionRequest): Uint8Array {
  const w = new AxdrWriter(32);
  w.u8(APDU.actionRequest);
  w.u8(ACTION.normal);
  w.u8(p.invoke);
  w.u16(p.ref.classId);
  writeLn(w, p.ref.ln);
  w.u8(p.ref.method & 0xff);
  if (p.parameter) {
    w.u8(1);
    w.data(p.parameter);
  } else {
    w.u8(0);
  }
  return w.toBytes();
}

export function decodeActionRequest(bytes: Uint8Array): ActionRequest {
  const r = reader(bytes, APDU.actionRequest);
  const choice = r.u8();
  if (choice !== ACTION.normal) return unknownChoice("ACTION-Request", choice);
  const invoke = r.u8();
  const d = new DescriptorFields();
  readDescriptor(r, d);
  const parameter = r.u8() !== 0 ? r.data() : null;
  return finish(r, { type: "normal", invoke, ref: { classId: d.classId, ln: copyLn(r, d), method: d.member }, parameter });
}

export function encodeActionResponse(p: ActionResponse): Uint8Array {
  const w = new AxdrWriter(16);
  w.u8(APDU.actionResponse);
  w.u8(ACTION.normal);
  w.u8(p.invoke);
  w.u8(p.result);
  if (p.returned) {
    w.u8(1);
    writeDataResult(w, p.returned);
  } else {
    w.u8(0);
  }
  return w.toBytes();
}

export function decodeActionResponse(bytes: Uint8Array): ActionResponse {
  const r = reader(bytes, APDU.actionResponse);
  const choice = r.u8();
  if (choice !== ACTION.normal) return unknownChoice("ACTION-Response", choice);
  const invoke = r.u8();
  const result = r.u8();
  const returned = r.u8() !== 0 ? readDataResult(r) : null;
  return finish(r, { type: "normal", invoke, result, returned });
}
