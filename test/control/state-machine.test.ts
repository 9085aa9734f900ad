import { type ControlMode, type ControlState, type Transition, type Trigger } from "../../firmware/control/disconnector";
import { ALARM } from "../../firmware/kernel/event-codes";
import { RelayRig } from "./rig";

/**
 * Expectations written from docs/metering.md section 7 / the Blue Book, independently of the
 * implementation's tables.
 */
const TRANSITION: Record<Transition, { trigger: Trigger; from: ControlState; to: ControlState; events: number[] }> = {
  a: { trigger: "remoteReconnect", from: 0, to: 1, events: [63] },
  b: { trigger: "remoteDisconnect", from: 1, to: 0, events: [62] },
  c: { trigger: "remoteDisconnect", from: 2, to: 0, events: [62] },
  d: { trigger: "remoteReconnect", from: 0, to: 2, events: [59] },
  e: { trigger: "manualReconnect", from: 2, to: 1, events: [61] },
  f: { trigger: "manualDisconnect", from: 1, to: 2, events: [60, 59] },
  g: { trigger: "localDisconnect", from: 1, to: 2, events: [64, 59] },
  h: { trigger: "localReconnect", from: 2, to: 1, events: [69] },
};
// mode 0: none; 1: remote b,c, manual f, local g, reconnect remote d, manual e; 2: as 1 but a;
// 3: as 1 without f; 4: as 3 but a; 5: as 1 plus h; 6: as 3 plus h.
const ALLOWED: Record<ControlMode, string> = { 0: "", 1: "bcfgde", 2: "bcfgae", 3: "bcgde", 4: "bcgae", 5: "bcfgdeh", 6: "bcgdeh" };
const MODES: ControlMode[] = [0, 1, 2, 3, 4, 5, 6];
const ALL: Transition[] = ["a", "b", "c", "d", "e", "f", "g", "h"];

describe("class 70: every control mode x every transition", () => {
  for (const mode of MODES) {
    for (const t of ALL) {
      const spec = TRANSITION[t];
      // Mode 0 is always connected: only transitions from state 1 can be attempted.
      if (mode === 0 && spec.from !== 1) continue;
      const allowed = ALLOWED[mode].includes(t);
      test(`mode ${mode}, transition ${t} (${spec.trigger} from ${spec.from}): ${allowed ? "taken" : "refused"}`, () => {
        const rig = new RelayRig("latching");
        rig.prepare(mode, spec.from);
        expect(rig.relay.closed).toBe(spec.from === 1);
        const before = rig.codes().length;
        const pulsesBefore = rig.pulses.length;
        const result = rig.disconnector[spec.trigger]();
        rig.settle();
        if (allowed) {
          expect(result).toEqual({ ok: true, transition: t, reason: null, state: spec.to });
          expect(rig.disconnector.controlState).toBe(spec.to);
          expect(rig.disconnector.outputState).toBe(spec.to === 1);
          expect(rig.relay.closed).toBe(spec.to === 1);
          expect(rig.codes().slice(before)).toEqual(spec.events);
          // One coil pulse when the contacts change position, none when they stay (2 <-> 0 both open).
          expect(rig.pulses.length - pulsesBefore).toBe((spec.from === 1) !== (spec.to === 1) ? 1 : 0);
          return;
        }
        // Remote reconnect from disconnected is a in modes 2/4 and d in 1/3/5/6: the other one is taken.
        const sibling = ALL.find((o) => o !== t && TRANSITION[o].trigger === spec.trigger && TRANSITION[o].from === spec.from && ALLOWED[mode].includes(o));
        if (sibling) {
          expect(result.ok).toBe(true);
          expect(result.transition).toBe(sibling);
          expect(rig.disconnector.controlState).toBe(TRANSITION[sibling].to);
          expect(rig.disconnector.controlState).not.toBe(spec.to);
          return;
        }
        expect(result).toEqual({ ok: false, transition: null, reason: "mode-forbids", state: spec.from });
        expect(rig.disconnector.controlState).toBe(spec.from);
        expect(rig.relay.closed).toBe(spec.from === 1);
        expect(rig.codes().length).toBe(before);
        expect(rig.pulses.length).toBe(pulsesBefore);
      });
    }
  }

  test("a trigger with nothing to do from the current state is refused with the state's reason", () => {
    const rig = new RelayRig();
    rig.prepare(1, 0);
    expect(rig.disconnector.remoteDisconnect()).toMatchObject({ ok: false, reason: "already-in-state", state: 0 });
    expect(rig.disconnector.manualReconnect()).toMatchObject({ ok: false, reason: "not-possible-in-state", state: 0 });
    expect(rig.disconnector.localReconnect()).toMatchObject({ ok: false, reason: "not-possible-in-state", state: 0 });
    rig.prepare(2, 2);
    expect(rig.disconnector.remoteReconnect()).toMatchObject({ ok: false, reason: "not-possible-in-state", state: 2 });
    expect(rig.disconnector.localDisconnect()).toMatchObject({ ok: false, reason: "already-in-state", state: 2 });
    rig.prepare(5, 1);
    expect(rig.disconnector.remoteReconnect()).toMatchObject({ ok: false, reason: "already-in-state", state: 1 });
    expect(rig.codes()).toEqual([]);
  });

  test("control mode writes: invalid values and mode 0 while disconnected are refused, nothing moves", () => {
    const rig = new RelayRig();
    rig.prepare(1, 0);
    const pulses = rig.pulses.length;
    for (const bad of [7, -1, 1.5, NaN]) expect(rig.disconnector.setControlMode(bad)).toMatchObject({ ok: false, reason: "invalid-mode" });
    expect(rig.disconnector.setControlMode(0)).toMatchObject({ ok: false, reason: "mode-0-requires-connected", state: 0 });
    expect(rig.disconnector.setControlMode(4)).toEqual({ ok: true, transition: null, reason: null, state: 0 });
    rig.settle();
    expect(rig.disconnector.controlMode).toBe(4);
    expect(rig.pulses.length).toBe(pulses);
    expect(rig.relay.closed).toBe(false);
    // In mode 4 remote reconnect now connects directly (a).
    expect(rig.disconnector.remoteReconnect().transition).toBe("a");
    rig.settle();
    expect(rig.relay.closed).toBe(true);
    expect(rig.disconnector.setControlMode(0).ok).toBe(true);
  });
});

describe("relay drivers", () => {
  test("latching: one 80 ms pulse per transition on the right coil, never both coils", () => {
    const rig = new RelayRig("latching");
    rig.prepare(2, 1);
    rig.pulses.length = 0;
    rig.disconnector.remoteDisconnect();
    rig.settle();
    rig.disconnector.remoteReconnect();
    rig.settle();
    expect(rig.pulses.map((p) => [p.coil, p.toMs - p.fromMs])).toEqual([["reset", 80], ["set", 80]]);
    expect(rig.bothHigh).toBe(0);
    expect(rig.relay.bothCoilsFaults).toBe(0);
    expect(rig.relay.closed).toBe(true);
  });

  test("latching: commands during a pulse wait for it to end (no overlap), last command wins", () => {
    const rig = new RelayRig("latching");
    rig.prepare(2, 1);
    rig.pulses.length = 0;
    rig.disconnector.remoteDisconnect();
    rig.clock.runUntil(rig.clock.nowMs() + 30);
    rig.disconnector.remoteReconnect(); // mode 2: a, back to connected while the reset pulse runs
    rig.settle();
    expect(rig.pulses.map((p) => p.coil)).toEqual(["reset", "set"]);
    expect(rig.pulses[1].fromMs).toBeGreaterThanOrEqual(rig.pulses[0].toMs);
    expect(rig.bothHigh).toBe(0);
    expect(rig.relay.closed).toBe(true);
    expect(rig.disconnector.contactMismatch).toBe(false);
  });

  test("monostable: the output level holds the position; contact verified", () => {
    const rig = new RelayRig("monostable");
    rig.prepare(1, 1);
    expect(rig.output.level).toBe(1);
    expect(rig.relay.closed).toBe(true);
    rig.disconnector.remoteDisconnect();
    rig.settle();
    expect(rig.output.level).toBe(0);
    expect(rig.relay.closed).toBe(false);
    expect(rig.disconnector.outputState).toBe(false);
    expect(rig.disconnector.contactMismatch).toBe(false);
    expect(rig.pulses).toEqual([]);
  });

  test("stuck contacts: event 68, measurement-system alarm, control state kept, output_state shows the contacts", () => {
    const rig = new RelayRig("latching");
    rig.prepare(1, 1);
    rig.relay.stuck = true;
    const r = rig.disconnector.remoteDisconnect();
    expect(r.ok).toBe(true);
    expect(rig.disconnector.outputState).toBe(false); // commanded, not yet checked
    rig.settle();
    expect(rig.relay.closed).toBe(true);
    expect(rig.disconnector.controlState).toBe(0);
    expect(rig.disconnector.outputState).toBe(true);
    expect(rig.disconnector.contactMismatch).toBe(true);
    expect(rig.codes()).toEqual([62, 68]);
    expect(Math.floor(rig.events.alarmRegister / 2 ** ALARM.measurementSystemError) % 2).toBe(1);
    // Unstuck: the next transition checks out and clears the mismatch.
    rig.relay.stuck = false;
    rig.disconnector.remoteReconnect();
    rig.settle();
    rig.disconnector.manualReconnect();
    rig.settle();
    expect(rig.disconnector.contactMismatch).toBe(false);
    expect(rig.disconnector.outputState).toBe(true);
    expect(rig.codes()).toEqual([62, 68, 59, 61]);
  });

  test("without an auxiliary contact nothing is checked and output_state follows the command", () => {
    const rig = new RelayRig("latching", false);
    rig.prepare(1, 1);
    rig.relay.stuck = true;
    rig.disconnector.remoteDisconnect();
    rig.settle();
    expect(rig.disconnector.outputState).toBe(false);
    expect(rig.codes()).toEqual([62]);
  });
});
