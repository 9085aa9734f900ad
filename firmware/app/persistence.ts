/**
 * The meter's persisted-state policy over the storage mechanism (storage/persistent-store.ts):
 * the periodic save, the power-fail input and its emergency save (the IC drained first), and the
 * outage at power up (events 1/250/2, then the power-up listeners: power failure log, clock).
 */
import type { Board, TimerId } from "../hal";
import { ALARM, EVENT } from "../kernel/event-codes";
import type { EventLogs } from "../records/event-log";
import { PersistentStore } from "../storage/persistent-store";
import type { EmergencySaveCost, PersistenceConfig, RestoreReport } from "../storage/persistence-types";
import { deepFreeze } from "../kernel/freeze";

export * from "../storage/persistent-store";

/** Standard event log codes this layer writes (docs/readme/persistence.md). */
export const STORE_EVENT = deepFreeze({
  powerDown: EVENT.standard.powerDown,
  powerUp: EVENT.standard.powerUp,
  nvMemoryError: EVENT.standard.nvMemoryError,
  /** Manufacturer-specific (standard log): the power went without a final save (sudden reset). */
  powerDownWithoutSave: EVENT.standard.powerDownWithoutSave,
} as const);

/** What drains the IC before the emergency save (the meter): a method, not a closure. */
interface PowerFailDrain {
  drainForPowerFail(): void;
}

/** Told at power up, once every state is back and the outage is logged. */
interface PowerUpListener {
  powerUp(report: RestoreReport): void;
}

export class Persistence extends PersistentStore {
  lastEmergencySave: EmergencySaveCost | null = null;
  /** Count of periodic saves done (tests, bench). */
  periodicSaves = 0;
  private readonly savedListeners: (() => void)[] = [];
  private readonly powerUpListeners: PowerUpListener[] = [];
  private failing = false;
  private nvErrorLogged = false;
  private timer: TimerId | undefined;
  private aliveTimer: TimerId | undefined;

  /** `drain`: runs before the emergency save (one extra IC tick, so the chip's pending energy is saved). */
  constructor(board: Board, private readonly events: EventLogs, config: Partial<PersistenceConfig> = {}, private readonly drain: PowerFailDrain | null = null) {
    super(board, events.all(), config);
  }

  /** An NV memory problem: event 14 once per power-up, and alarm bit 10 when an essential state was lost. */
  protected override reportNvError(lost: boolean): void {
    if (!this.nvErrorLogged) {
      this.nvErrorLogged = true;
      this.events.record("standard", STORE_EVENT.nvMemoryError);
    }
    if (lost) this.events.raiseAlarm(ALARM.nvMemoryError);
  }

  /** Called at power up, in order of adding, once every state is back and the outage is logged. */
  addPowerUpListener(listener: PowerUpListener): void {
    this.powerUpListeners.push(listener);
  }

  /** Called after each completed periodic save (tests observe what was saved). */
  addSavedListener(listener: () => void): void {
    this.savedListeners.push(listener);
  }

  /**
   * Power up: every state back from flash (storage), event 14 / alarm 10 for damage, the outage
   * (events 1/2, the power-up listeners), then what the power up changed is written at once.
   */
  restore(): RestoreReport {
    if (this.lastRestore) return this.lastRestore;
    const report = this.restoreStates();
    if (this.journal) {
      report.outage = this.logOutage(report);
      for (const listener of this.powerUpListeners) listener.powerUp(report);
      this.commitPowerUp();
    }
    return report;
  }

  /** Starts the periodic save and the power-fail watch. */
  start(): void {
    if (!this.journal) return;
    this.timer = this.board.clock.repeat(() => this.savePeriodic(), this.config.saveIntervalMs);
    if (this.tally) {
      this.aliveTimer = this.board.clock.repeat(() => {
        if (!this.failing) this.markAlive();
      }, this.config.aliveIntervalMs);
    }
    this.board.powerFail?.onChange((level) => {
      if (level === 0) this.powerFailing();
      else this.failing = false;
    });
  }

  stop(): void {
    if (this.timer !== undefined) this.board.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (this.aliveTimer !== undefined) this.board.clock.clearTimer(this.aliveTimer);
    this.aliveTimer = undefined;
    this.board.powerFail?.onChange(null);
  }

  /** Saves every periodic state (registers, demand, clock) and the alive stamp; nothing once the supply fails. */
  savePeriodic(): void {
    if (!this.journal || this.failing) return;
    this.saveStates();
    this.periodicSaves++;
    for (const listener of this.savedListeners) listener();
  }

  /**
   * The supply is failing (power-fail input low, or the IC's voltage-loss signal): drain the IC's
   * pending energy into the registers, then write the periodic states and a power-down stamp.
   */
  powerFailing(): void {
    const journal = this.journal;
    if (!journal || this.failing) return;
    const bytes = journal.stats.bytesWritten;
    const records = journal.stats.recordsWritten;
    const erases = journal.stats.erases;
    if (this.drain) this.drain.drainForPowerFail();
    this.saveEmergency();
    this.failing = true;
    this.lastEmergencySave = { flashBytes: journal.stats.bytesWritten - bytes, records: journal.stats.recordsWritten - records, erases: journal.stats.erases - erases };
  }

  private logOutage(report: RestoreReport): RestoreReport["outage"] {
    const stamp = this.powerStamp();
    if (!stamp) return null;
    // A stamp that was not the final save: the tally tells how long the meter lived after it.
    const alive = this.lastAliveUtc(stamp);
    report.lastAliveUtcMs = alive;
    const now = this.board.clock.wallClockMs();
    const start = Math.min(alive, now);
    const durationMs = now - start;
    const finalSave = stamp.f === 1;
    // Through recordAt, so event listeners (the MQTT event topic) hear of them.
    this.events.recordAt("standard", start, STORE_EVENT.powerDown);
    if (!finalSave) this.events.recordAt("standard", start, STORE_EVENT.powerDownWithoutSave);
    this.events.recordAt("standard", now, STORE_EVENT.powerUp);
    this.board.log.info(`power up after ${Math.round(durationMs / 1000)} s without supply (${finalSave ? "final save done" : "no final save"})`);
    return { startUtcMs: start, durationMs, finalSave };
  }
}
