/** CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as used by zlib and Ethernet. */
const TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c >>> 0;
}

/** Starting value for an incremental CRC. */
export const CRC32_INIT = 0xffffffff;

/** Feeds `bytes[from, to)` into a running CRC (start with CRC32_INIT, finish with crc32Final). */
export function crc32Update(crc: number, bytes: Uint8Array, from = 0, to = bytes.length): number {
  let c = crc;
  for (let i = from; i < to; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return c >>> 0;
}

export function crc32Final(crc: number): number {
  return (crc ^ 0xffffffff) >>> 0;
}

export function crc32(bytes: Uint8Array, from = 0, to = bytes.length): number {
  return crc32Final(crc32Update(CRC32_INIT, bytes, from, to));
}
