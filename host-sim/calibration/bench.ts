import { defaultMeterConfig, type MeterConfig } from "../../firmware/app/config";
import type { StepMeasurement } from "../../firmware/kernel/calibration";
import { type MeteringChip, type MeteringIc, type MeteringSample, newMeteringSample } from "../../firmware/kernel/metering-ic";
import type { Board, Log } from "../../firmware/hal";
import { createMeteringIc } from "../../firmware/app/meter";
import { SeededRandom, SimSpi } from "../board";
import type { EmulatedMeteringIc } from "../../emulation/faults";
import { type LineConditions, type LineSource } from "../../emulation/line";
import { createChipEmulator, wireMeteringIrq } from "../simulation";
import { VirtualClock } from "../../emulation/virtual-clock";
import type { CalibrationBench } from "./procedure";

/** Reference source of the bench: conditions set from a time on, held until changed. */
export class BenchLine implements LineSource {
  private readonly changes: { atMs: number; c: LineConditions }[] = [{ atMs: 0, c: { voltage: 0, current: 0, angle: 0, frequency: 50, neutralCurrent: 0 } }];

  set(atMs: number, c: LineConditions): void {
    while (this.changes.length > 1 && this.changes[this.changes.length - 1].atMs >= atMs) this.changes.pop();
    this.changes.push({ atMs, c: { ...c } });
  }

  conditionsAt(timeMs: number, out: LineConditions): number {
    let i = this.changes.length - 1;
    while (i > 0 && this.changes[i].atMs > timeMs) i--;
    Object.assign(out, this.changes[i].c);
    return i + 1 < this.changes.length ? this.changes[i + 1].atMs : Infinity;
  }
}

const quietLog: Log = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * The host simulator's calibration bench: an emulated board (the chip's default analog errors),
 * an ideal reference source, and the meter's own driver built from the configuration, sampled
 * once per tick exactly as the meter does.
 */
export class EmulatedBench implements CalibrationBench {
  readonly clock = new VirtualClock(Date.UTC(2026, 0, 1));
  readonly line = new BenchLine();
  readonly chip: EmulatedMeteringIc;
  readonly ic: MeteringIc;
  readonly config: MeterConfig;
  readonly board: Board;
  private readonly sample: MeteringSample = newMeteringSample();
  private conditions: LineConditions = { voltage: 0, current: 0, angle: 0, frequency: 50, neutralCurrent: 0 };

  constructor(chip: MeteringChip, config: Partial<MeterConfig> = {}) {
    this.config = { ...defaultMeterConfig(), ...config, chip };
    this.chip = createChipEmulator(chip, this.line, () => this.clock.nowMs());
    this.board = { clock: this.clock, log: quietLog, random: new SeededRandom(), meteringSpi: new SimSpi(this.chip) } as Board;
    wireMeteringIrq(this.board, this.chip);
    this.ic = createMeteringIc(this.board, this.config).ic;
    const status = this.ic.init();
    if (status !== "ok") throw new Error(`bench: ${chip} init failed: ${status}`);
  }

  setReference(voltageV: number, currentA: number, angleDeg: number, frequencyHz = 50, neutralCurrentA = currentA): void {
    this.conditions = { voltage: voltageV, current: currentA, angle: angleDeg, frequency: frequencyHz, neutralCurrent: neutralCurrentA };
    this.line.set(this.clock.nowMs(), this.conditions);
  }

  /** One tick: advance the clock and sample the IC. */
  tick(): MeteringSample {
    this.clock.runUntil(this.clock.nowMs() + this.config.tickMs);
    this.ic.sample(this.sample);
    return this.sample;
  }

  reinit(): void {
    // The driver writes a changed calibration at its next sample; that sample's energy is dropped.
    this.tick();
  }

  measure(seconds: number): StepMeasurement {
    const ticks = Math.round((seconds * 1000) / this.config.tickMs);
    let active = 0;
    let neutral = 0;
    let reactive = 0;
    let v = 0;
    let i = 0;
    let n = 0;
    for (let k = 0; k < ticks; k++) {
      const s = this.tick();
      active += s.activeEnergyLsb;
      neutral += s.neutralActiveEnergyLsb;
      reactive += s.reactiveEnergyLsb;
      v += s.voltageMilliV;
      i += s.currentMilliA;
      n += s.neutralCurrentMilliA;
    }
    const whPerLsb = this.ic.energyScale.num / this.ic.energyScale.den / 1000;
    const c = this.conditions;
    return {
      referenceVoltageV: c.voltage, referenceCurrentA: c.current, referenceAngleDeg: c.angle, seconds: (ticks * this.config.tickMs) / 1000,
      activeWh: active * whPerLsb, neutralActiveWh: neutral * whPerLsb, reactiveVarh: reactive * whPerLsb,
      voltageV: v / ticks / 1000, currentA: i / ticks / 1000, neutralCurrentA: n / ticks / 1000,
    };
  }
}
