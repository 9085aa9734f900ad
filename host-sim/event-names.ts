/**
 * Names for the event codes of each log, for people (the simulator's summary and panel, the DLMS
 * client). Built from the firmware's own code tables, so a new code gets its name where it is
 * defined. Host-only.
 */
import { EVENT } from "../firmware/kernel/event-codes";
import { DISCONNECTOR_EVENT } from "../firmware/control/disconnector";
import { STORE_EVENT } from "../firmware/app/persistence";
import { CLOCK_EVENT } from "../firmware/time/clock";
import { TOU_EVENT } from "../firmware/metrology/tou";
import { PUSH_EVENT } from "../firmware/comms/push/push-client";
import { WIFI_EVENT } from "../firmware/comms/net/wifi-supervisor";
import { DLMS_EVENT } from "../firmware/app/meter-server";
import { EVENT_LOG_OBIS } from "../firmware/records/event-log";

type Table = Record<string, number>;

/** camelCase -> "words with spaces". */
function words(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
}

function byCode(...tables: Table[]): Record<number, string> {
  const out: Record<number, string> = {};
  for (const t of tables) for (const [name, code] of Object.entries(t)) out[code] ??= words(name);
  return out;
}

/** Code -> name for each event log (names as in the firmware's tables). */
export const EVENT_NAMES: Record<string, Record<number, string>> = {
  standard: byCode(EVENT.standard, STORE_EVENT, CLOCK_EVENT, TOU_EVENT),
  fraud: byCode(EVENT.fraud),
  disconnector: byCode(DISCONNECTOR_EVENT),
  powerQuality: byCode(EVENT.powerQuality),
  communication: byCode(PUSH_EVENT, WIFI_EVENT, DLMS_EVENT),
};

/** Log name by the OBIS code of its profile or of its "last event" register. */
const LOG_BY_OBIS: Record<string, string> = {};
for (const [name, o] of Object.entries(EVENT_LOG_OBIS)) {
  LOG_BY_OBIS[o.log] = name;
  LOG_BY_OBIS[o.lastCode] = name;
}

export function eventLogOfObis(obis: string): string | undefined {
  return LOG_BY_OBIS[obis];
}

/** "power down (1)"; an unknown code is its number. */
export function eventName(log: string, code: number): string {
  const name = EVENT_NAMES[log]?.[code];
  return name ? `${name} (${code})` : String(code);
}
