import { EVENT } from "../kernel/event-codes";
import type { EventLogs } from "../records/event-log";
import type { MonitoringConfig } from "./monitoring-config";
import { Sustained, Transition } from "./sustained";
import { deepFreeze } from "../kernel/freeze";
import type { ChangeSaver } from "../kernel/change-saver";

/** Voltage bands; also the index into the per-kind counter arrays. */
export const VOLTAGE_BAND = deepFreeze({ normal: 0, sag: 1, swell: 2, missing: 3 } as const);
const NORMAL = 0;
const SAG = 1;
const SWELL = 2;
const MISSING = 3;
const START_CODE = deepFreeze([EVENT.powerQuality.voltageNormal, EVENT.powerQuality.underVoltage, EVENT.powerQuality.overVoltage, EVENT.powerQuality.missingVoltage]);

/** Snapshot for persistence: typed arrays and numbers only. */
export interface PowerQualityState {
  counts: Float64Array;
  lastDurationMs: Float64Array;
  totalDurationMs: Float64Array;
  lastMagnitudeMilliV: Float64Array;
  frequencyCount: number;
  frequencyLastDurationMs: number;
  frequencyTotalDurationMs: number;
  frequencyLastExtremeMilliHz: number;
}

/**
 * Voltage sag, swell and missing voltage, and frequency out of range, from the RMS values of each
 * tick (docs/metering.md section 5).
 *
 * The voltage is in one band per sample: missing (< missing level), sag (< sag level), swell
 * (> swell level) or normal. An event starts once the voltage has stayed in an abnormal band
 * for longer than that band's time threshold; it is timestamped, and its duration measured,
 * from the first sample in the band. It ends at the first normal sample (event 85 "voltage
 * normal") or when another abnormal band has held past its own threshold (that band's start
 * code, no 85 in between: e.g. a sag deepening into missing voltage logs 76 then 82). A shorter
 * excursion into another band does not end the event. Per kind: count, duration and extreme
 * magnitude (lowest voltage of a sag or missing voltage, highest of a swell) of the last event,
 * and total duration. Frequency is not judged while the voltage is missing.
 */
export class PowerQuality {
  sagLevelMilliV = 0;
  swellLevelMilliV = 0;
  missingLevelMilliV = 0;
  /** Time thresholds per band (index VOLTAGE_BAND), ms. */
  readonly timeThresholdMs = new Float64Array(4);
  frequencyLowMilliHz: number;
  frequencyHighMilliHz: number;
  frequencyTimeMs: number;

  /** Per band (index VOLTAGE_BAND; index 0 unused). */
  readonly counts = new Float64Array(4);
  readonly lastDurationMs = new Float64Array(4);
  readonly totalDurationMs = new Float64Array(4);
  readonly lastMagnitudeMilliV = new Float64Array(4);
  frequencyCount = 0;
  frequencyLastDurationMs = 0;
  frequencyTotalDurationMs = 0;
  /** The frequency furthest from the window during the last out-of-range event, mHz. */
  frequencyLastExtremeMilliHz = 0;
  readonly frequency = new Sustained();

  /** Told after a threshold changed (the meter saves the thresholds then: `saver.saveIfRestored(kind)`, set by `saveChangesTo`: no closure kept). */
  private saver: ChangeSaver | null = null;
  private saverKind = 0;

  /** From now on every such change is told to `saver` as state `kind` (the meter's persistence). */
  saveChangesTo(saver: ChangeSaver | null, kind: number): void {
    this.saver = saver;
    this.saverKind = kind;
  }

  /** The event in progress (VOLTAGE_BAND; normal = none). */
  activeBand = NORMAL;
  private activeSinceMono = 0;
  private activeExtreme = 0;
  /** Band of the latest samples and since when; the active event's extreme as of then. */
  private candidateBand = NORMAL;
  private candidateSinceMono = 0;
  private candidateSinceUtc = 0;
  private candidateExtreme = 0;
  private activeExtremeAtCandidate = 0;
  private frequencyExtreme = 0;
  /** Start of the frequency event in progress (Sustained forgets it at the end sample). */
  private frequencySinceMono = 0;

  constructor(private readonly events: EventLogs, config: MonitoringConfig) {
    this.setLevels(
      Math.round((config.nominalVoltageMilliV * config.sagLevelPerMille) / 1000),
      Math.round((config.nominalVoltageMilliV * config.swellLevelPerMille) / 1000),
      Math.round((config.nominalVoltageMilliV * config.missingLevelPerMille) / 1000),
    );
    this.setTimeThresholds(config.sagTimeS, config.swellTimeS, config.missingTimeS);
    this.frequencyLowMilliHz = config.frequencyLowMilliHz;
    this.frequencyHighMilliHz = config.frequencyHighMilliHz;
    this.frequencyTimeMs = config.frequencyTimeS * 1000;
  }

  /** Level thresholds (DLMS 1.0.12.31 / .35 / .39, written in mV). */
  setLevels(sagMilliV: number, swellMilliV: number, missingMilliV: number): void {
    if (![sagMilliV, swellMilliV, missingMilliV].every((v) => Number.isInteger(v) && v >= 0) || !(missingMilliV < sagMilliV && sagMilliV < swellMilliV)) {
      throw new RangeError(`voltage thresholds must be integers with missing < sag < swell, got ${missingMilliV}, ${sagMilliV}, ${swellMilliV} mV`);
    }
    this.sagLevelMilliV = sagMilliV;
    this.swellLevelMilliV = swellMilliV;
    this.missingLevelMilliV = missingMilliV;
    this.saver?.saveIfRestored(this.saverKind);
  }

  /** Time thresholds (DLMS 1.0.12.43 / .44 / .45), seconds. */
  setTimeThresholds(sagS: number, swellS: number, missingS: number): void {
    if (![sagS, swellS, missingS].every((v) => Number.isInteger(v) && v >= 0 && v <= 86_400)) throw new RangeError(`time thresholds must be integers 0..86400 s, got ${sagS}, ${swellS}, ${missingS}`);
    this.timeThresholdMs[SAG] = sagS * 1000;
    this.timeThresholdMs[SWELL] = swellS * 1000;
    this.timeThresholdMs[MISSING] = missingS * 1000;
    this.saver?.saveIfRestored(this.saverKind);
  }

  /** The thresholds as [sag, swell, missing (mV), sag, swell, missing time (s)]. */
  thresholds(): number[] {
    const t = this.timeThresholdMs;
    return [this.sagLevelMilliV, this.swellLevelMilliV, this.missingLevelMilliV, t[SAG] / 1000, t[SWELL] / 1000, t[MISSING] / 1000];
  }

  /** Restores thresholds from `thresholds()` (throws RangeError on bad values, through the setters' checks). */
  restoreThresholds(t: readonly number[]): void {
    if (!Array.isArray(t) || t.length !== 6) throw new RangeError("power quality thresholds: need 6 numbers");
    const saver = this.saver;
    this.saver = null;
    try {
      this.setLevels(t[0], t[1], t[2]);
      this.setTimeThresholds(t[3], t[4], t[5]);
    } finally {
      this.saver = saver;
    }
  }

  band(voltageMilliV: number): number {
    if (voltageMilliV < this.missingLevelMilliV) return MISSING;
    if (voltageMilliV < this.sagLevelMilliV) return SAG;
    if (voltageMilliV > this.swellLevelMilliV) return SWELL;
    return NORMAL;
  }

  /** One sample per tick. Allocates nothing. */
  update(voltageMilliV: number, frequencyMilliHz: number, monoMs: number, utcMs: number): void {
    // The usual tick: voltage and frequency in range, no event or candidate in progress. The full
    // path would change nothing observable then (only the lowest voltage of the normal run, which
    // nothing reads: a candidate's extreme is taken when its band starts).
    if (
      this.candidateBand === NORMAL && this.activeBand === NORMAL && voltageMilliV >= this.sagLevelMilliV && voltageMilliV <= this.swellLevelMilliV &&
      frequencyMilliHz >= this.frequencyLowMilliHz && frequencyMilliHz <= this.frequencyHighMilliHz && this.frequency.sinceMonoMs < 0 && !this.frequency.active
    ) return;
    const b = this.band(voltageMilliV);
    if (b !== this.candidateBand) {
      this.candidateBand = b;
      this.candidateSinceMono = monoMs;
      this.candidateSinceUtc = utcMs;
      this.candidateExtreme = voltageMilliV;
      this.activeExtremeAtCandidate = this.activeExtreme;
    } else if (b === SWELL ? voltageMilliV > this.candidateExtreme : voltageMilliV < this.candidateExtreme) {
      this.candidateExtreme = voltageMilliV;
    }
    const active = this.activeBand;
    if (active !== NORMAL) {
      if (active === SWELL ? voltageMilliV > this.activeExtreme : voltageMilliV < this.activeExtreme) this.activeExtreme = voltageMilliV;
      if (b === NORMAL) {
        this.end(monoMs, this.activeExtreme);
        this.events.recordAt("powerQuality", utcMs, EVENT.powerQuality.voltageNormal);
      } else if (b !== active && monoMs - this.candidateSinceMono >= this.timeThresholdMs[b]) {
        this.end(this.candidateSinceMono, this.activeExtremeAtCandidate);
        this.start(b);
      }
    } else if (b !== NORMAL && monoMs - this.candidateSinceMono >= this.timeThresholdMs[b]) {
      this.start(b);
    }

    if (b === MISSING) return;
    const low = frequencyMilliHz < this.frequencyLowMilliHz;
    const out = low || frequencyMilliHz > this.frequencyHighMilliHz;
    const wasRunning = this.frequency.sinceMonoMs >= 0;
    const t = this.frequency.update(out, this.frequencyTimeMs, monoMs, utcMs);
    if (out) {
      const deviation = low ? this.frequencyLowMilliHz - frequencyMilliHz : frequencyMilliHz - this.frequencyHighMilliHz;
      const extremeDeviation = this.frequencyExtreme < this.frequencyLowMilliHz ? this.frequencyLowMilliHz - this.frequencyExtreme : this.frequencyExtreme - this.frequencyHighMilliHz;
      if (!wasRunning || deviation > extremeDeviation) this.frequencyExtreme = frequencyMilliHz;
    }
    if (t === Transition.Started) {
      this.frequencyCount++;
      this.events.recordAt("powerQuality", this.frequency.sinceUtcMs, EVENT.powerQuality.frequencyOutOfRange);
    } else if (t === Transition.Ended) {
      this.frequencyLastDurationMs = monoMs - this.frequencySinceMono;
      this.frequencyTotalDurationMs += this.frequencyLastDurationMs;
      this.frequencyLastExtremeMilliHz = this.frequencyExtreme;
      this.events.recordAt("powerQuality", utcMs, EVENT.powerQuality.frequencyNormal);
    }
    if (this.frequency.active) this.frequencySinceMono = this.frequency.sinceMonoMs;
  }

  snapshot(): PowerQualityState {
    return {
      counts: this.counts.slice(), lastDurationMs: this.lastDurationMs.slice(), totalDurationMs: this.totalDurationMs.slice(),
      lastMagnitudeMilliV: this.lastMagnitudeMilliV.slice(), frequencyCount: this.frequencyCount, frequencyLastDurationMs: this.frequencyLastDurationMs,
      frequencyTotalDurationMs: this.frequencyTotalDurationMs, frequencyLastExtremeMilliHz: this.frequencyLastExtremeMilliHz,
    };
  }

  /** Restores the counters; an event in progress at the reset is not resumed (the voltage is re-judged). */
  restore(s: PowerQualityState): void {
    if (typeof s !== "object" || s === null) throw new RangeError("power quality state: not an object");
    for (const k of ["counts", "lastDurationMs", "totalDurationMs", "lastMagnitudeMilliV"] as const) {
      const a = s[k];
      if (!(a instanceof Float64Array) || a.length !== 4 || !a.every((v) => Number.isFinite(v) && v >= 0)) throw new RangeError(`power quality state: ${k} is not 4 numbers >= 0`);
    }
    for (const k of ["frequencyCount", "frequencyLastDurationMs", "frequencyTotalDurationMs", "frequencyLastExtremeMilliHz"] as const) {
      if (!Number.isFinite(s[k]) || s[k] < 0) throw new RangeError(`power quality state: ${k} is ${String(s[k])}`);
    }
    this.counts.set(s.counts);
    this.lastDurationMs.set(s.lastDurationMs);
    this.totalDurationMs.set(s.totalDurationMs);
    this.lastMagnitudeMilliV.set(s.lastMagnitudeMilliV);
    this.frequencyCount = s.frequencyCount;
    this.frequencyLastDurationMs = s.frequencyLastDurationMs;
    this.frequencyTotalDurationMs = s.frequencyTotalDurationMs;
    this.frequencyLastExtremeMilliHz = s.frequencyLastExtremeMilliHz;
  }

  private start(b: number): void {
    this.activeBand = b;
    this.activeSinceMono = this.candidateSinceMono;
    this.activeExtreme = this.candidateExtreme;
    this.counts[b]++;
    this.events.recordAt("powerQuality", this.candidateSinceUtc, START_CODE[b]);
  }

  private end(endMono: number, extreme: number): void {
    const b = this.activeBand;
    const duration = endMono - this.activeSinceMono;
    this.lastDurationMs[b] = duration;
    this.totalDurationMs[b] += duration;
    this.lastMagnitudeMilliV[b] = extreme;
    this.activeBand = NORMAL;
  }
}
