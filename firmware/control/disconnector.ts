import type { RelayDriver } from "../kernel/relay";
import { ALARM, EVENT } from "../kernel/event-codes";
import type { EventLogs } from "../records/event-log";
import { deepFreeze } from "../kernel/freeze";
import type { ChangeSaver } from "../kernel/change-saver";

/**
 * DLMS class 70 (disconnect control, 0.0.96.3.10.255): the state machine of docs/metering.md
 * section 7. It is the only code that drives the disconnect relay.
 *
 * Transitions (from -> to): a remote_reconnect 0->1, b remote_disconnect 1->0,
 * c remote_disconnect 2->0, d remote_reconnect 0->2, e manual_reconnect 2->1,
 * f manual_disconnect 1->2, g local_disconnect 1->2, h local_reconnect 2->1.
 */
const CONTROL_STATE = deepFreeze({ disconnected: 0, connected: 1, readyForReconnection: 2 } as const);
export type ControlState = 0 | 1 | 2;
export type ControlMode = 0 | 1 | 2 | 3 | 4 | 5 | 6;
export type Transition = "a" | "b" | "c" | "d" | "e" | "f" | "g" | "h";
export type Trigger = "remoteDisconnect" | "remoteReconnect" | "manualDisconnect" | "manualReconnect" | "localDisconnect" | "localReconnect";

const TRANSITIONS: Record<Transition, { trigger: Trigger; from: ControlState; to: ControlState }> = deepFreeze({
  a: { trigger: "remoteReconnect", from: 0, to: 1 },
  b: { trigger: "remoteDisconnect", from: 1, to: 0 },
  c: { trigger: "remoteDisconnect", from: 2, to: 0 },
  d: { trigger: "remoteReconnect", from: 0, to: 2 },
  e: { trigger: "manualReconnect", from: 2, to: 1 },
  f: { trigger: "manualDisconnect", from: 1, to: 2 },
  g: { trigger: "localDisconnect", from: 1, to: 2 },
  h: { trigger: "localReconnect", from: 2, to: 1 },
});

/** Transitions each control mode allows (Blue Book class 70, docs/metering.md section 7). */
const MODE_TRANSITIONS: readonly (readonly Transition[])[] = deepFreeze([
  [],
  ["b", "c", "f", "g", "d", "e"],
  ["b", "c", "f", "g", "a", "e"],
  ["b", "c", "g", "d", "e"],
  ["b", "c", "g", "a", "e"],
  ["b", "c", "f", "g", "d", "e", "h"],
  ["b", "c", "g", "d", "e", "h"],
]);

/** Disconnector log codes (IDIS). */
/** Disconnector log codes (the kernel table). */
export const DISCONNECTOR_EVENT = deepFreeze(EVENT.disconnector);

/** Codes logged by each transition, in order: the cause, then 59 when it leaves the meter ready for manual reconnection. */
const TRANSITION_EVENTS: Record<Transition, readonly number[]> = deepFreeze({
  a: [DISCONNECTOR_EVENT.remoteConnect],
  b: [DISCONNECTOR_EVENT.remoteDisconnect],
  c: [DISCONNECTOR_EVENT.remoteDisconnect],
  d: [DISCONNECTOR_EVENT.readyForManualReconnection],
  e: [DISCONNECTOR_EVENT.manualConnect],
  f: [DISCONNECTOR_EVENT.manualDisconnect, DISCONNECTOR_EVENT.readyForManualReconnection],
  g: [DISCONNECTOR_EVENT.localDisconnect, DISCONNECTOR_EVENT.readyForManualReconnection],
  h: [DISCONNECTOR_EVENT.localReconnect],
});

type RefusalReason =
  /** The transition exists from this state but the control mode does not allow it. */
  | "mode-forbids"
  /** Already in the state the command leads to (e.g. remote disconnect while disconnected). */
  | "already-in-state"
  /** No transition of that trigger from this state (e.g. remote reconnect in ready_for_reconnection). */
  | "not-possible-in-state"
  | "invalid-mode"
  /** Mode 0 means "always connected": it is only accepted while connected. */
  | "mode-0-requires-connected"
  | "invalid-snapshot";

/** Result of every command: never thrown, always returned. */
export interface DisconnectorResult {
  ok: boolean;
  /** The transition taken, or null when refused (or for a mode change). */
  transition: Transition | null;
  reason: RefusalReason | null;
  /** Control state after the call. */
  state: ControlState;
}

/** What survives a power cut (issue 6 stores it; `restore` brings it back). */
export interface DisconnectorSnapshot {
  controlState: ControlState;
  controlMode: ControlMode;
}

export interface DisconnectorConfig {
  /** Control mode of a new meter (before any stored state). */
  defaultControlMode: ControlMode;
}

export function defaultDisconnectorConfig(): DisconnectorConfig {
  return { defaultControlMode: 1 };
}

export function isControlMode(value: unknown): value is ControlMode {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 6;
}

export class Disconnector {
  /** Attribute 3, control_state. */
  controlState: ControlState = CONTROL_STATE.connected;
  /** Attribute 4, control_mode. */
  controlMode: ControlMode;
  /**
   * Attribute 2, output_state: true when the consumer is connected. Follows the commanded
   * position, corrected by the auxiliary contact after each transition when one is wired.
   */
  outputState = true;
  /** True when the last contact check disagreed with the commanded position (event 68 logged). */
  contactMismatch = false;
  /** Failed contact checks since power-up. */
  failures = 0;
  /** Told after every change of control state or mode (the persistence engineer saves then: `saver.saveIfRestored(kind)`, set by `saveChangesTo`: no closure kept). */
  private saver: ChangeSaver | null = null;
  private saverKind = 0;

  /** From now on every such change is told to `saver` as state `kind` (the meter's persistence). */
  saveChangesTo(saver: ChangeSaver | null, kind: number): void {
    this.saver = saver;
    this.saverKind = kind;
  }

  /** Called after each transition is taken (display refresh), in order of adding. */
  private readonly transitionListeners: ((transition: Transition) => void)[] = [];

  constructor(
    private readonly relay: RelayDriver | null,
    private readonly events: EventLogs,
    config: DisconnectorConfig = defaultDisconnectorConfig(),
  ) {
    this.controlMode = config.defaultControlMode;
    if (relay) relay.onTransitionDone = this.checkContact.bind(this);
  }

  /** Adds a listener called after each transition (kept for the meter's life). */
  addTransitionListener(listener: (transition: Transition) => void): void {
    this.transitionListeners.push(listener);
  }


  get relayDriver(): RelayDriver | null {
    return this.relay;
  }

  /** Power-up: drives the relay to the current (restored or default) state, pulsing even if it may already be there. */
  powerUp(): void {
    this.outputState = this.controlState === CONTROL_STATE.connected;
    this.relay?.drive(this.controlState === CONTROL_STATE.connected, true);
  }

  stop(): void {
    this.relay?.stop();
  }

  // Class 70 methods and the local triggers.
  remoteDisconnect(): DisconnectorResult {
    return this.trigger("remoteDisconnect");
  }

  remoteReconnect(): DisconnectorResult {
    return this.trigger("remoteReconnect");
  }

  manualDisconnect(): DisconnectorResult {
    return this.trigger("manualDisconnect");
  }

  manualReconnect(): DisconnectorResult {
    return this.trigger("manualReconnect");
  }

  /** From the limiter and from supervision. */
  localDisconnect(): DisconnectorResult {
    return this.trigger("localDisconnect");
  }

  /** When the limiter condition clears. */
  localReconnect(): DisconnectorResult {
    return this.trigger("localReconnect");
  }

  /** The transition `trigger` would take from the current state, ignoring the mode (null: none). */
  transitionFor(trigger: Trigger, state: ControlState = this.controlState): Transition | null {
    let candidate: Transition | null = null;
    for (const name of ALL_TRANSITIONS) {
      const t = TRANSITIONS[name];
      if (t.trigger !== trigger || t.from !== state) continue;
      // remote_reconnect from state 0 is a (direct) or d (via ready) depending on the mode.
      if (MODE_TRANSITIONS[this.controlMode].includes(name)) return name;
      candidate ??= name;
    }
    return candidate;
  }

  trigger(trigger: Trigger): DisconnectorResult {
    const transition = this.transitionFor(trigger);
    if (transition === null) {
      const target = TRIGGER_TARGET[trigger];
      return this.refuse(target.includes(this.controlState) ? "already-in-state" : "not-possible-in-state");
    }
    if (!MODE_TRANSITIONS[this.controlMode].includes(transition)) return this.refuse("mode-forbids");
    const to = TRANSITIONS[transition].to;
    this.controlState = to;
    this.outputState = to === CONTROL_STATE.connected;
    for (const code of TRANSITION_EVENTS[transition]) this.events.record("disconnector", code);
    this.relay?.drive(to === CONTROL_STATE.connected);
    for (const listener of this.transitionListeners) listener(transition);
    this.saver?.saveIfRestored(this.saverKind);
    return { ok: true, transition, reason: null, state: to };
  }

  /** Attribute 4 write. Mode 0 (always connected) is only accepted while connected. */
  setControlMode(mode: number): DisconnectorResult {
    if (!isControlMode(mode)) return this.refuse("invalid-mode");
    if (mode === 0 && this.controlState !== CONTROL_STATE.connected) return this.refuse("mode-0-requires-connected");
    if (mode !== this.controlMode) {
      this.controlMode = mode;
      this.saver?.saveIfRestored(this.saverKind);
    }
    return { ok: true, transition: null, reason: null, state: this.controlState };
  }

  snapshot(): DisconnectorSnapshot {
    return { controlState: this.controlState, controlMode: this.controlMode };
  }

  /**
   * Brings back a stored state and drives the relay to it (a latching relay may have been
   * moved by hand or by a pulse cut short). Invalid snapshots are refused and change nothing.
   */
  restore(snapshot: DisconnectorSnapshot): DisconnectorResult {
    const { controlState, controlMode } = snapshot ?? ({} as DisconnectorSnapshot);
    if (!isControlMode(controlMode) || (controlState !== CONTROL_STATE.disconnected && controlState !== CONTROL_STATE.connected && controlState !== CONTROL_STATE.readyForReconnection) || (controlMode === 0 && controlState !== CONTROL_STATE.connected)) {
      return this.refuse("invalid-snapshot");
    }
    this.controlState = controlState;
    this.controlMode = controlMode;
    this.outputState = controlState === CONTROL_STATE.connected;
    this.relay?.drive(controlState === CONTROL_STATE.connected, true);
    return { ok: true, transition: null, reason: null, state: controlState };
  }

  private refuse(reason: RefusalReason): DisconnectorResult {
    return { ok: false, transition: null, reason, state: this.controlState };
  }

  private checkContact(closed: boolean, contact: number): void {
    if (contact < 0) return;
    const actual = contact === 1;
    this.outputState = actual;
    if (actual === closed) {
      this.contactMismatch = false;
      return;
    }
    // The control state stays what the state machine decided; output_state reports the contacts.
    this.contactMismatch = true;
    this.failures++;
    this.events.record("disconnector", DISCONNECTOR_EVENT.disconnectReconnectFailure);
    this.events.raiseAlarm(ALARM.measurementSystemError);
  }
}

const ALL_TRANSITIONS: readonly Transition[] = deepFreeze(["a", "b", "c", "d", "e", "f", "g", "h"]);

/** States in which a trigger has nothing left to do. */
const TRIGGER_TARGET: Record<Trigger, readonly ControlState[]> = deepFreeze({
  remoteDisconnect: [0],
  remoteReconnect: [1],
  manualDisconnect: [0, 2],
  manualReconnect: [1],
  localDisconnect: [0, 2],
  localReconnect: [1],
});
