/** The optical port runs in XS: the bench entry (HDLC link + DLMS server) in xsnap answers a GET over HDLC. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SCENARIO } from "../../../host-sim/cli";
import { bundleForXs } from "../../../host-sim/xs/bundle";
import { XsWorker } from "../../../host-sim/xs/worker";

describe("optical port in XS", () => {
  it("SNRM, AARQ and a register GET over HDLC in xsnap; the one-day profile in 128-byte segments", async () => {
    const worker = new XsWorker();
    try {
      await worker.evaluate(bundleForXs(join(__dirname, "..", "..", "..", "host-sim", "bench", "hdlc-xs", "entry.ts")));
      await worker.call(`(hdlcBench.boot(${JSON.stringify(readFileSync(DEFAULT_SCENARIO, "utf8"))}, 96, 128), null)`);
      const get = (await worker.call<{ mean: number; reply: number[] }>("hdlcBench.registerGet(1)")).value;
      // I-frame to client 17 from the meter, LLC E6 E7 00, GET-Response-Normal, success, long64-unsigned.
      expect(get.reply.slice(0, 6)).toEqual([0x7e, 0xa0, get.reply[2], 0x23, 0x03, get.reply[5]]);
      expect(get.reply.slice(8, 16)).toEqual([0xe6, 0xe7, 0x00, 0xc4, 0x01, 0xc1, 0x00, 0x15]);
      const p = (await worker.call<{ frames: number; bytesOut: number }>("hdlcBench.profile()")).value;
      expect(p.frames).toBeGreaterThan(40);
      expect(p.bytesOut).toBeGreaterThan(96 * 50);
    } finally {
      worker.close();
    }
  }, 120_000);
});
