/**
 * One interface over the disconnect relays. `drive` returns at once; the coil pulse and the
 * contact check run on Clock timers. After each completed transition `onTransitionDone` reports
 * the commanded position and the contact reading, so the state machine can verify it.
 * Only the disconnector state machine calls `drive`.
 */
export interface RelayDriver {
  readonly kind: "latching" | "monostable";
  /** Position the contacts were last driven to: 1 closed, 0 open, -1 not driven since power-up. */
  readonly commanded: number;
  /** Position the driver is heading for (equals `commanded` when idle). */
  readonly target: number;
  /** True while a pulse or the settle time runs. */
  readonly busy: boolean;
  readonly hasContact: boolean;
  /** 1 closed, 0 open, CONTACT_NOT_WIRED without an auxiliary contact. */
  readContact(): number;
  /** Heads for `closed`; `force` pulses again even when already there (power-up). */
  drive(closed: boolean, force?: boolean): void;
  /** Called once the contacts should have settled after a transition. */
  onTransitionDone: ((closed: boolean, contact: number) => void) | null;
  /** Ends any pulse safely (coils off) and cancels timers; the meter calls it on stop. */
  stop(): void;
}
