import { crc16x25, decodeFrame, decodeParameters, encodeFrame, encodeParameters, HdlcFrameFields, type HdlcParameters } from "../../../firmware/comms/hdlc/frame";
import { hex, toHex } from "../dlms/helpers";

describe("HDLC frame codec (IEC 62056-46 frame format type 3)", () => {
  it("CRC-16/X.25 check value and the FCS of a client SNRM", () => {
    expect(crc16x25(Uint8Array.from(Buffer.from("123456789")), 0, 9)).toBe(0x906e);
    // SNRM from client 16 (address 21) to server logical device 1 (address 03), no parameters.
    const out = new Uint8Array(16);
    const n = encodeFrame(out, { upper: 1, lower: 0, size: 1 }, { upper: 16, lower: 0, size: 1 }, 0x93, false, null, 0, 0);
    expect(toHex(out.subarray(0, n))).toBe("7E A0 07 03 21 93 0F 01 7E");
  });

  it("HCS and FCS of an I-frame carrying an AARQ (the widely published vector with HCS FB AF)", () => {
    const info = hex("E6 E6 00 60 1D A1 09 06 07 60 85 74 05 08 01 01 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D FF FF");
    const out = new Uint8Array(64);
    const n = encodeFrame(out, { upper: 1, lower: 0, size: 1 }, { upper: 16, lower: 0, size: 1 }, 0x10, false, info, 0, info.length);
    expect(toHex(out.subarray(0, 8))).toBe("7E A0 2B 03 21 10 FB AF");
    expect(n).toBe(0x2b + 2);
    const f = new HdlcFrameFields();
    expect(decodeFrame(out, 1, n - 1, f)).toBe(true);
    expect([f.destination.upper, f.source.upper, f.control, f.infoEnd - f.infoStart, f.segmented]).toEqual([1, 16, 0x10, info.length, false]);
    // Any single flipped bit is caught (HCS or FCS).
    for (let i = 1; i < n - 1; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = out.slice(0, n);
        bad[i] ^= 1 << bit;
        expect(decodeFrame(bad, 1, n - 1, f)).toBe(false);
      }
    }
  });

  it("server addresses of 1, 2 and 4 bytes; 3-byte addresses are malformed", () => {
    const out = new Uint8Array(32);
    const f = new HdlcFrameFields();
    let n = encodeFrame(out, { upper: 1, lower: 17, size: 2 }, { upper: 16, lower: 0, size: 1 }, 0x93, false, null, 0, 0);
    expect(toHex(out.subarray(3, 6))).toBe("02 23 21");
    expect(decodeFrame(out, 1, n - 1, f)).toBe(true);
    expect(f.destination).toEqual({ upper: 1, lower: 17, size: 2 });
    n = encodeFrame(out, { upper: 1, lower: 0x1234, size: 4 }, { upper: 16, lower: 0, size: 1 }, 0x93, false, null, 0, 0);
    expect(toHex(out.subarray(3, 8))).toBe("00 02 48 69 21");
    expect(decodeFrame(out, 1, n - 1, f)).toBe(true);
    expect(f.destination).toEqual({ upper: 1, lower: 0x1234, size: 4 });
    const three = hex("A0 08 00 02 05 21 93 00 00");
    const fcs = crc16x25(three, 0, 7);
    three[7] = fcs & 0xff;
    three[8] = fcs >> 8;
    expect(decodeFrame(three, 0, 9, f)).toBe(false);
  });

  it("parameter negotiation field: encode, decode, defaults for absent ones, malformed rejected", () => {
    const buf = new Uint8Array(32);
    const n = encodeParameters(buf, 0, { maxInfoTransmit: 512, maxInfoReceive: 32, windowTransmit: 1, windowReceive: 7 });
    expect(toHex(buf.subarray(0, n))).toBe("81 80 13 05 02 02 00 06 01 20 07 04 00 00 00 01 08 04 00 00 00 07");
    const p: HdlcParameters = { maxInfoTransmit: 128, maxInfoReceive: 128, windowTransmit: 1, windowReceive: 1 };
    expect(decodeParameters(buf, 0, n, p)).toBe(true);
    expect(p).toEqual({ maxInfoTransmit: 512, maxInfoReceive: 32, windowTransmit: 1, windowReceive: 7 });
    const partial = hex("81 80 03 06 01 40");
    const q: HdlcParameters = { maxInfoTransmit: 128, maxInfoReceive: 128, windowTransmit: 1, windowReceive: 1 };
    expect(decodeParameters(partial, 0, partial.length, q)).toBe(true);
    expect(q).toEqual({ maxInfoTransmit: 128, maxInfoReceive: 64, windowTransmit: 1, windowReceive: 1 });
    expect(decodeParameters(hex("81 80 05 06 01 40"), 0, 6, q)).toBe(false);
    expect(decodeParameters(hex("81 81 03 06 01 40"), 0, 6, q)).toBe(false);
    expect(decodeParameters(hex("81 80 02 06 09"), 0, 5, q)).toBe(false);
  });
});
