import { newMeteringSample, type MeteringSample } from "../../firmware/kernel/metering-ic";
import { EVENT } from "../../firmware/kernel/event-codes";
import { ALARM } from "../../firmware/kernel/event-codes";
import { EventLogs } from "../../firmware/records/event-log";
import { defaultMonitoringConfig, type MonitoringConfig } from "../../firmware/monitoring/monitoring-config";
import { METERING_LINE, meteringLineOf, TamperDetector } from "../../firmware/monitoring/tamper";
import { createSimInputs } from "../../host-sim/board";
import { VirtualClock } from "../../emulation/virtual-clock";

const BASE = Date.UTC(2026, 2, 2, 9, 0, 0);
const F = EVENT.fraud;

function rig(overrides: Partial<MonitoringConfig> = {}) {
  const clock = new VirtualClock(BASE);
  const events = new EventLogs(() => clock.wallClockMs());
  const inputs = createSimInputs();
  const tamper = new TamperDetector(events, clock, inputs, { ...defaultMonitoringConfig(), ...overrides });
  const fraud = () => Array.from({ length: events.fraud.count }, (_, i) => ({ t: events.fraud.timeAt(i) - BASE, code: events.fraud.codeAt(i) }));
  return { clock, events, inputs, tamper, fraud };
}

/** Runs `seconds` ticks; `fill(t, sample)` sets the sample of tick t (1-based). Returns the billed LSB sum. */
function ticks(r: ReturnType<typeof rig>, seconds: number, fill: (t: number, s: MeteringSample) => void, line = -1): number {
  const s = newMeteringSample();
  let billed = 0;
  for (let i = 0; i < seconds; i++) {
    r.clock.runUntil(r.clock.nowMs() + 1000);
    fill(Math.round(r.clock.nowMs() / 1000), s);
    r.tamper.update(s, r.clock.nowMs(), r.clock.wallClockMs(), line);
    billed += r.tamper.billedActiveEnergyLsb(s);
  }
  return billed;
}

describe("tamper: cover and magnet inputs", () => {
  test("meter cover removed with contact bounce logs 44 once at the settled edge, sets alarm 13 and the display flag; closing logs 45", () => {
    const r = rig();
    r.clock.runUntil(5000);
    r.inputs.meterCover.set(0);
    r.clock.runUntil(5001);
    r.inputs.meterCover.set(1);
    r.clock.runUntil(5002);
    r.inputs.meterCover.set(0);
    r.clock.runUntil(6000);
    expect(r.fraud()).toEqual([{ t: 5002, code: F.meterCoverRemoved }]);
    expect(r.events.isAlarmSet(ALARM.fraudAttempt)).toBe(true);
    expect(r.tamper.tamperFlag).toBe(true);
    expect(r.tamper.meterCoverOpen).toBe(true);
    r.inputs.meterCover.set(1);
    r.clock.runUntil(10_000);
    expect(r.fraud()).toEqual([{ t: 5002, code: F.meterCoverRemoved }, { t: 6000, code: F.meterCoverClosed }]);
    expect(r.tamper.tamperActive).toBe(false);
    // The display flag and the fraud log outlive the condition.
    expect(r.tamper.tamperFlag).toBe(true);
    expect(r.events.fraud.lastCode).toBe(F.meterCoverClosed);
  });

  test("terminal cover: 40 and 41; a 50 ms glitch (below the 100 ms debounce) logs nothing", () => {
    const r = rig();
    r.inputs.terminalCover.set(0);
    r.clock.runUntil(50);
    r.inputs.terminalCover.set(1);
    r.clock.runUntil(2000);
    expect(r.fraud()).toEqual([]);
    expect(r.tamper.tamperFlag).toBe(false);
    expect(r.events.alarmRegister).toBe(0);
    r.inputs.terminalCover.set(0);
    r.clock.runUntil(3000);
    r.inputs.terminalCover.set(1);
    r.clock.runUntil(4000);
    expect(r.fraud()).toEqual([{ t: 2000, code: F.terminalCoverRemoved }, { t: 3000, code: F.terminalCoverClosed }]);
  });

  test("magnet: a 900 ms field is ignored (1 s debounce), a 5 s field logs 42 and 43", () => {
    const r = rig();
    r.inputs.magnet.set(0);
    r.clock.runUntil(900);
    r.inputs.magnet.set(1);
    r.clock.runUntil(3000);
    expect(r.fraud()).toEqual([]);
    r.inputs.magnet.set(0);
    r.clock.runUntil(8000);
    expect(r.tamper.magnetPresent).toBe(true);
    r.inputs.magnet.set(1);
    r.clock.runUntil(10_000);
    expect(r.fraud()).toEqual([{ t: 3000, code: F.magneticFieldDetected }, { t: 8000, code: F.magneticFieldGone }]);
    expect(r.tamper.tamperEvents).toBe(1);
  });

  test("restore after a reset logs a cover lifted while the meter was off", () => {
    const r = rig();
    const saved = r.tamper.snapshot();
    const r2 = rig();
    r2.inputs.meterCover.set(0); // lifted before the detector's inputs were debounced: no edge seen yet
    const fresh = new TamperDetector(r2.events, r2.clock, r2.inputs, defaultMonitoringConfig());
    fresh.restore(saved, BASE + 7000);
    expect(r2.events.fraud.codeAt(r2.events.fraud.count - 1)).toBe(F.meterCoverRemoved);
    expect(fresh.tamperFlag).toBe(true);
  });
});

describe("tamper: reverse energy and phase/neutral mismatch", () => {
  test("import-only meter: export above 10 W for longer than 10 s logs 230 at its start and 231 at its end", () => {
    const r = rig({ importOnly: true });
    ticks(r, 40, (t, s) => {
      s.activePowerMilliW = t >= 5 && t < 25 ? -500_000 : 500_000;
    });
    expect(r.fraud()).toEqual([{ t: 5000, code: F.reverseEnergyStart }, { t: 25_000, code: F.reverseEnergyEnd }]);
    expect(r.events.isAlarmSet(ALARM.fraudAttempt)).toBe(true);
    expect(r.tamper.tamperFlag).toBe(true);
  });

  test("reverse flow shorter than the threshold, below 10 W, or on a bidirectional meter is not a tamper", () => {
    const short = rig({ importOnly: true });
    ticks(short, 30, (t, s) => { s.activePowerMilliW = t >= 5 && t < 15 ? -500_000 : 0; });
    const creep = rig({ importOnly: true });
    ticks(creep, 30, (_t, s) => { s.activePowerMilliW = -10_000; });
    const bidirectional = rig();
    ticks(bidirectional, 30, (_t, s) => { s.activePowerMilliW = -500_000; });
    expect([short.fraud(), creep.fraud(), bidirectional.fraud()]).toEqual([[], [], []]);
  });

  test("bill the larger: neutral 10 A vs phase 5 A for 20 s; after the 10 s threshold the neutral channel is billed, exactly", () => {
    const r = rig();
    const billed = ticks(r, 40, (t, s) => {
      const tamper = t >= 1 && t <= 30;
      s.currentMilliA = 5000;
      s.neutralCurrentMilliA = tamper ? 10_000 : 5000;
      s.activeEnergyLsb = 100;
      s.neutralActiveEnergyLsb = tamper ? 200 : 100;
    });
    // t = 1..10: not yet confirmed (phase 100 each); t = 11..30: neutral 200; t = 31..40: phase 100.
    expect(billed).toBe(10 * 100 + 20 * 200 + 10 * 100);
    expect(r.fraud()).toEqual([{ t: 1000, code: F.currentMismatchStart }, { t: 31_000, code: F.currentMismatchEnd }]);
    expect(r.tamper.tamperFlag).toBe(true);
  });

  test("bill the larger keeps the sign: exporting through a bypassed phase bills the neutral's export", () => {
    const r = rig({ mismatchTimeS: 0 });
    const billed = ticks(r, 5, (_t, s) => {
      s.currentMilliA = 1000;
      s.neutralCurrentMilliA = 8000;
      s.activeEnergyLsb = -30;
      s.neutralActiveEnergyLsb = -240;
    });
    expect(billed).toBe(-1200);
  });

  test("the phase channel is billed when it is the larger one", () => {
    const r = rig({ mismatchTimeS: 0 });
    expect(ticks(r, 3, (_t, s) => {
      s.currentMilliA = 9000;
      s.neutralCurrentMilliA = 1000;
      s.activeEnergyLsb = 90;
      s.neutralActiveEnergyLsb = 10;
    })).toBe(270);
    expect(r.tamper.mismatch.active).toBe(true);
  });

  test("mismatch thresholds: the difference must exceed both 0.5 A and 12.5 % of the larger current", () => {
    const mismatchAfter = (phase: number, neutral: number) => {
      const r = rig({ mismatchTimeS: 0 });
      ticks(r, 2, (_t, s) => { s.currentMilliA = phase; s.neutralCurrentMilliA = neutral; });
      return r.tamper.mismatch.active;
    };
    expect(mismatchAfter(1000, 1500)).toBe(false); // 0.5 A exactly
    expect(mismatchAfter(1000, 1501)).toBe(true);
    expect(mismatchAfter(4000, 4571)).toBe(false); // 571 mA < 12.5 % of 4571 (571.4)
    expect(mismatchAfter(4000, 4572)).toBe(true); // 572 mA > 571.5
    expect(mismatchAfter(40_000, 35_500)).toBe(false); // 4.5 A < 5 A
  });

  test("ATM90E26 switching its metering line: 234 to neutral (a tamper), 235 back to phase", () => {
    const r = rig();
    const s = newMeteringSample();
    expect(meteringLineOf(s, "ade7953")).toBe(-1);
    Object.assign(s, { flags: 64 }); // SAMPLE_FLAG_NEUTRAL_METERED
    expect(meteringLineOf(s, "atm90e26")).toBe(METERING_LINE.neutral);
    ticks(r, 10, () => undefined, METERING_LINE.phase);
    ticks(r, 10, () => undefined, METERING_LINE.neutral);
    ticks(r, 10, () => undefined, METERING_LINE.phase);
    expect(r.fraud()).toEqual([{ t: 11_000, code: F.meteringLineToNeutral }, { t: 21_000, code: F.meteringLineToPhase }]);
    expect(r.events.isAlarmSet(ALARM.fraudAttempt)).toBe(true);
  });
});
