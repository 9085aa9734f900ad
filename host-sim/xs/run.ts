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
}

/** Runs a scenario for `seconds` of virtual time inside XS and returns registers and figures. */
export async function runScenarioInXs(scenarioJson: string, seconds: number): Promise<XsScenarioRun> {
  const worker = new XsWorker();
  try {
    await worker.evaluate(bundleForXs());
    const boot = await worker.call<null>(`(xsHarness.boot(${JSON.stringify(scenarioJson)}), null)`);
    const ticks = await worker.call<TickFigures>(`xsHarness.run(${seconds})`);
    const registers = await worker.call<Record<string, number>>("xsHarness.registers()");
    return {
      registers: registers.value,
      ticks: ticks.value,
      boot: boot.meter,
      heapSlotsAfterBoot: boot.meter.currentHeapCount,
      allocatedBytesAfterBoot: boot.meter.allocate,
    };
  } finally {
    worker.close();
  }
}
