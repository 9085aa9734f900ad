import { MS_PER_MINUTE } from "../time/civil-date";
import { RATE_COUNT } from "./energy-registers";
import { deepFreeze } from "../kernel/freeze";

const floor = Math.floor;

export interface DemandSettings {
  /** Demand period, seconds (class 5 period x number_of_periods); must divide a day. */
  periodS: number;
  /** 1 = block demand; N > 1 = sliding window of N sub-periods of periodS / N each. */
  subperiods: number;
}

export const DEFAULT_DEMAND: DemandSettings = deepFreeze({ periodS: 900, subperiods: 1 });

/**
 * Average demand (class 5) and maximum demand per rate (class 4) from the energy each tick added.
 *
 * Sub-periods are aligned to local standard time (so 15 min periods end at :00/:15/:30/:45 all
 * year). A tick's energy belongs to the sub-period in which the tick ends, so with 1 s ticks the
 * tick ending exactly at 07:15:00 closes the 07:00-07:15 period. Demand is always energy over the
 * nominal period (mWh * 3600 / periodS = mW): a short period (start, clock change) can never
 * inflate the maximum. Maximum demand of A+ goes to the total and to the rate that was in force
 * at the end of the period; A- keeps a total only.
 */
export class DemandMeter {
  readonly periodS: number;
  readonly subperiods: number;
  private readonly subMs: number;
  /** Closed sub-periods of the sliding window: A+ at [0, subperiods), A- at [subperiods, 2 x subperiods). One array. */
  private readonly ring: Float64Array;
  private importRingSum = 0;
  private exportRingSum = 0;
  private head = 0;
  private currentImport = 0;
  private currentExport = 0;
  private subEndUtc = NaN;
  /** When the maxima were last reset (end of billing period): a sub-period ending before belongs to the period billed. */
  private maxResetUtc = -Infinity;

  /** Current average demand A+ (1.0.1.4.0.255) and A-, mW. */
  currentAverageImport = 0;
  currentAverageExport = 0;
  /** Last completed average demand A+ and A-, mW. */
  lastAverageImport = 0;
  lastAverageExport = 0;
  /** Maximum demand A+ (index 0 total, 1..4 rates), mW, and capture times (UTC ms, NaN = none). */
  readonly maxImport = new Float64Array(RATE_COUNT + 1);
  readonly maxImportTime = new Float64Array(RATE_COUNT + 1).fill(NaN);
  /** Maximum demand A- total, mW, and its capture time. */
  maxExport = 0;
  maxExportTime = NaN;

  /** `zone`: whose standard offset aligns the periods to local time (the meter clock; read at each start). */
  constructor(settings: DemandSettings, private readonly zone: { readonly standardOffsetMinutes: number }) {
    const { periodS, subperiods } = settings;
    if (!Number.isInteger(subperiods) || subperiods < 1 || subperiods > 60) throw new RangeError(`demand sub-periods must be 1..60, got ${subperiods}`);
    if (!Number.isInteger(periodS) || periodS < 60 || periodS > 86_400 || periodS % subperiods !== 0 || 86_400 % (periodS / subperiods) !== 0) {
      throw new RangeError(`demand period must be 60..86400 s, divisible into ${subperiods} sub-periods that divide a day; got ${periodS}`);
    }
    this.periodS = periodS;
    this.subperiods = subperiods;
    this.subMs = (periodS / subperiods) * 1000;
    this.ring = new Float64Array(2 * subperiods);
  }

  /** End of the sub-period in progress (UTC ms). */
  get periodEndUtc(): number {
    return this.subEndUtc;
  }

  /** Starts (or restarts) the aligned sub-period containing `utcMs`. */
  start(utcMs: number): void {
    const align = this.zone.standardOffsetMinutes * MS_PER_MINUTE;
    this.subEndUtc = (floor((utcMs + align) / this.subMs) + 1) * this.subMs - align;
  }

  /** Adds one tick's energy (mWh) ending at `nowUtc`; `rate` is the tariff at the tick's end. No allocation. */
  tick(nowUtc: number, importMWh: number, exportMWh: number, rate: number): void {
    if (this.subEndUtc !== this.subEndUtc) this.start(nowUtc - 1);
    this.currentImport += importMWh;
    this.currentExport += exportMWh;
    if (nowUtc >= this.subEndUtc) {
      this.closeSubperiod(this.subEndUtc, rate);
      // Normally the next sub-period starts here; after a gap (no ticks) realign to now.
      this.subEndUtc += this.subMs;
      if (this.subEndUtc <= nowUtc) this.start(nowUtc);
    }
    this.currentAverageImport = floor(((this.importRingSum - this.ring[this.head] + this.currentImport) * 3600) / this.periodS);
    this.currentAverageExport = floor(((this.exportRingSum - this.ring[this.subperiods + this.head] + this.currentExport) * 3600) / this.periodS);
  }

  /**
   * The clock was set: the sub-period in progress ends at the old time (its demand counts,
   * over the nominal period) and a new aligned one starts at the new time.
   */
  onTimeChange(oldUtc: number, newUtc: number, rate: number): void {
    this.closeSubperiod(oldUtc, rate);
    this.start(newUtc);
  }

  /** Clears the maximum demands (after the billing capture at `atUtc`). */
  resetMax(atUtc = NaN): void {
    if (atUtc === atUtc) this.maxResetUtc = atUtc;
    this.maxImport.fill(0);
    this.maxImportTime.fill(NaN);
    this.maxExport = 0;
    this.maxExportTime = NaN;
  }

  /**
   * The maximum demands with capture times (changes at most once a period; billing resets it).
   * Flat numbers: [version, A+ max x5, A+ time x5 (-1 none), A- max, A- time].
   */
  snapshotMax(): number[] {
    const out = [DEMAND_FORMAT];
    for (let i = 0; i <= RATE_COUNT; i++) out.push(this.maxImport[i]);
    for (let i = 0; i <= RATE_COUNT; i++) out.push(timeOrNone(this.maxImportTime[i]));
    out.push(this.maxExport, timeOrNone(this.maxExportTime));
    return out;
  }

  /** Restores the maximum demands; throws RangeError on a record of another format or with bad values. */
  restoreMax(s: readonly number[]): void {
    const n = RATE_COUNT + 1;
    if (!Array.isArray(s) || s.length !== 2 * n + 3 || s[0] !== DEMAND_FORMAT) throw new RangeError("demand maxima: not a version-1 record");
    for (let i = 1; i < s.length; i++) {
      const v = s[i];
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < -1) throw new RangeError(`demand maxima: value ${i} is ${String(v)}`);
    }
    for (let i = 0; i < n; i++) {
      this.maxImport[i] = nonNegative(s[1 + i]);
      this.maxImportTime[i] = s[1 + n + i] < 0 ? NaN : s[1 + n + i];
    }
    this.maxExport = nonNegative(s[1 + 2 * n]);
    this.maxExportTime = s[2 + 2 * n] < 0 ? NaN : s[2 + 2 * n];
  }

  /**
   * The period in progress: [version, periodS, subperiods, end of the sub-period (UTC ms, -1 none),
   * its A+ and A- energy (mWh), ring head, then the closed sub-periods of the sliding window
   * (A+ x subperiods, A- x subperiods)]. Changes every tick under load.
   */
  snapshotPeriod(): number[] {
    const out = [DEMAND_FORMAT, this.periodS, this.subperiods, timeOrNone(this.subEndUtc), this.currentImport, this.currentExport, this.head];
    for (let i = 0; i < this.subperiods; i++) out.push(this.ring[i]);
    for (let i = 0; i < this.subperiods; i++) out.push(this.ring[this.subperiods + i]);
    return out;
  }

  /**
   * Brings back the period in progress at power up, `nowUtc` being the time now. A sub-period that
   * ended during the outage is closed at its end with the energy it had (its demand counts, over
   * the nominal period, with `rateAt` its end); the sub-periods the meter was off for count as
   * empty; a new aligned sub-period starts now. A record for other demand settings (the
   * configuration changed) cannot be mapped: it is refused (the maxima stay, the period restarts).
   */
  restorePeriod(s: readonly number[], nowUtc: number, rateAt: (utcMs: number) => number): void {
    const sub = this.subperiods;
    if (!Array.isArray(s) || s[0] !== DEMAND_FORMAT || s.length !== 7 + 2 * sub) throw new RangeError("demand period: not a version-1 record for these settings");
    if (s[1] !== this.periodS || s[2] !== sub) throw new RangeError(`demand period: stored for ${s[1]} s / ${s[2]} sub-periods, configured ${this.periodS} s / ${sub}`);
    for (let i = 3; i < s.length; i++) {
      const v = s[i];
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < (i === 3 ? -1 : 0)) throw new RangeError(`demand period: value ${i} is ${String(v)}`);
    }
    if (s[6] >= sub) throw new RangeError(`demand period: ring head ${s[6]} >= ${sub}`);
    this.currentImport = s[4];
    this.currentExport = s[5];
    this.head = s[6];
    this.importRingSum = 0;
    this.exportRingSum = 0;
    for (let i = 0; i < sub; i++) {
      this.ring[i] = s[7 + i];
      this.ring[this.subperiods + i] = s[7 + sub + i];
      this.importRingSum += this.ring[i];
      this.exportRingSum += this.ring[this.subperiods + i];
    }
    const end = s[3];
    if (end < 0 || !Number.isFinite(nowUtc)) {
      this.start(nowUtc);
      return;
    }
    if (nowUtc < end && end - nowUtc <= this.subMs) {
      // Back within the same sub-period: it continues.
      this.subEndUtc = end;
      return;
    }
    if (nowUtc >= end) {
      // A sub-period that ended before the last billing reset was billed already: no new maximum from it.
      this.closeSubperiod(end, rateAt(end), end > this.maxResetUtc);
      // Sub-periods without supply were empty; after a whole window nothing is left to slide.
      let at = end + this.subMs;
      for (let k = 1; k < sub && at <= nowUtc; k++, at += this.subMs) this.closeSubperiod(at, rateAt(at), at > this.maxResetUtc);
      if (at <= nowUtc) this.clearWindow();
    } else {
      // The clock went back past the stored period: its energy stays in the window, as after a set.
      this.closeSubperiod(nowUtc, rateAt(nowUtc));
    }
    this.start(nowUtc);
  }

  /** Tells when the maxima were last reset (the billing state restored at power up). */
  noteMaxReset(atUtc: number): void {
    if (atUtc > this.maxResetUtc) this.maxResetUtc = atUtc;
  }

  /** Forgets the sliding window (the sub-periods and their sums), not the maxima. */
  private clearWindow(): void {
    this.ring.fill(0);
    this.importRingSum = 0;
    this.exportRingSum = 0;
    this.currentImport = 0;
    this.currentExport = 0;
  }

  private closeSubperiod(atUtc: number, rate: number, countMax = true): void {
    const h = this.head;
    this.importRingSum += this.currentImport - this.ring[h];
    this.exportRingSum += this.currentExport - this.ring[this.subperiods + h];
    this.ring[h] = this.currentImport;
    this.ring[this.subperiods + h] = this.currentExport;
    this.head = h + 1 === this.subperiods ? 0 : h + 1;
    this.currentImport = 0;
    this.currentExport = 0;
    const importDemand = floor((this.importRingSum * 3600) / this.periodS);
    const exportDemand = floor((this.exportRingSum * 3600) / this.periodS);
    this.lastAverageImport = importDemand;
    this.lastAverageExport = exportDemand;
    if (!countMax) return;
    if (importDemand > this.maxImport[0]) {
      this.maxImport[0] = importDemand;
      this.maxImportTime[0] = atUtc;
    }
    if (rate >= 1 && rate <= RATE_COUNT && importDemand > this.maxImport[rate]) {
      this.maxImport[rate] = importDemand;
      this.maxImportTime[rate] = atUtc;
    }
    if (exportDemand > this.maxExport) {
      this.maxExport = exportDemand;
      this.maxExportTime = atUtc;
    }
  }
}

/** Format of the demand records (snapshotMax, snapshotPeriod). */
const DEMAND_FORMAT = 1;

function timeOrNone(t: number): number {
  return t === t ? t : -1;
}

function nonNegative(v: number): number {
  if (v < 0) throw new RangeError(`demand: ${v} is negative`);
  return v;
}
