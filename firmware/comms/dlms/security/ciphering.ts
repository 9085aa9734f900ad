import { readU32BE, writeU32BE } from "../../../kernel/bytes";
import { deepFreeze } from "../../../kernel/freeze";
import type { Crypto } from "../../../hal/crypto";
import {
  GCM_TAG_LENGTH,
  SC_AUTHENTICATED,
  SC_BROADCAST_KEY,
  SC_COMPRESSED,
  SC_ENCRYPTED,
  SC_SUITE_MASK,
  SECURITY_HEADER_LENGTH,
  SYSTEM_TITLE_LENGTH,
} from "./security-header";

/**
 * glo-ciphering and general-glo-ciphering of xDLMS APDUs with security suite 0.
 * Ciphered content = SC || IC || (ciphertext || tag) when authenticated and encrypted, with
 * AAD = SC || AK; = SC || IC || plaintext || tag when authenticated only, with AAD = SC || AK || plaintext.
 * glo APDU: glo tag, A-XDR length, ciphered content. general-glo (0xDB): 0xDB, system title as
 * an octet string (length 8), A-XDR length, ciphered content.
 */

export const GENERAL_GLO_CIPHERING = 0xdb;

/** Plain xDLMS tag -> its glo-ciphered tag (requests C8/C9/CB, responses CC/CD/CF, initiate 21/28). */
const GLO_TAG_OF: Record<number, number> = deepFreeze({
  0x01: 0x21, // initiateRequest
  0x08: 0x28, // initiateResponse
  0x0e: 0x2e, // confirmedServiceError
  0xc0: 0xc8, // get-request
  0xc1: 0xc9, // set-request
  0xc2: 0xca, // event-notification-request
  0xc3: 0xcb, // action-request
  0xc4: 0xcc, // get-response
  0xc5: 0xcd, // set-response
  0xc7: 0xcf, // action-response
  0xd8: 0xd8, // exception-response travels plain inside general-glo only
});
const PLAIN_TAG_OF: Record<number, number> = deepFreeze(plainTags());

function plainTags(): Record<number, number> {
  const out: Record<number, number> = {};
  for (const [plain, glo] of Object.entries(GLO_TAG_OF)) if (glo !== 0xd8) out[glo] = Number(plain);
  return out;
}

export function gloTagFor(plainTag: number): number | undefined {
  const glo = GLO_TAG_OF[plainTag];
  return glo === 0xd8 ? undefined : glo;
}

/** The plain service a glo tag stands for, or undefined when `tag` is not a glo tag. */
export function plainTagFor(gloTag: number): number | undefined {
  return PLAIN_TAG_OF[gloTag];
}

export interface CipherKeys {
  /** Global unicast encryption key (EK). */
  encryptionKey: Uint8Array;
  /** Authentication key (AK). */
  authenticationKey: Uint8Array;
}

/** The IV and AAD buffers of the in-place ciphering, made once per user (the meter's security). */
export class CipherScratch {
  readonly iv = new Uint8Array(12);
  aad = new Uint8Array(17);

  /** SC || AK, the AAD of an authenticated and encrypted APDU. */
  encryptedAad(sc: number, authenticationKey: Uint8Array): Uint8Array {
    if (this.aad.length !== 1 + authenticationKey.length) this.aad = new Uint8Array(1 + authenticationKey.length);
    const aad = this.aad;
    aad[0] = sc;
    aad.set(authenticationKey, 1);
    return aad;
  }
}

function checkSecurityControl(sc: number): boolean {
  return (sc & SC_AUTHENTICATED) !== 0 && (sc & (SC_SUITE_MASK | SC_COMPRESSED | SC_BROADCAST_KEY)) === 0;
}

/**
 * In place: with the plaintext at bytes[at + 5, at + 5 + length), writes SC || IC at bytes[at],
 * protects the plaintext where it is and appends the 12-byte tag. `bytes` must have room for the
 * tag. Returns the content length (5 + length + 12). `sc` must say authenticated (0x10) or
 * authenticated+encrypted (0x30), suite 0.
 */
export function sealContent(crypto: Crypto, keys: CipherKeys, systemTitle: Uint8Array, sc: number, ic: number, bytes: Uint8Array, at: number, length: number, scratch: CipherScratch): number {
  if (!checkSecurityControl(sc)) throw new RangeError(`security control 0x${sc.toString(16)} is not supported (suite 0, authenticated, unicast)`);
  fillIv(scratch.iv, systemTitle, ic);
  bytes[at] = sc;
  writeU32BE(bytes, at + 1, ic);
  const start = at + SECURITY_HEADER_LENGTH;
  const end = start + length;
  if (sc & SC_ENCRYPTED) crypto.gcmSeal(keys.encryptionKey, scratch.iv, scratch.encryptedAad(sc, keys.authenticationKey), bytes, start, end, GCM_TAG_LENGTH);
  else crypto.gcmSeal(keys.encryptionKey, scratch.iv, additionalData(sc, keys.authenticationKey, bytes.subarray(start, end)), bytes, end, end, GCM_TAG_LENGTH);
  return SECURITY_HEADER_LENGTH + length + GCM_TAG_LENGTH;
}

/** openContent's answers: 0 = opened in place, plaintext at [start + 5, end - 12). */
export const OPEN_MALFORMED = 1;
export const OPEN_UNSUPPORTED = 2;
export const OPEN_FAILED = 3;

/**
 * Checks and opens SC || IC || body at bytes[start, end) in place. On 0 the plaintext is at
 * bytes[start + 5, end - 12) (SC and IC stay readable at `start`); on any failure nothing of the
 * plaintext is released (the body is left as it came).
 */
export function openContent(crypto: Crypto, keys: CipherKeys, systemTitle: Uint8Array, bytes: Uint8Array, start: number, end: number, scratch: CipherScratch): number {
  if (end - start < SECURITY_HEADER_LENGTH + GCM_TAG_LENGTH) return OPEN_MALFORMED;
  const sc = bytes[start];
  if (!checkSecurityControl(sc)) return OPEN_UNSUPPORTED;
  fillIv(scratch.iv, systemTitle, readU32BE(bytes, start + 1));
  const from = start + SECURITY_HEADER_LENGTH;
  const to = end - GCM_TAG_LENGTH;
  const ok = sc & SC_ENCRYPTED
    ? crypto.gcmOpen(keys.encryptionKey, scratch.iv, scratch.encryptedAad(sc, keys.authenticationKey), bytes, from, to, GCM_TAG_LENGTH)
    : crypto.gcmOpen(keys.encryptionKey, scratch.iv, additionalData(sc, keys.authenticationKey, bytes.subarray(from, to)), bytes, to, to, GCM_TAG_LENGTH);
  return ok ? 0 : OPEN_FAILED;
}

/** Builds SC || IC || protected body into a new array (clients, tests, the ciphered AARE). */
export function protectContent(crypto: Crypto, keys: CipherKeys, systemTitle: Uint8Array, sc: number, ic: number, plain: Uint8Array): Uint8Array {
  const out = new Uint8Array(SECURITY_HEADER_LENGTH + plain.length + GCM_TAG_LENGTH);
  out.set(plain, SECURITY_HEADER_LENGTH);
  sealContent(crypto, keys, systemTitle, sc, ic, out, 0, plain.length, new CipherScratch());
  return out;
}

type UnprotectFailure = "malformed" | "unsupported-security" | "authentication-failed";

interface Unprotected {
  sc: number;
  ic: number;
  apdu: Uint8Array;
}

/** Checks and opens a copy of SC || IC || body. Never returns plaintext whose tag did not verify. */
export function unprotectContent(crypto: Crypto, keys: CipherKeys, systemTitle: Uint8Array, content: Uint8Array): Unprotected | UnprotectFailure {
  const copy = content.slice();
  const r = openContent(crypto, keys, systemTitle, copy, 0, copy.length, new CipherScratch());
  if (r === OPEN_MALFORMED) return "malformed";
  if (r === OPEN_UNSUPPORTED) return "unsupported-security";
  if (r === OPEN_FAILED) return "authentication-failed";
  return { sc: copy[0], ic: readU32BE(copy, 1), apdu: copy.subarray(SECURITY_HEADER_LENGTH, copy.length - GCM_TAG_LENGTH) };
}

/** glo-ciphered APDU: the plain APDU's glo tag, length, ciphered content. */
export function wrapGlo(plainTag: number, content: Uint8Array): Uint8Array {
  const tag = gloTagFor(plainTag);
  if (tag === undefined) throw new RangeError(`no glo-ciphered form for APDU tag 0x${plainTag.toString(16)}`);
  const out = new Uint8Array(wrapHeaderLength(false, content.length) + content.length);
  out.set(content, writeWrapHeader(out, 0, tag, null, content.length));
  return out;
}

/** general-glo-ciphering APDU (0xDB) carrying the sender's system title. */
export function wrapGeneralGlo(systemTitle: Uint8Array, content: Uint8Array): Uint8Array {
  const out = new Uint8Array(wrapHeaderLength(true, content.length) + content.length);
  out.set(content, writeWrapHeader(out, 0, 0, systemTitle, content.length));
  return out;
}

/** Bytes the glo or general-glo header takes before SC || IC for a content of `contentLength`. */
export function wrapHeaderLength(generalGlo: boolean, contentLength: number): number {
  return (generalGlo ? 2 + SYSTEM_TITLE_LENGTH : 1) + lengthOfLength(contentLength);
}

/** Writes the glo (tag given) or general-glo (tag 0xDB) header at bytes[at]; returns where the content starts. */
export function writeWrapHeader(bytes: Uint8Array, at: number, gloTag: number, systemTitle: Uint8Array | null, contentLength: number): number {
  let p = at;
  if (systemTitle) {
    bytes[p++] = GENERAL_GLO_CIPHERING;
    bytes[p++] = SYSTEM_TITLE_LENGTH;
    bytes.set(systemTitle, p);
    p += SYSTEM_TITLE_LENGTH;
  } else {
    bytes[p++] = gloTag;
  }
  const n = lengthOfLength(contentLength);
  if (n === 1) {
    bytes[p++] = contentLength;
  } else {
    bytes[p++] = 0x80 | (n - 1);
    for (let i = n - 2; i >= 0; i--) bytes[p++] = (contentLength / 2 ** (8 * i)) & 255;
  }
  return p;
}

function lengthOfLength(length: number): number {
  return length < 0x80 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : length < 0x1000000 ? 4 : 5;
}

/**
 * Where SC || IC starts in a glo or general-glo APDU at apdu[start, end), or -1 when framing or
 * lengths are wrong. A general-glo's system title is at apdu[start + 2, start + 10).
 */
export function cipheredContentStart(apdu: Uint8Array, start: number, end: number): number {
  if (end - start < 2) return -1;
  const tag = apdu[start];
  let offset = start + 1;
  if (tag === GENERAL_GLO_CIPHERING) {
    if (apdu[start + 1] !== SYSTEM_TITLE_LENGTH || end - start < 2 + SYSTEM_TITLE_LENGTH + 1) return -1;
    offset = start + 2 + SYSTEM_TITLE_LENGTH;
  } else if (PLAIN_TAG_OF[tag] === undefined) {
    return -1;
  }
  if (offset >= end) return -1;
  const first = apdu[offset];
  let value = first;
  let next = offset + 1;
  if (first >= 0x80) {
    const n = first & 0x7f;
    if (n < 1 || n > 4 || offset + 1 + n > end) return -1;
    value = 0;
    for (let i = 0; i < n; i++) value = value * 256 + apdu[offset + 1 + i];
    next = offset + 1 + n;
  }
  return next + value === end ? next : -1;
}

interface CipheredApdu {
  kind: "glo" | "general-glo";
  /** The glo or DB tag as received. */
  tag: number;
  /** For general-glo: the sender's system title. */
  systemTitle?: Uint8Array;
  /** SC || IC || body. */
  content: Uint8Array;
}

/** Splits a glo or general-glo APDU; null when framing or lengths are wrong. */
export function parseCipheredApdu(apdu: Uint8Array): CipheredApdu | null {
  const at = cipheredContentStart(apdu, 0, apdu.length);
  if (at < 0) return null;
  const general = apdu[0] === GENERAL_GLO_CIPHERING;
  return {
    kind: general ? "general-glo" : "glo",
    tag: apdu[0],
    systemTitle: general ? apdu.slice(2, 2 + SYSTEM_TITLE_LENGTH) : undefined,
    content: apdu.subarray(at),
  };
}

function fillIv(iv: Uint8Array, systemTitle: Uint8Array, ic: number): void {
  if (systemTitle.length !== SYSTEM_TITLE_LENGTH) throw new RangeError(`system title must be 8 bytes, not ${systemTitle.length}`);
  iv.set(systemTitle, 0);
  writeU32BE(iv, 8, ic);
}

/** SC || AK || plaintext: the AAD of an authenticated-only APDU (allocated: that mode is rare). */
function additionalData(sc: number, authenticationKey: Uint8Array, plain?: Uint8Array): Uint8Array {
  const aad = new Uint8Array(1 + authenticationKey.length + (plain ? plain.length : 0));
  aad[0] = sc;
  aad.set(authenticationKey, 1);
  if (plain) aad.set(plain, 1 + authenticationKey.length);
  return aad;
}
