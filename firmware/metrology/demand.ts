import { MS_PER_MINUTE } from "./civil-date";
import { RATE_COUNT } from "./energy-registers";

const floor = Math.floor;

export interface DemandSettings {
  /** Demand period, seconds (class 5 period x number_of_periods); must divide a day. */
  periodS: number;
  /** 1 = block demand; N > 1 = sliding window of N sub-periods of periodS / N each. */
  subperiods: number;
}

export const DEFAULT_DEMAND: DemandSettings = { periodS: 900, subperiods: 1 };

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
  private readonly importRing: Float64Array;
  private readonly exportRing: Float64Array;
  private importRingSum = 0;
  private exportRingSum = 0;
  private head = 0;
  private currentImport = 0;
  private currentExport = 0;
  private subEndUtc = NaN;

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

  constructor(settings: DemandSettings, private readonly alignOffsetMinutes: () => number) {
    const { periodS, subperiods } = settings;
    if (!Number.isInteger(subperiods) || subperiods < 1 || subperiods > 60) throw new RangeError(`demand sub-periods must be 1..60, got ${subperiods}`);
    if (!Number.isInteger(periodS) || periodS < 60 || periodS > 86_400 || periodS % subperiods !== 0 || 86_400 % (periodS / subperiods) !== 0) {
      throw new RangeError(`demand period must be 60..86400 s, divisible into ${subperiods} sub-periods that divide a day; got ${periodS}`);
    }
    this.periodS = periodS;
    this.subperiods = subperiods;
    this.subMs = (periodS / subperiods) * 1000;
    this.importRing = new Float64Array(subperiods);
    this.exportRing = new Float64Array(subperiods);
  }

  /** End of the sub-period in progress (UTC ms). */
  get periodEndUtc(): number {
    return this.subEndUtc;
  }

  /** Starts (or restarts) the aligned sub-period containing `utcMs`. */
  start(utcMs: number): void {
    const align = this.alignOffsetMinutes() * MS_PER_MINUTE;
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
    this.currentAverageImport = floor(((this.importRingSum - this.importRing[this.head] + this.currentImport) * 3600) / this.periodS);
    this.currentAverageExport = floor(((this.exportRingSum - this.exportRing[this.head] + this.currentExport) * 3600) / this.periodS);
  }

  /**
   * The clock was set: the sub-period in progress ends at the old time (its demand counts,
   * over the nominal period) and a new aligned one starts at the new time.
   */
  onTimeChange(oldUtc: number, newUtc: number, rate: number): void {
    this.closeSubperiod(oldUtc, rate);
    this.start(newUtc);
  }

  /** Clears the maximum demands (after the billing capture). */
  resetMax(): void {
    this.maxImport.fill(0);
    this.maxImportTime.fill(NaN);
    this.maxExport = 0;
    this.maxExportTime = NaN;
  }

  /** Plain-number state for persistence. */
  snapshot(): DemandSnapshot {
    return {
      maxImport: Array.from(this.maxImport), maxImportTime: Array.from(this.maxImportTime, (t) => (t === t ? t : -1)),
      maxExport: this.maxExport, maxExportTime: this.maxExportTime === this.maxExportTime ? this.maxExportTime : -1,
      currentImport: this.currentImport, currentExport: this.currentExport,
    };
  }

  restore(s: DemandSnapshot): void {
    if (s.maxImport.length !== RATE_COUNT + 1 || s.maxImportTime.length !== RATE_COUNT + 1) throw new RangeError("demand snapshot: wrong number of rates");
    for (let i = 0; i <= RATE_COUNT; i++) {
      this.maxImport[i] = s.maxImport[i];
      this.maxImportTime[i] = s.maxImportTime[i] < 0 ? NaN : s.maxImportTime[i];
    }
    this.maxExport = s.maxExport;
    this.maxExportTime = s.maxExportTime < 0 ? NaN : s.maxExportTime;
    this.currentImport = s.currentImport;
    this.currentExport = s.currentExport;
  }

  private closeSubperiod(atUtc: number, rate: number): void {
    const h = this.head;
    this.importRingSum += this.currentImport - this.importRing[h];
    this.exportRingSum += this.currentExport - this.exportRing[h];
    this.importRing[h] = this.currentImport;
    this.exportRing[h] = this.currentExport;
    this.head = h + 1 === this.subperiods ? 0 : h + 1;
    this.currentImport = 0;
    this.currentExport = 0;
    const importDemand = floor((this.importRingSum * 3600) / this.periodS);
    const exportDemand = floor((this.exportRingSum * 3600) / this.periodS);
    this.lastAverageImport = importDemand;
    this.lastAverageExport = exportDemand;
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

/** Max demands (mW) with capture times (UTC ms, -1 = none) and the energy of the open sub-period. */
export interface DemandSnapshot {
  maxImport: number[];
  maxImportTime: number[];
  maxExport: number;
  maxExportTime: number;
  currentImport: number;
  currentExport: number;
}
