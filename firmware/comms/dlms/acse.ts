/**
 * ACSE association APDUs (BER): AARQ in, AARE out, RLRQ in, RLRE out. Only the fields the meter
 * uses are decoded; unknown tagged fields are skipped. The AARQ keeps calling-AP-title, the
 * mechanism and the authentication value so the security layer (HLS-GMAC) can use them.
 */
import { DecodeError } from "./axdr";
import { deepFreeze } from "../../kernel/freeze";

export const ACSE_TAG = deepFreeze({ aarq: 0x60, aare: 0x61, rlrq: 0x62, rlre: 0x63 } as const);

/** Object identifier contents (after 06 07) for the contexts and mechanisms the meter knows. */
const OID_PREFIX = deepFreeze([0x60, 0x85, 0x74, 0x05, 0x08] as const);
export const APP_CONTEXT_LN = 1;
export const APP_CONTEXT_LN_CIPHERED = 3;
export const MECHANISM_NONE = 0;
export const MECHANISM_LLS = 1;
export const MECHANISM_HLS_GMAC = 5;

export function applicationContextOid(id: number): Uint8Array {
  return new Uint8Array([...OID_PREFIX, 0x01, id]);
}

export function mechanismOid(id: number): Uint8Array {
  return new Uint8Array([...OID_PREFIX, 0x02, id]);
}

/** The last arc of a DLMS OID `2.16.756.5.8.<kind>.<id>`, or -1 when it is not one. */
export function dlmsOidId(oid: Uint8Array | null, kind: 1 | 2): number {
  if (!oid || oid.length !== 7) return -1;
  for (let i = 0; i < 5; i++) if (oid[i] !== OID_PREFIX[i]) return -1;
  return oid[5] === kind ? oid[6] : -1;
}

/** result-source-diagnostic, acse-service-user values (docs/dlms-profile.md section 2). */
export const ACSE_DIAGNOSTIC = deepFreeze({
  null: 0,
  noReasonGiven: 1,
  applicationContextNameNotSupported: 2,
  mechanismNameNotRecognised: 11,
  mechanismNameRequired: 12,
  authenticationFailure: 13,
  authenticationRequired: 14,
} as const);

export interface Aarq {
  /** OID contents of application-context-name. */
  applicationContext: Uint8Array | null;
  callingApTitle: Uint8Array | null;
  /** sender-acse-requirements has the authentication bit. */
  authenticationRequested: boolean;
  mechanismName: Uint8Array | null;
  callingAuthenticationValue: Uint8Array | null;
  /** Contents of the user-information octet string (an xDLMS APDU). */
  userInformation: Uint8Array | null;
}

/** BER length (short or long form up to 4 bytes). Returns [length, nextOffset]. */
function berLength(bytes: Uint8Array, offset: number, end: number): [number, number] {
  if (offset >= end) throw new DecodeError("BER length missing");
  const first = bytes[offset];
  if (first < 0x80) return [first, offset + 1];
  const n = first & 0x7f;
  if (n === 0 || n > 4 || offset + 1 + n > end) throw new DecodeError("bad BER length");
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + bytes[offset + 1 + i];
  return [len, offset + 1 + n];
}

/** Iterates top-level BER elements of [start, end): calls back with tag and content range. */
function forEachElement(bytes: Uint8Array, start: number, end: number, visit: (tag: number, from: number, to: number) => void): void {
  let p = start;
  while (p < end) {
    const tag = bytes[p];
    if ((tag & 0x1f) === 0x1f) throw new DecodeError("multi-byte BER tags are not used by DLMS");
    const [len, from] = berLength(bytes, p + 1, end);
    const to = from + len;
    if (to > end) throw new DecodeError("BER element overruns its container");
    visit(tag, from, to);
    p = to;
  }
}

/** Contents of the single inner element with tag `inner` inside [from, to). */
/** The inner element's contents as a copy (an AARQ's fields outlive the receive buffer). */
function unwrap(bytes: Uint8Array, from: number, to: number, inner: number): Uint8Array {
  if (from >= to || bytes[from] !== inner) throw new DecodeError(`expected tag 0x${inner.toString(16)}`);
  const [len, start] = berLength(bytes, from + 1, to);
  if (start + len !== to) throw new DecodeError("inner element length mismatch");
  return bytes.slice(start, start + len);
}

/** Outer tag and content range of an ACSE APDU spanning exactly [start, end). */
function outer(bytes: Uint8Array, start: number, end: number, tag: number): [number, number] {
  if (start >= end || bytes[start] !== tag) throw new DecodeError(`expected ACSE tag 0x${tag.toString(16)}`);
  const [len, from] = berLength(bytes, start + 1, end);
  if (from + len !== end) throw new DecodeError("ACSE length does not match the frame");
  return [from, from + len];
}

export function decodeAarq(bytes: Uint8Array, start = 0, end = bytes.length): Aarq {
  const [from, to] = outer(bytes, start, end, ACSE_TAG.aarq);
  const aarq: Aarq = { applicationContext: null, callingApTitle: null, authenticationRequested: false, mechanismName: null, callingAuthenticationValue: null, userInformation: null };
  forEachElement(bytes, from, to, (tag, a, b) => {
    switch (tag) {
      case 0xa1:
        aarq.applicationContext = unwrap(bytes, a, b, 0x06);
        break;
      case 0xa6:
        aarq.callingApTitle = unwrap(bytes, a, b, 0x04);
        break;
      case 0x8a:
        // BIT STRING: unused-bits byte, then bit 0 (MSB) = authentication.
        if (b - a < 2) throw new DecodeError("short sender-acse-requirements");
        aarq.authenticationRequested = (bytes[a + 1] & 0x80) !== 0;
        break;
      case 0x8b:
        aarq.mechanismName = bytes.slice(a, b);
        break;
      case 0xac:
        // Authentication-value CHOICE: charstring [0] or bitstring [1]; both carry the secret bytes.
        if (b - a < 2 || (bytes[a] !== 0x80 && bytes[a] !== 0x81)) throw new DecodeError("unsupported authentication-value");
        aarq.callingAuthenticationValue = unwrap(bytes, a, b, bytes[a]);
        break;
      case 0xbe:
        aarq.userInformation = unwrap(bytes, a, b, 0x04);
        break;
      default:
        break; // protocol-version, AE qualifiers, invocation ids, implementation-information
    }
  });
  return aarq;
}

/** Appends a BER TLV. */
export function tlv(out: number[], tag: number, content: ArrayLike<number>): void {
  out.push(tag);
  const n = content.length;
  if (n < 0x80) out.push(n);
  else if (n < 0x100) out.push(0x81, n);
  else out.push(0x82, n >> 8, n & 0xff);
  for (let i = 0; i < n; i++) out.push(content[i]);
}

export function encodeTlv(tag: number, content: ArrayLike<number>): number[] {
  const out: number[] = [];
  tlv(out, tag, content);
  return out;
}

interface AarqFields {
  applicationContext: number;
  callingApTitle?: Uint8Array;
  mechanism?: number;
  authenticationValue?: Uint8Array;
  userInformation: Uint8Array;
}

/** Builds an AARQ (used by the client and the tests); field order as in the captured vectors. */
export function encodeAarq(f: AarqFields): Uint8Array {
  const body: number[] = [];
  tlv(body, 0xa1, encodeTlv(0x06, applicationContextOid(f.applicationContext)));
  if (f.callingApTitle) tlv(body, 0xa6, encodeTlv(0x04, f.callingApTitle));
  if (f.mechanism !== undefined && f.mechanism !== MECHANISM_NONE) {
    tlv(body, 0x8a, [0x07, 0x80]);
    tlv(body, 0x8b, mechanismOid(f.mechanism));
    if (f.authenticationValue) tlv(body, 0xac, encodeTlv(0x80, f.authenticationValue));
  }
  tlv(body, 0xbe, encodeTlv(0x04, f.userInformation));
  return new Uint8Array(encodeTlv(ACSE_TAG.aarq, body));
}

export interface AareFields {
  applicationContext: number;
  /** 0 accepted, 1 rejected-permanent, 2 rejected-transient. */
  result: number;
  /** acse-service-user diagnostic. */
  diagnostic: number;
  respondingApTitle?: Uint8Array;
  /** Mechanism of the responder (HLS): sent with responder-acse-requirements. */
  mechanism?: number;
  respondingAuthenticationValue?: Uint8Array;
  userInformation?: Uint8Array;
}

/** Bytes of a BER TLV with `n` content bytes (short, 0x81 or 0x82 length form). */
function tlvSize(n: number): number {
  return (n < 0x80 ? 2 : n < 0x100 ? 3 : 4) + n;
}

/** Writes a BER tag and length at `at`; returns where the content starts. */
function putHeader(out: Uint8Array, at: number, tag: number, n: number): number {
  out[at++] = tag;
  if (n < 0x80) {
    out[at++] = n;
  } else if (n < 0x100) {
    out[at++] = 0x81;
    out[at++] = n;
  } else {
    out[at++] = 0x82;
    out[at++] = n >> 8;
    out[at++] = n & 0xff;
  }
  return at;
}

/** Writes `tag { 2.16.756.5.8.<kind>.<id> }` (a DLMS OID, 7 bytes); returns the end. */
function putOid(out: Uint8Array, at: number, tag: number, kind: number, id: number): number {
  at = putHeader(out, at, tag, OID_PREFIX.length + 2);
  for (let i = 0; i < OID_PREFIX.length; i++) out[at++] = OID_PREFIX[i];
  out[at++] = kind;
  out[at++] = id;
  return at;
}

/** Writes `outer { inner { content } }`; returns the end. */
function putNested(out: Uint8Array, at: number, outerTag: number, innerTag: number, content: ArrayLike<number>): number {
  at = putHeader(out, at, outerTag, tlvSize(content.length));
  at = putHeader(out, at, innerTag, content.length);
  for (let i = 0; i < content.length; i++) out[at++] = content[i];
  return at;
}

/**
 * AARE without protocol-version (dlms-cosem rejects one that carries it). Written in one pass
 * into one array, its size computed first: the server builds one per association.
 */
export function encodeAare(f: AareFields): Uint8Array {
  const oid = OID_PREFIX.length + 2;
  const mechanism = f.mechanism !== undefined && f.mechanism !== MECHANISM_NONE;
  let body = tlvSize(tlvSize(oid)) + tlvSize(3) + tlvSize(tlvSize(3));
  if (f.respondingApTitle) body += tlvSize(tlvSize(f.respondingApTitle.length));
  if (mechanism) {
    body += tlvSize(2) + tlvSize(oid);
    if (f.respondingAuthenticationValue) body += tlvSize(tlvSize(f.respondingAuthenticationValue.length));
  }
  if (f.userInformation) body += tlvSize(tlvSize(f.userInformation.length));
  const out = new Uint8Array(tlvSize(body));
  let at = putHeader(out, 0, ACSE_TAG.aare, body);
  at = putHeader(out, at, 0xa1, tlvSize(oid));
  at = putOid(out, at, 0x06, 0x01, f.applicationContext);
  at = putHeader(out, at, 0xa2, 3);
  out[at++] = 0x02;
  out[at++] = 0x01;
  out[at++] = f.result;
  at = putHeader(out, at, 0xa3, 5);
  at = putHeader(out, at, 0xa1, 3);
  out[at++] = 0x02;
  out[at++] = 0x01;
  out[at++] = f.diagnostic;
  if (f.respondingApTitle) at = putNested(out, at, 0xa4, 0x04, f.respondingApTitle);
  if (mechanism) {
    at = putHeader(out, at, 0x88, 2);
    out[at++] = 0x07;
    out[at++] = 0x80;
    at = putOid(out, at, 0x89, 0x02, f.mechanism!);
    if (f.respondingAuthenticationValue) at = putNested(out, at, 0xaa, 0x80, f.respondingAuthenticationValue);
  }
  if (f.userInformation) putNested(out, at, 0xbe, 0x04, f.userInformation);
  return out;
}

interface DecodedAare {
  applicationContext: Uint8Array | null;
  result: number;
  /** Diagnostic value and its source (1 acse-service-user, 2 acse-service-provider). */
  diagnostic: number;
  diagnosticSource: number;
  protocolVersionPresent: boolean;
  respondingApTitle: Uint8Array | null;
  mechanismName: Uint8Array | null;
  respondingAuthenticationValue: Uint8Array | null;
  userInformation: Uint8Array | null;
}

export function decodeAare(bytes: Uint8Array, start = 0, end = bytes.length): DecodedAare {
  const [from, to] = outer(bytes, start, end, ACSE_TAG.aare);
  const out: DecodedAare = { applicationContext: null, result: -1, diagnostic: -1, diagnosticSource: -1, protocolVersionPresent: false, respondingApTitle: null, mechanismName: null, respondingAuthenticationValue: null, userInformation: null };
  forEachElement(bytes, from, to, (tag, a, b) => {
    switch (tag) {
      case 0x80:
        out.protocolVersionPresent = true;
        break;
      case 0xa1:
        out.applicationContext = unwrap(bytes, a, b, 0x06);
        break;
      case 0xa2: {
        const v = unwrap(bytes, a, b, 0x02);
        out.result = v[v.length - 1] ?? -1;
        break;
      }
      case 0xa3: {
        out.diagnosticSource = bytes[a] & 0x1f;
        const v = unwrap(bytes.subarray(0, b), a + 2, b, 0x02);
        out.diagnostic = v[v.length - 1] ?? -1;
        break;
      }
      case 0xa4:
        out.respondingApTitle = unwrap(bytes, a, b, 0x04);
        break;
      case 0x89:
        out.mechanismName = bytes.slice(a, b);
        break;
      case 0xaa:
        out.respondingAuthenticationValue = unwrap(bytes, a, b, bytes[a]);
        break;
      case 0xbe:
        out.userInformation = unwrap(bytes, a, b, 0x04);
        break;
      default:
        break;
    }
  });
  return out;
}

/** RLRQ: reason (0 normal) and optional user-information, which the meter accepts and ignores. */
export function decodeRlrq(bytes: Uint8Array, start = 0, end = bytes.length): { reason: number; userInformation: Uint8Array | null } {
  const [from, to] = outer(bytes, start, end, ACSE_TAG.rlrq);
  let reason = 0;
  let userInformation: Uint8Array | null = null;
  forEachElement(bytes, from, to, (tag, a, b) => {
    if (tag === 0x80 && b > a) reason = bytes[b - 1];
    else if (tag === 0xbe) userInformation = unwrap(bytes, a, b, 0x04);
  });
  return { reason, userInformation };
}

/** RLRE with reason normal. */
export function encodeRlre(reason = 0): Uint8Array {
  return new Uint8Array([ACSE_TAG.rlre, 0x03, 0x80, 0x01, reason]);
}
