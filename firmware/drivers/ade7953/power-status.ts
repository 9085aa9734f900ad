import {
  type MeteringSample, SAMPLE_FLAG_ACTIVE_NO_LOAD, SAMPLE_FLAG_ACTIVE_REVERSE, SAMPLE_FLAG_REACTIVE_NEGATIVE,
} from "../../kernel/metering-ic";

/** Math.round without a global lookup per use. */
const round = Math.round;

/**
 * Channel A's power factor (x1000) and its direction / no-load flags, formed from the power
 * registers (AWATT, AVAR, AVA) the way the chip forms PFA and ACCMODE's status bits
 * (docs/chips.md A2, A3), so the tick reads neither register: a quantity below the no-load
 * threshold is in no-load and keeps its last sign; PF reads 1 in apparent no-load, 0 in active
 * no-load, else |P| / S with the sign of Q (of P while Q is in no-load).
 */
export class PowerStatus {
  /** No-load threshold in power-register LSB, as the driver configured AP/VAR/VA_NOLOAD. */
  noLoadLsb = 0;
  private activeNegative = false;
  private reactiveNegative = false;

  /** Sets `s.powerFactorMilli` and ORs the flags into `s.flags` (raw signed register values). */
  apply(s: MeteringSample, p: number, q: number, va: number): void {
    const threshold = this.noLoadLsb;
    const activeNoLoad = p < threshold && p > -threshold;
    const reactiveNoLoad = q < threshold && q > -threshold;
    if (!activeNoLoad) this.activeNegative = p < 0;
    if (!reactiveNoLoad) this.reactiveNegative = q < 0;
    if (this.activeNegative) s.flags |= SAMPLE_FLAG_ACTIVE_REVERSE;
    if (this.reactiveNegative) s.flags |= SAMPLE_FLAG_REACTIVE_NEGATIVE;
    if (activeNoLoad) s.flags |= SAMPLE_FLAG_ACTIVE_NO_LOAD;
    if (va < threshold) s.powerFactorMilli = 1000;
    else if (activeNoLoad) s.powerFactorMilli = 0;
    else {
      const magnitude = p < 0 ? -p : p;
      const pf = magnitude >= va ? 1000 : round((magnitude * 1000) / va);
      s.powerFactorMilli = (reactiveNoLoad ? p < 0 : q < 0) ? -pf : pf;
    }
  }
}
