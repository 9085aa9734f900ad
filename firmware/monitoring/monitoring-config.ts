/**
 * Configuration of profiles, event detectors, tamper and pulse inputs (docs/metering.md sections 4-6, 8).
 * Values the head end can change over DLMS (thresholds) are copied into the detectors at
 * construction and changed there through their setters; this object is only the start-up default.
 */
export interface MonitoringConfig {
  /** Load profile 1.0.99.1.0.255 capture period (s), aligned to local time. Divides 86400. */
  loadProfilePeriodS: number;
  /** Rows kept: 42 days of 15-minute rows by default (>= 40 days plus room for a DST day). */
  loadProfileEntries: number;
  /** Daily profile 1.0.99.2.0.255 rows kept (one per local midnight). */
  dailyProfileEntries: number;

  /** Nominal voltage Un, mV; the percentage thresholds below are of this. */
  nominalVoltageMilliV: number;
  /** Sag below this per-mille of Un (900 = 90 %), swell above, missing voltage below. */
  sagLevelPerMille: number;
  swellLevelPerMille: number;
  missingLevelPerMille: number;
  /** How long (s) the voltage must stay past each level before the event starts. */
  sagTimeS: number;
  swellTimeS: number;
  missingTimeS: number;
  /** Frequency window (mHz) and how long (s) it must be left before it is logged. */
  frequencyLowMilliHz: number;
  frequencyHighMilliHz: number;
  frequencyTimeS: number;

  /**
   * Measuring range (over-range events, docs/readme/faults.md): Imax, mA, and the voltage range
   * in per mille of Un. The high end should match the drivers' energy-read bound
   * (VOLTAGE_RANGE_HIGH_PER_MILLE, firmware/drivers/energy-bound.ts).
   */
  maxCurrentMilliA: number;
  voltageRangeLowPerMille: number;
  voltageRangeHighPerMille: number;

  /** Power failures longer than this (s) are "long" (0.0.96.7.19.255). */
  longPowerFailureS: number;

  /** Import-only meter: any sustained export is logged as a reverse-energy tamper. */
  importOnly: boolean;
  /** Export power (mW) above which a reverse flow counts (below it is creep/noise). */
  reversePowerMilliW: number;
  /** Reverse flow must last this long (s) before it is logged. */
  reverseTimeS: number;
  /** Phase/neutral mismatch: difference above this per-mille of the larger current ... */
  mismatchPerMille: number;
  /** ... and above this many mA ... */
  mismatchMilliA: number;
  /** ... for longer than this (s). */
  mismatchTimeS: number;
  /** Cover switches and magnet sensor: level must be stable this long (ms) to count. */
  coverDebounceMs: number;
  magnetDebounceMs: number;

  /** Pulse inputs: level stable this long (ms) to count a pulse. */
  pulseDebounceMs: number;
  /** Millilitres per pulse (integers, so volumes stay exact): gas 10 L, water 1 L by default. */
  gasMilliLitresPerPulse: number;
  waterMilliLitresPerPulse: number;
}

export function defaultMonitoringConfig(): MonitoringConfig {
  return {
    loadProfilePeriodS: 900,
    loadProfileEntries: 42 * 96,
    dailyProfileEntries: 62,
    nominalVoltageMilliV: 230_000,
    sagLevelPerMille: 900,
    swellLevelPerMille: 1100,
    missingLevelPerMille: 500,
    sagTimeS: 3,
    swellTimeS: 3,
    missingTimeS: 3,
    frequencyLowMilliHz: 49_500,
    frequencyHighMilliHz: 50_500,
    frequencyTimeS: 3,
    maxCurrentMilliA: 60_000,
    voltageRangeLowPerMille: 700,
    voltageRangeHighPerMille: 1200,
    longPowerFailureS: 180,
    importOnly: false,
    reversePowerMilliW: 10_000,
    reverseTimeS: 10,
    mismatchPerMille: 125,
    mismatchMilliA: 500,
    mismatchTimeS: 10,
    coverDebounceMs: 100,
    magnetDebounceMs: 1000,
    pulseDebounceMs: 20,
    gasMilliLitresPerPulse: 10_000,
    waterMilliLitresPerPulse: 1_000,
  };
}

/** Throws a RangeError naming the first bad value; the meter refuses to start with it. */
export function checkMonitoringConfig(c: MonitoringConfig): void {
  const positiveInt = (name: keyof MonitoringConfig, max = Number.MAX_SAFE_INTEGER) => {
    const v = c[name];
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0 || v > max) throw new RangeError(`monitoring.${name} must be a positive integer <= ${max}, got ${String(v)}`);
  };
  positiveInt("loadProfilePeriodS", 86_400);
  if (86_400 % c.loadProfilePeriodS !== 0) throw new RangeError(`monitoring.loadProfilePeriodS must divide 86400, got ${c.loadProfilePeriodS}`);
  for (const k of ["loadProfileEntries", "dailyProfileEntries", "nominalVoltageMilliV", "sagLevelPerMille", "swellLevelPerMille", "missingLevelPerMille",
    "frequencyLowMilliHz", "frequencyHighMilliHz", "longPowerFailureS", "reversePowerMilliW", "mismatchPerMille", "mismatchMilliA",
    "coverDebounceMs", "magnetDebounceMs", "pulseDebounceMs", "gasMilliLitresPerPulse", "waterMilliLitresPerPulse",
    "maxCurrentMilliA", "voltageRangeLowPerMille", "voltageRangeHighPerMille"] as const) positiveInt(k);
  for (const k of ["sagTimeS", "swellTimeS", "missingTimeS", "frequencyTimeS", "reverseTimeS", "mismatchTimeS"] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) throw new RangeError(`monitoring.${k} must be a non-negative integer, got ${String(c[k])}`);
  }
  if (!(c.missingLevelPerMille < c.sagLevelPerMille && c.sagLevelPerMille < 1000 && c.swellLevelPerMille > 1000)) {
    throw new RangeError("monitoring levels must satisfy missing < sag < 1000 < swell (per mille of Un)");
  }
  if (!(c.voltageRangeLowPerMille < 1000 && c.voltageRangeHighPerMille > 1000)) throw new RangeError("monitoring.voltageRangeLowPerMille must be below 1000 and voltageRangeHighPerMille above");
  if (c.frequencyLowMilliHz >= c.frequencyHighMilliHz) throw new RangeError("monitoring.frequencyLowMilliHz must be below frequencyHighMilliHz");
}
