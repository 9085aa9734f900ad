import type { LineConditions, LineSource } from "../emulators/line";
import type { LoadSegment, Scenario } from "./scenario";

/**
 * The scenario's load as the emulators see it: piecewise-constant segments (optionally
 * repeating) with outage windows where there is no voltage and no current.
 * Times are virtual ms since the scenario start.
 */
export class ScenarioLine implements LineSource {
  private readonly outages: { from: number; to: number }[] = [];
  /** Tamper or test overrides applied on top of the load (e.g. neutral current). */
  override: Partial<LineConditions> = {};
  /** Devices between the line and the load (the disconnect relay): applied last, each returns until when it holds. */
  readonly filters: { apply(timeMs: number, out: LineConditions): number }[] = [];

  constructor(private readonly scenario: Scenario) {}

  addOutage(from: number, to: number): void {
    this.outages.push({ from, to });
  }

  isOutage(timeMs: number): boolean {
    return this.outages.some((o) => timeMs >= o.from && timeMs < o.to);
  }

  conditionsAt(timeMs: number, out: LineConditions): number {
    const { segment, until } = this.segmentAt(timeMs);
    out.voltage = segment.voltage;
    out.current = segment.current;
    out.angle = segment.angle;
    out.frequency = segment.frequency;
    out.neutralCurrent = segment.neutralCurrent;
    Object.assign(out, this.override);
    let end = until;
    for (const o of this.outages) {
      if (timeMs >= o.from && timeMs < o.to) {
        out.voltage = 0;
        out.current = 0;
        out.neutralCurrent = 0;
        end = Math.min(end, o.to);
      } else if (o.from > timeMs) {
        end = Math.min(end, o.from);
      }
    }
    for (const f of this.filters) end = Math.min(end, f.apply(timeMs, out));
    return end;
  }

  /** The load segment in effect at `timeMs` and the time it ends. */
  segmentAt(timeMs: number): { segment: LoadSegment; until: number } {
    const load = this.scenario.load;
    const period = this.scenario.repeatMs;
    const base = period > 0 ? Math.floor(timeMs / period) * period : 0;
    const t = timeMs - base;
    let i = 0;
    while (i + 1 < load.length && load[i + 1].atMs <= t) i++;
    let until = i + 1 < load.length ? base + load[i + 1].atMs : period > 0 ? base + period : Infinity;
    if (until <= timeMs) until = timeMs + 1;
    return { segment: load[i], until };
  }
}

/** Exact energy the scenario delivers between two times (Wh), outages included: { import, export }. */
export function expectedActiveEnergyWh(line: ScenarioLine, fromMs: number, toMs: number): { importWh: number; exportWh: number } {
  const c: LineConditions = { voltage: 0, current: 0, angle: 0, frequency: 50, neutralCurrent: 0 };
  let t = fromMs;
  let importWh = 0;
  let exportWh = 0;
  while (t < toMs) {
    const until = Math.min(toMs, line.conditionsAt(t, c));
    const p = c.voltage * c.current * Math.cos((c.angle * Math.PI) / 180);
    const wh = (p * (until - t)) / 3_600_000;
    if (wh > 0) importWh += wh;
    else exportWh -= wh;
    t = until;
  }
  return { importWh, exportWh };
}
