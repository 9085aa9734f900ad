import { writeU32BE } from "../../../kernel/bytes";
/**
 * DLMS security header (Green Book, IEC 62056-5-3 security): security control byte (SC) and
 * the 4-byte invocation counter (IC). IV = system title (8 bytes) || IC.
 */

/** SC bits: suite id in bits 0..3, authentication bit 4, encryption bit 5, broadcast key bit 6, compression bit 7. */
export const SC_AUTHENTICATED = 0x10;
export const SC_ENCRYPTED = 0x20;
export const SC_BROADCAST_KEY = 0x40;
export const SC_COMPRESSED = 0x80;
export const SC_SUITE_MASK = 0x0f;
/** Suite 0 (AES-GCM-128), authenticated and encrypted: what the management association uses. */
export const SC_AUTHENTICATED_ENCRYPTED = SC_AUTHENTICATED | SC_ENCRYPTED;

/** Security suite 0 uses a 12-byte GCM tag. */
export const GCM_TAG_LENGTH = 12;
export const SYSTEM_TITLE_LENGTH = 8;
export const SECURITY_HEADER_LENGTH = 5;
/** The largest invocation counter; after it the key must change. */
export const MAX_INVOCATION_COUNTER = 0xffffffff;

export function buildIv(systemTitle: Uint8Array, invocationCounter: number): Uint8Array {
  if (systemTitle.length !== SYSTEM_TITLE_LENGTH) throw new RangeError(`system title must be 8 bytes, not ${systemTitle.length}`);
  const iv = new Uint8Array(12);
  iv.set(systemTitle, 0);
  writeU32BE(iv, 8, invocationCounter);
  return iv;
}

/**
 * Server system title: the 3 letters of the manufacturer id (FLAG id) and 5 bytes of the serial
 * number. A decimal serial is its value as a 40-bit big-endian integer; any other serial gives
 * its last 5 characters as ASCII (left-padded with '0').
 */
export function serverSystemTitle(manufacturerId: string, serialNumber: string): Uint8Array {
  if (!/^[A-Z]{3}$/.test(manufacturerId)) throw new RangeError(`manufacturer id must be 3 capital letters, not "${manufacturerId}"`);
  const title = new Uint8Array(SYSTEM_TITLE_LENGTH);
  for (let i = 0; i < 3; i++) title[i] = manufacturerId.charCodeAt(i);
  if (/^[0-9]{1,12}$/.test(serialNumber) && Number(serialNumber) < 2 ** 40) {
    let value = Number(serialNumber);
    for (let i = 7; i >= 3; i--) {
      title[i] = value % 256;
      value = Math.floor(value / 256);
    }
  } else {
    const tail = serialNumber.slice(-5).padStart(5, "0");
    for (let i = 0; i < 5; i++) title[3 + i] = tail.charCodeAt(i) & 255;
  }
  return title;
}
