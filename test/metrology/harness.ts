import { MeterClock, euDstSettings } from "../../firmware/time/clock";
import { EnergyRegisters } from "../../firmware/metrology/energy-registers";
import { EventLogs } from "../../firmware/records/event-log";
import type { Rational } from "../../firmware/kernel/rational";
import { TariffMetering, type TariffMeteringOptions } from "../../firmware/metrology/tariff-metering";
import { VirtualClock } from "../../emulation/virtual-clock";

/** Chip counts of one tick: active (signed), reactive (signed), apparent. */
export interface TickEnergy {
  active: number;
  reactive: number;
  apparent: number;
}

/**
 * The tariff/billing chain on a virtual clock without a chip: each 1 s tick feeds the counts
 * `load(utcMs)` returns, so tests know the exact energy.
 */
export class Rig {
  readonly port: VirtualClock;
  readonly events: EventLogs;
  readonly clock: MeterClock;
  readonly energy: EnergyRegisters;
  readonly metering: TariffMetering;
  readonly sample: TickEnergy = { active: 0, reactive: 0, apparent: 0 };
  /** Sum of the active counts fed so far (import and export separately). */
  importCounts = 0;
  exportCounts = 0;
  ticks = 0;
  afterTick: (() => void) | null = null;

  constructor(
    startUtcMs: number,
    public load: (utcMs: number, out: TickEnergy) => void,
    options: TariffMeteringOptions & { scale?: Rational; offsetMinutes?: number; tickMs?: number; firstTickDelayMs?: number } = {},
  ) {
    this.port = new VirtualClock(startUtcMs);
    this.events = new EventLogs(() => this.port.wallClockMs());
    const offset = options.offsetMinutes ?? 60;
    this.clock = new MeterClock(this.port, this.events, offset, euDstSettings(offset));
    this.energy = new EnergyRegisters(options.scale ?? { num: 1, den: 1 });
    this.metering = new TariffMetering(this.clock, this.energy, this.events, options);
    const tickMs = options.tickMs ?? 1000;
    const start = (): void => {
      this.port.repeat(() => this.tick(), tickMs);
    };
    if (options.firstTickDelayMs) this.port.schedule(() => { this.tick(); start(); }, options.firstTickDelayMs);
    else start();
  }

  private tick(): void {
    const s = this.sample;
    s.active = 0;
    s.reactive = 0;
    s.apparent = 0;
    this.load(this.port.wallClockMs(), s);
    if (s.active > 0) this.importCounts += s.active;
    else this.exportCounts -= s.active;
    this.metering.tick(s.active, s.reactive, s.apparent);
    this.ticks++;
    this.afterTick?.();
  }

  /** Runs until the wall clock reaches `utcMs` (assumes no clock set in between). */
  runToUtc(utcMs: number): void {
    this.port.runUntil(this.port.nowMs() + (utcMs - this.port.wallClockMs()));
  }

  runFor(ms: number): void {
    this.port.runUntil(this.port.nowMs() + ms);
  }

  rates(kind: "import" | "export" = "import"): number[] {
    return Array.from((kind === "import" ? this.energy.activeImportRates : this.energy.activeExportRates).subarray(1));
  }
}

/** UTC ms of a local time in a fixed offset (minutes ahead of UTC). */
export function utcOf(localIso: string, offsetMinutes: number): number {
  return Date.parse(`${localIso}Z`) - offsetMinutes * 60_000;
}

export function constant(active: number, reactive = 0, apparent = 0): (utc: number, out: TickEnergy) => void {
  return (_utc, out) => {
    out.active = active;
    out.reactive = reactive;
    out.apparent = apparent;
  };
}
