/**
 * Block transfer (dlms-lite section 5): a GET answer too long for one APDU goes out block by
 * block (GET-Response-With-Datablock, pulled from a ByteSource so it never exists whole), and a
 * SET value arrives in datablocks that are collected up to `maxSetBlockBytes`.
 */
import type { Association } from "./association";
import type { AxdrReader, AxdrWriter } from "./axdr";
import { DecodeError } from "./axdr";
import { APDU_OFFSET, type DlmsSession } from "./session";
import type { ByteSource } from "./stream";
import { APDU, CONFORMANCE, EXCEPTION_SERVICE, EXCEPTION_STATE, GET, RESULT, SET_RESPONSE } from "./xdlms";

/** C4 01 invoke choice */
export const GET_NORMAL_HEADER = 4;
/** C4 02 invoke last block-number(4) choice */
const BLOCK_HEADER = 9;

/** A GET answered in blocks: bytes already produced but not sent (`carry`), then the source. */
export class LongGet {
  blockNumber = 0;
  carryPos = 0;
  constructor(readonly source: ByteSource, readonly carry: Uint8Array | null) {}
  get done(): boolean {
    return (this.carry === null || this.carryPos >= this.carry.length) && this.source.done;
  }
  read(out: Uint8Array, offset: number, max: number): number {
    let n = 0;
    if (this.carry && this.carryPos < this.carry.length) {
      n = Math.min(max, this.carry.length - this.carryPos);
      out.set(this.carry.subarray(this.carryPos, this.carryPos + n), offset);
      this.carryPos += n;
    }
    if (n < max) n += this.source.read(out, offset + n, max - n);
    return n;
  }
}

/** A SET with datablocks in progress. */
export interface PendingSet {
  classId: number;
  ln: Uint8Array;
  attribute: number;
  blockNumber: number;
  data: AxdrWriter;
}

function writeU32(b: Uint8Array, offset: number, v: number): void {
  b[offset] = (v >>> 24) & 0xff;
  b[offset + 1] = (v >>> 16) & 0xff;
  b[offset + 2] = (v >>> 8) & 0xff;
  b[offset + 3] = v & 0xff;
}

/** GET-Response-Normal with the Get-Data-Result already at w[at + 4 ...). */
export function sendGetNormal(s: DlmsSession, invoke: number, choice: number, apduLength: number): void {
  const b = s.w.bytes;
  const at = APDU_OFFSET;
  b[at] = APDU.getResponse;
  b[at + 1] = GET.normal;
  b[at + 2] = invoke;
  b[at + 3] = choice;
  s.send(apduLength);
}

/** Starts answering a GET in blocks (or refuses when the client did not negotiate block transfer). */
export function startLongGet(s: DlmsSession, a: Association, invoke: number, source: ByteSource, carry: Uint8Array | null): void {
  if (!(a.conformance & CONFORMANCE.blockTransferWithGet)) {
    // Too large for one APDU and the client did not negotiate block transfer.
    const w = s.w;
    w.length = APDU_OFFSET + GET_NORMAL_HEADER;
    w.u8(RESULT.otherReason);
    sendGetNormal(s, invoke, 1, GET_NORMAL_HEADER + 1);
    return;
  }
  const lg = new LongGet(source, carry);
  a.longGet = lg;
  sendNextBlock(s, a, lg, invoke);
}

/** GET-Request-Next: the block the client asks for must be the one just sent. */
export function continueLongGet(s: DlmsSession, a: Association, invoke: number, blockNumber: number): void {
  if (!(a.conformance & CONFORMANCE.blockTransferWithGet)) {
    s.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
    return;
  }
  const lg = a.longGet;
  if (!lg) {
    sendBlockError(s, invoke, blockNumber, RESULT.noLongGetInProgress);
    return;
  }
  if (blockNumber !== lg.blockNumber) {
    a.longGet = null;
    sendBlockError(s, invoke, blockNumber, RESULT.dataBlockUnavailable);
    return;
  }
  sendNextBlock(s, a, lg, invoke);
}

function sendNextBlock(s: DlmsSession, a: Association, lg: LongGet, invoke: number): void {
  const pdu = s.sendCapacity(a);
  const lengthBytes = pdu - BLOCK_HEADER - 1 < 0x80 ? 1 : pdu - BLOCK_HEADER - 2 < 0x100 ? 2 : 3;
  const maxData = pdu - BLOCK_HEADER - lengthBytes;
  const w = s.w;
  const apdu = APDU_OFFSET;
  w.length = apdu;
  w.ensure(pdu + 4);
  const dataAt = apdu + BLOCK_HEADER + 3;
  let n: number;
  try {
    n = lg.read(w.bytes, dataAt, maxData);
  } catch (e) {
    s.settings.log.error(`DLMS: block ${lg.blockNumber + 1} failed: ${(e as Error).message}`);
    a.longGet = null;
    sendBlockError(s, invoke, lg.blockNumber + 1, RESULT.longGetAborted);
    return;
  }
  const last = lg.done;
  lg.blockNumber++;
  const b = w.bytes;
  b[apdu] = APDU.getResponse;
  b[apdu + 1] = GET.next;
  b[apdu + 2] = invoke;
  b[apdu + 3] = last ? 1 : 0;
  writeU32(b, apdu + 4, lg.blockNumber);
  b[apdu + 8] = 0; // raw-data
  w.length = apdu + BLOCK_HEADER;
  w.lengthField(n);
  // The length field may be shorter than reserved: move the data right behind it.
  if (w.length !== dataAt) b.copyWithin(w.length, dataAt, dataAt + n);
  w.length += n;
  if (last) a.longGet = null;
  s.send(w.length - apdu);
}

function sendBlockError(s: DlmsSession, invoke: number, blockNumber: number, code: number): void {
  const b = s.w.bytes;
  const apdu = APDU_OFFSET;
  b[apdu] = APDU.getResponse;
  b[apdu + 1] = GET.next;
  b[apdu + 2] = invoke;
  b[apdu + 3] = 1;
  writeU32(b, apdu + 4, blockNumber);
  b[apdu + 8] = 1; // data-access-result
  b[apdu + 9] = code;
  s.send(10);
}

/** The datablock of a SET with-first-datablock or with-datablock; null (answered) when block transfer was not negotiated. */
export function readSetDatablock(s: DlmsSession, a: Association, r: AxdrReader): { last: boolean; blockNumber: number; chunk: Uint8Array } | null {
  if (!(a.conformance & CONFORMANCE.blockTransferWithSet)) {
    s.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
    return null;
  }
  const last = r.u8() !== 0;
  const blockNumber = r.u32();
  const chunk = r.bytesOf(r.lengthField());
  if (r.remaining !== 0) throw new DecodeError("bytes after SET datablock");
  return { last, blockNumber, chunk };
}

/**
 * Adds a datablock to a pending SET: acknowledges it, or (last block) returns the collected
 * value's bytes for the SET service to apply. Returns null when answered here.
 */
export function collectSetBlock(s: DlmsSession, a: Association, pending: PendingSet, invoke: number, last: boolean, blockNumber: number, chunk: Uint8Array): AxdrWriter | null {
  if (pending.data.length + chunk.length > s.settings.maxSetBlockBytes) {
    sendSetLast(s, invoke, RESULT.otherReason, blockNumber);
    return null;
  }
  pending.data.raw(chunk);
  if (!last) {
    a.pendingSet = pending;
    sendSetBlockAck(s, invoke, blockNumber);
    return null;
  }
  return pending.data;
}

/** SET-Response-Datablock: the acknowledgement of a block that is not the last. */
function sendSetBlockAck(s: DlmsSession, invoke: number, blockNumber: number): void {
  sendSetBlockResponse(s, SET_RESPONSE.datablock, invoke, -1, blockNumber);
}

/** SET-Response-Last-Datablock. */
export function sendSetLast(s: DlmsSession, invoke: number, result: number, blockNumber: number): void {
  sendSetBlockResponse(s, SET_RESPONSE.lastDatablock, invoke, result, blockNumber);
}

/** A SET response about a datablock: choice, invoke id, the result (none when negative), the block number. */
function sendSetBlockResponse(s: DlmsSession, choice: number, invoke: number, result: number, blockNumber: number): void {
  const w = s.w;
  w.length = APDU_OFFSET;
  w.u8(APDU.setResponse);
  w.u8(choice);
  w.u8(invoke);
  if (result >= 0) w.u8(result);
  w.u32(blockNumber);
  s.send(w.length - APDU_OFFSET);
}
