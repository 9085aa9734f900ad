/** The object model's parallel arrays: lookup by OBIS (binary search over sorted keys), replace, remove, object_list order. */
import { AxdrWriter, defineClass, numericDataObject, ObjectModel, writeLogicalName, DataType } from "../../../firmware/comms/dlms";

const CLASS = defineClass({ classId: 1, version: 0, name: "test", group: "config", attributes: [{ get: (ctx, w) => (w.unsigned(ctx.object.target as number), 0) }] });

describe("ObjectModel", () => {
  it("finds every object by OBIS whatever the order they were placed in, keeps object_list order, replaces and removes", () => {
    const model = new ObjectModel();
    const codes = ["1.0.99.1.0.255", "0.0.1.0.0.255", "255.255.255.255.255.255", "0.0.0.0.0.0", "1.0.1.8.0.255", "0.0.96.1.0.255"];
    codes.forEach((c, i) => model.place(CLASS, c, i));
    expect(model.objects.map((o) => o.obis)).toEqual(codes);
    codes.forEach((c, i) => expect(model.find(c)?.target).toBe(i));
    expect(model.find("1.0.1.8.1.255")).toBeUndefined();
    expect(() => model.place(CLASS, "0.0.1.0.0.255", 9)).toThrow("COSEM object 0.0.1.0.0.255 defined twice");
    model.replaceWith(CLASS, "1.0.1.8.0.255", 40);
    expect(model.find("1.0.1.8.0.255")?.target).toBe(40);
    model.remove("0.0.1.0.0.255");
    expect(model.find("0.0.1.0.0.255")).toBeUndefined();
    expect(model.objects.map((o) => [o.obis, o.target])).toEqual([["1.0.99.1.0.255", 0], ["255.255.255.255.255.255", 2], ["0.0.0.0.0.0", 3], ["1.0.1.8.0.255", 40], ["0.0.96.1.0.255", 5]]);
    expect(model.find("0.0.96.1.0.255")?.target).toBe(5);
    model.add(numericDataObject("0.0.1.0.0.255", "again", "identity", DataType.unsigned, () => 7));
    expect(model.find("0.0.1.0.0.255")?.group).toBe("identity");
    expect(model.size).toBe(6);
  });

  it("writes an object's logical name from its key, all six bytes", () => {
    const model = new ObjectModel();
    model.place(CLASS, "255.254.128.1.0.255");
    const w = new AxdrWriter(16);
    writeLogicalName(w, model.find("255.254.128.1.0.255")!.key);
    expect(Array.from(w.bytes.subarray(0, w.length))).toEqual([9, 6, 255, 254, 128, 1, 0, 255]);
  });
});
