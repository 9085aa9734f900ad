import fc from "fast-check";
import {
  AxdrReader, AxdrWriter, DecodeError, decodeAarq, decodeData, decodeInitiateRequest, decodeRlrq, type DlmsData, encodeAarq, encodeAare, encodeData,
  encodeInitiateRequest, encodeInitiateResponse, encodeRlre, MECHANISM_LLS, WrapperReassembler, wrapFrame, decodeAare, decodeInitiateResponse,
} from "../../../firmware/comms/dlms";
import { decodeAll, encode as clientEncode } from "../../../host-sim/client/codec";
import { hex, toHex } from "./helpers";

/** Arbitrary A-XDR values of every type in docs/dlms-profile.md section 4. */
const leaf: fc.Arbitrary<DlmsData> = fc.oneof(
  fc.constant<DlmsData>({ type: 0 }),
  fc.boolean().map((value): DlmsData => ({ type: 3, value })),
  fc.uint8Array({ maxLength: 40 }).chain((bytes) => fc.integer({ min: Math.max(0, bytes.length * 8 - 7), max: bytes.length * 8 }).map((bitLength): DlmsData => {
    const b = bytes.slice(0, Math.ceil(bitLength / 8));
    if (bitLength % 8 && b.length) b[b.length - 1] &= (0xff << (8 - (bitLength % 8))) & 0xff;
    return { type: 4, bitLength, bytes: b };
  })),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((value): DlmsData => ({ type: 5, value })),
  fc.integer({ min: 0, max: 0xffffffff }).map((value): DlmsData => ({ type: 6, value })),
  fc.uint8Array({ maxLength: 300 }).map((bytes): DlmsData => ({ type: 9, bytes })),
  fc.uint8Array({ maxLength: 20 }).map((bytes): DlmsData => ({ type: 10, bytes })),
  fc.string({ maxLength: 10, unit: "grapheme" }).map((text): DlmsData => ({ type: 12, bytes: new TextEncoder().encode(text) })),
  fc.integer({ min: -128, max: 127 }).map((value): DlmsData => ({ type: 15, value })),
  fc.integer({ min: -32768, max: 32767 }).map((value): DlmsData => ({ type: 16, value })),
  fc.integer({ min: 0, max: 255 }).map((value): DlmsData => ({ type: 17, value })),
  fc.integer({ min: 0, max: 65535 }).map((value): DlmsData => ({ type: 18, value })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v): DlmsData => ({ type: 20, value: Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v): DlmsData => ({ type: 21, value: v < 2n ** 53n ? Number(v) : v })),
  fc.integer({ min: 0, max: 255 }).map((value): DlmsData => ({ type: 22, value })),
  fc.float({ noNaN: true }).map((value): DlmsData => ({ type: 23, value: Math.fround(value) })),
  fc.double({ noNaN: true }).map((value): DlmsData => ({ type: 24, value })),
);
const data: fc.Arbitrary<DlmsData> = fc.letrec<{ d: DlmsData }>((tie) => ({
  d: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, fc.array(tie("d"), { maxLength: 5 }).map((items): DlmsData => ({ type: 1, items })), fc.array(tie("d"), { maxLength: 5 }).map((items): DlmsData => ({ type: 2, items }))),
})).d;

describe("A-XDR", () => {
  it("encode/decode round-trips every type (property)", () => {
    fc.assert(fc.property(data, (d) => {
      const bytes = encodeData(d);
      expect(decodeData(bytes)).toEqual(d);
      // The client's independent codec reads the same bytes and writes them back identically.
      expect(Uint8Array.from(clientEncode(decodeAll(bytes)))).toEqual(bytes);
    }), { numRuns: 3000 });
  });

  it.each([
    [0x7f, "7F"],
    [0x80, "81 80"],
    [0xff, "81 FF"],
    [0x100, "82 01 00"],
    [0xffff, "82 FF FF"],
    [0x10000, "83 01 00 00"],
    [0x1000000, "84 01 00 00 00"],
  ])("length %i is encoded as %s and read back", (n, expected) => {
    const w = new AxdrWriter(4);
    w.lengthField(n);
    expect(toHex(w.toBytes())).toBe(expected);
    expect(new AxdrReader(w.toBytes()).lengthField()).toBe(n);
  });

  it("octet-strings up to 0x10000 bytes use 0x83 lengths and round-trip", () => {
    const big = new Uint8Array(0x10000).map((_, i) => i & 0xff);
    const bytes = encodeData({ type: 9, bytes: big });
    expect(toHex(bytes.subarray(0, 5))).toBe("09 83 01 00 00");
    expect(decodeData(bytes)).toEqual({ type: 9, bytes: big });
  });

  it("known encodings: the captured scaler_unit and date-time values", () => {
    expect(toHex(encodeData({ type: 2, items: [{ type: 15, value: -2 }, { type: 22, value: 30 }] }))).toBe("02 02 0F FE 16 1E");
    expect(decodeData(hex("06 00 01 E2 41"))).toEqual({ type: 6, value: 123457 });
    expect(decodeData(hex("14 FF FF FF FF FF FF FF FE"))).toEqual({ type: 20, value: -2 });
    expect(decodeData(hex("15 FF FF FF FF FF FF FF FF"))).toEqual({ type: 21, value: 2n ** 64n - 1n });
  });

  it("rejects truncated input, unknown tags, impossible counts, junk after the value and deep nesting", () => {
    for (const bad of ["06 00 01", "09 05 01 02", "07 00", "01 84 FF FF FF FF 00", "11 05 00", "01 85", ""]) {
      expect(() => decodeData(hex(bad))).toThrow(DecodeError);
    }
    const deep = new Uint8Array(40).fill(0);
    for (let i = 0; i < 19; i++) deep.set([1, 1], i * 2);
    expect(() => decodeData(deep)).toThrow(/nesting/);
  });
});

describe("WRAPPER", () => {
  const frames: Uint8Array[] = [];
  const sink = { onFrame: (s: number, d: number, b: Uint8Array, from: number, to: number) => frames.push(Uint8Array.from([s, d, ...b.subarray(from, to)])) };

  beforeEach(() => {
    frames.length = 0;
  });

  it("reassembles frames split at every byte and several frames in one read (property)", () => {
    const apdus = fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 6 });
    fc.assert(fc.property(apdus, fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 30 }), (list, cuts) => {
      frames.length = 0;
      const r = new WrapperReassembler(1024, sink);
      const stream = Buffer.concat(list.map((a, i) => wrapFrame(16 + i, 1, a)));
      let p = 0;
      let k = 0;
      while (p < stream.length) {
        const n = cuts[k++ % cuts.length];
        expect(r.push(new Uint8Array(stream.subarray(p, p + n)))).toBe("ok");
        p += n;
      }
      expect(frames).toEqual(list.map((a, i) => Uint8Array.from([16 + i, 1, ...a])));
      expect(r.pending).toBe(0);
    }), { numRuns: 500 });
  });

  it("rejects a wrong version and a length above the limit (the caller closes the connection)", () => {
    expect(new WrapperReassembler(64, sink).push(hex("00 02 00 10 00 01 00 01 00"))).toBe("bad-version");
    expect(new WrapperReassembler(64, sink).push(hex("00 01 00 10 00 01 00 41"))).toBe("too-long");
    const split = new WrapperReassembler(64, sink);
    expect(split.push(hex("00 01 00 10"))).toBe("ok");
    expect(split.push(hex("00 01 01 00"))).toBe("too-long");
    expect(frames).toHaveLength(0);
  });
});

describe("ACSE and xDLMS initiate", () => {
  const aarqA = "60 1D A1 09 06 07 60 85 74 05 08 01 01 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D FF FF";
  const aarqB = "60 33 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01 AC 07 80 05 47 75 72 75 78 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D FF FF";

  it("builds the captured AARQs byte for byte", () => {
    expect(toHex(encodeAarq({ applicationContext: 1, userInformation: encodeInitiateRequest(0x401e5d, 0xffff) }))).toBe(aarqA);
    expect(toHex(encodeAarq({ applicationContext: 1, mechanism: MECHANISM_LLS, authenticationValue: new TextEncoder().encode("Gurux"), userInformation: encodeInitiateRequest(0x401e5d, 0xffff) }))).toBe(aarqB);
  });

  it("decodes the captured AARQs, including calling-AP-title, mechanism 5 and the challenge of the HLS one", () => {
    const b = decodeAarq(hex(aarqB));
    expect(new TextDecoder().decode(b.callingAuthenticationValue!)).toBe("Gurux");
    expect(b.authenticationRequested).toBe(true);
    expect(decodeInitiateRequest(b.userInformation!)).toEqual({ dedicatedKey: null, responseAllowed: true, proposedQualityOfService: null, dlmsVersion: 6, conformance: 0x401e5d, clientMaxReceivePdu: 0xffff });
    const e = decodeAarq(hex("60 5D A1 09 06 07 60 85 74 05 08 01 03 A6 0A 04 08 47 75 72 75 78 31 32 33 8A 02 07 80 8B 07 60 85 74 05 08 02 05 AC 12 80 10 19 ED BE B0 0F 1C 93 23 6E 9B CC DB D7 EF 0D 4F BE 23 04 21 21 1F 30 00 00 00 01 EA 13 8F 2D 9A F4 2F 0E C6 16 AA 87 FE 11 DB 55 FB DB 57 07 AF 2A B6 6E B8 BE"));
    expect(new TextDecoder().decode(e.callingApTitle!)).toBe("Gurux123");
    expect(toHex(e.mechanismName!)).toBe("60 85 74 05 08 02 05");
    expect(e.callingAuthenticationValue).toHaveLength(16);
    expect(e.userInformation![0]).toBe(0x21);
  });

  it("builds the captured AAREs byte for byte from the same fields (no protocol-version)", () => {
    expect(toHex(encodeAare({ applicationContext: 1, result: 0, diagnostic: 0, userInformation: encodeInitiateResponse(0x000018, 0x0200) })))
      .toBe("61 29 A1 09 06 07 60 85 74 05 08 01 01 A2 03 02 01 00 A3 05 A1 03 02 01 00 BE 10 04 0E 08 00 06 5F 1F 04 00 00 00 18 02 00 00 07");
    expect(toHex(encodeAare({ applicationContext: 1, result: 1, diagnostic: 13, userInformation: encodeInitiateResponse(0x001e1d, 0x0200) })))
      .toBe("61 29 A1 09 06 07 60 85 74 05 08 01 01 A2 03 02 01 01 A3 05 A1 03 02 01 0D BE 10 04 0E 08 00 06 5F 1F 04 00 00 1E 1D 02 00 00 07");
  });

  it("reads the jDLMS AARE with protocol-version and the HLS AARE with diagnostic 14", () => {
    const d = decodeAare(hex("61 2D 80 02 07 80 A1 09 06 07 60 85 74 05 08 01 01 A2 03 02 01 00 A3 05 A1 03 02 01 00 BE 10 04 0E 08 00 06 5F 1F 04 00 18 12 3D FF FF 00 07"));
    expect(d.protocolVersionPresent).toBe(true);
    expect(decodeInitiateResponse(d.userInformation!)).toEqual({ dlmsVersion: 6, conformance: 0x18123d, serverMaxReceivePdu: 0xffff, vaaName: 7 });
    const e = decodeAare(hex("61 69 A1 09 06 07 60 85 74 05 08 01 03 A2 03 02 01 00 A3 05 A1 03 02 01 0E A4 0A 04 08 41 42 43 44 45 46 47 48 88 02 07 80 89 07 60 85 74 05 08 02 05 AA 12 80 10 70 38 9C CE 67 B3 59 AC 56 AB 55 2A 15 8A 45 22 BE 23 04 21 28 1F 30 00 00 00 00 16 58 4D 6F 2B F4 37 13 19 6D DA 50 81 77 D4 A9 7A 31 42 B1 63 A2 9B 23 CE 32"));
    expect(e.diagnostic).toBe(14);
    expect(new TextDecoder().decode(e.respondingApTitle!)).toBe("ABCDEFGH");
    expect(e.respondingAuthenticationValue).toHaveLength(16);
  });

  it("RLRQ with and without user-information; RLRE bytes", () => {
    expect(decodeRlrq(hex("62 03 80 01 00"))).toEqual({ reason: 0, userInformation: null });
    const withUi = decodeRlrq(hex("62 15 80 01 00 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D FF FF"));
    expect(withUi.userInformation?.[0]).toBe(1);
    expect(toHex(encodeRlre())).toBe("63 03 80 01 00");
  });
});
