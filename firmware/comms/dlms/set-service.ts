/**
 * The SET service (dlms-lite section 4): SET-Request-Normal, and with datablocks (collected by
 * block-transfer.ts). A value is applied only when it decodes completely and the association
 * may write the attribute; every outcome is a data-access-result.
 */
import type { Association } from "./association";
import { AxdrReader, DecodeError, type DlmsData } from "./axdr";
import { collectSetBlock, type PendingSet, readSetDatablock, sendSetLast } from "./block-transfer";
import { AxdrWriter } from "./axdr";
import { attributeDef } from "./object-model";
import type { DlmsSession } from "./session";
import { APDU, CONFORMANCE, EXCEPTION_SERVICE, EXCEPTION_STATE, RESULT, SET, SET_RESPONSE } from "./xdlms";
import { readAttributeDescriptor } from "./xdlms-pdu";

export function handleSet(s: DlmsSession, a: Association, bytes: Uint8Array, start: number, end: number): void {
  const r = new AxdrReader(bytes, start + 1, end);
  const type = r.u8();
  const invoke = r.u8();
  if (!(a.conformance & CONFORMANCE.set)) {
    s.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
    return;
  }
  if (type === SET.normal || type === SET.firstDatablock) {
    const d = s.request;
    readAttributeDescriptor(r, d, false);
    const classId = d.classId;
    const ln = r.bytes.subarray(d.lnOffset, d.lnOffset + 6);
    const attribute = d.member;
    const selector = d.selector;
    if (type === SET.normal) {
      let value: DlmsData | null = null;
      let result: number;
      try {
        value = r.data();
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
      }
      if (value === null || r.remaining !== 0) result = RESULT.typeUnmatched;
      else result = writeAttribute(s, a, classId, ln, attribute, selector, value);
      s.sendSmall([APDU.setResponse, SET_RESPONSE.normal, invoke, result]);
      return;
    }
    const block = readSetDatablock(s, a, r);
    if (!block) return;
    const { last, blockNumber, chunk } = block;
    a.pendingSet = null;
    let check = writeAccess(s, a, classId, ln, attribute, selector);
    if (check === 0 && blockNumber !== 1) check = RESULT.dataBlockUnavailable;
    if (check !== 0) {
      sendSetLast(s, invoke, check, blockNumber);
      return;
    }
    const max = s.settings.maxSetBlockBytes;
    const data = new AxdrWriter(Math.min(max, Math.max(64, chunk.length * 2)), max);
    const pending: PendingSet = { classId, ln: ln.slice(), attribute, blockNumber, data };
    finishSet(s, a, pending, invoke, last, blockNumber, chunk);
    return;
  }
  if (type === SET.datablock) {
    const block = readSetDatablock(s, a, r);
    if (!block) return;
    const { last, blockNumber, chunk } = block;
    const pending = a.pendingSet;
    a.pendingSet = null;
    if (!pending || blockNumber !== pending.blockNumber + 1) {
      sendSetLast(s, invoke, RESULT.dataBlockUnavailable, blockNumber);
      return;
    }
    pending.blockNumber = blockNumber;
    finishSet(s, a, pending, invoke, last, blockNumber, chunk);
    return;
  }
  s.sendException(EXCEPTION_STATE.serviceUnknown, EXCEPTION_SERVICE.serviceNotSupported);
}

/** Adds a datablock; after the last one decodes the value and applies it. */
function finishSet(s: DlmsSession, a: Association, pending: PendingSet, invoke: number, last: boolean, blockNumber: number, chunk: Uint8Array): void {
  const collected = collectSetBlock(s, a, pending, invoke, last, blockNumber, chunk);
  if (!collected) return;
  let result: number;
  try {
    const r = new AxdrReader(collected.bytes, 0, collected.length);
    const value = r.data();
    result = r.remaining === 0 ? writeAttribute(s, a, pending.classId, pending.ln, pending.attribute, 0, value) : RESULT.typeUnmatched;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    result = RESULT.typeUnmatched;
  }
  sendSetLast(s, invoke, result, blockNumber);
}

/** 0 when association `a` may write the attribute, else the data-access-result. */
function writeAccess(s: DlmsSession, a: Association, classId: number, ln: Uint8Array, attribute: number, selector: number): number {
  const index = s.settings.model.indexAt(ln, 0);
  if (index < 0) return RESULT.objectUndefined;
  const obj = s.object(index);
  if (obj.cls.classId !== classId) return RESULT.objectUndefined;
  if (!a.policy.canSee(obj)) return RESULT.readWriteDenied;
  if (attribute === 1) return RESULT.readWriteDenied;
  const def = attributeDef(obj.cls, attribute);
  if (!def) return RESULT.objectUndefined;
  if (!def.set || !a.policy.canWrite(obj, attribute)) return RESULT.readWriteDenied;
  if (selector !== 0) return RESULT.scopeOfAccessViolated;
  return 0;
}

function writeAttribute(s: DlmsSession, a: Association, classId: number, ln: Uint8Array, attribute: number, selector: number, value: DlmsData): number {
  const check = writeAccess(s, a, classId, ln, attribute, selector);
  if (check !== 0) return check;
  const obj = s.object(s.settings.model.indexAt(ln, 0));
  const set = attributeDef(obj.cls, attribute)!.set!;
  try {
    return set(value, s.context(a, obj, 0, null));
  } catch (e) {
    s.settings.log.error(`DLMS: writing ${obj.obis} attribute ${attribute} failed: ${(e as Error).message}`);
    return RESULT.otherReason;
  }
}
