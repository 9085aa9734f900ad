/**
 * The ACTION service (dlms-lite section 4): ACTION-Request-Normal on a method of the object
 * model, with optional return data. During HLS (association pending) only the pass-3 reply to
 * the current association is served (the session filters; `hlsReply` below completes it).
 */
import { ASSOCIATION_STATUS, type Association } from "./association";
import { AxdrReader, type AxdrWriter, DecodeError, type DlmsData } from "./axdr";
import { methodDef } from "./object-model";
import { APDU_OFFSET, type DlmsSession } from "./session";
import { ACTION, APDU, CONFORMANCE, EXCEPTION_SERVICE, EXCEPTION_STATE, RESULT } from "./xdlms";
import { readDescriptor } from "./xdlms-pdu";

/** C7 01 invoke result 01 00 */
const ACTION_DATA_HEADER = 6;

export function handleAction(s: DlmsSession, a: Association, bytes: Uint8Array, start: number, end: number): void {
  const r = new AxdrReader(bytes, start + 1, end);
  const type = r.u8();
  const invoke = r.u8();
  if (type !== ACTION.normal) {
    s.sendException(EXCEPTION_STATE.serviceUnknown, EXCEPTION_SERVICE.serviceNotSupported);
    return;
  }
  if (!(a.conformance & CONFORMANCE.action)) {
    s.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
    return;
  }
  const d = s.request;
  readDescriptor(r, d);
  let parameter: DlmsData | null = null;
  let malformed = false;
  if (r.u8() !== 0) {
    try {
      parameter = r.data();
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      malformed = true;
    }
  }
  if (!malformed && r.remaining !== 0) malformed = true;
  const w = s.w;
  const apdu = APDU_OFFSET;
  const dataStart = apdu + ACTION_DATA_HEADER;
  w.length = dataStart;
  let result: number = malformed ? RESULT.typeUnmatched : invokeMethod(s, a, d.classId, bytes, d.lnOffset, d.member, parameter, w);
  let withData = result === 0 && w.length > dataStart;
  if (withData && w.length - apdu > s.sendCapacity(a)) {
    result = RESULT.otherReason;
    withData = false;
  }
  const b = w.bytes;
  b[apdu] = APDU.actionResponse;
  b[apdu + 1] = ACTION.normal;
  b[apdu + 2] = invoke;
  b[apdu + 3] = result;
  if (withData) {
    b[apdu + 4] = 1;
    b[apdu + 5] = 0;
    s.send(w.length - apdu);
  } else {
    b[apdu + 4] = 0;
    s.send(5);
  }
}

function invokeMethod(s: DlmsSession, a: Association, classId: number, bytes: Uint8Array, lnOffset: number, method: number, parameter: DlmsData | null, w: AxdrWriter): number {
  const index = s.settings.model.indexAt(bytes, lnOffset);
  if (index < 0) return RESULT.objectUndefined;
  const obj = s.object(index);
  if (obj.cls.classId !== classId) return RESULT.objectUndefined;
  if (!a.policy.canSee(obj)) return RESULT.readWriteDenied;
  const def = methodDef(obj.cls, method);
  if (!def) return RESULT.objectUndefined;
  const hlsReply = a.security?.pending === true;
  if (!hlsReply && !a.policy.canInvoke(obj, method)) return RESULT.readWriteDenied;
  const mark = w.length;
  try {
    const result = def.invoke(parameter, s.context(a, obj, 0, null), w);
    if (result !== 0) w.length = mark;
    if (hlsReply && result === 0 && !a.security!.pending) a.status = ASSOCIATION_STATUS.associated;
    return result;
  } catch (e) {
    s.settings.log.error(`DLMS: method ${method} of ${obj.obis} failed: ${(e as Error).message}`);
    w.length = mark;
    return RESULT.otherReason;
  }
}
