/**
 * RAM of the COSEM object model in XS (xsnap): what building the meter's model keeps alive, in
 * heap slots (the ESP32's whole XS heap is 4,928 slots). Classes are shared frozen module-level
 * tables and the model keeps its objects in parallel arrays, so the model costs a few dozen slots
 * whatever the number of objects; per-object closures and descriptor objects (the layout before,
 * 8,356 slots for the same model, closure environments included) fail this.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SCENARIO } from "../../../host-sim/cli";
import { bundleForXs } from "../../../host-sim/xs/bundle";
import { XsWorker } from "../../../host-sim/xs/worker";

describe("COSEM object model RAM in XS", () => {
  it("a model of the meter's ~90 objects keeps fewer than 100 heap slots alive", async () => {
    const worker = new XsWorker();
    try {
      await worker.evaluate(bundleForXs(join(__dirname, "model-ram-entry.ts")));
      const scenario = JSON.stringify(readFileSync(DEFAULT_SCENARIO, "utf8"));
      const objects = (await worker.call<number>(`modelRam.boot(${scenario})`)).value;
      expect(objects).toBeGreaterThan(80);
      const before = (await worker.call<null>("(gc(), null)")).meter.currentHeapCount;
      expect((await worker.call<number>("modelRam.build()")).value).toBe(objects);
      const after = (await worker.call<null>("(gc(), null)")).meter.currentHeapCount;
      const slots = after - before;
      expect(slots).toBeGreaterThan(0);
      expect(slots).toBeLessThan(100);
    } finally {
      worker.close();
    }
  });

  it("a reader association with a load-profile read in progress holds under 125 slots, with an object_list read under 60: no per-object copies", async () => {
    const worker = new XsWorker();
    try {
      await worker.evaluate(bundleForXs(join(__dirname, "model-ram-entry.ts")));
      const scenario = JSON.stringify(readFileSync(DEFAULT_SCENARIO, "utf8"));
      await worker.call(`longGetRam.boot(${scenario})`);
      // A register GET (answered at once) ends whatever long GET is open: the baseline.
      const idle = async (): Promise<number> => {
        expect((await worker.call<number>("longGetRam.start(3, [1,0,1,8,0,255])")).value).toBe(0);
        return (await worker.call<null>("(gc(), null)")).meter.currentHeapCount;
      };
      const holding = async (classId: number, obis: string): Promise<number> => {
        const before = await idle();
        expect((await worker.call<number>(`longGetRam.start(${classId}, [${obis}])`)).value).toBe(1);
        return (await worker.call<null>("(gc(), null)")).meter.currentHeapCount - before;
      };
      // Once each first: what is made once (the session's writer growing, lazily built tables).
      await holding(7, "1,0,99,1,0,255");
      await holding(15, "0,0,40,0,0,255");
      const profile = await holding(7, "1,0,99,1,0,255");
      const objectList = await holding(15, "0,0,40,0,0,255");
      // The profile stream: its row, column indexes, one encoder per column, the cached time rules
      // as one small object (92 slots; 175 with the rules as closures and a date-time writer per read).
      // 118 with the flash store's reader for the read (issue 19: its cursor and a record buffer
      // with a word view for the CRC, ~26 slots while the read lasts, nothing at rest).
      expect(profile).toBeGreaterThan(20);
      expect(profile).toBeLessThan(125);
      // The object_list stream walks the model with one scratch object (44 slots): no list of the
      // visible objects (before: an array of them, 16 B of chunk per object).
      expect(objectList).toBeGreaterThan(10);
      expect(objectList).toBeLessThan(60);
    } finally {
      worker.close();
    }
  });
});
