/**
 * RAM of the COSEM object model in XS (xsnap): what building the meter's model keeps alive, in
 * heap slots (the ESP32's whole XS heap is 4,928 slots). Classes are shared frozen module-level
 * tables and the model keeps its objects in parallel arrays, so the model costs a few dozen slots
 * whatever the number of objects; per-object closures and descriptor objects (the layout before,
 * 8,356 slots for the same model, closure environments included) fail this.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SCENARIO } from "../../host-sim/cli";
import { bundleForXs } from "../../host-sim/xs/bundle";
import { XsWorker } from "../../host-sim/xs/worker";

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
});
