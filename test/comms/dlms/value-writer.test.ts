/**
 * The DLMS value writer never clamps or rounds (issue 12): a number its A-XDR type cannot hold is
 * an error, and a GET of such a value gets a defined answer (other-reason), never a plausible
 * wrong number.
 */
import { AxdrWriter, DataType, numericDataObject, ObjectModel, publicPolicy, DlmsServer, ValueRangeError, writeNumber } from "../../../firmware/comms/dlms";
import { fakeClient, meterSim, toHex } from "./helpers";

function encoded(type: Parameters<typeof writeNumber>[1], value: number): string {
  const w = new AxdrWriter(16);
  writeNumber(w, type, value);
  return toHex(w.bytes.subarray(0, w.length));
}

describe("writeNumber", () => {
  it("encodes every value its type holds, exactly", () => {
    expect(encoded(DataType.unsigned, 255)).toBe("11 FF");
    expect(encoded(DataType.integer, -128)).toBe("0F 80");
    expect(encoded(DataType.longUnsigned, 65535)).toBe("12 FF FF");
    expect(encoded(DataType.long, -32768)).toBe("10 80 00");
    expect(encoded(DataType.doubleLongUnsigned, 4294967295)).toBe("06 FF FF FF FF");
    expect(encoded(DataType.doubleLong, -2147483648)).toBe("05 80 00 00 00");
    expect(encoded(DataType.long64Unsigned, 2 ** 53 - 1)).toBe("15 00 1F FF FF FF FF FF FF");
    expect(encoded(DataType.enum, 7)).toBe("16 07");
  });

  it("refuses a value outside its type instead of clamping it", () => {
    expect(() => encoded(DataType.unsigned, 256)).toThrow(ValueRangeError);
    expect(() => encoded(DataType.unsigned, -1)).toThrow(ValueRangeError);
    expect(() => encoded(DataType.longUnsigned, 70_000)).toThrow(ValueRangeError);
    expect(() => encoded(DataType.doubleLongUnsigned, 4294967296)).toThrow(ValueRangeError);
    expect(() => encoded(DataType.doubleLong, 2147483648)).toThrow(ValueRangeError);
    expect(() => encoded(DataType.long64Unsigned, -5)).toThrow(ValueRangeError);
    expect(() => encoded(DataType.integer, 128)).toThrow(ValueRangeError);
  });

  it("refuses a fraction or a non-number instead of rounding it", () => {
    expect(() => encoded(DataType.doubleLongUnsigned, 12.5)).toThrow(ValueRangeError);
    expect(() => encoded(DataType.long64, NaN)).toThrow(ValueRangeError);
    expect(() => encoded(DataType.long64, Infinity)).toThrow(ValueRangeError);
  });

  it("a GET of a value its type cannot hold answers other-reason (250), not a clamped number", async () => {
    const sim = meterSim(0);
    const model = new ObjectModel();
    let value = 300;
    model.add(numericDataObject("0.0.96.1.0.255", "serial", "identity", DataType.unsigned, () => value));
    const server = new DlmsServer({ clock: sim.clock, log: sim.log, model, policies: [publicPolicy()] });
    const { client } = fakeClient(server, 16);
    await client.associate();
    expect((await client.getResult(1, "0.0.96.1.0.255", 2)).error).toBe(250);
    value = 200;
    expect((await client.getResult(1, "0.0.96.1.0.255", 2)).data).toEqual({ kind: "int", tag: 17, value: 200n });
  });
});
