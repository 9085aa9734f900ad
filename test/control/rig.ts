import { LatchingRelay } from "../../firmware/drivers/relay/latching";
import { MonostableRelay } from "../../firmware/drivers/relay/monostable";
import { DEFAULT_RELAY_OPTIONS, type RelayDriver } from "../../firmware/drivers/relay/relay";
import { Disconnector, type ControlMode, type ControlState } from "../../firmware/control/disconnector";
import { EventLogs } from "../../firmware/records/event-log";
import { SimInput, SimOutput } from "../../host-sim/board";
import { DEFAULT_RELAY_EMULATOR, RelayEmulator } from "../../emulation/relay/emulator";
import { VirtualClock } from "../../emulation/virtual-clock";

export const START_UTC = Date.UTC(2026, 2, 2, 0, 0, 0);

/** A coil pulse as seen on the pins: which coil, when it rose and fell (virtual ms). */
export interface Pulse {
  coil: "set" | "reset";
  fromMs: number;
  toMs: number;
}

/** Disconnector + relay driver + relay emulator with contacts, on a virtual clock. */
export class RelayRig {
  readonly clock = new VirtualClock(START_UTC);
  readonly events = new EventLogs(() => this.clock.wallClockMs());
  readonly setCoil = new SimOutput();
  readonly resetCoil = new SimOutput();
  readonly output = new SimOutput();
  readonly contact = new SimInput(1);
  readonly relay: RelayEmulator;
  driver!: RelayDriver;
  disconnector!: Disconnector;
  readonly pulses: Pulse[] = [];
  /** Times both coils were high together, as seen on the pins. */
  bothHigh = 0;

  constructor(readonly kind: "latching" | "monostable" = "latching", withContact = true) {
    this.relay = new RelayEmulator(() => this.clock.nowMs(), (cb, ms) => this.clock.schedule(cb, ms), { ...DEFAULT_RELAY_EMULATOR, kind });
    this.relay.onContact = (level) => this.contact.set(level);
    this.watch(this.setCoil, "set");
    this.watch(this.resetCoil, "reset");
    this.setCoil.listeners.push((l) => this.relay.setCoilChanged(l));
    this.resetCoil.listeners.push((l) => this.relay.resetCoilChanged(l));
    this.output.listeners.push((l) => this.relay.outputChanged(l));
    this.boot(withContact);
  }

  /** A fresh driver and state machine on the same relay (a reboot: RAM lost, relay kept). */
  boot(withContact = true, mode: ControlMode = 1): Disconnector {
    this.disconnector?.stop();
    const contact = withContact ? this.contact : undefined;
    this.driver = this.kind === "latching"
      ? new LatchingRelay(this.setCoil, this.resetCoil, this.clock, contact, DEFAULT_RELAY_OPTIONS)
      : new MonostableRelay(this.output, this.clock, contact, DEFAULT_RELAY_OPTIONS);
    this.disconnector = new Disconnector(this.driver, this.events, { defaultControlMode: mode });
    return this.disconnector;
  }

  /** Puts the state machine in `state` under `mode` and lets the relay settle. */
  prepare(mode: ControlMode, state: ControlState): void {
    const r = this.disconnector.restore({ controlMode: mode, controlState: state });
    if (!r.ok) throw new Error(`cannot prepare mode ${mode} state ${state}: ${r.reason}`);
    this.settle();
  }

  settle(ms = 500): void {
    this.clock.runUntil(this.clock.nowMs() + ms);
  }

  codes(): number[] {
    const log = this.events.disconnector;
    const out: number[] = [];
    for (let i = 0; i < log.count; i++) out.push(log.codeAt(i));
    return out;
  }

  private watch(pin: SimOutput, coil: "set" | "reset"): void {
    let high = false;
    pin.listeners.push((level) => {
      if (level === 1 && !high) {
        high = true;
        if (this.setCoil.level === 1 && this.resetCoil.level === 1) this.bothHigh++;
        this.pulses.push({ coil, fromMs: this.clock.nowMs(), toMs: -1 });
      } else if (level === 0 && high) {
        high = false;
        const p = [...this.pulses].reverse().find((x) => x.coil === coil && x.toMs < 0);
        if (p) p.toMs = this.clock.nowMs();
      }
    });
  }
}
