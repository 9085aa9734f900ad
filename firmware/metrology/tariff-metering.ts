import { Billing, type ExecutionTime } from "./billing";
import type { MeterClock } from "../time/clock";
import { DEFAULT_DEMAND, DemandMeter, type DemandSettings } from "./demand";
import { type EnergyRegisters, RATE_COUNT } from "./energy-registers";
import type { EventLogs } from "../records/event-log";
import type { ProfileBufferFactory } from "../records/profiles";
import type { RegisterDescriptor } from "../kernel/register-table";
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

  /** Tariff and demand registers (OBIS per docs/dlms-profile.md section 5). */
  registers(): RegisterDescriptor[] {
    const d = this.demand;
    const out: RegisterDescriptor[] = [
      { obis: "0.0.96.14.0.255", name: "Currently active tariff", unit: "", scaler: 0, read: () => this.tou.rate },
      { obis: "1.0.1.4.0.255", name: "Current average demand A+", unit: "W", scaler: -3, read: () => d.currentAverageImport },
      { obis: "1.0.2.4.0.255", name: "Current average demand A-", unit: "W", scaler: -3, read: () => d.currentAverageExport },
    ];
    for (let r = 0; r <= RATE_COUNT; r++) out.push({ obis: `1.0.1.6.${r}.255`, name: r === 0 ? "Maximum demand A+" : `Maximum demand A+ rate ${r}`, unit: "W", scaler: -3, read: () => d.maxImport[r] });
    out.push({ obis: "1.0.2.6.0.255", name: "Maximum demand A-", unit: "W", scaler: -3, read: () => d.maxExport });
    out.push({ obis: "0.0.0.1.0.255", name: "Billing period counter", unit: "", scaler: 0, read: () => this.billing.count });
    return out;
  }
}
