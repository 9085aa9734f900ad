/**
 * The firmware's SHA-256 and ECDSA P-256 verification (pure TypeScript, for XS) against Node's
 * crypto and the published test values.
 */
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import fc from "fast-check";
import { Sha256 } from "../../firmware/comms/crypto/sha256";
import { isValidP256PublicKey, verifyP256 } from "../../firmware/comms/crypto/p256";
import { publicKeyBytes } from "../../host-sim/image-tools";
import { encodeImageHeader, parseImageHeader, versionNumberOf } from "../../firmware/update/image-format";
import { DEV_KEY_PEM } from "./rig";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("SHA-256 (FIPS 180-4)", () => {
  it("gives the FIPS 180-2 example digests", () => {
    const s = new Sha256();
    expect(hex(s.update(Buffer.from("abc")).digest())).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hex(s.update(Buffer.from("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).digest())).toBe("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    expect(hex(s.digest())).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const million = new Uint8Array(1_000_000).fill(0x61);
    expect(hex(s.update(million).digest())).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });

  it("equals Node's for any data cut into any pieces", () => {
    const s = new Sha256();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.array(fc.nat(700), { maxLength: 5 }), (data, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
        let at = 0;
        for (const p of points) {
          s.update(data, at, p);
          at = p;
        }
        s.update(data, at);
        expect(hex(s.digest())).toBe(createHash("sha256").update(data).digest("hex"));
      }),
      { numRuns: 300, seed: 18 },
    );
  });
});

describe("ECDSA P-256 verification", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pub = new Uint8Array(publicKey.export({ format: "der", type: "spki" }).subarray(-65));
  const digestOf = (m: Uint8Array) => new Uint8Array(createHash("sha256").update(m).digest());

  it("accepts Node's signatures and refuses a changed message, signature or key", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(63), (message, at) => {
        const signature = new Uint8Array(sign("sha256", message, { key: privateKey, dsaEncoding: "ieee-p1363" }));
        expect(verifyP256(pub, digestOf(message), signature)).toBe(true);
        const bad = signature.slice();
        bad[at] ^= 0x01;
        expect(verifyP256(pub, digestOf(message), bad)).toBe(false);
        expect(verifyP256(pub, digestOf(Uint8Array.from([...message, 1])), signature)).toBe(false);
        expect(verifyP256(publicKeyBytes(DEV_KEY_PEM), digestOf(message), signature)).toBe(false);
      }),
      { numRuns: 25, seed: 19 },
    );
  });

  it("refuses malformed input without throwing: r or s out of range, keys off the curve", () => {
    const d = digestOf(Uint8Array.of(1));
    const zero = new Uint8Array(64);
    expect(verifyP256(pub, d, zero)).toBe(false);
    expect(verifyP256(pub, d, new Uint8Array(64).fill(0xff))).toBe(false);
    expect(verifyP256(pub, d, new Uint8Array(10))).toBe(false);
    const offCurve = pub.slice();
    offCurve[64] ^= 1;
    expect(isValidP256PublicKey(offCurve)).toBe(false);
    expect(isValidP256PublicKey(pub)).toBe(true);
    expect(isValidP256PublicKey(pub.subarray(1))).toBe(false);
    expect(verifyP256(offCurve, d, new Uint8Array(sign("sha256", Uint8Array.of(1), { key: privateKey, dsaEncoding: "ieee-p1363" })))).toBe(false);
  });
});

describe("image header", () => {
  it("round-trips and names what is wrong with a bad one", () => {
    const header = { flags: 1, target: { board: "esp32-devkitc", chip: "esp32" }, versionId: "DLMSLITE-1.2.3", versionNumber: versionNumberOf("1.2.3"), payloadLength: 123456, payloadHash: new Uint8Array(32).fill(7) };
    const bytes = encodeImageHeader(header);
    expect(bytes.length).toBe(112);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x44, 0x4c, 0x49, 0x4d, 1, 1, 0, 112]);
    expect(parseImageHeader(bytes)).toEqual({ ...header, formatVersion: 1 });
    expect(versionNumberOf("DLMSLITE-1.2.3")).toBe(0x010203);
    expect(versionNumberOf("1.2")).toBeNaN();
    const bad = bytes.slice();
    bad[0] = 0;
    expect(parseImageHeader(bad)).toBe("no image magic");
    bad.set(bytes);
    bad[4] = 2;
    expect(parseImageHeader(bad)).toBe("image format 2 unknown");
    expect(parseImageHeader(bytes.subarray(0, 50))).toMatch(/header is 50 bytes/);
    expect(() => encodeImageHeader({ ...header, versionId: "x".repeat(33) })).toThrow(/at most 32/);
  });
});
