/** The few lines printed at the end of a run: totals, events by name, outages. */
import type { Simulation } from "./simulation";
import { eventName } from "./event-names";

function total(sim: Simulation, obis: string, label: string): string {
  const r = sim.meter.register(obis);
  if (!r) return `${label} -`;
  return `${label} ${(r.read() * 10 ** r.scaler / 1000).toFixed(3)} k${r.unit}`;
}

export function summaryLines(sim: Simulation): string[] {
  const m = sim.meter;
  const lines = [
    `simulated until ${new Date(sim.clock.wallClockMs()).toISOString()} (${(sim.elapsedMs / 3_600_000).toFixed(2)} h)`,
    `registers: ${[["1.0.1.8.0.255", "A+"], ["1.0.2.8.0.255", "A-"], ["1.0.3.8.0.255", "R+"], ["1.0.4.8.0.255", "R-"]].map(([o, l]) => total(sim, o, l)).join(", ")}`,
  ];
  const events: string[] = [];
  for (const log of m.events.all()) {
    const counts = new Map<number, number>();
    for (let i = 0; i < log.count; i++) counts.set(log.codeAt(i), (counts.get(log.codeAt(i)) ?? 0) + 1);
    for (const [code, n] of counts) events.push(`${log.name} ${eventName(log.name, code)} x${n}`);
  }
  lines.push(`events: ${events.length ? events.join("; ") : "none"}`);
  const pf = m.powerFailures;
  lines.push(`outages: ${pf.count} (${pf.longCount} long), ${(pf.totalDurationMs / 1000).toFixed(0)} s without power`);
  return lines;
}
