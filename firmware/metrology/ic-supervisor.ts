import type { Log } from "../hal";
import { ALARM, EVENT } from "../kernel/event-codes";
import type { EventLogs } from "../records/event-log";
import type { IcStatus, MeteringSample } from "../kernel/metering-ic";

/** Standard event log code: measurement system error (docs/metering.md section 4). */
export const EVENT_MEASUREMENT_SYSTEM_ERROR = EVENT.standard.measurementSystemError;
/** Ticks of unanswered or unverifiable reads before the interruption counts as a measurement error. */
export const IC_FAULT_TICKS = 3;

/**
 * Turns the driver's per-tick status into events, whatever the chip: event 16 in the standard
 * log plus ALARM.measurementSystemError when energy may have been lost (chip reset, a given-up
 * read) or when metering has been interrupted for IC_FAULT_TICKS ticks (once per episode).
 * A glitch the driver recovers from within the tick leaves no event (nothing was lost).
 */
export class IcSupervisor {
  private badTicks = 0;
  private episodeLogged = false;
  /** Ticks in which the IC did not deliver a verified sample. */
  faultTicks = 0;

  constructor(private readonly events: EventLogs, private readonly log: Log) {}

  after(status: IcStatus, sample: MeteringSample): void {
    if (sample.energyMayBeLost) {
      this.raise(status === "reset-detected" ? "metering IC reset; re-initialised, energy since the last read may be lost" : "metering IC read given up; up to one tick of energy may be lost");
      this.episodeLogged = true;
    }
    if (status === "ok") {
      if (this.badTicks > 0) this.log.info(`metering IC answering again after ${this.badTicks} tick(s)`);
      this.badTicks = 0;
      this.episodeLogged = false;
      return;
    }
    if (status === "reset-detected") {
      // Logged above; if re-initialisation keeps failing that is the same episode.
      this.badTicks = 0;
      return;
    }
    this.faultTicks++;
    this.badTicks++;
    if (this.badTicks === IC_FAULT_TICKS && !this.episodeLogged) {
      this.raise(`metering IC ${status} for ${IC_FAULT_TICKS} ticks; energy is held in the chip`);
      this.episodeLogged = true;
    }
  }

  private raise(message: string): void {
    this.log.warn(message);
    this.events.record("standard", EVENT_MEASUREMENT_SYSTEM_ERROR);
    this.events.raiseAlarm(ALARM.measurementSystemError);
  }
}
