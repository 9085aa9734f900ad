import { ALARM, EVENT } from "../kernel/event-codes";
import type { EventLogs } from "../records/event-log";
import type { MeteringSample } from "../kernel/metering-ic";
import type { MonitoringConfig } from "./monitoring-config";

/**
 * Measuring range (docs/readme/faults.md): a current above Imax on the phase or the neutral, or
 * a voltage outside [low, high] of the measuring range, is metered as read but may not be
 * accurate: it is logged when it starts and when it ends (standard log for current, power
 * quality log for voltage) and sets ALARM.measuringRangeExceeded. Below the missing-voltage
 * level the missing-voltage event speaks instead (the meter may be running on a failing supply).
 * Judged on verified samples only; one comparison chain per tick, no allocation.
 */
export class OverRange {
  readonly maxCurrentMilliA: number;
  readonly voltageLowMilliV: number;
  readonly voltageHighMilliV: number;
  private readonly missingMilliV: number;
  /** An over-current / voltage-out-of-range episode is in progress. */
  currentOver = false;
  voltageOut = false;
  /** Episodes so far (diagnostics, tests). */
  currentEpisodes = 0;
  voltageEpisodes = 0;

  constructor(private readonly events: EventLogs, config: MonitoringConfig) {
    this.maxCurrentMilliA = config.maxCurrentMilliA;
    this.voltageLowMilliV = Math.round((config.nominalVoltageMilliV * config.voltageRangeLowPerMille) / 1000);
    this.voltageHighMilliV = Math.round((config.nominalVoltageMilliV * config.voltageRangeHighPerMille) / 1000);
    this.missingMilliV = Math.round((config.nominalVoltageMilliV * config.missingLevelPerMille) / 1000);
  }

  update(s: MeteringSample): void {
    const max = this.maxCurrentMilliA;
    const over = s.currentMilliA > max || s.neutralCurrentMilliA > max;
    if (over !== this.currentOver) this.currentChange(over);
    const v = s.voltageMilliV;
    const out = v > this.voltageHighMilliV || (v < this.voltageLowMilliV && v >= this.missingMilliV);
    if (out !== this.voltageOut) this.voltageChange(out);
  }

  private currentChange(over: boolean): void {
    this.currentOver = over;
    this.events.record("standard", over ? EVENT.standard.currentAboveImax : EVENT.standard.currentBelowImax);
    if (over) {
      this.currentEpisodes++;
      this.events.raiseAlarm(ALARM.measuringRangeExceeded);
    }
  }

  private voltageChange(out: boolean): void {
    this.voltageOut = out;
    this.events.record("powerQuality", out ? EVENT.powerQuality.voltageOutOfMeasuringRange : EVENT.powerQuality.voltageInMeasuringRange);
    if (out) {
      this.voltageEpisodes++;
      this.events.raiseAlarm(ALARM.measuringRangeExceeded);
    }
  }
}
