import { Billing, type ExecutionTime } from "./billing";
import type { MeterClock } from "../time/clock";
import { DEFAULT_DEMAND, DemandMeter, type DemandSettings } from "./demand";
import { type EnergyRegisters, RATE_COUNT } from "./energy-registers";
import type { EventLogs } from "../records/event-log";
import type { ProfileBufferFactory } from "../records/profiles";
import { frozenRows, type RegisterDescriptor, REGISTER_SOURCE, type SourcedRow, type Unit } from "../kernel/register-table";
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
   * interval since the previous tick. No allocation.
   */
  tick(activeLsb: number, reactiveLsb: number, apparentLsb: number): void {
    const now = this.clock.nowUtcMs();
    this.clock.tick(now);
    const tou = this.tou;
    tou.advance(this.prevUtc, now);
    this.energy.addTick(activeLsb, reactiveLsb, apparentLsb, tou.rateBefore, tou.rateAfter, tou.beforeMs, tou.spanMs);
    const rateAtEnd = tou.beforeMs < tou.spanMs ? tou.rateAfter : tou.rateBefore;
    this.demand.tick(now, this.energy.lastImportUnits, this.energy.lastExportUnits, rateAtEnd);
    this.billing.tick(now);
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
      const owner = (r.source === REGISTER_SOURCE.tou ? this.tou : r.source === REGISTER_SOURCE.demand ? this.demand : this.billing) as unknown as Record<string, number | Float64Array>;
      return { obis: r.obis, name: r.name, unit: r.unit, scaler: r.scaler, read: () => (r.at < 0 ? (owner[r.field] as number) : (owner[r.field] as Float64Array)[r.at]) };
    });
  }
}

/**
 * Tariff and demand registers (OBIS per docs/dlms-profile.md section 5), each naming the part
 * (calendar, demand, billing) and property it is read from. Frozen: preloaded into flash.
 */
export const TARIFF_REGISTERS: readonly SourcedRow[] = frozenRows(tariffRows());

function tariffRows(): SourcedRow[] {
  const S = REGISTER_SOURCE;
  const row = (obis: string, name: string, unit: Unit, scaler: number, source: number, field: string, at = -1): SourcedRow => ({ obis, name, unit, scaler, source, field, at });
  const rows = [
    row("0.0.96.14.0.255", "Currently active tariff", "", 0, S.tou, "rate"),
    row("1.0.1.4.0.255", "Current average demand A+", "W", -3, S.demand, "currentAverageImport"),
    row("1.0.2.4.0.255", "Current average demand A-", "W", -3, S.demand, "currentAverageExport"),
  ];
  for (let r = 0; r <= RATE_COUNT; r++) rows.push(row(`1.0.1.6.${r}.255`, r === 0 ? "Maximum demand A+" : `Maximum demand A+ rate ${r}`, "W", -3, S.demand, "maxImport", r));
  rows.push(row("1.0.2.6.0.255", "Maximum demand A-", "W", -3, S.demand, "maxExport"));
  rows.push(row("0.0.0.1.0.255", "Billing period counter", "", 0, S.billing, "count"));
  return rows;
}
