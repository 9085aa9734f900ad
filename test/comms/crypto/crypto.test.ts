import fc from "fast-check";
import { Aes, PortableCrypto, aesKeyUnwrap, aesKeyWrap, gcmDecrypt, gcmEncrypt } from "../../../firmware/comms/crypto";
import { NodeCrypto } from "../../../host-sim/node-crypto";

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

const portable = new PortableCrypto();
const node = new NodeCrypto();

describe("AES block cipher (FIPS-197 appendix B and C)", () => {
  const cases = [
    ["2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734", "3925841d02dc09fbdc118597196a0b32"],
    ["000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff", "69c4e0d86a7b0430d8cdb78070b4c55a"],
    ["000102030405060708090a0b0c0d0e0f1011121314151617", "00112233445566778899aabbccddeeff", "dda97ca4864cdfe06eaf70a0ec0d7191"],
    ["000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "00112233445566778899aabbccddeeff", "8ea2b7ca516745bfeafc49904b496089"],
  ];
  it.each(cases)("key %s", (key, plain, cipher) => {
    expect(toHex(portable.aesEncryptBlock(hex(key), hex(plain)))).toBe(cipher);
    expect(toHex(portable.aesDecryptBlock(hex(key), hex(cipher)))).toBe(plain);
  });

  it("rejects a key of the wrong size", () => {
    expect(() => new Aes(new Uint8Array(15))).toThrow(RangeError);
  });
});

// The GCM specification's test cases (McGrew & Viega; NIST SP 800-38D validation), 128 and 256-bit keys.
const P64 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
const P60 = P64.slice(0, 120);
const K3 = "feffe9928665731c6d6a8f9467308308";
const A = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
const gcmCases: { name: string; key: string; iv: string; aad: string; plain: string; cipher: string; tag: string }[] = [
  { name: "1", key: "00".repeat(16), iv: "00".repeat(12), aad: "", plain: "", cipher: "", tag: "58e2fccefa7e3061367f1d57a4e7455a" },
  { name: "2", key: "00".repeat(16), iv: "00".repeat(12), aad: "", plain: "00".repeat(16), cipher: "0388dace60b6a392f328c2b971b2fe78", tag: "ab6e47d42cec13bdf53a67b21257bddf" },
  {
    name: "3", key: K3, iv: "cafebabefacedbaddecaf888", aad: "", plain: P64,
    cipher: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
    tag: "4d5c2af327cd64a62cf35abd2ba6fab4",
  },
  {
    name: "4", key: K3, iv: "cafebabefacedbaddecaf888", aad: A, plain: P60,
    cipher: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
    tag: "5bc94fbc3221a5db94fae95ae7121a47",
  },
  {
    name: "5 (64-bit IV)", key: K3, iv: "cafebabefacedbad", aad: A, plain: P60,
    cipher: "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598",
    tag: "3612d2e79e3b0785561be14aaca2fccb",
  },
  {
    name: "6 (480-bit IV)", key: K3,
    iv: "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
    aad: A, plain: P60,
    cipher: "8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca701e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5",
    tag: "619cc5aefffe0bfa462af43c1699d050",
  },
  { name: "13", key: "00".repeat(32), iv: "00".repeat(12), aad: "", plain: "", cipher: "", tag: "530f8afbc74536b9a963b4f1c4cb738b" },
  { name: "14", key: "00".repeat(32), iv: "00".repeat(12), aad: "", plain: "00".repeat(16), cipher: "cea7403d4d606b6e074ec5d3baf39d18", tag: "d0d1c8a799996bf0265b98b5d48ab919" },
  {
    name: "15", key: K3 + K3, iv: "cafebabefacedbaddecaf888", aad: "", plain: P64,
    cipher: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
    tag: "b094dac5d93471bdec1a502270e3cc6c",
  },
  {
    name: "16", key: K3 + K3, iv: "cafebabefacedbaddecaf888", aad: A, plain: P60,
    cipher: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
    tag: "76fc6ece0f4e1768cddf8853bb2d551b",
  },
];

describe("AES-GCM (GCM spec test cases)", () => {
  it.each(gcmCases)("test case $name: encrypt and decrypt", ({ key, iv, aad, plain, cipher, tag }) => {
    const sealed = gcmEncrypt(portable, hex(key), hex(iv), hex(aad), hex(plain), 16);
    expect(toHex(sealed)).toBe(cipher + tag);
    const opened = gcmDecrypt(portable, hex(key), hex(iv), hex(aad), sealed, 16);
    expect(opened && toHex(opened)).toBe(plain);
    // Node's OpenSSL agrees on the same vector (checks the reference used below).
    expect(toHex(gcmEncrypt(node, hex(key), hex(iv), hex(aad), hex(plain), 16))).toBe(cipher + tag);
  });

  it("a truncated 12-byte tag (DLMS suite 0) is the first 12 bytes of the full tag", () => {
    const c = gcmCases[3];
    const sealed = gcmEncrypt(portable, hex(c.key), hex(c.iv), hex(c.aad), hex(c.plain), 12);
    expect(toHex(sealed)).toBe(c.cipher + c.tag.slice(0, 24));
  });

  it("rejects a flipped bit anywhere in tag, ciphertext, AAD or IV", () => {
    const c = gcmCases[3];
    const sealed = gcmEncrypt(portable, hex(c.key), hex(c.iv), hex(c.aad), hex(c.plain), 12);
    for (const where of ["tag", "body", "aad", "iv"] as const) {
      const s = sealed.slice();
      const aad = hex(c.aad);
      const iv = hex(c.iv);
      if (where === "tag") s[s.length - 1] ^= 0x01;
      if (where === "body") s[7] ^= 0x80;
      if (where === "aad") aad[0] ^= 0x02;
      if (where === "iv") iv[11] ^= 0x04;
      expect(gcmDecrypt(portable, hex(c.key), iv, aad, s, 12)).toBeNull();
      expect(gcmDecrypt(node, hex(c.key), iv, aad, s, 12)).toBeNull();
    }
    expect(gcmDecrypt(portable, hex(c.key), hex(c.iv), hex(c.aad), sealed.subarray(0, 5), 12)).toBeNull();
  });
});

describe("AES key wrap (RFC 3394 section 4)", () => {
  it("4.1: 128-bit key data with a 128-bit KEK", () => {
    const kek = hex("000102030405060708090a0b0c0d0e0f");
    const wrapped = aesKeyWrap(portable, kek, hex("00112233445566778899aabbccddeeff"));
    expect(toHex(wrapped)).toBe("1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
    expect(toHex(aesKeyUnwrap(portable, kek, wrapped)!)).toBe("00112233445566778899aabbccddeeff");
  });

  it("4.6: 256-bit key data with a 256-bit KEK", () => {
    const kek = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    const data = hex("00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f");
    const wrapped = aesKeyWrap(node, kek, data);
    expect(toHex(wrapped)).toBe("28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21");
    expect(toHex(aesKeyUnwrap(portable, kek, wrapped)!)).toBe(toHex(data));
  });

  it("unwrapping with the wrong KEK or altered data fails the integrity check", () => {
    const kek = hex("000102030405060708090a0b0c0d0e0f");
    const wrapped = aesKeyWrap(portable, kek, hex("00112233445566778899aabbccddeeff"));
    const wrongKek = kek.slice();
    wrongKek[0] ^= 1;
    expect(aesKeyUnwrap(portable, wrongKek, wrapped)).toBeNull();
    const altered = wrapped.slice();
    altered[20] ^= 0x10;
    expect(aesKeyUnwrap(portable, kek, altered)).toBeNull();
    expect(aesKeyUnwrap(portable, kek, wrapped.subarray(0, 16))).toBeNull();
  });
});

describe("portable and Node crypto ports agree on random inputs", () => {
  // The Moddable port (firmware/platform/moddable/crypto.ts) needs the SDK and is not run here.
  const key = fc.uint8Array({ minLength: 16, maxLength: 16 });
  it("GCM seal, open, and tag rejection", () => {
    fc.assert(
      fc.property(
        key,
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 70 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom(4, 8, 12, 13, 14, 15, 16),
        (k, iv, aad, plain, tagLength) => {
          const a = gcmEncrypt(portable, k, iv, aad, plain, tagLength);
          const b = gcmEncrypt(node, k, iv, aad, plain, tagLength);
          expect(toHex(a)).toBe(toHex(b));
          expect(toHex(gcmDecrypt(node, k, iv, aad, a, tagLength)!)).toBe(toHex(plain));
          expect(toHex(gcmDecrypt(portable, k, iv, aad, b, tagLength)!)).toBe(toHex(plain));
          const bad = a.slice();
          bad[bad.length - 1 - (plain.length % tagLength)] ^= 0x40;
          expect(gcmDecrypt(portable, k, iv, aad, bad, tagLength)).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });

  it("in place at any offset: the same ciphertext and tag, and a forged tag leaves the bytes as they were", () => {
    fc.assert(
      fc.property(
        key,
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 600 }),
        fc.nat({ max: 37 }),
        (k, iv, aad, plain, at) => {
          const reference = gcmEncrypt(node, k, iv, aad, plain, 12);
          for (const port of [portable, node]) {
            const bytes = new Uint8Array(at + plain.length + 12 + 5).fill(0xa5);
            bytes.set(plain, at);
            port.gcmSeal(k, iv, aad, bytes, at, at + plain.length, 12);
            expect(toHex(bytes.subarray(at, at + plain.length + 12))).toBe(toHex(reference));
            expect(toHex(bytes.subarray(0, at))).toBe("a5".repeat(at));
            expect(toHex(bytes.subarray(at + plain.length + 12))).toBe("a5".repeat(5));
            const forged = bytes.slice();
            forged[at + plain.length] ^= 1;
            const before = toHex(forged);
            expect(port.gcmOpen(k, iv, aad, forged, at, at + plain.length, 12)).toBe(false);
            expect(toHex(forged)).toBe(before);
            expect(port.gcmOpen(k, iv, aad, bytes, at, at + plain.length, 12)).toBe(true);
            expect(toHex(bytes.subarray(at, at + plain.length))).toBe(toHex(plain));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("AES block and key wrap", () => {
    fc.assert(
      fc.property(key, fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (k, block, data) => {
        expect(toHex(portable.aesEncryptBlock(k, block))).toBe(toHex(node.aesEncryptBlock(k, block)));
        expect(toHex(portable.aesDecryptBlock(k, block))).toBe(toHex(node.aesDecryptBlock(k, block)));
        expect(toHex(aesKeyWrap(portable, k, data))).toBe(toHex(aesKeyWrap(node, k, data)));
      }),
      { numRuns: 200 },
    );
  });
});
