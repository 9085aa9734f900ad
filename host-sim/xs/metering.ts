/**
 * xsnap's meter, as the harnesses use it: read-and-reset of the computron count, and port calls
 * whose work is set aside (the SPI peripheral with the chip beyond it, the flash, GPIO), with the
 * wrapper's own cost calibrated in the running engine. Outside XS (Node) everything reads 0.
 */
declare const resetMeter: ((limit: number, index: number) => number) | undefined;
declare const currentMeterLimit: (() => number) | undefined;

export const metered = typeof resetMeter === "function" && typeof currentMeterLimit === "function";

/** Reads the meter and sets it to `next`; returns 0 outside XS. */
export function swapMeter(next: number): number {
  return metered ? resetMeter!(currentMeterLimit!(), next) : 0;
}

export type AnyFunction = (...args: unknown[]) => unknown;

/**
 * Port methods whose work is not the firmware's. Each wrapped call still adds its wrapper's
 * prologue and epilogue (two meter swaps, ~50 computrons) to the firmware's count: `calibrate()`
 * measures that in this engine (N wrapped no-op calls against N direct ones) and figures subtract
 * `calls x overhead`.
 */
export class PortExclusion {
  /** Wrapped calls so far. */
  calls = 0;
  /** Computrons spent inside the wrapped calls (the emulators' work) since the last reset. */
  cost = 0;
  /** Computrons one wrapped call adds to the firmware's count; 0 until calibrated (and in Node). */
  overhead = 0;

  exclude(target: Record<string, AnyFunction>, name: string): void {
    const original = target[name].bind(target);
    target[name] = (a?: unknown, b?: unknown, c?: unknown) => {
      const firmwareSoFar = swapMeter(0);
      const result = original(a, b, c);
      this.cost += swapMeter(firmwareSoFar);
      this.calls++;
      return result;
    };
  }

  calibrate(n = 2000): number {
    if (!metered) return 0;
    const buffer = new Uint8Array(4);
    const direct = { transfer(b?: unknown): unknown { return b; } };
    const wrapped = { transfer(b?: unknown): unknown { return b; } };
    this.exclude(wrapped as unknown as Record<string, AnyFunction>, "transfer");
    const calls = this.calls;
    const cost = this.cost;
    const baseline = timeCalls(direct, buffer, n);
    const withWrapper = timeCalls(wrapped, buffer, n);
    this.calls = calls;
    this.cost = cost;
    this.overhead = Math.max(0, (withWrapper - baseline) / n);
    return this.overhead;
  }
}

/** Computrons of `n` calls of `target.transfer`, the empty loop taken out. */
export function timeCalls(target: { transfer(b?: unknown): unknown }, buffer: Uint8Array, n: number): number {
  swapMeter(0);
  for (let i = 0; i < n; i++) target.transfer(buffer);
  const withLoop = swapMeter(0);
  for (let i = 0; i < n; i++);
  return withLoop - swapMeter(0);
}
