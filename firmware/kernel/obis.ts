import type { EventLogName } from "./event-codes";
import { deepFreeze } from "./freeze";

/**
 * OBIS codes of the objects more than one part of the firmware names (the records that own the
 * state, the DLMS object model that serves it, the display and the host simulator's report).
 * The object list with classes and attributes is in docs/dlms-profile.md.
 */

/** Each event log's profile generic and its last-event-code object. */
export const EVENT_LOG_OBIS: Record<EventLogName, { log: string; lastCode: string }> = deepFreeze({
  standard: { log: "0.0.99.98.0.255", lastCode: "0.0.96.11.0.255" },
  fraud: { log: "0.0.99.98.1.255", lastCode: "0.0.96.11.1.255" },
  disconnector: { log: "0.0.99.98.2.255", lastCode: "0.0.96.11.2.255" },
  powerQuality: { log: "0.0.99.98.4.255", lastCode: "0.0.96.11.4.255" },
  communication: { log: "0.0.99.98.5.255", lastCode: "0.0.96.11.5.255" },
});

/** Load and daily profiles and the objects their rows capture besides energy. */
export const PROFILE_OBIS = deepFreeze({
  load: "1.0.99.1.0.255",
  daily: "1.0.99.2.0.255",
  statusWord: "0.0.96.10.1.255",
  clock: "0.0.1.0.0.255",
} as const);

export const BILLING_PROFILE_OBIS = "0.0.98.1.0.255";
export const BILLING_SCHEDULE_OBIS = "0.0.15.0.0.255";

export const POWER_FAILURE_OBIS = deepFreeze({
  count: "0.0.96.7.21.255",
  longCount: "0.0.96.7.9.255",
  longThreshold: "0.0.96.7.19.255",
  duration: "0.0.96.7.20.255",
  log: "1.0.99.97.0.255",
} as const);

export const ALARM_OBIS = deepFreeze({ register: "0.0.97.98.0.255", filter: "0.0.97.98.10.255" } as const);
export const SUB_METER_OBIS = deepFreeze({ gas: "7.0.3.0.0.255", water: "8.0.1.0.0.255" } as const);

/** Power-quality objects. Durations are of the last event. */
export const PQ_OBIS = deepFreeze({
  sagCount: "1.0.32.32.0.255",
  sagDuration: "1.0.32.33.0.255",
  sagMagnitude: "1.0.32.34.0.255",
  swellCount: "1.0.32.36.0.255",
  swellDuration: "1.0.32.37.0.255",
  swellMagnitude: "1.0.32.38.0.255",
  sagLevel: "1.0.12.31.0.255",
  swellLevel: "1.0.12.35.0.255",
  missingLevel: "1.0.12.39.0.255",
  sagTime: "1.0.12.43.0.255",
  swellTime: "1.0.12.44.0.255",
  missingTime: "1.0.12.45.0.255",
} as const);
