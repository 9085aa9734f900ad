/**
 * Byte-order helpers: one reader and one writer of 32-bit words per endianness, so no module
 * keeps its own copy. Readers return the unsigned value (0..2^32-1); writers take any integer
 * whose low 32 bits are the word (signed int32 words, as the AES tables hold, write the same).
 *
 * Little-endian: the flash journal's headers. Big-endian: everything on the wire (DLMS A-XDR,
 * invocation counters, the ADE7953's 32-bit SPI registers).
 */

export function readU32BE(bytes: Uint8Array, at: number): number {
  return bytes[at] * 0x1000000 + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
}

export function readU32LE(bytes: Uint8Array, at: number): number {
  return bytes[at + 3] * 0x1000000 + ((bytes[at + 2] << 16) | (bytes[at + 1] << 8) | bytes[at]);
}

export function writeU32BE(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = (value >>> 24) & 0xff;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

export function writeU32LE(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = (value >>> 24) & 0xff;
}
