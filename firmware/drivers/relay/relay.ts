import type { Clock, DigitalIn, TimerId } from "../../hal";
import type { RelayDriver } from "../../kernel/relay";
import { deepFreeze } from "../../kernel/freeze";

export type { RelayDriver } from "../../kernel/relay";

/** Contact reading of a relay with an auxiliary contact: 1 closed, 0 open, -1 not wired. */
const CONTACT_NOT_WIRED = -1;

/** Settings shared by both relay kinds (docs/metering.md section 7). */
export interface RelayOptions {
  /** Latching coil pulse length, ms (default 80). Ignored by the monostable relay. */
  pulseMs: number;
  /** Wait after the pulse (latching) or after the output change (monostable) before reading the contact, ms. */
  settleMs: number;
  /** Auxiliary contact input level that means "contacts closed" (default 1). */
  contactClosedLevel: number;
}

export const DEFAULT_RELAY_OPTIONS: RelayOptions = deepFreeze({ pulseMs: 80, settleMs: 20, contactClosedLevel: 1 });


const IDLE = 0;
const PULSE = 1;
const SETTLE = 2;

/** Shared timer and contact-check logic; subclasses only energise their outputs. */
export abstract class RelayBase implements RelayDriver {
  abstract readonly kind: "latching" | "monostable";
  commanded = -1;
  target = -1;
  onTransitionDone: ((closed: boolean, contact: number) => void) | null = null;
  /** Completed transitions since construction (for tests and the bench). */
  transitions = 0;
  protected phase = IDLE;
  protected timer: TimerId | undefined;
  /** The position the running pulse or output change heads for. */
  protected moving = -1;
  // Bound methods for the timers (8 slots each in XS, an arrow capturing `this` 13).
  private readonly pulseEnd: () => void = this.endPulse.bind(this);
  private readonly settleEnd: () => void = this.endSettle.bind(this);

  constructor(protected readonly clock: Clock, protected readonly contact: DigitalIn | undefined, protected readonly options: RelayOptions) {}

  get busy(): boolean {
    return this.phase !== IDLE;
  }

  get hasContact(): boolean {
    return this.contact !== undefined;
  }

  readContact(): number {
    if (!this.contact) return CONTACT_NOT_WIRED;
    return this.contact.read() === this.options.contactClosedLevel ? 1 : 0;
  }

  drive(closed: boolean, force = false): void {
    const position = closed ? 1 : 0;
    if (!force && position === this.target) return;
    this.target = position;
    // A running pulse finishes first (never both coils at once); its end starts the next one.
    if (this.phase === PULSE) return;
    if (this.phase === SETTLE) this.cancelTimer();
    this.begin(position);
  }

  stop(): void {
    this.cancelTimer();
    this.deenergise();
    if (this.phase === PULSE) this.target = this.commanded;
    this.phase = IDLE;
  }

  /** Energises the output(s) for `position`; returns the pulse length, or 0 for a level output. */
  protected abstract energise(position: number): number;
  /** Releases every coil (latching) or does nothing (monostable keeps its level). */
  protected abstract deenergise(): void;

  private begin(position: number): void {
    this.moving = position;
    const pulseMs = this.energise(position);
    if (pulseMs > 0) {
      this.phase = PULSE;
      this.timer = this.clock.schedule(this.pulseEnd, pulseMs);
    } else {
      this.commanded = position;
      this.phase = SETTLE;
      this.timer = this.clock.schedule(this.settleEnd, this.options.settleMs);
    }
  }

  private endPulse(): void {
    this.timer = undefined;
    this.deenergise();
    this.commanded = this.moving;
    if (this.target !== this.commanded) {
      this.begin(this.target);
      return;
    }
    this.phase = SETTLE;
    this.timer = this.clock.schedule(this.settleEnd, this.options.settleMs);
  }

  private endSettle(): void {
    this.timer = undefined;
    this.phase = IDLE;
    if (this.target !== this.commanded) {
      this.begin(this.target);
      return;
    }
    this.transitions++;
    this.onTransitionDone?.(this.commanded === 1, this.readContact());
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}
