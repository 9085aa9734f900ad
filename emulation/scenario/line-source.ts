import type { LineConditions, LineSource } from "../line";
import type { LoadSegment, Scenario } from "./scenario";

/**
 * The scenario's load as the emulators see it: piecewise-constant segments (optionally
 * repeating) with outage windows where there is no voltage and no current.
 * Times are virtual ms since the scenario start.
 */
export class ScenarioLine implements LineSource {
  /** Outage windows sorted by start (binary-searched: a campaign adds thousands). */
  private readonly outageFrom: number[] = [];
  private readonly outageTo: number[] = [];
  /** The longest outage: an outage containing t started at most this long before t. */
  private longestOutage = 0;
  /** Devices between the line and the load (the disconnect relay): applied last, each returns until when it holds. */
  readonly filters: { apply(timeMs: number, out: LineConditions): number; readonly revision?: number }[] = [];
  /** Segment index found by the last lookup (times mostly move forward a tick at a time). */
  private cursor = 0;

  /** Bumped by addOutage (LineSource.revision adds the filters' own). */
  private outageRevision = 0;

  constructor(private readonly scenario: Scenario) {}

  /**
   * LineSource.revision: the outages', the number of filters and every filter's own; NaN if a
   * filter cannot tell. Each part only grows (filters are only ever added), so any change makes
   * the sum larger.
   */
  get revision(): number {
    const filters = this.filters;
    let r = this.outageRevision + filters.length;
    for (let f = 0; f < filters.length; f++) {
      const fr = filters[f].revision;
      if (fr === undefined) return NaN;
      r += fr;
    }
    return r;
  }

  addOutage(from: number, to: number): void {
    // Insert in start order (usually at the end).
    let i = this.outageFrom.length;
    while (i > 0 && this.outageFrom[i - 1] > from) i--;
    this.outageFrom.splice(i, 0, from);
    this.outageTo.splice(i, 0, to);
    if (to - from > this.longestOutage) this.longestOutage = to - from;
    this.outageRevision++;
  }

  isOutage(timeMs: number): boolean {
    const from = this.outageFrom;
    const to = this.outageTo;
    for (let i = this.firstStartAfter(timeMs) - 1; i >= 0 && from[i] >= timeMs - this.longestOutage; i--) if (timeMs < to[i]) return true;
    return false;
  }

  conditionsAt(timeMs: number, out: LineConditions): number {
    const load = this.scenario.load;
    const period = this.scenario.repeatMs;
    const base = period > 0 ? Math.floor(timeMs / period) * period : 0;
    const i = this.segmentIndex(timeMs - base);
    const segment = load[i];
    let end = i + 1 < load.length ? base + load[i + 1].atMs : period > 0 ? base + period : Infinity;
    if (end <= timeMs) end = timeMs + 1;
    out.voltage = segment.voltage;
    out.current = segment.current;
    out.angle = segment.angle;
    out.frequency = segment.frequency;
    out.neutralCurrent = segment.neutralCurrent;
    if (this.outageFrom.length > 0) end = this.applyOutages(timeMs, out, end);
    const filters = this.filters;
    for (let f = 0; f < filters.length; f++) {
      const until = filters[f].apply(timeMs, out);
      if (until < end) end = until;
    }
    return end;
  }

  /** The load segment in effect at `timeMs` and the time it ends. */
  segmentAt(timeMs: number): { segment: LoadSegment; until: number } {
    const load = this.scenario.load;
    const period = this.scenario.repeatMs;
    const base = period > 0 ? Math.floor(timeMs / period) * period : 0;
    const i = this.segmentIndex(timeMs - base);
    let until = i + 1 < load.length ? base + load[i + 1].atMs : period > 0 ? base + period : Infinity;
    if (until <= timeMs) until = timeMs + 1;
    return { segment: load[i], until };
  }

  /** Index of the last segment starting at or before `t` (time within the repeat period). */
  private segmentIndex(t: number): number {
    const load = this.scenario.load;
    let i = this.cursor;
    if (i >= load.length || load[i].atMs > t) i = 0;
    while (i + 1 < load.length && load[i + 1].atMs <= t) i++;
    this.cursor = i;
    return i;
  }

  /** Zeroes the supply inside an outage; returns `end` cut at the outage's end or the next one's start. */
  private applyOutages(timeMs: number, out: LineConditions, end: number): number {
    const from = this.outageFrom;
    const to = this.outageTo;
    const next = this.firstStartAfter(timeMs);
    if (next < from.length && from[next] < end) end = from[next];
    for (let i = next - 1; i >= 0 && from[i] >= timeMs - this.longestOutage; i--) {
      if (timeMs < to[i]) {
        out.voltage = 0;
        out.current = 0;
        out.neutralCurrent = 0;
        if (to[i] < end) end = to[i];
      }
    }
    return end;
  }

  /** Index of the first outage starting after `timeMs` (binary search). */
  private firstStartAfter(timeMs: number): number {
    const from = this.outageFrom;
    let lo = 0;
    let hi = from.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (from[mid] <= timeMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
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
