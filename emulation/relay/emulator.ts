import type { LineConditions } from "../line";

/** Schedules a callback in virtual time (the simulator's clock). */
export type Schedule = (callback: () => void, delayMs: number) => void;

export interface RelayEmulatorOptions {
  kind: "latching" | "monostable";
  /** Coil energised this long before the armature moves (a shorter pulse does nothing). */
  operateMs: number;
  /** Monostable: output level that closes the contacts. */
  monostableClosedLevel: number;
  /** Contact position at construction (a latching relay keeps its position without power). */
  initiallyClosed: boolean;
}

export const DEFAULT_RELAY_EMULATOR: RelayEmulatorOptions = { kind: "latching", operateMs: 15, monostableClosedLevel: 1, initiallyClosed: true };

/**
 * A disconnect relay with an auxiliary contact. Latching: a set-coil pulse of at least
 * `operateMs` closes, a reset-coil pulse opens; both coils together is a drive fault (counted,
 * nothing moves). Monostable: the contacts follow the output level after `operateMs`.
 * `stuck` models welded or jammed contacts: they stay where they are whatever the coils do.
 *
 * The contact history lets the line apply the relay exactly: with the contacts open the load
 * draws no current (the meter still sees the voltage on its supply side).
 */
export class RelayEmulator {
  closed: boolean;
  stuck = false;
  /** Times both coils were energised at once (a driver bug). */
  bothCoilsFaults = 0;
  /** Coil pulses seen (latching) or output changes (monostable). */
  operations = 0;
  /** Called with the new auxiliary contact level (1 closed) when the contacts move. */
  onContact: ((level: number) => void) | null = null;
  private setCoil = 0;
  private resetCoil = 0;
  private output = -1;
  /** Energise generation per coil: a timer from an earlier pulse must not act. */
  private generation = 0;
  /** Bumped at each contact change (the history is all `apply` depends on). */
  revision = 0;
  /** Contact changes (virtual ms, closed) in time order; the first entry is the initial state. */
  private readonly history: { atMs: number; closed: boolean }[] = [];

  constructor(private readonly now: () => number, private readonly schedule: Schedule, readonly options: RelayEmulatorOptions = DEFAULT_RELAY_EMULATOR) {
    this.closed = options.initiallyClosed;
    this.history.push({ atMs: -Infinity, closed: this.closed });
  }

  /** Auxiliary contact level: 1 when the contacts are closed. */
  get contactLevel(): number {
    return this.closed ? 1 : 0;
  }

  setCoilChanged(level: number): void {
    if (level === this.setCoil) return;
    this.setCoil = level;
    this.coilChanged(level, this.resetCoil, true);
  }

  resetCoilChanged(level: number): void {
    if (level === this.resetCoil) return;
    this.resetCoil = level;
    this.coilChanged(level, this.setCoil, false);
  }

  outputChanged(level: number): void {
    if (this.options.kind !== "monostable" || level === this.output) return;
    this.output = level;
    this.operations++;
    const wanted = level === this.options.monostableClosedLevel;
    const generation = ++this.generation;
    this.schedule(() => {
      if (generation === this.generation) this.move(wanted);
    }, this.options.operateMs);
  }

  /** Whether the contacts were closed at `timeMs` (from the history). */
  closedAt(timeMs: number): boolean {
    for (let i = this.history.length - 1; i >= 0; i--) if (this.history[i].atMs <= timeMs) return this.history[i].closed;
    return this.history[0].closed;
  }

  /** Line filter: no load current while open. Returns until when this holds (next known change). */
  apply(timeMs: number, out: LineConditions): number {
    if (!this.closedAt(timeMs)) {
      out.current = 0;
      out.neutralCurrent = 0;
    }
    // An index loop: for-of makes an iterator (XS heap) at every call, and this runs per SPI read.
    const history = this.history;
    for (let i = 0; i < history.length; i++) if (history[i].atMs > timeMs) return history[i].atMs;
    return Infinity;
  }

  /**
   * Moves the contacts without the coils: a pulse cut short by a power cut, a hand lever, or a
   * monostable relay dropping out when its supply goes (ignores `stuck`).
   */
  forcePosition(closed: boolean): void {
    const stuck = this.stuck;
    this.stuck = false;
    this.move(closed);
    this.stuck = stuck;
  }

  private coilChanged(level: number, otherCoil: number, closes: boolean): void {
    if (this.options.kind !== "latching") return;
    if (level === 1 && otherCoil === 1) this.bothCoilsFaults++;
    if (level !== 1) {
      this.generation++;
      return;
    }
    this.operations++;
    const generation = ++this.generation;
    this.schedule(() => {
      // Still energised (alone) after the operate time: the armature moves.
      if (generation !== this.generation) return;
      if ((closes ? this.setCoil : this.resetCoil) !== 1 || (closes ? this.resetCoil : this.setCoil) === 1) return;
      this.move(closes);
    }, this.options.operateMs);
  }

  private move(closed: boolean): void {
    if (this.stuck || closed === this.closed) return;
    this.closed = closed;
    this.revision++;
    this.history.push({ atMs: this.now(), closed });
    if (this.history.length > 64) {
      // Only the last tick or so is ever asked for; the oldest kept change stands for all before it.
      this.history.shift();
      this.history[0].atMs = -Infinity;
    }
    this.onContact?.(this.contactLevel);
  }
}
