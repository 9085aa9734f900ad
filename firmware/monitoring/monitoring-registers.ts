import type { EventLogs } from "../records/event-log";
import type { PowerFailures } from "./power-failures";
import { VOLTAGE_BAND, type PowerQuality } from "./power-quality";
import type { Profiles } from "../records/profiles";
import type { PulseCounter } from "./pulse-counter";
import { DERIVED_REGISTER, frozenRows, REGISTER_SOURCE, type SourcedRow, type Unit } from "../kernel/register-table";
import { ALARM_OBIS, EVENT_LOG_OBIS, POWER_FAILURE_OBIS, PQ_OBIS, PROFILE_OBIS, SUB_METER_OBIS } from "../kernel/obis";

export { ALARM_OBIS, PQ_OBIS, SUB_METER_OBIS } from "../kernel/obis";

/** What the register list reads; the Meter satisfies it (profiles may be built after the table). */
export interface MonitoringParts {
  readonly events: EventLogs;
  readonly powerQuality: PowerQuality;
  readonly powerFailures: PowerFailures;
  readonly gas: PulseCounter;
  readonly water: PulseCounter;
  readonly profiles: Profiles;
}

/**
 * The class 1/3/4 values of profiles, events, power quality and sub-meters for the register table,
 * each naming the owner and property it is read from. Frozen: preloaded into flash.
 * Writable ones (thresholds, alarm filter) are changed through their owners' setters:
 * `powerQuality.setLevels / setTimeThresholds`, `powerFailures.setLongThreshold`,
 * `events.alarmFilter`, `events.clearAlarms`. Class 4 capture times: `gas.captureUtcMs`, `water.captureUtcMs`.
 */
export const MONITORING_REGISTERS: readonly SourcedRow[] = frozenRows(monitoringRows());

function monitoringRows(): SourcedRow[] {
  const S = REGISTER_SOURCE;
  const row = (obis: string, name: string, unit: Unit, scaler: number, source: number, field: string, at = -1): SourcedRow => ({ obis, name, unit, scaler, source, field, at });
  const { sag, swell, missing } = VOLTAGE_BAND;
  return [
    row(ALARM_OBIS.register, "Alarm register 1", "", 0, S.events, "alarmRegister"),
    row(ALARM_OBIS.filter, "Alarm filter 1", "", 0, S.events, "alarmFilter"),
    row(PROFILE_OBIS.statusWord, "Profile status word", "", 0, S.derived, "", DERIVED_REGISTER.profileStatusWord),
    row(POWER_FAILURE_OBIS.count, "Number of power failures", "", 0, S.powerFailures, "count"),
    row(POWER_FAILURE_OBIS.longCount, "Number of long power failures", "", 0, S.powerFailures, "longCount"),
    row(POWER_FAILURE_OBIS.longThreshold, "Long power failure time threshold", "s", 0, S.powerFailures, "longThresholdS"),
    row(POWER_FAILURE_OBIS.duration, "Duration of the last power failure", "s", -3, S.powerFailures, "lastDurationMs"),
    row(PQ_OBIS.sagCount, "Number of voltage sags", "", 0, S.powerQuality, "counts", sag),
    row(PQ_OBIS.sagDuration, "Duration of the last voltage sag", "s", -3, S.powerQuality, "lastDurationMs", sag),
    row(PQ_OBIS.sagMagnitude, "Magnitude of the last voltage sag", "V", -3, S.powerQuality, "lastMagnitudeMilliV", sag),
    row(PQ_OBIS.swellCount, "Number of voltage swells", "", 0, S.powerQuality, "counts", swell),
    row(PQ_OBIS.swellDuration, "Duration of the last voltage swell", "s", -3, S.powerQuality, "lastDurationMs", swell),
    row(PQ_OBIS.swellMagnitude, "Magnitude of the last voltage swell", "V", -3, S.powerQuality, "lastMagnitudeMilliV", swell),
    row(PQ_OBIS.sagLevel, "Threshold for voltage sag", "V", -3, S.powerQuality, "sagLevelMilliV"),
    row(PQ_OBIS.swellLevel, "Threshold for voltage swell", "V", -3, S.powerQuality, "swellLevelMilliV"),
    row(PQ_OBIS.missingLevel, "Threshold for missing voltage", "V", -3, S.powerQuality, "missingLevelMilliV"),
    row(PQ_OBIS.sagTime, "Time threshold for voltage sag", "s", -3, S.powerQuality, "timeThresholdMs", sag),
    row(PQ_OBIS.swellTime, "Time threshold for voltage swell", "s", -3, S.powerQuality, "timeThresholdMs", swell),
    row(PQ_OBIS.missingTime, "Time threshold for missing voltage", "s", -3, S.powerQuality, "timeThresholdMs", missing),
    row(SUB_METER_OBIS.gas, "Gas volume", "m3", -6, S.gas, "volumeMilliLitres"),
    row(SUB_METER_OBIS.water, "Water volume", "m3", -6, S.water, "volumeMilliLitres"),
    // The event logs' last codes, in EventLogs.all() order.
    row(EVENT_LOG_OBIS.standard.lastCode, "Last standard event code", "", 0, S.standardLog, "lastCode"),
    row(EVENT_LOG_OBIS.fraud.lastCode, "Last fraud event code", "", 0, S.fraudLog, "lastCode"),
    row(EVENT_LOG_OBIS.disconnector.lastCode, "Last disconnector event code", "", 0, S.disconnectorLog, "lastCode"),
    row(EVENT_LOG_OBIS.powerQuality.lastCode, "Last powerQuality event code", "", 0, S.powerQualityLog, "lastCode"),
    row(EVENT_LOG_OBIS.communication.lastCode, "Last communication event code", "", 0, S.communicationLog, "lastCode"),
  ];
}
