import type { Spi } from "../../hal";
import type { Rational } from "../../metrology/rational";
import type { IcStatus, MeteringIc, MeteringSample } from "../metering-ic";
import {
  ADE7953, type Ade7953Register, CONFIG_COMM_LOCK, IRQ_RESET, LCYCMODE_RSTREAD, PERIOD_CLOCK_HZ,
} from "./registers";

/** Board constants and calibration of an ADE7953 front end (all integers or integer ratios). */
export interface Ade7953Calibration {
  /** VRMS counts per volt. */
  voltageLsbPerVolt: number;
  /** IRMSA counts per ampere. */
  currentLsbPerAmp: number;
  /** IRMSB counts per ampere (neutral channel). */
  neutralCurrentLsbPerAmp: number;
  /** AWATT/AVAR/AVA counts per kW (integer). */
  powerLsbPerKw: number;
  /** Energy register counts -> mWh (also mvarh and mVAh). */
  energyMilliWhPerLsb: Rational;
  /** Chip gain registers, 0x400000 = x1. */
  avGain: number;
  aiGain: number;
  awGain: number;
  avarGain: number;
  avaGain: number;
  biGain: number;
  bwGain: number;
  /** PHCALA as sign-magnitude register value. */
  phcalA: number;
}

/** The reference board of the host simulator and the documented dev board (shared/specs/chips.md A3). */
export const DEFAULT_ADE7953_CALIBRATION: Ade7953Calibration = {
  voltageLsbPerVolt: 26000,
  currentLsbPerAmp: 100000,
  neutralCurrentLsbPerAmp: 100000,
  powerLsbPerKw: 154973,
  energyMilliWhPerLsb: { num: 1_000_000, den: 23_739_295 },
  avGain: 0x400000, aiGain: 0x400000, awGain: 0x400000, avarGain: 0x400000, avaGain: 0x400000,
  biGain: 0x400000, bwGain: 0x400000,
  phcalA: 0,
};

const READ = 0x80;
const WRITE = 0x00;

/**
 * ADE7953 over SPI: frame `[addr hi][addr lo][0x80 read | 0x00 write][data MSB first]`, data width
 * from the register. One preallocated frame per width, so a tick allocates nothing.
 */
export class Ade7953Driver implements MeteringIc {
  readonly chip = "ade7953" as const;
  spiTransactions = 0;
  spiBytes = 0;
  private readonly frames: Record<number, Uint8Array> = {
    8: new Uint8Array(4), 16: new Uint8Array(5), 24: new Uint8Array(6), 32: new Uint8Array(7),
  };

  constructor(private readonly spi: Spi, private readonly calibration: Ade7953Calibration = DEFAULT_ADE7953_CALIBRATION) {}

  get energyScale(): Rational {
    return this.calibration.energyMilliWhPerLsb;
  }

  read(register: Ade7953Register): number {
    const frame = this.frames[register.bits];
    frame[0] = register.address >> 8;
    frame[1] = register.address & 0xff;
    frame[2] = READ;
    frame.fill(0, 3);
    this.spi.transfer(frame);
    this.spi.flush(true);
    this.spiTransactions++;
    this.spiBytes += frame.length;
    let value = 0;
    for (let i = 3; i < frame.length; i++) value = value * 256 + frame[i];
    if (register.signed) {
      // 32-bit reads carry the 24-bit value sign-extended; 24-bit and narrower sign at their top bit.
      const bits = register.bits === 32 ? 32 : register.bits;
      const half = 2 ** (bits - 1);
      if (value >= half) value -= 2 * half;
    }
    return value;
  }

  write(register: Ade7953Register, value: number): void {
    const frame = this.frames[register.bits];
    frame[0] = register.address >> 8;
    frame[1] = register.address & 0xff;
    frame[2] = WRITE;
    let v = value >>> 0;
    for (let i = frame.length - 1; i >= 3; i--) {
      frame[i] = v & 0xff;
      v = Math.floor(v / 256);
    }
    this.spi.write(frame);
    this.spi.flush(true);
    this.spiTransactions++;
    this.spiBytes += frame.length;
  }

  init(): IcStatus {
    const config = this.read(ADE7953.CONFIG);
    if (config === 0 || config === 0xffff) return "not-responding";
    // Clearing COMM_LOCK locks the interface to SPI so the chip stops driving MISO when deselected.
    this.write(ADE7953.CONFIG, config & ~CONFIG_COMM_LOCK & 0xffff);
    // Required for the specified accuracy; lost at every reset (chips.md A1).
    this.write(ADE7953.UNLOCK_120, 0xad);
    this.write(ADE7953.SETUP_120, 0x0030);
    this.write(ADE7953.LCYCMODE, LCYCMODE_RSTREAD);
    const c = this.calibration;
    this.write(ADE7953.AVGAIN, c.avGain);
    this.write(ADE7953.AIGAIN, c.aiGain);
    this.write(ADE7953.AWGAIN, c.awGain);
    this.write(ADE7953.AVARGAIN, c.avarGain);
    this.write(ADE7953.AVAGAIN, c.avaGain);
    this.write(ADE7953.BVGAIN, c.avGain);
    this.write(ADE7953.BIGAIN, c.biGain);
    this.write(ADE7953.BWGAIN, c.bwGain);
    this.write(ADE7953.PHCALA, c.phcalA);
    if (this.read(ADE7953.SETUP_120) !== 0x0030 || (this.read(ADE7953.CONFIG) & CONFIG_COMM_LOCK) !== 0) {
      return "verify-failed";
    }
    // Acknowledge the power-up RESET interrupt and discard what accumulated before configuration.
    this.read(ADE7953.RSTIRQSTATA);
    this.read(ADE7953.AENERGYA);
    this.read(ADE7953.RENERGYA);
    this.read(ADE7953.APENERGYA);
    this.read(ADE7953.AENERGYB);
    return "ok";
  }

  sample(s: MeteringSample): IcStatus {
    const c = this.calibration;
    s.activeEnergyLsb = this.read(ADE7953.AENERGYA);
    s.reactiveEnergyLsb = this.read(ADE7953.RENERGYA);
    s.apparentEnergyLsb = this.read(ADE7953.APENERGYA);
    s.neutralActiveEnergyLsb = this.read(ADE7953.AENERGYB);
    s.energyDeferred = false;
    s.voltageMilliV = Math.round(this.read(ADE7953.VRMS) * 1000 / c.voltageLsbPerVolt);
    s.currentMilliA = Math.round(this.read(ADE7953.IRMSA) * 1000 / c.currentLsbPerAmp);
    s.neutralCurrentMilliA = Math.round(this.read(ADE7953.IRMSB) * 1000 / c.neutralCurrentLsbPerAmp);
    s.activePowerMilliW = Math.round(this.read(ADE7953.AWATT) * 1_000_000 / c.powerLsbPerKw);
    s.reactivePowerMilliVar = Math.round(this.read(ADE7953.AVAR) * 1_000_000 / c.powerLsbPerKw);
    s.apparentPowerMilliVA = Math.round(this.read(ADE7953.AVA) * 1_000_000 / c.powerLsbPerKw);
    s.powerFactorMilli = Math.round(this.read(ADE7953.PFA) * 1000 / 0x8000);
    const period = this.read(ADE7953.PERIOD);
    s.frequencyMilliHz = period === 0 ? 0 : Math.round(PERIOD_CLOCK_HZ * 1000 / (period + 1));
    const irq = this.read(ADE7953.IRQSTATA);
    return (irq & IRQ_RESET) !== 0 ? "reset-detected" : "ok";
  }
}
