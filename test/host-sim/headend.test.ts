import { formatNotification, parseHeadEndArgs, type ReceivedNotification } from "../../host-sim/headend";

const ascii = (t: string) => new Uint8Array(Array.from(t, (c) => c.charCodeAt(0)));

describe("head-end output", () => {
  it("labels each value of the default push object list by OBIS and name", () => {
    const n: ReceivedNotification = {
      invokeId: 3, invokeIdAndPriority: 3, dateTime: null, sourceWPort: 1, remote: "127.0.0.1:5000", duplicate: false,
      body: { type: 2, items: [
        { type: 9, bytes: new Uint8Array([0, 0, 25, 9, 0, 255]) },
        { type: 9, bytes: ascii("DLMSLITE00000042") },
        { type: 9, bytes: new Uint8Array([0x07, 0xea, 3, 2, 1, 10, 0, 0, 0, 0xff, 0xc4, 0]) },
        { type: 6, value: 0 },
        { type: 6, value: 1234 },
        { type: 6, value: 0 },
      ] },
    };
    expect(formatNotification(n)).toBe(
      "notification #3 from 127.0.0.1:5000 (wPort 1) at (no time): 0.0.25.9.0.255 Push setup (alarm): 0.0.25.9.0.255 | " +
      '0.0.42.0.0.255 Logical device name: "DLMSLITE00000042" | 0.0.1.0.0.255 Clock: 2026-03-02 10:00:00 dev -60 status 0x00 | ' +
      "0.0.97.98.0.255 Alarm register 1: 0 | 1.0.1.8.0.255 A+ total: 1234 | 1.0.2.8.0.255 A- total: 0",
    );
  });

  it("numbers the values of another list", () => {
    const n: ReceivedNotification = { invokeId: 1, invokeIdAndPriority: 1, dateTime: null, sourceWPort: 1, remote: "r", duplicate: true, body: { type: 2, items: [{ type: 17, value: 5 }] } };
    expect(formatNotification(n)).toBe("DUPLICATE notification #1 from r (wPort 1) at (no time): #1: 5");
  });

  it("rejects unknown options and bad ports", () => {
    expect(() => parseHeadEndArgs(["--colour", "red"])).toThrow("Unknown option '--colour' (usage: npm run headend -- [--port 4060] [--address 127.0.0.1])");
    expect(() => parseHeadEndArgs(["--port", "0"])).toThrow('--port needs a TCP port 1..65535, got "0"');
    expect(parseHeadEndArgs(["--port", "4061"])).toEqual({ port: 4061, address: "127.0.0.1", help: false });
  });
});
