/**
 * The signed firmware image (docs/readme/firmware-update.md): a 112-byte header, the payload (the
 * platform's application binary), and a 64-byte ECDSA P-256 / SHA-256 signature (r || s) over
 * header + payload. All numbers big-endian; text fields ASCII, NUL-padded.
 *
 *   0  4  magic "DLIM"            40 32 version identifier (reported in 1.0.0.2.0.255)
 *   4  1  format version (1)      72  4 version number (major << 16 | minor << 8 | patch)
 *   5  1  flags (bit 0: allow an older version, the signed anti-rollback override)
 *   6  2  header length (112)     76  4 payload length
 *   8 16  target board            80 32 SHA-256 of the payload
 *  24 16  target chip
 */
const IMAGE_MAGIC = Object.freeze([0x44, 0x4c, 0x49, 0x4d]);
const IMAGE_FORMAT_VERSION = 1;
export const IMAGE_HEADER_LENGTH = 112;
export const IMAGE_SIGNATURE_LENGTH = 64;
/** Header + signature: an image is at least this long plus one payload byte. */
export const IMAGE_OVERHEAD = IMAGE_HEADER_LENGTH + IMAGE_SIGNATURE_LENGTH;
export const IMAGE_FLAG_ALLOW_OLDER = 1;

const HEADER_FIELD = Object.freeze({
  formatVersion: 4,
  flags: 5,
  headerLength: 6,
  board: 8,
  chip: 24,
  versionId: 40,
  versionNumber: 72,
  payloadLength: 76,
  payloadHash: 80,
});
const BOARD_LENGTH = 16;
const CHIP_LENGTH = 16;
const VERSION_ID_LENGTH = 32;

/** Which hardware an image is built for: the Moddable board and the MCU. */
export interface ImageTarget {
  board: string;
  chip: string;
}

export interface ImageHeader {
  formatVersion: number;
  flags: number;
  target: ImageTarget;
  versionId: string;
  versionNumber: number;
  payloadLength: number;
  payloadHash: Uint8Array;
}

function readText(b: Uint8Array, at: number, length: number): string {
  let s = "";
  for (let i = at; i < at + length && b[i] !== 0; i++) s += String.fromCharCode(b[i]);
  return s;
}

function writeText(b: Uint8Array, at: number, length: number, text: string, what: string): void {
  if (text.length > length || !/^[\x20-\x7e]*$/.test(text)) throw new RangeError(`${what} must be printable ASCII of at most ${length} characters, got "${text}"`);
  for (let i = 0; i < text.length; i++) b[at + i] = text.charCodeAt(i);
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

/** The header's fields, or a one-line reason why these bytes are no image header. */
export function parseImageHeader(b: Uint8Array): ImageHeader | string {
  if (b.length < IMAGE_HEADER_LENGTH) return `header is ${b.length} bytes, ${IMAGE_HEADER_LENGTH} needed`;
  for (let i = 0; i < 4; i++) if (b[i] !== IMAGE_MAGIC[i]) return "no image magic";
  if (b[HEADER_FIELD.formatVersion] !== IMAGE_FORMAT_VERSION) return `image format ${b[HEADER_FIELD.formatVersion]} unknown`;
  const headerLength = (b[HEADER_FIELD.headerLength] << 8) | b[HEADER_FIELD.headerLength + 1];
  if (headerLength !== IMAGE_HEADER_LENGTH) return `header length ${headerLength}, expected ${IMAGE_HEADER_LENGTH}`;
  return {
    formatVersion: b[HEADER_FIELD.formatVersion],
    flags: b[HEADER_FIELD.flags],
    target: { board: readText(b, HEADER_FIELD.board, BOARD_LENGTH), chip: readText(b, HEADER_FIELD.chip, CHIP_LENGTH) },
    versionId: readText(b, HEADER_FIELD.versionId, VERSION_ID_LENGTH),
    versionNumber: readU32(b, HEADER_FIELD.versionNumber),
    payloadLength: readU32(b, HEADER_FIELD.payloadLength),
    payloadHash: b.slice(HEADER_FIELD.payloadHash, HEADER_FIELD.payloadHash + 32),
  };
}

/** The 112 header bytes for `header` (the signing tool; tests). */
export function encodeImageHeader(header: Omit<ImageHeader, "formatVersion">): Uint8Array {
  const b = new Uint8Array(IMAGE_HEADER_LENGTH);
  b.set(IMAGE_MAGIC, 0);
  b[HEADER_FIELD.formatVersion] = IMAGE_FORMAT_VERSION;
  b[HEADER_FIELD.flags] = header.flags;
  b[HEADER_FIELD.headerLength] = IMAGE_HEADER_LENGTH >> 8;
  b[HEADER_FIELD.headerLength + 1] = IMAGE_HEADER_LENGTH & 0xff;
  writeText(b, HEADER_FIELD.board, BOARD_LENGTH, header.target.board, "target board");
  writeText(b, HEADER_FIELD.chip, CHIP_LENGTH, header.target.chip, "target chip");
  writeText(b, HEADER_FIELD.versionId, VERSION_ID_LENGTH, header.versionId, "version identifier");
  writeU32(b, HEADER_FIELD.versionNumber, header.versionNumber);
  writeU32(b, HEADER_FIELD.payloadLength, header.payloadLength);
  if (header.payloadHash.length !== 32) throw new RangeError("payload hash must be 32 bytes");
  b.set(header.payloadHash, HEADER_FIELD.payloadHash);
  return b;
}

/**
 * The version number of "MAJOR.MINOR.PATCH" (each 0..255), found at the end of a version
 * identifier ("DLMSLITE-0.2.0" -> 0x000200), or NaN when there is none.
 */
export function versionNumberOf(text: string): number {
  const m = /(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!m) return NaN;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (major > 255 || minor > 255 || patch > 255) return NaN;
  return (major << 16) | (minor << 8) | patch;
}
