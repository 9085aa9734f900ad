/**
 * encodeAare writes the AARE in one pass into one array. Oracle: the earlier encoder, which built
 * it from nested number arrays with the BER TLV helpers the AARQ encoder still uses.
 */
import fc from "fast-check";
import { applicationContextOid, decodeAare, encodeAare, encodeTlv, mechanismOid, MECHANISM_NONE, tlv, type AareFields } from "../../../firmware/comms/dlms/acse";

function oracle(f: AareFields): Uint8Array {
  const body: number[] = [];
  tlv(body, 0xa1, encodeTlv(0x06, applicationContextOid(f.applicationContext)));
  tlv(body, 0xa2, [0x02, 0x01, f.result]);
  tlv(body, 0xa3, encodeTlv(0xa1, [0x02, 0x01, f.diagnostic]));
  if (f.respondingApTitle) tlv(body, 0xa4, encodeTlv(0x04, f.respondingApTitle));
  if (f.mechanism !== undefined && f.mechanism !== MECHANISM_NONE) {
    tlv(body, 0x88, [0x07, 0x80]);
    tlv(body, 0x89, mechanismOid(f.mechanism));
    if (f.respondingAuthenticationValue) tlv(body, 0xaa, encodeTlv(0x80, f.respondingAuthenticationValue));
  }
  if (f.userInformation) tlv(body, 0xbe, encodeTlv(0x04, f.userInformation));
  return new Uint8Array(encodeTlv(0x61, body));
}

const bytes = (max: number) => fc.option(fc.uint8Array({ maxLength: max }), { nil: undefined });

describe("AARE encoding in one pass", () => {
  it("gives exactly the bytes of the array-built encoder, for every field combination and length form", () => {
    fc.assert(fc.property(
      fc.record({
        applicationContext: fc.integer({ min: 0, max: 255 }),
        result: fc.integer({ min: 0, max: 2 }),
        diagnostic: fc.integer({ min: 0, max: 255 }),
        respondingApTitle: bytes(20),
        mechanism: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined }),
        respondingAuthenticationValue: bytes(80),
        // Past 127 and 255 bytes: the 0x81 and 0x82 length forms, nested.
        userInformation: bytes(400),
      }),
      (f) => {
        const fields = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as unknown as AareFields;
        const got = encodeAare(fields);
        expect(Buffer.from(got).toString("hex")).toBe(Buffer.from(oracle(fields)).toString("hex"));
        expect(decodeAare(got).result).toBe(f.result);
      },
    ), { numRuns: 2000 });
  });
});
