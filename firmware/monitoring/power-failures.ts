import { CircularProfile, CLOCK_COLUMN, type CaptureColumn, type ProfileBuffer } from "../records/profile-buffer";
import { POWER_FAILURE_OBIS } from "../kernel/obis";
import type { ChangeSaver } from "../kernel/change-saver";
export { POWER_FAILURE_OBIS } from "../kernel/obis";

/** Power failure event log columns: start time (UTC ms) and duration (ms, i.e. s with scaler -3). */
export const POWER_FAILURE_LOG_COLUMNS: readonly CaptureColumn[] = Object.freeze([
  CLOCK_COLUMN,
  Object.freeze({ classId: 3, obis: POWER_FAILURE_OBIS.duration, attribute: 2, dataIndex: 0, scaler: -3, unit: "s" as const }),
]);

export interface PowerFailureState {
  count: number;
  longCount: number;
  lastDurationMs: number;
  totalDurationMs: number;
  longThresholdS: number;
}

/**
 * Power failure counters and log (docs/metering.md section 4). The meter is off during a failure, so
 * whoever learns of it at power up (the persistence layer: last save or power-fail record vs.
 * the restored clock) calls `recordPowerFailure`. Every failure is counted and logged with its
 * start and duration; the long count also counts those longer than the threshold.
 * Events 1/2 (power down/up) in the standard log are the caller's: they belong to the moments
 * of power down and power up, which only it knows.
 */
export class PowerFailures {
  /** All power failures (0.0.96.7.21.255). */
  count = 0;
  /** Failures longer than the threshold (0.0.96.7.9.255). */
  longCount = 0;
  /** Duration of the last failure, ms (0.0.96.7.20.255 in s with scaler -3). */
  lastDurationMs = 0;
  totalDurationMs = 0;
  /** Long-failure threshold, s (0.0.96.7.19.255). */
  longThresholdS: number;
  readonly log: ProfileBuffer;
  /**
   * Told after a change the meter saves: `saver.saveIfRestored(kind)` (the meter's persistence
   * object and its state number; no closure kept). None until `saveChangesTo`.
   */
  private saver: ChangeSaver | null = null;
  private saverKind = 0;
  private readonly row = new Float64Array(2);

  constructor(longThresholdS = 180, capacity = 100, log?: ProfileBuffer) {
    this.longThresholdS = longThresholdS;
    this.log = log ?? new CircularProfile(POWER_FAILURE_OBIS.log, POWER_FAILURE_LOG_COLUMNS, 0, capacity);
  }

  /** From now on every change is told to `saver` as state `kind` (the meter's persistence). */
  saveChangesTo(saver: ChangeSaver | null, kind: number): void {
    this.saver = saver;
    this.saverKind = kind;
  }

  setLongThreshold(seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError(`long power failure threshold must be a non-negative integer of seconds, got ${seconds}`);
    this.longThresholdS = seconds;
    this.saver?.saveIfRestored(this.saverKind);
  }

  recordPowerFailure(startUtcMs: number, durationMs: number): void {
    if (!Number.isFinite(startUtcMs) || !Number.isFinite(durationMs) || durationMs < 0) throw new RangeError(`power failure needs a start time and a duration >= 0, got ${startUtcMs}, ${durationMs}`);
    this.count++;
    if (durationMs > this.longThresholdS * 1000) this.longCount++;
    this.lastDurationMs = durationMs;
    this.totalDurationMs += durationMs;
    this.row[0] = startUtcMs;
    this.row[1] = durationMs;
    this.log.append(this.row);
  }

  snapshot(): PowerFailureState {
    return { count: this.count, longCount: this.longCount, lastDurationMs: this.lastDurationMs, totalDurationMs: this.totalDurationMs, longThresholdS: this.longThresholdS };
  }

  /** Restores the counters and the threshold (throws RangeError on a record with bad values; nothing changes then). */
  restore(s: PowerFailureState): void {
    if (typeof s !== "object" || s === null) throw new RangeError("power failure state: not an object");
    for (const k of ["count", "longCount", "lastDurationMs", "totalDurationMs", "longThresholdS"] as const) {
      if (!Number.isSafeInteger(s[k]) || s[k] < 0) throw new RangeError(`power failure state: ${k} is ${String(s[k])}`);
    }
    if (s.longCount > s.count) throw new RangeError("power failure state: more long failures than failures");
    this.count = s.count;
    this.longCount = s.longCount;
    this.lastDurationMs = s.lastDurationMs;
    this.totalDurationMs = s.totalDurationMs;
    this.longThresholdS = s.longThresholdS;
  }
}
