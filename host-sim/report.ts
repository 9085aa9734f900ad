import { EVENT_LOG_OBIS } from "../firmware/records/event-log";
import type { Simulation } from "./simulation";
import { profilesEventsSection } from "./report-sections/profiles-events";
import { relayDisplaySection } from "./report-sections/disconnector-display";
import { tariffsBillingSection } from "./report-sections/tariffs-billing";

export interface RegisterReport {
  value: number;
  scaler: number;
  unit: string;
}

export interface Report {
  time: string;
  registers: Record<string, RegisterReport>;
  events: Record<string, { time: string; code: number }[]>;
  relay: Record<string, unknown>;
  display: string;
  [section: string]: unknown;
}

/** The feature sections of the report, in order (the tariffs section adds the billing profile to `profiles`). */
const SECTIONS: readonly ((sim: Simulation, report: Report) => void)[] = [profilesEventsSection, relayDisplaySection, tariffsBillingSection];

/** The `--report` JSON: value * 10^scaler is the quantity in unit; OBIS written A.B.C.D.E.F. */
export function buildReport(sim: Simulation): Report {
  const registers: Record<string, RegisterReport> = {};
  for (const r of sim.meter.registers()) registers[r.obis] = { value: r.read(), scaler: r.scaler, unit: r.unit };
  const report: Report = {
    time: new Date(sim.clock.wallClockMs()).toISOString(),
    registers,
    events: eventsReport(sim),
    relay: {},
    display: "",
  };
  for (const section of SECTIONS) section(sim, report);
  return report;
}

function eventsReport(sim: Simulation): Report["events"] {
  const out: Report["events"] = {};
  for (const log of sim.meter.events.all()) {
    const rows: { time: string; code: number }[] = [];
    for (let i = 0; i < log.count; i++) rows.push({ time: new Date(log.timeAt(i)).toISOString(), code: log.codeAt(i) });
    out[EVENT_LOG_OBIS[log.name].log] = rows;
  }
  return out;
}
