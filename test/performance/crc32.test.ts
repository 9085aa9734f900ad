import fc from "fast-check";
import { crc32, crc32Final, crc32RecordWords, crc32Update, crc32UpdateWords, CRC32_INIT, littleEndian } from "../../firmware/storage/crc32";

/** Bit-at-a-time reference (no table). */
function reference(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe("CRC-32 (slicing-by-4)", () => {
  it("gives the standard check value and known vectors", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(new Uint8Array([0]))).toBe(0xd202ef8d);
    expect(crc32(new Uint8Array(4).fill(0xff))).toBe(0xffffffff);
  });

  it("equals the bitwise reference for any bytes, range and split (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(), fc.nat(), fc.nat(), (bytes, a, b, s) => {
        const from = bytes.length ? a % (bytes.length + 1) : 0;
        const to = from + (b % (bytes.length - from + 1));
        const split = from + (s % (to - from + 1));
        const expected = reference(bytes.subarray(from, to));
        expect(crc32(bytes, from, to)).toBe(expected);
        expect(crc32Final(crc32Update(crc32Update(CRC32_INIT, bytes, from, split), bytes, split, to))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("the word path (Int32Array over the same aligned memory) equals the reference for any range and split (property)", () => {
    expect(littleEndian()).toBe(true);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(), fc.nat(), fc.nat(), (data, a, b, s) => {
        const bytes = new Uint8Array(new ArrayBuffer((data.length + 3) & ~3));
        bytes.set(data);
        const words = new Int32Array(bytes.buffer);
        const from = data.length ? a % (data.length + 1) : 0;
        const to = from + (b % (data.length - from + 1));
        const split = from + (s % (to - from + 1));
        const expected = reference(bytes.subarray(from, to));
        expect(crc32Final(crc32UpdateWords(crc32UpdateWords(CRC32_INIT, bytes, words, from, split), bytes, words, split, to))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
  it("crc32RecordWords: a journal record at byte 3 of its buffer, header bytes 1..8 then the payload, equals the byte path (property)", () => {
    if (!littleEndian()) return;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 13, maxLength: 90 }), (record) => {
        const buffer = new ArrayBuffer((record.length + 6) & ~3);
        const rec = new Uint8Array(buffer, 3, record.length);
        rec.set(record);
        const expected = crc32Final(crc32Update(crc32Update(CRC32_INIT, record, 1, 9), record, 13, record.length));
        expect(crc32RecordWords(rec, new Int32Array(buffer), record.length) >>> 0).toBe(expected);
      }),
    );
  });
});
