import { join } from "node:path";
import { bundleForXs } from "../../host-sim/xs/bundle";
import { XsWorker } from "../../host-sim/xs/worker";

/**
 * The records' RAM in the XS engine: heap slots each part keeps alive after gc() (xsnap's
 * currentHeapCount, the figure the ESP32's 4,928-slot budget is about). Rows and entries live in
 * typed arrays (chunks, not slots), so these bounds hold whatever the capacities. Measured with
 * this test's entry: before the records' RAM work event logs 177, calendar 233, tariff chain 761,
 * profiles 248; after it 92, 38, 208, 114; after the frozen column tables and index reads 93, 38,
 * 129, 86.
 */
describe("records' RAM in XS (heap slots after gc)", () => {
  let worker: XsWorker;
  const slotsOf = async (build: string): Promise<number> => {
    const before = await worker.call<null>("(gc(), null)");
    const after = await worker.call<null>(`(recordsRam.${build}(), gc(), null)`);
    return after.meter.currentHeapCount - before.meter.currentHeapCount;
  };

  beforeAll(async () => {
    worker = new XsWorker();
    await worker.evaluate(bundleForXs(join(__dirname, "records-ram-entry.ts")));
    await worker.call("(recordsRam.prepare(), null)");
  });
  afterAll(() => worker.close());

  it("the five event logs share three entry arrays", async () => {
    expect(await slotsOf("eventLogs")).toBeLessThanOrEqual(100);
  });

  it("a tariff calendar with the default calendar is packed (active and passive one object)", async () => {
    expect(await slotsOf("calendar")).toBeLessThanOrEqual(45);
  });

  it("the tariff chain (calendar, demand, billing with a RAM ring) keeps no reader and no column object", async () => {
    expect(await slotsOf("tariffs")).toBeLessThanOrEqual(135);
  });

  it("load and daily profiles: frozen column tables, one number per value column", async () => {
    expect(await slotsOf("profiles")).toBeLessThanOrEqual(90);
  });
});
