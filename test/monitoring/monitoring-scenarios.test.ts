/** Profiles, events, power quality, tamper and pulse inputs end to end: scenario -> emulated chip -> meter -> report. */
import { EVENT } from "../../firmware/kernel/event-codes";
import { ALARM } from "../../firmware/kernel/event-codes";
import { defaultMonitoringConfig } from "../../firmware/monitoring/monitoring-config";
import { buildReport } from "../../host-sim/report";
import type { Simulation } from "../../host-sim/simulation";
import { simulate } from "../system/helpers";

const START_UTC = Date.UTC(2026, 2, 1, 23, 0, 0); // 2026-03-02T00:00 CET
const HOUR = 3_600_000;

function scenario(load: Record<string, unknown>[], events: Record<string, unknown>[] = []): Record<string, unknown> {
  return { start: "2026-03-02T00:00:00", utcOffsetMinutes: 60, dst: "eu", chip: "ade7953", load, events };
}

function log(sim: Simulation, name: "fraud" | "powerQuality" | "standard"): { t: number; code: number }[] {
  const l = sim.meter.events[name];
  return Array.from({ length: l.count }, (_, i) => ({ t: (l.timeAt(i) - START_UTC) / 1000, code: l.codeAt(i) }));
}

const reg = (sim: Simulation, obis: string) => sim.meter.register(obis)!.read();

describe("power quality from the emulated chip's RMS voltage", () => {
  test("a 60 s sag to 200 V, a 2 min swell to 262 V, 30 s without voltage and 49.2 Hz for 5 min: exactly the documented events and counters", () => {
    const sim = simulate(scenario([
      { at: "0s", voltage: 230, current: 2, angle: 0, frequency: 50 },
      { at: "5m", voltage: 200 }, { at: "6m", voltage: 230 },
      { at: "10m", voltage: 262 }, { at: "12m", voltage: 230 },
      { at: "20m", voltage: 0 }, { at: "20m30s", voltage: 230 },
      { at: "30m", frequency: 49.2 }, { at: "35m", frequency: 50 },
    ]));
    sim.runUntil(40 * 60_000);
    const PQ = EVENT.powerQuality;
    expect(log(sim, "powerQuality")).toEqual([
      { t: 300, code: PQ.underVoltage }, { t: 360, code: PQ.voltageNormal },
      { t: 600, code: PQ.overVoltage }, { t: 720, code: PQ.voltageNormal },
      { t: 1200, code: PQ.missingVoltage }, { t: 1230, code: PQ.voltageNormal },
      { t: 1800, code: PQ.frequencyOutOfRange }, { t: 2100, code: PQ.frequencyNormal },
    ]);
    expect(reg(sim, "1.0.32.32.0.255")).toBe(1);
    expect(reg(sim, "1.0.32.33.0.255")).toBe(60_000); // s, scaler -3
    expect(reg(sim, "1.0.32.34.0.255")).toBeGreaterThan(199_990);
    expect(reg(sim, "1.0.32.34.0.255")).toBeLessThan(200_010);
    expect(reg(sim, "1.0.32.36.0.255")).toBe(1);
    expect(reg(sim, "1.0.32.37.0.255")).toBe(120_000);
    expect(Math.abs(reg(sim, "1.0.32.38.0.255") - 262_000)).toBeLessThan(10);
    expect(reg(sim, "1.0.12.31.0.255")).toBe(207_000);
    expect(reg(sim, "1.0.12.43.0.255")).toBe(3000);
    expect(reg(sim, "0.0.96.11.4.255")).toBe(PQ.frequencyNormal);
    const report = buildReport(sim);
    expect(report.powerQuality).toMatchObject({ sag: { count: 1, lastDurationS: 60 }, swell: { count: 1, lastDurationS: 120 }, missingVoltage: { count: 1, lastDurationS: 30 }, frequency: { count: 1, lastDurationS: 300 } });
    // Power quality alone is not a fraud: no alarm.
    expect(sim.meter.events.alarmRegister).toBe(0);
  });
});

describe("tamper scenarios", () => {
  test("cover, terminal cover and magnet events with bounce: fraud log, alarm bit 13, display flag", () => {
    const sim = simulate(scenario([{ at: "0s", voltage: 230, current: 1 }], [
      { at: "1m", type: "cover-open", bounce: 3 }, { at: "2m", type: "cover-close", bounce: 3 },
      { at: "3m", type: "terminal-cover-open" }, { at: "4m", type: "terminal-cover-close" },
      { at: "5m", type: "magnet-on" }, { at: "5m0.5s", type: "magnet-off" },
      { at: "6m", type: "magnet-on" }, { at: "8m", type: "magnet-off" },
    ]));
    expect(sim.meter.tamper.tamperFlag).toBe(false);
    sim.runUntil(10 * 60_000);
    const F = EVENT.fraud;
    expect(log(sim, "fraud")).toEqual([
      { t: 60.006, code: F.meterCoverRemoved }, { t: 120.006, code: F.meterCoverClosed },
      { t: 180, code: F.terminalCoverRemoved }, { t: 240, code: F.terminalCoverClosed },
      { t: 360, code: F.magneticFieldDetected }, { t: 480, code: F.magneticFieldGone },
    ]);
    expect(sim.meter.events.isAlarmSet(ALARM.fraudAttempt)).toBe(true);
    expect(reg(sim, "0.0.97.98.0.255")).toBe(2 ** ALARM.fraudAttempt);
    expect(sim.meter.tamper.tamperFlag).toBe(true);
    expect(sim.meter.tamper.tamperActive).toBe(false);
    expect(buildReport(sim).alarms).toEqual({ register: 8192, filter: 0xffffffff, set: ["fraudAttempt"] });
  });

  test("bill the larger: 10 min with the neutral at 10 A and the phase at 5 A bills the neutral after the 10 s threshold", () => {
    const load = (neutral: number) => scenario([
      { at: "0s", voltage: 230, current: 5, angle: 0 },
      { at: "10m", current: 5, neutralCurrent: neutral }, { at: "20m", current: 5, neutralCurrent: 5 },
    ]);
    const tampered = simulate(load(10));
    const honest = simulate(load(5));
    tampered.runUntil(30 * 60_000);
    honest.runUntil(30 * 60_000);
    // Phase 1150 W all along; neutral 2300 W from 600 s to 1200 s. Ticks at 601..609 s and at
    // 1200 s bill the phase (not yet confirmed / already ended), 610..1199 s the neutral.
    const expectedWh = (1150 * 1200 + 1150 * 10 + 2300 * 590) / 3600;
    expect(reg(honest, "1.0.1.8.0.255") / 1000).toBeCloseTo(1150 * 1800 / 3600, 1);
    expect(Math.abs(reg(tampered, "1.0.1.8.0.255") / 1000 - expectedWh)).toBeLessThan(0.01);
    expect(log(tampered, "fraud")).toEqual([{ t: 600, code: EVENT.fraud.currentMismatchStart }, { t: 1200, code: EVENT.fraud.currentMismatchEnd }]);
    expect(log(honest, "fraud")).toEqual([]);
    // Sum of rates still equals the total with the billed energy.
    const rates = [1, 2, 3, 4].reduce((s, r) => s + reg(tampered, `1.0.1.8.${r}.255`), 0);
    expect(rates).toBe(reg(tampered, "1.0.1.8.0.255"));
  });

  test("reverse energy on an import-only meter logs 230/231; a bidirectional meter does not", () => {
    const load = scenario([{ at: "0s", voltage: 230, current: 4, angle: 0 }, { at: "5m", angle: 180 }, { at: "10m", angle: 0 }]);
    const importOnly = simulate(load, { config: { monitoring: { ...defaultMonitoringConfig(), importOnly: true } } });
    const bidirectional = simulate(load);
    importOnly.runUntil(15 * 60_000);
    bidirectional.runUntil(15 * 60_000);
    expect(log(importOnly, "fraud")).toEqual([{ t: 300, code: EVENT.fraud.reverseEnergyStart }, { t: 600, code: EVENT.fraud.reverseEnergyEnd }]);
    expect(importOnly.meter.tamper.tamperFlag).toBe(true);
    expect(log(bidirectional, "fraud")).toEqual([]);
  });
});

describe("profiles and sub-meters in the report", () => {
  test("across midnight with gas and water pulses: load rows every 15 min, a daily row with the volumes, exact pulse counts", () => {
    const sim = simulate({ ...scenario([{ at: "0s", voltage: 230, current: 3, angle: 0 }], [
      { at: "10m", type: "gas-pulses", count: 600, rate: 10, bounce: 3 },
      { at: "20m", type: "water-pulses", count: 250, rate: 2 },
    ]), start: "2026-03-02T23:00:00" });
    const midnight = Date.UTC(2026, 2, 2, 23, 0, 0);
    sim.runUntil(2 * HOUR); // the tick at 01:00 local captures its row
    expect(sim.meter.gas.pulses).toBe(600);
    expect(sim.meter.water.pulses).toBe(250);
    expect(reg(sim, "7.0.3.0.0.255")).toBe(6_000_000); // mL: 6 m3
    expect(reg(sim, "8.0.1.0.0.255")).toBe(250_000);
    const report = buildReport(sim);
    const profiles = report.profiles as Record<string, Record<string, number | string>[]>;
    const load = profiles["1.0.99.1.0.255"];
    expect(load.map((r) => r.time)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((k) => new Date(midnight - HOUR + k * 900_000).toISOString()));
    // 690 W: A+ grows 172.5 Wh (172,500 mWh) per 15 min; the last row holds the register at its boundary.
    for (let k = 1; k < load.length; k++) expect(Math.abs((load[k]["1.0.1.8.0.255"] as number) - (load[k - 1]["1.0.1.8.0.255"] as number) - 172_500)).toBeLessThan(50);
    expect(load[7]["1.0.1.8.0.255"]).toBe(reg(sim, "1.0.1.8.0.255"));
    // Rows are the registers' integers (mWh, mL); the columns say how to scale them.
    for (const row of load) expect(Number.isInteger(row["1.0.1.8.0.255"])).toBe(true);
    const columns = report.profileColumns as Record<string, Record<string, { scaler: number; unit: string }>>;
    expect(columns["1.0.99.1.0.255"]["1.0.1.8.0.255"]).toEqual({ scaler: -3, unit: "Wh" });
    expect(columns["1.0.99.1.0.255"].status).toEqual({ scaler: 0, unit: "" });
    expect(columns["1.0.99.2.0.255"]["7.0.3.0.0.255"]).toEqual({ scaler: -6, unit: "m3" });
    const daily = profiles["1.0.99.2.0.255"];
    expect(daily.map((r) => r.time)).toEqual([new Date(midnight).toISOString()]);
    expect(daily[0]["7.0.3.0.0.255"]).toBe(6_000_000);
    expect(daily[0]["8.0.1.0.0.255"]).toBe(250_000);
    expect(daily[0].status).toBe(0);
    expect(daily[0]["1.0.1.8.0.255"]).toBe(load[3]["1.0.1.8.0.255"]);
    expect(report.subMeters).toEqual({
      gas: { volumeM3: 6, pulses: 600, captureTime: "2026-03-02T22:10:59.906Z" },
      water: { volumeM3: 0.25, pulses: 250, captureTime: "2026-03-02T22:22:04.500Z" },
    });
  });
});
