import type { DateTimeFields } from "../../time/dlms-datetime";
import { decodeDateTime, newDateTimeFields, WILDCARD, WILDCARD_YEAR, localFieldsMs, dateMatches } from "../../time/dlms-datetime";
import { MS_PER_DAY } from "../../time/civil-date";

/** One entry of push_object_list (class 40 attribute 2). data_index 0 = the whole attribute. */
export interface PushObjectRef {
  classId: number;
  obis: string;
  attribute: number;
  dataIndex: number;
}

/** communication_window entry: start and end as 12-byte DLMS date-times (wildcards allowed). */
export interface CommunicationWindow {
  start: Uint8Array;
  end: Uint8Array;
}

/** Class 40 attributes plus the interval trigger (not a class 40 attribute: a meter setting). */
export interface PushSetupConfig {
  objectList: PushObjectRef[];
  /** "host:port" (numeric IPv4 on the device: Moddable's TCP does not resolve names). */
  destination: string;
  /** Empty = always open. */
  windows: CommunicationWindow[];
  randomisationStartIntervalS: number;
  numberOfRetries: number;
  repetitionDelayS: number;
  /** Interval push period, aligned to local midnight (86400 = daily at 00:00 local); 0 = off. */
  intervalS: number;
  /** WRAPPER wPorts of the notification: source = the meter's logical device, destination = the head-end's. */
  sourceWPort: number;
  destinationWPort: number;
}

export const PUSH_SETUP_OBIS = "0.0.25.9.0.255";

/**
 * Default: identify the sender (the push setup's own logical name and the logical device name),
 * then what a head-end wants after an alarm or once a day: clock, alarm register 1, A+ and A- totals.
 */
export function defaultPushSetup(): PushSetupConfig {
  return {
    objectList: [
      { classId: 40, obis: PUSH_SETUP_OBIS, attribute: 1, dataIndex: 0 },
      { classId: 1, obis: "0.0.42.0.0.255", attribute: 2, dataIndex: 0 },
      { classId: 8, obis: "0.0.1.0.0.255", attribute: 2, dataIndex: 0 },
      { classId: 1, obis: "0.0.97.98.0.255", attribute: 2, dataIndex: 0 },
      { classId: 3, obis: "1.0.1.8.0.255", attribute: 2, dataIndex: 0 },
      { classId: 3, obis: "1.0.2.8.0.255", attribute: 2, dataIndex: 0 },
    ],
    destination: "127.0.0.1:4060",
    windows: [],
    randomisationStartIntervalS: 0,
    numberOfRetries: 3,
    repetitionDelayS: 30,
    intervalS: 86_400,
    sourceWPort: 1,
    destinationWPort: 1,
  };
}

export function parseDestination(destination: string): { host: string; port: number } | null {
  const m = /^([^:\s]+):(\d{1,5})$/.exec(destination);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1], port };
}

/**
 * Is local time `localMs` (ms "as if UTC") inside the window? A window whose start and end carry
 * a full date is an absolute interval; otherwise it is a daily time-of-day range (crossing
 * midnight when end < start) on the days the start's date pattern matches (wildcards = every day).
 * Wildcard time fields count as 0 in the start and as the end of that unit in the end.
 */
export function windowContains(window: CommunicationWindow, localMs: number): boolean {
  // Fields made per call (a push attempt, not the tick): no module-level scratch, which would be
  // mutable state in a preloaded module.
  const s = decodeDateTime(window.start, 0, newDateTimeFields());
  const e = decodeDateTime(window.end, 0, newDateTimeFields());
  const fullDate = (f: DateTimeFields) => f.year !== WILDCARD_YEAR && f.month >= 1 && f.month <= 12 && f.day >= 1 && f.day <= 31;
  const startOfDay = timeOfDayMs(s, false);
  const endOfDay = timeOfDayMs(e, true);
  if (fullDate(s) && fullDate(e)) {
    const from = localFieldsMsWith(s, startOfDay);
    const to = localFieldsMsWith(e, endOfDay);
    return localMs >= from && localMs <= to;
  }
  const day = Math.floor(localMs / MS_PER_DAY);
  const inDay = localMs - day * MS_PER_DAY;
  const dayOk = (d: number) => dateMatches(d, s.year, s.month, s.day, s.dayOfWeek);
  if (startOfDay <= endOfDay) return dayOk(day) && inDay >= startOfDay && inDay <= endOfDay;
  // Crosses midnight: the evening part belongs to today's window, the morning part to yesterday's.
  return (dayOk(day) && inDay >= startOfDay) || (dayOk(day - 1) && inDay <= endOfDay);
}

function timeOfDayMs(f: DateTimeFields, asEnd: boolean): number {
  const h = f.hour === WILDCARD ? (asEnd ? 23 : 0) : f.hour;
  const m = f.minute === WILDCARD ? (asEnd ? 59 : 0) : f.minute;
  const s = f.second === WILDCARD ? (asEnd ? 59 : 0) : f.second;
  return ((h * 60 + m) * 60 + s) * 1000 + (asEnd ? 999 : 0);
}

function localFieldsMsWith(f: DateTimeFields, timeOfDay: number): number {
  const saved = [f.hour, f.minute, f.second, f.hundredths];
  f.hour = 0;
  f.minute = 0;
  f.second = 0;
  f.hundredths = 0;
  const ms = localFieldsMs(f) + timeOfDay;
  [f.hour, f.minute, f.second, f.hundredths] = saved;
  return ms;
}
