/**
 * The scenario mcsim runs (a module, not a JSON resource: XS has no JSON modules and a resource
 * would need the Resource API). The household day of emulation/scenario/scenarios/household-day.json,
 * starting at 06:00 so the morning peak comes soon after launch; a test keeps both in step.
 */
import { parseDuration } from "../../../emulation/scenario/duration";
import { deepFreeze } from "../../kernel/freeze";

export const DEFAULT_SCENARIO = deepFreeze({
  description: "mcsim: the household day (night base load, morning peak, midday PV export, evening peak), repeating daily",
  start: "2026-03-02T06:00:00",
  utcOffsetMinutes: 60,
  dst: "eu",
  chip: "ade7953",
  repeat: "24h",
  duration: "24h",
  load: [
    { at: "0s", voltage: 230, current: 0.8, angle: 20, frequency: 50 },
    { at: "30m", voltage: 228, current: 6, angle: 15 },
    { at: "2h30m", voltage: 231, current: 1.2, angle: 20 },
    { at: "4h", voltage: 236, current: 8, angle: 180 },
    { at: "9h", voltage: 233, current: 3, angle: 180 },
    { at: "11h", voltage: 226, current: 12, angle: 25, frequency: 49.98 },
    { at: "15h", voltage: 229, current: 2.5, angle: 20, frequency: 50 },
    { at: "17h", voltage: 230, current: 0.8, angle: 20 },
  ],
  events: [] as unknown[],
});

/**
 * Power cuts of the mcsim run (after the start, for how long): a short one, one across a
 * 15-minute profile boundary and a long one (over the 180 s long-outage threshold), all in the
 * first simulated day and after the first hour (the mcsim system test reads the meter earlier).
 */
export const MCSIM_OUTAGES = Object.freeze([
  Object.freeze({ after: "5h", lasting: "45s" }),
  Object.freeze({ after: "11h14m", lasting: "20m" }),
  Object.freeze({ after: "18h", lasting: "3h" }),
]);

/** Outage windows [from, to) in ms since the scenario start. */
export function outageWindows(outages: readonly { after: string; lasting: string }[]): [number, number][] {
  return outages.map((o) => {
    const from = parseDuration(o.after, "outage start");
    return [from, from + parseDuration(o.lasting, "outage length")];
  });
}

/** Sectors (4 KiB) of each of the mcsim board's two OTA application slots: 256 KiB, as `npm start` has. */
export const MCSIM_OTA_SLOT_SECTORS = 64;
