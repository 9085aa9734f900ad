import { EventLogs } from "../../firmware/records/event-log";
import { POWER_FAILURE_OBIS, PowerFailures } from "../../firmware/monitoring/power-failures";
import { PulseCounter } from "../../firmware/monitoring/pulse-counter";
import { SimInput } from "../../host-sim/board";
import { VirtualClock } from "../../emulation/virtual-clock";

const BASE = Date.UTC(2026, 2, 2, 9, 0, 0);

/** Schedules `count` reed pulses: low for lowMs, period periodMs, each edge followed by `bounce` 1 ms reversals. */
function pulses(clock: VirtualClock, input: SimInput, startMs: number, count: number, periodMs: number, lowMs: number, bounce: number): void {
  const edge = (at: number, level: number) => {
    clock.schedule(() => input.set(level), at - clock.nowMs());
    for (let k = 1; k <= bounce; k++) {
      clock.schedule(() => input.set(1 - level), at + 2 * k - 1 - clock.nowMs());
      clock.schedule(() => input.set(level), at + 2 * k - clock.nowMs());
    }
  };
  for (let i = 0; i < count; i++) {
    edge(startMs + i * periodMs, 0);
    edge(startMs + i * periodMs + lowMs, 1);
  }
}

describe("gas and water pulse inputs", () => {
  test("10 pulses/s for 60 s with 3 bounces per edge: all 600 counted, bounces rejected, volume exact", () => {
    const clock = new VirtualClock(BASE);
    const input = new SimInput(1);
    const gas = new PulseCounter("7.0.3.0.0.255", input, clock, 20, 10_000);
    pulses(clock, input, 1000, 600, 100, 50, 3);
    clock.runUntil(70_000);
    expect(gas.pulses).toBe(600);
    expect(gas.edges).toBe(600 * 2 * 7);
    expect(gas.volumeMilliLitres).toBe(6_000_000); // 6 m3 at 10 L per pulse
    // Capture time: the last bounce edge of the last pulse's closing (1000 + 599 * 100 + 6 ms).
    expect(gas.captureUtcMs).toBe(BASE + 1000 + 59_900 + 6);
  });

  test("short contacts at the 10/s limit (25 ms closed, 75 ms open) still count", () => {
    const clock = new VirtualClock(BASE);
    const input = new SimInput(1);
    const water = new PulseCounter("8.0.1.0.0.255", input, clock, 20, 1000);
    pulses(clock, input, 0, 100, 100, 25, 0);
    clock.runUntil(20_000);
    expect(water.pulses).toBe(100);
    expect(water.volumeMilliLitres).toBe(100_000);
  });

  test("glitches shorter than the 20 ms debounce are not pulses", () => {
    const clock = new VirtualClock(BASE);
    const input = new SimInput(1);
    const water = new PulseCounter("8.0.1.0.0.255", input, clock, 20, 1000);
    pulses(clock, input, 0, 50, 200, 15, 0); // 15 ms low
    pulses(clock, input, 20_000, 50, 200, 1, 5); // a burst of bounces only
    clock.runUntil(40_000);
    expect(water.pulses).toBe(0);
    expect(water.captureUtcMs).toBe(0);
  });

  test("a board without the input keeps volume 0; millilitres per pulse must be a positive integer", () => {
    const clock = new VirtualClock(BASE);
    expect(new PulseCounter("7.0.3.0.0.255", undefined, clock, 20, 10_000).volumeMilliLitres).toBe(0);
    expect(() => new PulseCounter("7.0.3.0.0.255", new SimInput(1), clock, 20, 2.5)).toThrow(RangeError);
  });

  test("snapshot and restore carry the count and capture time", () => {
    const clock = new VirtualClock(BASE);
    const input = new SimInput(1);
    const gas = new PulseCounter("7.0.3.0.0.255", input, clock, 20, 10_000);
    pulses(clock, input, 0, 3, 100, 50, 0);
    clock.runUntil(1000);
    const other = new PulseCounter("7.0.3.0.0.255", new SimInput(1), clock, 20, 10_000);
    other.restore(gas.snapshot());
    expect([other.pulses, other.captureUtcMs]).toEqual([3, BASE + 200]);
  });
});

describe("power failures", () => {
  test("counts all and long (> 180 s) failures, keeps the last duration and a log with start and duration", () => {
    const pf = new PowerFailures();
    pf.recordPowerFailure(BASE, 60_000);
    pf.recordPowerFailure(BASE + 3_600_000, 180_000); // exactly the threshold: not long
    pf.recordPowerFailure(BASE + 7_200_000, 181_000);
    expect([pf.count, pf.longCount, pf.lastDurationMs, pf.totalDurationMs]).toEqual([3, 1, 181_000, 421_000]);
    const log = pf.log;
    expect(log.obis).toBe(POWER_FAILURE_OBIS.log);
    const row = new Float64Array(2);
    log.readEntry(2, row);
    expect(Array.from(row)).toEqual([BASE + 7_200_000, 181_000]);
    pf.setLongThreshold(30);
    pf.recordPowerFailure(BASE + 9_000_000, 31_000);
    expect(pf.longCount).toBe(2);
    expect(() => pf.setLongThreshold(-1)).toThrow(RangeError);
    expect(() => pf.recordPowerFailure(BASE, -5)).toThrow(RangeError);
    expect(pf.count).toBe(4);
  });

  test("the log keeps 100 failures, oldest overwritten", () => {
    const pf = new PowerFailures();
    for (let i = 0; i < 130; i++) pf.recordPowerFailure(BASE + i * 1000, i);
    expect(pf.log.entriesInUse()).toBe(100);
    const row = new Float64Array(2);
    pf.log.readEntry(0, row);
    expect(Array.from(row)).toEqual([BASE + 30_000, 30]);
    expect(pf.count).toBe(130);
  });
});

describe("event logs", () => {
  test("each log keeps 100 entries, circular; last event code follows; snapshot round-trips", () => {
    let now = BASE;
    const events = new EventLogs(() => now);
    for (let i = 0; i < 150; i++) {
      now = BASE + i;
      events.record("powerQuality", 76 + (i % 10));
    }
    const log = events.powerQuality;
    expect(log.count).toBe(100);
    expect(log.total).toBe(150);
    expect([log.timeAt(0), log.codeAt(0)]).toEqual([BASE + 50, 76]);
    expect(log.lastCode).toBe(76 + 9);
    expect(log.firstIndexAtOrAfter(BASE + 120)).toBe(70);
    const copy = new EventLogs(() => now);
    copy.powerQuality.restore(log.snapshot());
    expect([copy.powerQuality.count, copy.powerQuality.timeAt(99), copy.powerQuality.codeAt(99), copy.powerQuality.lastCode]).toEqual([100, BASE + 149, 85, 85]);
  });

  test("alarm register: raise, filter, clear", () => {
    const events = new EventLogs(() => BASE);
    const pushed: number[] = [];
    events.addAlarmListener((bit) => pushed.push(bit));
    events.alarmFilter = 2 ** 13;
    events.raiseAlarm(0);
    events.raiseAlarm(13);
    events.raiseAlarm(13);
    expect(events.alarmRegister).toBe(1 + 8192);
    expect(pushed).toEqual([13]);
    events.clearAlarms(8192);
    expect(events.alarmRegister).toBe(1);
    expect(events.isAlarmSet(13)).toBe(false);
  });
});
