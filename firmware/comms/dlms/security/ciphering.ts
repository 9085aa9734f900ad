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
  buildIv,
} from "./security-header";

/**
 * glo-ciphering and general-glo-ciphering of xDLMS APDUs with security suite 0.
 * Ciphered content = SC || IC || (ciphertext || tag) when authenticated and encrypted, with
 * AAD = SC || AK; = SC || IC || plaintext || tag when authenticated only, with AAD = SC || AK || plaintext.
 * glo APDU: glo tag, A-XDR length, ciphered content. general-glo (0xDB): 0xDB, system title as
 * an octet string (length 8), A-XDR length, ciphered content.
 */

const GENERAL_GLO_CIPHERING = 0xdb;

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

/** Builds SC || IC || protected body. `sc` must say authenticated (0x10) or authenticated+encrypted (0x30), suite 0. */
export function protectContent(crypto: Crypto, keys: CipherKeys, systemTitle: Uint8Array, sc: number, ic: number, plain: Uint8Array): Uint8Array {
  if ((sc & SC_AUTHENTICATED) === 0 || (sc & (SC_SUITE_MASK | SC_COMPRESSED | SC_BROADCAST_KEY)) !== 0) {
    throw new RangeError(`security control 0x${sc.toString(16)} is not supported (suite 0, authenticated, unicast)`);
  }
  const iv = buildIv(systemTitle, ic);
  const encrypt = (sc & SC_ENCRYPTED) !== 0;
  const aad = additionalData(sc, keys.authenticationKey, encrypt ? undefined : plain);
  const sealed = crypto.gcmEncrypt(keys.encryptionKey, iv, aad, encrypt ? plain : EMPTY, GCM_TAG_LENGTH);
  const body = encrypt ? sealed : concat(plain, sealed);
  const out = new Uint8Array(SECURITY_HEADER_LENGTH + body.length);
  out[0] = sc;
  writeU32BE(out, 1, ic);
  out.set(body, SECURITY_HEADER_LENGTH);
  return out;
}

type UnprotectFailure = "malformed" | "unsupported-security" | "authentication-failed";

interface Unprotected {
  sc: number;
  ic: number;
  apdu: Uint8Array;
}

/** Checks and opens SC || IC || body. Never returns plaintext whose tag did not verify. */
export function unprotectContent(crypto: Crypto, keys: CipherKeys, systemTitle: Uint8Array, content: Uint8Array): Unprotected | UnprotectFailure {
  if (content.length < SECURITY_HEADER_LENGTH + GCM_TAG_LENGTH) return "malformed";
  const sc = content[0];
  if ((sc & SC_AUTHENTICATED) === 0 || (sc & (SC_SUITE_MASK | SC_COMPRESSED | SC_BROADCAST_KEY)) !== 0) return "unsupported-security";
  const ic = readU32BE(content, 1);
  const iv = buildIv(systemTitle, ic);
  const body = content.subarray(SECURITY_HEADER_LENGTH);
  if (sc & SC_ENCRYPTED) {
    const apdu = crypto.gcmDecrypt(keys.encryptionKey, iv, additionalData(sc, keys.authenticationKey), body, GCM_TAG_LENGTH);
    return apdu ? { sc, ic, apdu } : "authentication-failed";
  }
  const plain = body.subarray(0, body.length - GCM_TAG_LENGTH);
  const ok = crypto.gcmDecrypt(keys.encryptionKey, iv, additionalData(sc, keys.authenticationKey, plain), body.subarray(plain.length), GCM_TAG_LENGTH);
  return ok ? { sc, ic, apdu: plain.slice() } : "authentication-failed";
}

/** glo-ciphered APDU: the plain APDU's glo tag, length, ciphered content. */
export function wrapGlo(plainTag: number, content: Uint8Array): Uint8Array {
  const tag = gloTagFor(plainTag);
  if (tag === undefined) throw new RangeError(`no glo-ciphered form for APDU tag 0x${plainTag.toString(16)}`);
  return concat(new Uint8Array([tag]), encodeLength(content.length), content);
}

/** general-glo-ciphering APDU (0xDB) carrying the sender's system title. */
export function wrapGeneralGlo(systemTitle: Uint8Array, content: Uint8Array): Uint8Array {
  return concat(new Uint8Array([GENERAL_GLO_CIPHERING, SYSTEM_TITLE_LENGTH]), systemTitle, encodeLength(content.length), content);
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
  if (apdu.length < 2) return null;
  const tag = apdu[0];
  let offset = 1;
  let systemTitle: Uint8Array | undefined;
  if (tag === GENERAL_GLO_CIPHERING) {
    if (apdu[1] !== SYSTEM_TITLE_LENGTH || apdu.length < 2 + SYSTEM_TITLE_LENGTH + 1) return null;
    systemTitle = apdu.slice(2, 2 + SYSTEM_TITLE_LENGTH);
    offset = 2 + SYSTEM_TITLE_LENGTH;
  } else if (PLAIN_TAG_OF[tag] === undefined) {
    return null;
  }
  const length = decodeLength(apdu, offset);
  if (!length || length.next + length.value !== apdu.length) return null;
  return { kind: systemTitle ? "general-glo" : "glo", tag, systemTitle, content: apdu.subarray(length.next) };
}

/** A-XDR length: one byte below 0x80, else 0x81 nn / 0x82 nnnn / 0x83 / 0x84. */
function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return new Uint8Array([length]);
  if (length < 0x100) return new Uint8Array([0x81, length]);
  if (length < 0x10000) return new Uint8Array([0x82, length >> 8, length & 255]);
  if (length < 0x1000000) return new Uint8Array([0x83, length >> 16, (length >> 8) & 255, length & 255]);
  const out = new Uint8Array(5);
  out[0] = 0x84;
  writeU32BE(out, 1, length);
  return out;
}

function decodeLength(bytes: Uint8Array, offset: number): { value: number; next: number } | null {
  if (offset >= bytes.length) return null;
  const first = bytes[offset];
  if (first < 0x80) return { value: first, next: offset + 1 };
  const n = first & 0x7f;
  if (n < 1 || n > 4 || offset + 1 + n > bytes.length) return null;
  let value = 0;
  for (let i = 0; i < n; i++) value = value * 256 + bytes[offset + 1 + i];
  return { value, next: offset + 1 + n };
}

const EMPTY = new Uint8Array(0);

function additionalData(sc: number, authenticationKey: Uint8Array, plain?: Uint8Array): Uint8Array {
  const aad = new Uint8Array(1 + authenticationKey.length + (plain ? plain.length : 0));
  aad[0] = sc;
  aad.set(authenticationKey, 1);
  if (plain) aad.set(plain, 1 + authenticationKey.length);
  return aad;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
