import { EVENT } from "../../firmware/kernel/event-codes";
import { EventLogs } from "../../firmware/records/event-log";
import { defaultMonitoringConfig } from "../../firmware/monitoring/monitoring-config";
import { PowerQuality, VOLTAGE_BAND } from "../../firmware/monitoring/power-quality";

const BASE = Date.UTC(2026, 2, 2, 9, 0, 0);
const PQ = EVENT.powerQuality;

/** Feeds one sample per second: `volts[i]` (V) and `hz[i]` (default 50 Hz) at t = i s. */
function run(volts: number[], hz: number[] = [], configure?: (pq: PowerQuality) => void) {
  let now = BASE;
  const events = new EventLogs(() => now);
  const pq = new PowerQuality(events, defaultMonitoringConfig());
  configure?.(pq);
  volts.forEach((v, i) => {
    now = BASE + i * 1000;
    pq.update(Math.round(v * 1000), Math.round((hz[i] ?? 50) * 1000), i * 1000, now);
  });
  const log = events.powerQuality;
  const entries = Array.from({ length: log.count }, (_, i) => ({ t: (log.timeAt(i) - BASE) / 1000, code: log.codeAt(i) }));
  return { pq, entries, events };
}

const seq = (...parts: [number, number][]) => parts.flatMap(([v, n]) => Array<number>(n).fill(v));

describe("power quality: voltage sag, swell, missing voltage", () => {
  test("defaults: thresholds 90 %, 110 %, 50 % of 230 V, 3 s each", () => {
    const { pq } = run([]);
    expect([pq.sagLevelMilliV, pq.swellLevelMilliV, pq.missingLevelMilliV]).toEqual([207_000, 253_000, 115_000]);
    expect(Array.from(pq.timeThresholdMs)).toEqual([0, 3000, 3000, 3000]);
  });

  test("a 10 s sag to 200 V (lowest 195 V) logs 76 at its start and 85 at its end, with count, duration and magnitude", () => {
    const volts = [...seq([230, 10]), 200, 198, 195, 201, 200, 200, 199, 200, 200, 200, ...seq([230, 5])];
    const { pq, entries } = run(volts);
    expect(entries).toEqual([{ t: 10, code: PQ.underVoltage }, { t: 20, code: PQ.voltageNormal }]);
    expect(pq.counts[VOLTAGE_BAND.sag]).toBe(1);
    expect(pq.lastDurationMs[VOLTAGE_BAND.sag]).toBe(10_000);
    expect(pq.totalDurationMs[VOLTAGE_BAND.sag]).toBe(10_000);
    expect(pq.lastMagnitudeMilliV[VOLTAGE_BAND.sag]).toBe(195_000);
    expect(pq.counts[VOLTAGE_BAND.swell] + pq.counts[VOLTAGE_BAND.missing]).toBe(0);
  });

  test("the time threshold: 3 samples below (2 s elapsed) is no sag, 4 samples (3 s) is one", () => {
    expect(run(seq([230, 5], [206.9, 3], [230, 5])).entries).toEqual([]);
    const { entries, pq } = run(seq([230, 5], [206.9, 4], [230, 5]));
    expect(entries).toEqual([{ t: 5, code: PQ.underVoltage }, { t: 9, code: PQ.voltageNormal }]);
    expect(pq.lastDurationMs[VOLTAGE_BAND.sag]).toBe(4000);
  });

  test("exactly at a level is normal: 207 V and 253 V start nothing", () => {
    expect(run(seq([207, 20], [253, 20])).entries).toEqual([]);
  });

  test("a swell to 262 V for 6 s logs 79 and 85; magnitude is the highest voltage", () => {
    const { pq, entries } = run(seq([230, 3], [258, 2], [262, 2], [255, 2], [230, 3]));
    expect(entries).toEqual([{ t: 3, code: PQ.overVoltage }, { t: 9, code: PQ.voltageNormal }]);
    expect(pq.counts[VOLTAGE_BAND.swell]).toBe(1);
    expect(pq.lastDurationMs[VOLTAGE_BAND.swell]).toBe(6000);
    expect(pq.lastMagnitudeMilliV[VOLTAGE_BAND.swell]).toBe(262_000);
  });

  test("missing voltage (0 V for 30 s) logs 82 and 85, not a sag; frequency is not judged without voltage", () => {
    const volts = seq([230, 5], [0, 30], [230, 5]);
    const hz = seq([50, 5], [0, 30], [50, 5]);
    const { pq, entries } = run(volts, hz);
    expect(entries).toEqual([{ t: 5, code: PQ.missingVoltage }, { t: 35, code: PQ.voltageNormal }]);
    expect(pq.counts[VOLTAGE_BAND.missing]).toBe(1);
    expect(pq.lastDurationMs[VOLTAGE_BAND.missing]).toBe(30_000);
    expect(pq.lastMagnitudeMilliV[VOLTAGE_BAND.missing]).toBe(0);
    expect(pq.counts[VOLTAGE_BAND.sag]).toBe(0);
    expect(pq.frequencyCount).toBe(0);
  });

  test("a sag deepening into missing voltage: 76, then 82 (no 85 between), then 85; each with its own duration and magnitude", () => {
    const { pq, entries } = run(seq([230, 2], [200, 10], [50, 10], [230, 2]));
    expect(entries).toEqual([{ t: 2, code: PQ.underVoltage }, { t: 12, code: PQ.missingVoltage }, { t: 22, code: PQ.voltageNormal }]);
    expect(pq.lastDurationMs[VOLTAGE_BAND.sag]).toBe(10_000);
    expect(pq.lastMagnitudeMilliV[VOLTAGE_BAND.sag]).toBe(200_000);
    expect(pq.lastDurationMs[VOLTAGE_BAND.missing]).toBe(10_000);
    expect(pq.lastMagnitudeMilliV[VOLTAGE_BAND.missing]).toBe(50_000);
  });

  test("a dip into missing voltage shorter than its threshold stays part of the sag and sets its magnitude", () => {
    const { pq, entries } = run(seq([230, 2], [200, 5], [80, 2], [200, 5], [230, 2]));
    expect(entries).toEqual([{ t: 2, code: PQ.underVoltage }, { t: 14, code: PQ.voltageNormal }]);
    expect(pq.counts[VOLTAGE_BAND.missing]).toBe(0);
    expect(pq.lastDurationMs[VOLTAGE_BAND.sag]).toBe(12_000);
    expect(pq.lastMagnitudeMilliV[VOLTAGE_BAND.sag]).toBe(80_000);
  });

  test("two sags count twice; duration register holds the last, total the sum", () => {
    const { pq, entries } = run(seq([230, 2], [200, 5], [230, 3], [190, 8], [230, 2]));
    expect(entries.map((e) => e.code)).toEqual([76, 85, 76, 85]);
    expect(pq.counts[VOLTAGE_BAND.sag]).toBe(2);
    expect(pq.lastDurationMs[VOLTAGE_BAND.sag]).toBe(8000);
    expect(pq.totalDurationMs[VOLTAGE_BAND.sag]).toBe(13_000);
    expect(pq.lastMagnitudeMilliV[VOLTAGE_BAND.sag]).toBe(190_000);
  });

  test("thresholds written over DLMS take effect; bad ones are refused", () => {
    const { entries } = run(seq([230, 2], [215, 5], [230, 2]), [], (pq) => {
      pq.setLevels(220_000, 250_000, 100_000);
      pq.setTimeThresholds(1, 1, 1);
    });
    expect(entries).toEqual([{ t: 2, code: PQ.underVoltage }, { t: 7, code: PQ.voltageNormal }]);
    const { pq } = run([]);
    expect(() => pq.setLevels(200_000, 190_000, 100_000)).toThrow(RangeError);
    expect(() => pq.setTimeThresholds(-1, 1, 1)).toThrow(RangeError);
    expect(pq.sagLevelMilliV).toBe(207_000);
  });
});

describe("power quality: frequency", () => {
  test("49.2 Hz for 10 s logs 236 at its start and 237 at its end, with count, duration and extreme", () => {
    const hz = [...seq([50, 3], [49.4, 2], [49.2, 3], [49.3, 5]), ...seq([50, 3])];
    const volts = seq([230, hz.length]);
    const { pq, entries } = run(volts, hz);
    expect(entries).toEqual([{ t: 3, code: PQ.frequencyOutOfRange }, { t: 13, code: PQ.frequencyNormal }]);
    expect(pq.frequencyCount).toBe(1);
    expect(pq.frequencyLastDurationMs).toBe(10_000);
    expect(pq.frequencyLastExtremeMilliHz).toBe(49_200);
  });

  test("the window edges are inside; 2 s outside is below the 3 s threshold", () => {
    expect(run(seq([230, 20]), [...seq([49.5, 10], [50.5, 10])]).entries).toEqual([]);
    expect(run(seq([230, 6]), [...seq([50, 2], [50.6, 3], [50, 1])]).entries).toEqual([]);
    const { entries, pq } = run(seq([230, 8]), [...seq([50, 2], [50.6, 4], [50, 2])]);
    expect(entries.map((e) => e.code)).toEqual([236, 237]);
    expect(pq.frequencyLastExtremeMilliHz).toBe(50_600);
  });
});
