import { Billing, type ExecutionTime } from "./billing";
import type { MeterClock } from "../time/clock";
import { DEFAULT_DEMAND, DemandMeter, type DemandSettings } from "./demand";
import { type EnergyRegisters, RATE_COUNT } from "./energy-registers";
import type { EventLogs } from "../records/event-log";
import type { ProfileBufferFactory } from "../records/profiles";
import { frozenRows, type RegisterDescriptor, REGISTER_SOURCE, type SourcedRow, type ValueField } from "../kernel/register-table";
import { type CalendarDefinition, TariffCalendar } from "./tou";

export interface TariffMeteringOptions {
  calendar?: CalendarDefinition;
  demand?: DemandSettings;
  billingSchedule?: ExecutionTime[];
  /** Supplies the billing profile's buffer (the meter's flash store); default: a RAM ring. */
  createBuffer?: ProfileBufferFactory;
}

/**
 * The per-tick chain after the IC: clock (DST events) -> tariff in force -> energy registers
 * (rates, quadrants) -> demand -> end of billing. Reacts to clock sets through the clock's
 * listener. One instance per meter, owned by Meter.
 */
export class TariffMetering {
  readonly tou: TariffCalendar;
  readonly demand: DemandMeter;
  readonly billing: Billing;
  /** UTC ms of the previous tick (start of the interval the next tick measures). */
  private prevUtc: number;

  constructor(readonly clock: MeterClock, readonly energy: EnergyRegisters, events: EventLogs, options: TariffMeteringOptions = {}) {
    this.tou = new TariffCalendar(clock, events, options.calendar);
    this.demand = new DemandMeter(options.demand ?? DEFAULT_DEMAND, clock);
    this.billing = new Billing(clock, energy, this.demand, options.billingSchedule, undefined, options.createBuffer);
    this.prevUtc = clock.nowUtcMs();
    this.demand.start(this.prevUtc);
    clock.onTimeChange(this);
  }

  /**
   * One tick of chip energy counts (active signed, reactive signed, apparent unsigned) for the
   * interval since the previous tick, which ends at `now` (the meter passes the wall time it read
   * for the tick; by default the clock is read). No allocation.
   */
  tick(activeLsb: number, reactiveLsb: number, apparentLsb: number, now: number = this.clock.nowUtcMs()): void {
    this.clock.tick(now);
    const tou = this.tou;
    tou.advance(this.prevUtc, now);
    this.energy.addTick(activeLsb, reactiveLsb, apparentLsb, tou.rateBefore, tou.rateAfter, tou.beforeMs, tou.spanMs);
    const rateAtEnd = tou.beforeMs < tou.spanMs ? tou.rateAfter : tou.rateBefore;
    this.demand.tick(now, this.energy.lastImportUnits, this.energy.lastExportUnits, rateAtEnd);
    // Billing.tick returns at once before its next execution time: compared here, no call.
    const billing = this.billing;
    if (now >= billing.nextUtc) billing.tick(now);
    this.prevUtc = now;
  }

  /** Power up, after the restore: the first tariff look-up, so the first tick costs no more than any other. */
  prepare(): void {
    this.tou.prepare(this.prevUtc);
  }

  /** Currently active tariff (0.0.96.14.0.255). */
  get activeTariff(): number {
    return this.tou.rate;
  }

  /** The clock was set or shifted (the clock's time-change listener). */
  timeChanged(oldUtc: number, newUtc: number): void {
    // The interval since the last tick continues in the new time scale; its energy goes to the
    // tariff in force at the new time.
    this.prevUtc += newUtc - oldUtc;
    this.tou.invalidate(this.prevUtc);
    this.demand.onTimeChange(oldUtc, newUtc, this.tou.rate);
    this.billing.onTimeChange(oldUtc, newUtc);
  }

  /** Tariff and demand registers (TARIFF_REGISTERS with a reader each), built on demand. */
  registers(): RegisterDescriptor[] {
    return TARIFF_REGISTERS.map((r) => {
      const read =
        r.source === REGISTER_SOURCE.tou ? fieldReader(this.tou, r.field, r.at) : r.source === REGISTER_SOURCE.demand ? fieldReader(this.demand, r.field, r.at) : fieldReader(this.billing, r.field, r.at);
      return { obis: r.obis, name: r.name, unit: r.unit, scaler: r.scaler, read };
    });
  }
}

/**
 * Tariff and demand registers (OBIS per docs/dlms-profile.md section 5), each naming the part
 * (calendar, demand, billing) and property it is read from. Frozen: preloaded into flash.
 */
export const TARIFF_REGISTERS: readonly TariffRow[] = frozenRows(tariffRows());

/** A tariff register row: its source names the part, its field a register property of that part. */
type TariffRow =
  | (SourcedRow<ValueField<TariffCalendar>> & { readonly source: typeof REGISTER_SOURCE.tou })
  | (SourcedRow<ValueField<DemandMeter>> & { readonly source: typeof REGISTER_SOURCE.demand })
  | (SourcedRow<ValueField<Billing>> & { readonly source: typeof REGISTER_SOURCE.billing });

/** Reads property `field` of `owner` (element `at` when `at` >= 0). */
function fieldReader<T>(owner: T, field: ValueField<T>, at: number): () => number {
  return at < 0 ? () => owner[field] as number : () => (owner[field] as Float64Array)[at];
}

function tariffRows(): TariffRow[] {
  const S = REGISTER_SOURCE;
  const tou = (obis: string, name: string, field: ValueField<TariffCalendar>): TariffRow => ({ obis, name, unit: "", scaler: 0, source: S.tou, field, at: -1 });
  const demand = (obis: string, name: string, field: ValueField<DemandMeter>, at = -1): TariffRow => ({ obis, name, unit: "W", scaler: -3, source: S.demand, field, at });
  const billing = (obis: string, name: string, field: ValueField<Billing>): TariffRow => ({ obis, name, unit: "", scaler: 0, source: S.billing, field, at: -1 });
  const rows = [
    tou("0.0.96.14.0.255", "Currently active tariff", "rate"),
    demand("1.0.1.4.0.255", "Current average demand A+", "currentAverageImport"),
    demand("1.0.2.4.0.255", "Current average demand A-", "currentAverageExport"),
  ];
  for (let r = 0; r <= RATE_COUNT; r++) rows.push(demand(`1.0.1.6.${r}.255`, r === 0 ? "Maximum demand A+" : `Maximum demand A+ rate ${r}`, "maxImport", r));
  rows.push(demand("1.0.2.6.0.255", "Maximum demand A-", "maxExport"));
  rows.push(billing("0.0.0.1.0.255", "Billing period counter", "count"));
  return rows;
}
