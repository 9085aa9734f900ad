import { readU32BE, readU32LE, writeU32BE, writeU32LE } from "../../firmware/kernel/bytes";

describe("kernel byte helpers", () => {
  it("read big- and little-endian words as unsigned numbers", () => {
    const b = Uint8Array.of(0, 0xde, 0xad, 0xbe, 0xef, 0);
    expect(readU32BE(b, 1)).toBe(0xdeadbeef);
    expect(readU32LE(b, 1)).toBe(0xefbeadde);
    expect(readU32BE(Uint8Array.of(0xff, 0xff, 0xff, 0xff), 0)).toBe(4_294_967_295);
    expect(readU32LE(Uint8Array.of(1, 0, 0, 0x80), 0)).toBe(2_147_483_649);
  });

  it("write the exact bytes, from unsigned and from signed int32 words alike", () => {
    const b = new Uint8Array(6);
    writeU32BE(b, 1, 0x01020304);
    expect([...b]).toEqual([0, 1, 2, 3, 4, 0]);
    writeU32LE(b, 1, 0x01020304);
    expect([...b]).toEqual([0, 4, 3, 2, 1, 0]);
    writeU32BE(b, 0, 4_294_967_295);
    expect([...b.subarray(0, 4)]).toEqual([255, 255, 255, 255]);
    writeU32BE(b, 0, -2);
    expect([...b.subarray(0, 4)]).toEqual([255, 255, 255, 254]);
    writeU32LE(b, 2, 0x80000001 | 0);
    expect(readU32LE(b, 2)).toBe(0x80000001);
  });
});
