/**
 * Names of the events published on `.../event`, from the event code tables (power down/up and
 * the other standard events, tamper, disconnector, power quality). The communication log is not
 * published: it is about the meter's own links.
 */
import { EVENT } from "../../kernel/event-codes";
import { deepFreeze } from "../../kernel/freeze";

export const PUBLISHED_LOGS = deepFreeze(["standard", "fraud", "disconnector", "powerQuality"] as const);
type PublishedLog = (typeof PUBLISHED_LOGS)[number];

/** snake_case of a camelCase key ("powerDown" -> "power_down"). */
function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Event name by `${log}/${code}`; `disconnectorCodes` is the disconnector's table
 * (control/disconnector.ts), `moreStandard` other owners' standard-log codes (the store's power
 * events). A frozen plain object, so a module that builds it at load keeps it in flash.
 */
export function eventNameTable(disconnectorCodes: Readonly<Record<string, number>>, moreStandard: Readonly<Record<string, number>> = {}): Readonly<Record<string, string>> {
  const names: Record<string, string> = {};
  const add = (log: PublishedLog, table: Readonly<Record<string, number>>) => {
    for (const key of Object.keys(table)) names[`${log}/${table[key]}`] = snakeCase(key);
  };
  add("standard", EVENT.standard);
  add("fraud", EVENT.fraud);
  add("powerQuality", EVENT.powerQuality);
  add("disconnector", disconnectorCodes);
  add("standard", moreStandard);
  return deepFreeze(names);
}
