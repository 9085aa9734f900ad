/**
 * xDLMS: the InitiateRequest/InitiateResponse carried in the ACSE user-information, the
 * conformance block, service tags, data-access-result codes and the Exception-Response.
 * Requests and responses of GET/SET/ACTION are parsed and written by the server directly
 * over the A-XDR reader and writer (see server.ts).
 */
import { AxdrReader, DecodeError } from "./axdr";
import { deepFreeze } from "../../kernel/freeze";

export const APDU = deepFreeze({
  initiateRequest: 0x01,
  initiateResponse: 0x08,
  confirmedServiceError: 0x0e,
  dataNotification: 0x0f,
  gloInitiateRequest: 0x21,
  gloInitiateResponse: 0x28,
  getRequest: 0xc0,
  setRequest: 0xc1,
  actionRequest: 0xc3,
  getResponse: 0xc4,
  setResponse: 0xc5,
  actionResponse: 0xc7,
  gloGetRequest: 0xc8,
  gloSetRequest: 0xc9,
  gloActionRequest: 0xcb,
  gloGetResponse: 0xcc,
  gloSetResponse: 0xcd,
  gloActionResponse: 0xcf,
  exceptionResponse: 0xd8,
  generalGloCiphering: 0xdb,
} as const);

export const GET = deepFreeze({ normal: 1, next: 2, withList: 3 } as const);
export const SET = deepFreeze({ normal: 1, firstDatablock: 2, datablock: 3 } as const);
export const SET_RESPONSE = deepFreeze({ normal: 1, datablock: 2, lastDatablock: 3 } as const);
export const ACTION = deepFreeze({ normal: 1 } as const);

/** Conformance bits as a 24-bit number: bit n of the Blue Book is 1 << (23 - n). */
export const CONFORMANCE = deepFreeze({
  generalProtection: 1 << 22,
  generalBlockTransfer: 1 << 21,
  attribute0WithSet: 1 << 15,
  priorityManagement: 1 << 14,
  attribute0WithGet: 1 << 13,
  blockTransferWithGet: 1 << 12,
  blockTransferWithSet: 1 << 11,
  blockTransferWithAction: 1 << 10,
  multipleReferences: 1 << 9,
  dataNotification: 1 << 7,
  access: 1 << 6,
  get: 1 << 4,
  set: 1 << 3,
  selectiveAccess: 1 << 2,
  action: 1 << 0,
} as const);

/** What this server implements for every association: 00 1A 1D. */
export const SERVER_CONFORMANCE =
  CONFORMANCE.blockTransferWithGet | CONFORMANCE.blockTransferWithSet | CONFORMANCE.multipleReferences |
  CONFORMANCE.get | CONFORMANCE.set | CONFORMANCE.selectiveAccess | CONFORMANCE.action;

/** Data-access-result (and action-result) codes, docs/dlms-profile.md section 3. */
export const RESULT = {
  success: 0,
  hardwareFault: 1,
  temporaryFailure: 2,
  readWriteDenied: 3,
  objectUndefined: 4,
  objectClassInconsistent: 9,
  objectUnavailable: 11,
  typeUnmatched: 12,
  scopeOfAccessViolated: 13,
  dataBlockUnavailable: 14,
  longGetAborted: 15,
  noLongGetInProgress: 16,
  otherReason: 250,
} as const;

export const EXCEPTION_STATE = deepFreeze({ serviceNotAllowed: 1, serviceUnknown: 2 } as const);
export const EXCEPTION_SERVICE = deepFreeze({
  operationNotPossible: 1,
  serviceNotSupported: 2,
  otherReason: 3,
  pduTooLong: 4,
  decipheringError: 5,
  invocationCounterError: 6,
} as const);

interface InitiateRequest {
  dedicatedKey: Uint8Array | null;
  responseAllowed: boolean;
  proposedQualityOfService: number | null;
  dlmsVersion: number;
  conformance: number;
  clientMaxReceivePdu: number;
}

/** Decodes an xDLMS InitiateRequest (tag 0x01) that fills `bytes` exactly. */
export function decodeInitiateRequest(bytes: Uint8Array): InitiateRequest {
  const r = new AxdrReader(bytes);
  if (r.u8() !== APDU.initiateRequest) throw new DecodeError("not an InitiateRequest");
  let dedicatedKey: Uint8Array | null = null;
  if (r.u8() !== 0) dedicatedKey = r.bytesOf(r.lengthField()).slice();
  let responseAllowed = true;
  if (r.u8() !== 0) responseAllowed = r.u8() !== 0;
  let proposedQualityOfService: number | null = null;
  if (r.u8() !== 0) proposedQualityOfService = r.i8();
  const dlmsVersion = r.u8();
  // Conformance: [APPLICATION 31] IMPLICIT BIT STRING (SIZE 24) = 5F 1F 04 00 b1 b2 b3.
  if (r.u8() !== 0x5f || r.u8() !== 0x1f || r.u8() !== 0x04) throw new DecodeError("bad conformance block");
  r.u8(); // unused bits
  const conformance = r.u8() * 0x10000 + r.u8() * 0x100 + r.u8();
  const clientMaxReceivePdu = r.u16();
  if (r.remaining !== 0) throw new DecodeError("bytes after InitiateRequest");
  return { dedicatedKey, responseAllowed, proposedQualityOfService, dlmsVersion, conformance, clientMaxReceivePdu };
}

export function encodeInitiateRequest(conformance: number, clientMaxReceivePdu: number, dlmsVersion = 6): Uint8Array {
  return new Uint8Array([
    APDU.initiateRequest, 0x00, 0x00, 0x00, dlmsVersion, 0x5f, 0x1f, 0x04, 0x00,
    (conformance >>> 16) & 0xff, (conformance >>> 8) & 0xff, conformance & 0xff,
    (clientMaxReceivePdu >>> 8) & 0xff, clientMaxReceivePdu & 0xff,
  ]);
}

/** InitiateResponse: no QoS, negotiated version, conformance, server max receive PDU, VAA 0x0007. */
export function encodeInitiateResponse(conformance: number, serverMaxReceivePdu: number, dlmsVersion = 6): Uint8Array {
  return new Uint8Array([
    APDU.initiateResponse, 0x00, dlmsVersion, 0x5f, 0x1f, 0x04, 0x00,
    (conformance >>> 16) & 0xff, (conformance >>> 8) & 0xff, conformance & 0xff,
    (serverMaxReceivePdu >>> 8) & 0xff, serverMaxReceivePdu & 0xff, 0x00, 0x07,
  ]);
}

interface InitiateResponse {
  dlmsVersion: number;
  conformance: number;
  serverMaxReceivePdu: number;
  vaaName: number;
}

export function decodeInitiateResponse(bytes: Uint8Array): InitiateResponse {
  const r = new AxdrReader(bytes);
  if (r.u8() !== APDU.initiateResponse) throw new DecodeError("not an InitiateResponse");
  if (r.u8() !== 0) r.u8();
  const dlmsVersion = r.u8();
  if (r.u8() !== 0x5f || r.u8() !== 0x1f || r.u8() !== 0x04) throw new DecodeError("bad conformance block");
  r.u8();
  const conformance = r.u8() * 0x10000 + r.u8() * 0x100 + r.u8();
  const serverMaxReceivePdu = r.u16();
  const vaaName = r.u16();
  return { dlmsVersion, conformance, serverMaxReceivePdu, vaaName };
}

/** ConfirmedServiceError initiateError(1) ServiceError initiate(6): 1 version too low, 2 incompatible conformance, 3 PDU too short. */
export function initiateError(code: number): Uint8Array {
  return new Uint8Array([APDU.confirmedServiceError, 0x01, 0x06, code]);
}

/** OBIS bytes to a number key (6 bytes, < 2^48, exact in a double). */
export function obisKeyAt(bytes: Uint8Array, offset: number): number {
  return ((((bytes[offset] * 256 + bytes[offset + 1]) * 256 + bytes[offset + 2]) * 256 + bytes[offset + 3]) * 256 + bytes[offset + 4]) * 256 + bytes[offset + 5];
}

/** "A.B.C.D.E.F" to 6 bytes; throws on a malformed code. */
export function parseObis(text: string): Uint8Array {
  const parts = text.split(".");
  if (parts.length !== 6) throw new RangeError(`OBIS "${text}" needs 6 fields A.B.C.D.E.F`);
  const out = new Uint8Array(6);
  // The common case without a regular expression per field (~80 XS computrons each): a field
  // that is its number written back (no sign, space, exponent or leading zero) is digits only.
  let i = 0;
  for (; i < 6; i++) {
    const part = parts[i];
    const v = part.length <= 3 ? Number(part) : 256;
    if (!(v <= 255) || `${v}` !== part) break;
    out[i] = v;
  }
  if (i === 6) return out;
  // Anything else (leading zeros, or an error) field by field as always.
  for (i = 0; i < 6; i++) {
    const v = Number(parts[i]);
    if (!/^\d+$/.test(parts[i]) || v > 255) throw new RangeError(`OBIS "${text}": field "${parts[i]}" is not 0..255`);
    out[i] = v;
  }
  return out;
}

export function formatObis(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}.${bytes[offset + 4]}.${bytes[offset + 5]}`;
}
