import type { Clock } from "../hal";
import type { EventLogs } from "../records/event-log";
import type { PowerFailures } from "./power-failures";
import { VOLTAGE_BAND, type PowerQuality } from "./power-quality";
import type { Profiles } from "../records/profiles";
import type { PulseCounter } from "./pulse-counter";
import type { RegisterDescriptor } from "../kernel/register-table";
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
 * The class 1/3/4 values of profiles, events, power quality and sub-meters for the register table.
 * Writable ones (thresholds, alarm filter) are changed through their owners' setters:
 * `powerQuality.setLevels / setTimeThresholds`, `powerFailures.setLongThreshold`,
 * `events.alarmFilter`, `events.clearAlarms`. Class 4 capture times: `gas.captureUtcMs`, `water.captureUtcMs`.
 */
export function monitoringRegisters(m: MonitoringParts, clock: Clock): RegisterDescriptor[] {
  const pq = m.powerQuality;
  const pf = m.powerFailures;
  const list: RegisterDescriptor[] = [
    { obis: ALARM_OBIS.register, name: "Alarm register 1", unit: "", scaler: 0, read: () => m.events.alarmRegister },
    { obis: ALARM_OBIS.filter, name: "Alarm filter 1", unit: "", scaler: 0, read: () => m.events.alarmFilter },
    { obis: PROFILE_OBIS.statusWord, name: "Profile status word", unit: "", scaler: 0, read: () => m.profiles.statusWord(clock.wallClockMs()) },
    { obis: POWER_FAILURE_OBIS.count, name: "Number of power failures", unit: "", scaler: 0, read: () => pf.count },
    { obis: POWER_FAILURE_OBIS.longCount, name: "Number of long power failures", unit: "", scaler: 0, read: () => pf.longCount },
    { obis: POWER_FAILURE_OBIS.longThreshold, name: "Long power failure time threshold", unit: "s", scaler: 0, read: () => pf.longThresholdS },
    { obis: POWER_FAILURE_OBIS.duration, name: "Duration of the last power failure", unit: "s", scaler: -3, read: () => pf.lastDurationMs },
    { obis: PQ_OBIS.sagCount, name: "Number of voltage sags", unit: "", scaler: 0, read: () => pq.counts[VOLTAGE_BAND.sag] },
    { obis: PQ_OBIS.sagDuration, name: "Duration of the last voltage sag", unit: "s", scaler: -3, read: () => pq.lastDurationMs[VOLTAGE_BAND.sag] },
    { obis: PQ_OBIS.sagMagnitude, name: "Magnitude of the last voltage sag", unit: "V", scaler: -3, read: () => pq.lastMagnitudeMilliV[VOLTAGE_BAND.sag] },
    { obis: PQ_OBIS.swellCount, name: "Number of voltage swells", unit: "", scaler: 0, read: () => pq.counts[VOLTAGE_BAND.swell] },
    { obis: PQ_OBIS.swellDuration, name: "Duration of the last voltage swell", unit: "s", scaler: -3, read: () => pq.lastDurationMs[VOLTAGE_BAND.swell] },
    { obis: PQ_OBIS.swellMagnitude, name: "Magnitude of the last voltage swell", unit: "V", scaler: -3, read: () => pq.lastMagnitudeMilliV[VOLTAGE_BAND.swell] },
    { obis: PQ_OBIS.sagLevel, name: "Threshold for voltage sag", unit: "V", scaler: -3, read: () => pq.sagLevelMilliV },
    { obis: PQ_OBIS.swellLevel, name: "Threshold for voltage swell", unit: "V", scaler: -3, read: () => pq.swellLevelMilliV },
    { obis: PQ_OBIS.missingLevel, name: "Threshold for missing voltage", unit: "V", scaler: -3, read: () => pq.missingLevelMilliV },
    { obis: PQ_OBIS.sagTime, name: "Time threshold for voltage sag", unit: "s", scaler: -3, read: () => pq.timeThresholdMs[VOLTAGE_BAND.sag] },
    { obis: PQ_OBIS.swellTime, name: "Time threshold for voltage swell", unit: "s", scaler: -3, read: () => pq.timeThresholdMs[VOLTAGE_BAND.swell] },
    { obis: PQ_OBIS.missingTime, name: "Time threshold for missing voltage", unit: "s", scaler: -3, read: () => pq.timeThresholdMs[VOLTAGE_BAND.missing] },
    { obis: SUB_METER_OBIS.gas, name: "Gas volume", unit: "m3", scaler: -6, read: () => m.gas.volumeMilliLitres },
    { obis: SUB_METER_OBIS.water, name: "Water volume", unit: "m3", scaler: -6, read: () => m.water.volumeMilliLitres },
  ];
  for (const log of m.events.all()) {
    list.push({ obis: EVENT_LOG_OBIS[log.name].lastCode, name: `Last ${log.name} event code`, unit: "", scaler: 0, read: () => log.lastCode });
  }
  return list;
}
