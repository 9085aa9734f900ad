import { type ControlMode } from "../../firmware/control/disconnector";
import { Limiter, LIMITER_MONITOR_POWER } from "../../firmware/control/limiter";
import type { RegisterDescriptor } from "../../firmware/kernel/register-table";
import { RelayRig, START_UTC } from "./rig";

/** A limiter watching a P+ register (mW, scaler -3) whose value the test sets; evaluated every second. */
function setup(mode: ControlMode = 1) {
  const rig = new RelayRig("latching");
  rig.prepare(mode, 1);
  const power = { mW: 0 };
  const register: RegisterDescriptor = { obis: LIMITER_MONITOR_POWER, name: "P+", unit: "W", scaler: -3, read: () => power.mW };
  const lookup = (obis: string) => (obis === LIMITER_MONITOR_POWER ? register : undefined);
  const limiter = new Limiter(lookup, rig.disconnector, rig.events, rig.clock);
  expect(limiter.configure({ thresholdNormal: 3_000_000, minOverThresholdDurationS: 30, minUnderThresholdDurationS: 60 }).ok).toBe(true);
  rig.clock.repeat(() => limiter.evaluate(), 1000);
  // Steps end half-way between ticks, so a relay pulse started by a tick has finished.
  rig.settle(500);
  const run = (seconds: number, mW: number) => {
    power.mW = rig.disconnector.controlState === 1 ? mW : 0;
    for (let i = 0; i < seconds; i++) {
      rig.settle(1000);
      // With the contacts open the load draws nothing.
      power.mW = rig.relay.closed ? mW : 0;
    }
  };
  return { rig, limiter, power, run };
}

describe("limiter (class 71)", () => {
  test("threshold change logs 67; exceeding for less than the minimum does nothing", () => {
    const { rig, run } = setup();
    expect(rig.codes()).toEqual([67]);
    run(25, 4_000_000);
    run(10, 1_000_000);
    run(25, 4_000_000);
    expect(rig.disconnector.controlState).toBe(1);
    expect(rig.relay.closed).toBe(true);
    expect(rig.codes()).toEqual([67]);
  });

  test("exactly at the threshold is not over it", () => {
    const { rig, run } = setup();
    run(120, 3_000_000);
    expect(rig.disconnector.controlState).toBe(1);
  });

  test("over for the minimum duration: 65 and local disconnect (g); mode 1 then waits for the button", () => {
    const { rig, limiter, run } = setup(1);
    run(29, 4_000_000);
    expect(rig.disconnector.controlState).toBe(1);
    run(2, 4_000_000);
    expect(rig.disconnector.controlState).toBe(2);
    expect(rig.relay.closed).toBe(false);
    expect(rig.codes()).toEqual([67, 65, 64, 59]);
    // Load gone (relay open): after the under-duration 66 is logged, but mode 1 refuses h.
    run(70, 4_000_000);
    expect(limiter.over).toBe(false);
    expect(rig.codes()).toEqual([67, 65, 64, 59, 66]);
    expect(rig.disconnector.controlState).toBe(2);
    expect(rig.relay.closed).toBe(false);
    expect(rig.disconnector.manualReconnect().transition).toBe("e");
    run(1, 1_000_000);
    expect(rig.relay.closed).toBe(true);
  });

  test("mode 5: local reconnect (h) once under the threshold for the minimum duration", () => {
    const { rig, run } = setup(5);
    run(31, 5_000_000);
    expect(rig.disconnector.controlState).toBe(2);
    const at = rig.codes().length;
    run(59, 5_000_000);
    expect(rig.disconnector.controlState).toBe(2);
    run(2, 1_000_000);
    expect(rig.disconnector.controlState).toBe(1);
    expect(rig.relay.closed).toBe(true);
    expect(rig.codes().slice(at)).toEqual([66, 69]);
  });

  test("a manual reconnect with the load still too high re-arms: trips again after the full over-duration", () => {
    const { rig, run } = setup(1);
    run(31, 4_000_000);
    expect(rig.disconnector.controlState).toBe(2);
    rig.disconnector.manualReconnect();
    run(29, 4_000_000);
    expect(rig.disconnector.controlState).toBe(1);
    run(2, 4_000_000);
    expect(rig.disconnector.controlState).toBe(2);
    expect(rig.codes().filter((c) => c === 65)).toHaveLength(2);
  });

  test("emergency threshold applies only inside the emergency profile's window and only for a listed group", () => {
    const { rig, limiter, run } = setup(5);
    const activation = START_UTC + 10 * 60_000;
    expect(limiter.configure({
      thresholdEmergency: 1_500_000,
      emergencyProfile: { id: 7, activationUtcMs: activation, durationS: 600 },
      emergencyProfileGroupIds: [3, 7],
    }).ok).toBe(true);
    // Before the window: 2 kW is under the normal 3 kW.
    expect(limiter.thresholdActive(activation - 1)).toBe(3_000_000);
    expect(limiter.thresholdActive(activation)).toBe(1_500_000);
    expect(limiter.thresholdActive(activation + 599_999)).toBe(1_500_000);
    expect(limiter.thresholdActive(activation + 600_000)).toBe(3_000_000);
    const now = rig.clock.wallClockMs();
    run(Math.floor((activation - now) / 1000) - 1, 2_000_000);
    expect(rig.disconnector.controlState).toBe(1);
    expect(limiter.emergencyProfileActive()).toBe(false);
    run(40, 2_000_000);
    expect(limiter.emergencyProfileActive()).toBe(true);
    expect(rig.disconnector.controlState).toBe(2);
    // After the window the same load is fine: mode 5 reconnects and stays connected.
    // Inside the window mode 5 cycles (reconnect after 60 s under, trip after 30 s over) until it ends.
    run(700, 2_000_000);
    expect(limiter.emergencyProfileActive()).toBe(false);
    expect(rig.disconnector.controlState).toBe(1);
    run(120, 2_000_000);
    expect(rig.disconnector.controlState).toBe(1);
    // Profile id not in the group list: never active.
    expect(limiter.configure({ emergencyProfileGroupIds: [3] }).ok).toBe(true);
    expect(limiter.emergencyProfileActive(activation + 1000)).toBe(false);
  });

  test("evaluate(utcMs) judges the emergency profile at the tick's time; with no threshold set it reads no clock", () => {
    const rig = new RelayRig("latching");
    rig.prepare(1, 1);
    const power = { mW: 2_000_000 };
    const register: RegisterDescriptor = { obis: LIMITER_MONITOR_POWER, name: "P+", unit: "W", scaler: -3, read: () => power.mW };
    let clockReads = 0;
    const clock = Object.create(rig.clock) as typeof rig.clock;
    clock.wallClockMs = () => (clockReads++, rig.clock.wallClockMs());
    const limiter = new Limiter((obis) => (obis === LIMITER_MONITOR_POWER ? register : undefined), rig.disconnector, rig.events, clock);
    // No threshold: nothing to compare with, so no clock read; the value is still taken (attribute 2).
    limiter.evaluate();
    expect(clockReads).toBe(0);
    expect(limiter.lastValue).toBe(2_000_000);
    const activation = START_UTC + 3_600_000;
    expect(limiter.configure({
      thresholdNormal: 3_000_000, thresholdEmergency: 1_500_000, minOverThresholdDurationS: 0, minUnderThresholdDurationS: 0,
      emergencyProfile: { id: 7, activationUtcMs: activation, durationS: 600 }, emergencyProfileGroupIds: [7],
    }).ok).toBe(true);
    // The clock is long before the window; the time passed in is inside it: 2 kW is over 1.5 kW.
    limiter.evaluate(activation + 1000);
    expect(clockReads).toBe(0);
    expect(limiter.over).toBe(true);
    // Without a time the clock is read (before the window: 2 kW is under the normal 3 kW).
    limiter.evaluate();
    expect(clockReads).toBe(1);
    expect(limiter.over).toBe(false);
  });

  test("bad settings are refused with the field named, and change nothing", () => {
    const { rig, limiter } = setup();
    const before = JSON.stringify(limiter.snapshot());
    expect(limiter.configure({ thresholdNormal: 1.5 })).toEqual({ ok: false, reason: "invalid-value", field: "thresholdNormal" });
    expect(limiter.configure({ minOverThresholdDurationS: -1 })).toMatchObject({ ok: false, field: "minOverThresholdDurationS" });
    expect(limiter.configure({ monitoredObis: "1.0.99.99.0.255" })).toMatchObject({ ok: false, reason: "unknown-register" });
    expect(limiter.configure({ emergencyProfileGroupIds: [70000] })).toMatchObject({ ok: false, field: "emergencyProfileGroupIds" });
    expect(limiter.configure({ thresholdNormal: 1000, emergencyProfile: { id: -1, activationUtcMs: 0, durationS: 0 } })).toMatchObject({ ok: false, field: "emergencyProfile" });
    expect(JSON.stringify(limiter.snapshot())).toBe(before);
    expect(rig.codes()).toEqual([67]);
  });

  test("snapshot/restore carries the settings without logging a threshold change", () => {
    const { rig, limiter } = setup();
    const snap = JSON.parse(JSON.stringify(limiter.snapshot()));
    const other = new Limiter(() => ({ obis: LIMITER_MONITOR_POWER, name: "", unit: "W", scaler: -3, read: () => 0 }), rig.disconnector, rig.events, rig.clock);
    expect(other.restore(snap).ok).toBe(true);
    expect(other.settings).toEqual(limiter.settings);
    expect(rig.codes()).toEqual([67]);
  });
});
