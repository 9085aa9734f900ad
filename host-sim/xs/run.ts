import { bundleForXs } from "./bundle";
import type { TickFigures } from "./entry";
import { XsWorker, type XsMeter } from "./worker";

export interface XsScenarioRun {
  registers: Record<string, number>;
  ticks: TickFigures;
  /** Metering of the boot (bundle evaluation + meter start). */
  boot: XsMeter;
  /** Heap after boot, from xsnap's figures. */
  heapSlotsAfterBoot: number;
  allocatedBytesAfterBoot: number;
  /** Heap slots one more Meter (the firmware's own objects and typed-array headers) takes on the same board, after gc. */
  meterHeapSlots: number;
}

/** Runs a scenario for `seconds` of virtual time inside XS and returns registers and figures. */
export async function runScenarioInXs(scenarioJson: string, seconds: number): Promise<XsScenarioRun> {
  const worker = new XsWorker();
  try {
    await worker.evaluate(bundleForXs());
    const boot = await worker.call<null>(`(xsHarness.boot(${JSON.stringify(scenarioJson)}), null)`);
    const ticks = await worker.call<TickFigures>(`xsHarness.run(${seconds})`);
    const registers = await worker.call<Record<string, number>>("xsHarness.registers()");
    // The firmware's own share of the heap: collect, then build one more Meter on the same board.
    const before = await worker.call<null>("(gc(), null)");
    const after = await worker.call<null>("(globalThis.meterProbe = xsHarness.newMeter(), gc(), null)");
    return {
      registers: registers.value,
      ticks: ticks.value,
      boot: boot.meter,
      heapSlotsAfterBoot: boot.meter.currentHeapCount,
      allocatedBytesAfterBoot: boot.meter.allocate,
      meterHeapSlots: after.meter.currentHeapCount - before.meter.currentHeapCount,
    };
  } finally {
    worker.close();
  }
}
