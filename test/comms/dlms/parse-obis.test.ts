/**
 * parseObis reads the common case without a regular expression per field (issue 19: a profile
 * read looks up every column's object); whatever the text, it must give what the field-by-field
 * parser before gave: the same bytes or the same error.
 */
import fc from "fast-check";
import { parseObis } from "../../../firmware/comms/dlms/xdlms";

/** parseObis as it was before (e036d25). */
function reference(text: string): Uint8Array {
  const parts = text.split(".");
  if (parts.length !== 6) throw new RangeError(`OBIS "${text}" needs 6 fields A.B.C.D.E.F`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const v = Number(parts[i]);
    if (!/^\d+$/.test(parts[i]) || v > 255) throw new RangeError(`OBIS "${text}": field "${parts[i]}" is not 0..255`);
    out[i] = v;
  }
  return out;
}

function outcome(parse: (text: string) => Uint8Array, text: string): number[] | string {
  try {
    return Array.from(parse(text));
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

describe("parseObis", () => {
  it("gives the same bytes or the same error as the field-by-field parser, for any text (property)", () => {
    const field = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map(String),
      fc.stringMatching(/^[0-9+\-e x.]{0,5}$/),
      fc.constantFrom("", "00", "007", "0255", "1e2", "-0", "+1", " 1", "0x1", "NaN", "Infinity", "255", "256"),
    );
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 8 }), (fields) => {
        const text = fields.join(".");
        expect(outcome(parseObis, text)).toEqual(outcome(reference, text));
      }),
      { numRuns: 3000 },
    );
    expect(Array.from(parseObis("1.0.99.1.0.255"))).toEqual([1, 0, 99, 1, 0, 255]);
    expect(Array.from(parseObis("1.00.099.1.0.255"))).toEqual([1, 0, 99, 1, 0, 255]);
  });
});
