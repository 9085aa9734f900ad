import type { Clock, DigitalIn } from "../hal";
import type { MeteringSample } from "../kernel/metering-ic";
import { DebouncedInput } from "./debounced-input";
import { EVENT } from "../kernel/event-codes";
import { ALARM } from "../kernel/event-codes";
import { type EventLogs } from "../records/event-log";
import type { MonitoringConfig } from "./monitoring-config";
import { Sustained, Transition } from "./sustained";
import { deepFreeze } from "../kernel/freeze";
import type { ChangeSaver } from "../kernel/change-saver";

/** Ids of the tamper detector's debounced inputs (DebouncedInput `id`). */
const INPUT_TERMINAL_COVER = 0;
const INPUT_METER_COVER = 1;
const INPUT_MAGNET = 2;

/** Board inputs the tamper detector watches; any may be absent. */
interface TamperInputs {
  /** 1 = cover closed, 0 = cover removed (the switch opens the pull-down when lifted). */
  terminalCover?: DigitalIn;
  meterCover?: DigitalIn;
  /** Hall sensor, active low: 0 = strong magnetic field present. */
  magnet?: DigitalIn;
}

/** Metering line the IC meters on (ATM90E26 anti-tamper switching). */
export const METERING_LINE = deepFreeze({ phase: 0, neutral: 1 } as const);

/** Sample flag bit: the chip meters on the neutral line (SAMPLE_FLAG_NEUTRAL_METERED of the IC interface). */
const NEUTRAL_METERED_FLAG = 64;

/** A module constant: this runs every tick, and a string literal allocates at each evaluation in XS. */
export const LINE_SELECTING_CHIP = "atm90e26";

/**
 * The metering line to pass to `TamperDetector.update`: the ATM90E26 selects its line itself
 * and reports it in the sample flags; other chips have no switch (-1).
 */
export function meteringLineOf(sample: MeteringSample, chip: string): number {
  if (chip !== LINE_SELECTING_CHIP) return -1;
  // Read defensively: the flags field arrives with the ATM90E26 driver's interface change.
  const flags = (sample as MeteringSample & { flags?: number }).flags ?? 0;
  return (flags & NEUTRAL_METERED_FLAG) !== 0 ? METERING_LINE.neutral : METERING_LINE.phase;
}

/** Snapshot for persistence: plain numbers and booleans only. */
export interface TamperState {
  tamperFlag: boolean;
  tamperEvents: number;
  terminalCoverOpen: boolean;
  meterCoverOpen: boolean;
  magnetPresent: boolean;
  reverseActive: boolean;
  mismatchActive: boolean;
  meteringLine: number;
}

/**
 * Tamper and anti-theft (docs/metering.md section 6). Cover and magnet inputs work from edge
 * interrupts and timers (they are logged even when the tick does not run); reverse energy,
 * phase/neutral mismatch and the IC's metering-line switch are evaluated in the tick.
 * Every tamper start writes the fraud log, raises alarm bit 13 and latches `tamperFlag`
 * (the display's tamper icon) until the head end or the display clears it.
 */
export class TamperDetector {
  /** Latched display flag: set by every tamper, cleared only by `clearTamperFlag()`. */
  tamperFlag = false;
  /** Told when the latched flag changes (the meter saves it at once: evidence of fraud must not wait: `saver.saveIfRestored(kind)`, set by `saveChangesTo`: no closure kept). */
  private saver: ChangeSaver | null = null;
  private saverKind = 0;

  /** From now on every such change is told to `saver` as state `kind` (the meter's persistence). */
  saveChangesTo(saver: ChangeSaver | null, kind: number): void {
    this.saver = saver;
    this.saverKind = kind;
  }

  /** Tamper starts seen since manufacture (diagnostics, report). */
  tamperEvents = 0;
  terminalCoverOpen = false;
  meterCoverOpen = false;
  magnetPresent = false;
  /** Last metering line reported by the IC (METERING_LINE). */
  meteringLine: number = METERING_LINE.phase;
  importOnly: boolean;
  reversePowerMilliW: number;
  reverseTimeMs: number;
  mismatchPerMille: number;
  mismatchMilliA: number;
  mismatchTimeMs: number;
  readonly reverse = new Sustained();
  readonly mismatch = new Sustained();
  /** The phase-channel energy of the last tick, before bill-the-larger (diagnostics). */
  phaseActiveEnergyLsb = 0;
  private readonly inputs: DebouncedInput[] = [];

  constructor(private readonly events: EventLogs, clock: Clock, inputs: TamperInputs, config: MonitoringConfig) {
    this.importOnly = config.importOnly;
    this.reversePowerMilliW = config.reversePowerMilliW;
    this.reverseTimeMs = config.reverseTimeS * 1000;
    this.mismatchPerMille = config.mismatchPerMille;
    this.mismatchMilliA = config.mismatchMilliA;
    this.mismatchTimeMs = config.mismatchTimeS * 1000;
    if (inputs.terminalCover) {
      const d = new DebouncedInput(inputs.terminalCover, clock, config.coverDebounceMs, this, INPUT_TERMINAL_COVER);
      this.terminalCoverOpen = d.level === 0;
      this.inputs.push(d);
    }
    if (inputs.meterCover) {
      const d = new DebouncedInput(inputs.meterCover, clock, config.coverDebounceMs, this, INPUT_METER_COVER);
      this.meterCoverOpen = d.level === 0;
      this.inputs.push(d);
    }
    if (inputs.magnet) {
      const d = new DebouncedInput(inputs.magnet, clock, config.magnetDebounceMs, this, INPUT_MAGNET);
      this.magnetPresent = d.level === 0;
      this.inputs.push(d);
    }
  }

  /** A debounced cover or magnet level (active low), from its DebouncedInput. */
  inputSettled(id: number, level: number, at: number): void {
    const f = EVENT.fraud;
    const active = level === 0;
    if (id === INPUT_TERMINAL_COVER) {
      this.terminalCoverOpen = active;
      this.edge(active, at, f.terminalCoverRemoved, f.terminalCoverClosed);
    } else if (id === INPUT_METER_COVER) {
      this.meterCoverOpen = active;
      this.edge(active, at, f.meterCoverRemoved, f.meterCoverClosed);
    } else if (id === INPUT_MAGNET) {
      this.magnetPresent = active;
      this.edge(active, at, f.magneticFieldDetected, f.magneticFieldGone);
    }
  }

  /**
   * Per-tick detection from the IC sample. `meteringLine` is the line the IC reports metering
   * on (METERING_LINE; pass -1 when the IC has no such switch). Allocates nothing.
   */
  update(sample: MeteringSample, monoMs: number, utcMs: number, meteringLine: number): void {
    const f = EVENT.fraud;
    this.phaseActiveEnergyLsb = sample.activeEnergyLsb;

    // A condition that does not hold, with nothing running or active, leaves its Sustained as it
    // is (update() would return None and change nothing): the call is skipped then.
    const reverse = this.importOnly && sample.activePowerMilliW < -this.reversePowerMilliW;
    const rs = this.reverse;
    if (reverse || rs.active || rs.sinceMonoMs >= 0) {
      const r = rs.update(reverse, this.reverseTimeMs, monoMs, utcMs);
      if (r === Transition.Started) this.raise(rs.sinceUtcMs, f.reverseEnergyStart);
      else if (r === Transition.Ended) this.events.recordAt("fraud", utcMs, f.reverseEnergyEnd);
    }

    const phase = sample.currentMilliA;
    const neutral = sample.neutralCurrentMilliA;
    const diff = phase > neutral ? phase - neutral : neutral - phase;
    const larger = phase > neutral ? phase : neutral;
    const mismatch = diff > this.mismatchMilliA && diff * 1000 > this.mismatchPerMille * larger;
    const ms = this.mismatch;
    if (mismatch || ms.active || ms.sinceMonoMs >= 0) {
      const m = ms.update(mismatch, this.mismatchTimeMs, monoMs, utcMs);
      if (m === Transition.Started) this.raise(ms.sinceUtcMs, f.currentMismatchStart);
      else if (m === Transition.Ended) this.events.recordAt("fraud", utcMs, f.currentMismatchEnd);
    }

    if (meteringLine >= 0 && meteringLine !== this.meteringLine) {
      this.meteringLine = meteringLine;
      if (meteringLine === METERING_LINE.neutral) this.raise(utcMs, f.meteringLineToNeutral);
      else this.events.recordAt("fraud", utcMs, f.meteringLineToPhase);
    }
  }

  /**
   * The active energy (chip LSBs, signed) the registers must bill for this tick: the phase
   * channel normally; while a phase/neutral mismatch is confirmed, whichever channel measured
   * more energy in magnitude (the standard anti-tamper rule). Call after `update`.
   */
  billedActiveEnergyLsb(sample: MeteringSample): number {
    const phase = sample.activeEnergyLsb;
    if (!this.mismatch.active) return phase;
    const neutral = sample.neutralActiveEnergyLsb;
    return (neutral < 0 ? -neutral : neutral) > (phase < 0 ? -phase : phase) ? neutral : phase;
  }

  /** True while any tamper condition is present (the latched flag may outlive it). */
  get tamperActive(): boolean {
    return this.terminalCoverOpen || this.meterCoverOpen || this.magnetPresent || this.reverse.active || this.mismatch.active || this.meteringLine === METERING_LINE.neutral;
  }

  clearTamperFlag(): void {
    if (!this.tamperFlag) return;
    this.tamperFlag = false;
    this.saver?.saveIfRestored(this.saverKind);
  }

  snapshot(): TamperState {
    return {
      tamperFlag: this.tamperFlag, tamperEvents: this.tamperEvents, terminalCoverOpen: this.terminalCoverOpen, meterCoverOpen: this.meterCoverOpen,
      magnetPresent: this.magnetPresent, reverseActive: this.reverse.active, mismatchActive: this.mismatch.active, meteringLine: this.meteringLine,
    };
  }

  /**
   * Restores after a reset. Cover and magnet levels come from the inputs as read now; a change
   * against the saved state (a cover lifted while the meter was off) is logged at `utcMs`.
   */
  restore(state: TamperState, utcMs: number): void {
    checkTamperState(state);
    const f = EVENT.fraud;
    if (state.terminalCoverOpen !== this.terminalCoverOpen) this.edge(this.terminalCoverOpen, utcMs, f.terminalCoverRemoved, f.terminalCoverClosed);
    if (state.meterCoverOpen !== this.meterCoverOpen) this.edge(this.meterCoverOpen, utcMs, f.meterCoverRemoved, f.meterCoverClosed);
    if (state.magnetPresent !== this.magnetPresent) this.edge(this.magnetPresent, utcMs, f.magneticFieldDetected, f.magneticFieldGone);
    this.tamperFlag = state.tamperFlag || this.tamperFlag;
    this.tamperEvents += state.tamperEvents;
    this.reverse.active = state.reverseActive;
    this.mismatch.active = state.mismatchActive;
    this.meteringLine = state.meteringLine;
  }

  close(): void {
    for (const d of this.inputs) d.close();
  }

  private edge(started: boolean, utcMs: number, startCode: number, endCode: number): void {
    if (started) this.raise(utcMs, startCode);
    else this.events.recordAt("fraud", utcMs, endCode);
  }

  private raise(utcMs: number, code: number): void {
    this.events.recordAt("fraud", utcMs, code);
    this.events.raiseAlarm(ALARM.fraudAttempt);
    const was = this.tamperFlag;
    this.tamperFlag = true;
    this.tamperEvents++;
    if (!was) this.saver?.saveIfRestored(this.saverKind);
  }
}

/** Throws RangeError unless `s` is a whole tamper snapshot. */
function checkTamperState(s: TamperState): void {
  if (typeof s !== "object" || s === null) throw new RangeError("tamper state: not an object");
  for (const k of ["tamperFlag", "terminalCoverOpen", "meterCoverOpen", "magnetPresent", "reverseActive", "mismatchActive"] as const) {
    if (typeof s[k] !== "boolean") throw new RangeError(`tamper state: ${k} is ${String(s[k])}`);
  }
  if (!Number.isSafeInteger(s.tamperEvents) || s.tamperEvents < 0) throw new RangeError(`tamper state: tamperEvents is ${String(s.tamperEvents)}`);
  if (s.meteringLine !== METERING_LINE.phase && s.meteringLine !== METERING_LINE.neutral) throw new RangeError(`tamper state: metering line ${String(s.meteringLine)}`);
}
