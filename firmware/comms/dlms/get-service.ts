/**
 * The GET service (dlms-lite section 4): GET-Request-Normal, -Next (block transfer) and
 * -With-List, answered from the object model. Reading one attribute (`readAttribute`) checks
 * the object, the class, the association's access rights and the selective access asked for.
 */
import type { Association } from "./association";
import { AxdrReader, type AxdrWriter, DecodeError, type DlmsData } from "./axdr";
import { continueLongGet, GET_NORMAL_HEADER, sendGetNormal, startLongGet } from "./block-transfer";
import { attributeDef, writeLogicalName } from "./object-model";
import { APDU_OFFSET, type DlmsSession } from "./session";
import { type ByteSource, BytesSource, PieceSource } from "./stream";
import { APDU, CONFORMANCE, EXCEPTION_SERVICE, EXCEPTION_STATE, GET, RESULT } from "./xdlms";
import { readAttributeDescriptor } from "./xdlms-pdu";

interface ListItem {
  classId: number;
  ln: Uint8Array;
  attribute: number;
  selector: number;
  parameters: DlmsData | null;
}

/** GET-with-list answer as a stream: count, then each item's Get-Data-Result read when reached. */
class ListSource extends PieceSource {
  constructor(private readonly items: ListItem[], private readonly session: DlmsSession, private readonly association: Association) {
    super();
  }
  protected get count(): number {
    return this.items.length;
  }
  protected begin(w: AxdrWriter): void {
    w.lengthField(this.items.length);
  }
  protected piece(i: number, w: AxdrWriter): ByteSource | null {
    const item = this.items[i];
    const mark = w.length;
    w.u8(0);
    const result = readAttribute(this.session, this.association, item.classId, item.ln, 0, item.attribute, item.selector, item.parameters, w);
    if (typeof result === "number") {
      if (result !== 0) {
        w.length = mark;
        w.u8(1);
        w.u8(result);
      }
      return null;
    }
    return result;
  }
}

export function handleGet(s: DlmsSession, a: Association, bytes: Uint8Array, start: number, end: number): void {
  const r = new AxdrReader(bytes, start + 1, end);
  const type = r.u8();
  const invoke = r.u8();
  if (!(a.conformance & CONFORMANCE.get)) {
    s.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
    return;
  }
  if (type === GET.normal) {
    const d = s.request;
    readAttributeDescriptor(r, d, true);
    if (r.remaining !== 0) throw new DecodeError("bytes after GET request");
    if (d.selector !== 0 && !(a.conformance & CONFORMANCE.selectiveAccess)) {
      s.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
      return;
    }
    a.longGet = null; // a new GET abandons an unfinished long one
    getNormal(s, a, invoke, d.classId, bytes, d.lnOffset, d.member, d.selector, d.parameters);
    return;
  }
  if (type === GET.next) {
    const blockNumber = r.u32();
    if (r.remaining !== 0) throw new DecodeError("bytes after GET next");
    continueLongGet(s, a, invoke, blockNumber);
    return;
  }
  if (type === GET.withList) {
    getWithList(s, a, invoke, r);
    return;
  }
  s.sendException(EXCEPTION_STATE.serviceUnknown, EXCEPTION_SERVICE.serviceNotSupported);
}

function getWithList(s: DlmsSession, a: Association, invoke: number, r: AxdrReader): void {
  if (!(a.conformance & CONFORMANCE.multipleReferences)) {
    s.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
    return;
  }
  const count = r.lengthField();
  if (count === 0 || count * 10 > r.remaining) throw new DecodeError("bad GET-with-list count");
  const items: ListItem[] = [];
  const d = s.request;
  for (let i = 0; i < count; i++) {
    readAttributeDescriptor(r, d, true);
    if (d.access && !(a.conformance & CONFORMANCE.selectiveAccess)) {
      s.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
      return;
    }
    items.push({ classId: d.classId, ln: r.bytes.slice(d.lnOffset, d.lnOffset + 6), attribute: d.member, selector: d.selector, parameters: d.parameters });
  }
  if (r.remaining !== 0) throw new DecodeError("bytes after GET-with-list");
  a.longGet = null;
  const source = new ListSource(items, s, a);
  const w = s.w;
  const at = APDU_OFFSET;
  const pdu = s.sendCapacity(a);
  w.length = at + 3;
  w.ensure(pdu);
  let n: number;
  try {
    n = source.read(w.bytes, w.length, pdu - 3);
  } catch (e) {
    s.settings.log.error(`DLMS: GET-with-list failed: ${(e as Error).message}`);
    s.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.otherReason);
    return;
  }
  if (source.done) {
    const b = w.bytes;
    b[at] = APDU.getResponse;
    b[at + 1] = GET.withList;
    b[at + 2] = invoke;
    s.send(3 + n);
    return;
  }
  startLongGet(s, a, invoke, source, w.bytes.slice(at + 3, at + 3 + n));
}

function getNormal(s: DlmsSession, a: Association, invoke: number, classId: number, bytes: Uint8Array, lnOffset: number, attribute: number, selector: number, parameters: DlmsData | null): void {
  const w = s.w;
  const dataStart = APDU_OFFSET + GET_NORMAL_HEADER;
  const capacity = s.sendCapacity(a) - GET_NORMAL_HEADER;
  w.length = dataStart;
  const result = readAttribute(s, a, classId, bytes, lnOffset, attribute, selector, parameters, w);
  if (typeof result === "number") {
    if (result === 0 && w.length - dataStart <= capacity) {
      sendGetNormal(s, invoke, 0, w.length - APDU_OFFSET);
      return;
    }
    if (result !== 0) {
      w.length = dataStart;
      w.u8(result);
      sendGetNormal(s, invoke, 1, GET_NORMAL_HEADER + 1);
      return;
    }
    startLongGet(s, a, invoke, new BytesSource(w.bytes.slice(dataStart, w.length)), null);
    return;
  }
  w.ensure(capacity);
  let n: number;
  try {
    n = result.read(w.bytes, dataStart, capacity);
  } catch (e) {
    s.settings.log.error(`DLMS: GET stream failed: ${(e as Error).message}`);
    w.length = dataStart;
    w.u8(RESULT.otherReason);
    sendGetNormal(s, invoke, 1, GET_NORMAL_HEADER + 1);
    return;
  }
  if (result.done) {
    w.length = dataStart + n;
    sendGetNormal(s, invoke, 0, GET_NORMAL_HEADER + n);
    return;
  }
  startLongGet(s, a, invoke, result, w.bytes.slice(dataStart, dataStart + n));
}

/** Resolves and reads one attribute into `w`: 0 (data written), an error code, or a stream. */
function readAttribute(
  s: DlmsSession, a: Association, classId: number, bytes: Uint8Array, lnOffset: number, attribute: number, selector: number, parameters: DlmsData | null, w: AxdrWriter,
): number | ByteSource {
  const index = s.settings.model.indexAt(bytes, lnOffset);
  if (index < 0) return RESULT.objectUndefined;
  const obj = s.object(index);
  if (obj.cls.classId !== classId) return RESULT.objectUndefined;
  const policy = a.policy;
  if (!policy.canSee(obj)) return RESULT.readWriteDenied;
  if (attribute === 1) {
    if (selector !== 0) return RESULT.scopeOfAccessViolated;
    writeLogicalName(w, obj.key);
    return 0;
  }
  const def = attributeDef(obj.cls, attribute);
  if (!def) return RESULT.objectUndefined;
  if (def.secret || !def.get || !policy.canRead(obj, attribute)) return RESULT.readWriteDenied;
  if (selector !== 0 && (!def.selectors || !def.selectors.includes(selector))) return RESULT.scopeOfAccessViolated;
  const ctx = s.context(a, obj, selector, parameters);
  const mark = w.length;
  try {
    return def.get(ctx, w);
  } catch (e) {
    s.settings.log.error(`DLMS: reading ${obj.obis} attribute ${attribute} failed: ${(e as Error).message}`);
    w.length = mark;
    return RESULT.otherReason;
  }
}
