import type { Log } from "../hal";
import { ALARM, EVENT } from "../kernel/event-codes";
import type { EventLogs } from "../records/event-log";
import { IC_OK, IC_RESET_DETECTED, type IcStatus, type MeteringIc, type MeteringSample } from "../kernel/metering-ic";
import type { Rational } from "../kernel/rational";

/** Standard event log code: measurement system error (docs/metering.md section 4). */
const EVENT_MEASUREMENT_SYSTEM_ERROR = EVENT.standard.measurementSystemError;
/** Ticks of unanswered or unverifiable reads before the interruption counts as a measurement error. */
const IC_FAULT_TICKS = 3;

/**
 * Turns the driver's per-tick status into events, whatever the chip: event 16 in the standard
 * log plus ALARM.measurementSystemError when energy may have been lost (chip reset, a given-up
 * read, a read refused because it could have wrapped) or when metering has been interrupted for
 * IC_FAULT_TICKS ticks (once per episode), and at a power fail while the chip holds energy it
 * cannot hand over. A glitch the driver recovers from within the tick leaves no event (nothing
 * was lost). The energy known lost is estimated and summed in lostEnergyMilliWh
 * (docs/readme/faults.md).
 */
export class IcSupervisor {
  /** Consecutive bad ticks, and whether this episode was logged (read by Meter.tick: see `after`). */
  badTicks = 0;
  episodeLogged = false;
  /** Ticks in which the IC did not deliver a verified sample. */
  faultTicks = 0;
  /** Active energy estimated lost to measurement faults since start (magnitude, mWh). */
  lostEnergyMilliWh = 0;

  constructor(private readonly events: EventLogs, private readonly log: Log, private readonly scale: Rational = { num: 0, den: 1 }) {}

  /**
   * After each sample. With status ok, no energy lost, no bad ticks and nothing logged it changes
   * nothing: Meter.tick calls it only otherwise.
   */
  after(status: IcStatus, sample: MeteringSample): void {
    if (sample.energyMayBeLost) {
      const lost = sample.lostActiveEnergyLsb;
      if (lost !== 0) {
        const mWh = Math.abs((lost * this.scale.num) / this.scale.den);
        this.lostEnergyMilliWh += mWh;
        this.raise(`metering IC energy read could have wrapped (held too long); not booked, about ${Math.round(mWh / 1000)} Wh lost`);
      } else {
        this.raise(status === "reset-detected" ? "metering IC reset; re-initialised, energy since the last read may be lost" : "metering IC energy may be lost (read given up or refused)");
      }
      this.episodeLogged = true;
    }
    if (status === IC_OK) {
      if (this.badTicks > 0) this.log.info(`metering IC answering again after ${this.badTicks} tick(s)`);
      this.badTicks = 0;
      this.episodeLogged = false;
      return;
    }
    if (status === IC_RESET_DETECTED) {
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

  /**
   * The supply is failing and the drain tick (status) could not read the chip: the energy it
   * holds since `ic.unreadSinceMs` dies with it. Logged (event 16, alarm) with an estimate at the
   * last power seen; returns that estimate, mWh (0 when nothing was held).
   */
  powerFailing(status: IcStatus, ic: MeteringIc, sample: MeteringSample, nowMs: number): number {
    const since = ic.unreadSinceMs;
    if (status === IC_OK || since !== since || nowMs <= since) return 0;
    const heldMs = nowMs - since;
    const mWh = (Math.abs(sample.activePowerMilliW) * heldMs) / 3_600_000;
    this.lostEnergyMilliWh += mWh;
    this.raise(`power fail while the metering IC holds ${Math.round(heldMs / 1000)} s of energy it cannot hand over: about ${Math.round(mWh / 1000)} Wh lost`);
    return mWh;
  }

  private raise(message: string): void {
    this.log.warn(message);
    this.events.record("standard", EVENT_MEASUREMENT_SYSTEM_ERROR);
    this.events.raiseAlarm(ALARM.measurementSystemError);
  }
}
