import type { DigitalIn, Spi } from "../../hal";
import { readU32BE } from "../../kernel/bytes";
import type { Rational } from "../../kernel/rational";
import { DEFAULT_RATING, type IcCalibration, type MeterRating, noLoadThresholdW } from "../../kernel/calibration";
import {
  type IcStatus, type MeteringIc, type MeteringSample, SAMPLE_FLAG_ACTIVE_NO_LOAD, SAMPLE_FLAG_ACTIVE_REVERSE,
  SAMPLE_FLAG_DIRECTION_CHANGED, SAMPLE_FLAG_REACTIVE_NEGATIVE, SAMPLE_FLAG_REINITIALISED, SAMPLE_FLAG_SAG,
} from "../../kernel/metering-ic";
import { EnergyReadBound, type MonotonicClock } from "../energy-bound";
import {
  credit, decode, ENERGY_MODULUS_LSB, ENERGY_RANGE_LSB, FRAME_ACCMODE, FRAME_AENERGYA, FRAME_AENERGYB, FRAME_APENERGYA, FRAME_AVA,
  FRAME_AVAR, FRAME_AWATT, FRAME_IRMSA, FRAME_IRMSB, FRAME_LAST_ADD, FRAME_LAST_RWDATA24, FRAME_PERIOD, FRAME_PFA, FRAME_RENERGYA,
  FRAME_VRMS, IX_AENERGYA, IX_AENERGYB, IX_APENERGYA, IX_RENERGYA, READ, tickIndex,
} from "./frames";
import { Ade7953CalibrationAccess, type Ade7953Calibration, DEFAULT_ADE7953_CALIBRATION } from "./calibration";
import {
  ACCMODE_ACTNLOAD_A, ACCMODE_APSIGN_A, ACCMODE_VARSIGN_A, ADE7953, type Ade7953Register, CONFIG_COMM_LOCK,
  CONFIG_CRC_ENABLE, CONFIG_HPFEN, DISNOLOAD_ACTIVE, DISNOLOAD_APPARENT, DISNOLOAD_REACTIVE, IRQ_APSIGN, IRQ_CRC,
  IRQ_RESERVED_MASK, IRQ_RESET, IRQ_SAG, LAST_OP_READ, LAST_OP_WRITE, LCYCMODE_RSTREAD, noLoadRegister,
  PERIOD_CLOCK_HZ, POWER_FULL_SCALE, RMS_FULL_SCALE, SETUP_120_VALUE, UNLOCK_120_KEY,
} from "./registers";

export { decode } from "./frames";
export { type Ade7953Calibration, DEFAULT_ADE7953_CALIBRATION, NOMINAL_ADE7953_BOARD } from "./calibration";

export interface Ade7953Options {
  /** The chip's IRQ output (active low), when wired: the status register is read only when it asks. */
  irq?: DigitalIn;
  /** Meter rating: the no-load threshold, the sag level and the energy-read bound follow from it. */
  rating?: MeterRating;
  /**
   * Monotonic time: with it, an energy read that could have wrapped (the time since the register
   * was last cleared, at the meter's maximum power, reaches 2^23 LSB) is refused and reported
   * as lost instead of booked (energy-bound.ts). Without it, reads are not bounded.
   */
  clock?: MonotonicClock;
}

const WRITE = 0x00;
/** CONFIG right after a reset (COMM_LOCK set = interface not locked, HPF on). */
const CONFIG_AFTER_RESET = 0x8004;
/** CONFIG bits that do not exist; a read with them set is not a real CONFIG value. */
const CONFIG_RESERVED = 0x4600;
/** Interrupts the driver acts on; RESET is always enabled in the chip anyway. */
const IRQ_ENABLED = IRQ_RESET | IRQ_SAG | IRQ_APSIGN | IRQ_CRC;
/** Waveform peak counts per RMS count (waveform full scale 6.5 M at 500 mV peak, RMS 9.03 M). */
const PEAK_PER_RMS = 6_500_000 / RMS_FULL_SCALE;
/** Without an IRQ pin, an all-zero verification record is given up after this many ticks. */
const ZERO_RECORD_GIVE_UP_TICKS = 10;

/**
 * Energy registers read every tick: the ones the metrology uses. Channel A's active, reactive and
 * apparent energy feed the registers; channel B's active energy feeds the tamper rule (bill the
 * larger of phase and neutral). Channel B's reactive and apparent energy have no consumer, so
 * they are not read (their sample fields stay 0): six verified reads a tick saved. They keep
 * accumulating (and wrapping) in the chip, harmlessly: their overflow interrupts are not enabled.
 */
export const ADE7953_TICK_ENERGY_REGISTERS: readonly Ade7953Register[] = [ADE7953.AENERGYA, ADE7953.RENERGYA, ADE7953.APENERGYA, ADE7953.AENERGYB];
/** Every read-with-reset energy register (all six are drained at init so none starts full). */
const ALL_ENERGY_REGISTERS: readonly Ade7953Register[] = [
  ADE7953.AENERGYA, ADE7953.RENERGYA, ADE7953.APENERGYA, ADE7953.AENERGYB, ADE7953.RENERGYB, ADE7953.APENERGYB,
];

const AENERGYA = ADE7953.AENERGYA;
const RENERGYA = ADE7953.RENERGYA;
const APENERGYA = ADE7953.APENERGYA;
const AENERGYB = ADE7953.AENERGYB;
/** Math.round without a global lookup per use (XS resolves `Math` through the global object). */
const round = Math.round;

const enum Verified {
  Ok,
  Deferred,
}

const enum Pending {
  Resolved,
  Wait,
}

/**
 * ADE7953 over SPI: frame `[addr hi][addr lo][0x80 read | 0x00 write][data MSB first]`, data width
 * from the register table. Channel A is the phase current, channel B the neutral.
 *
 * Energy registers are read with reset (LCYCMODE.RSTREAD). Each read is checked against the
 * chip's verification record (LAST_OP = read, LAST_ADD = the register, LAST_RWDATA = the value
 * received). The record changes only on the next successful access other than a read of the
 * record itself, and the chip keeps the value it sent (and cleared) there. So when a read does
 * not verify:
 * - the record is read twice more (the retry); if both agree and name this read, the chip did
 *   clear the register and the record holds what it sent: that value is counted, once;
 * - if the record names an earlier access, the chip never did the read: the register is intact,
 *   the read is retried once;
 * - otherwise (bus dead, wrong mode) the driver stops touching the chip for this tick, keeps the
 *   register "pending", and starts the next tick by reading the record again before anything
 *   else. The tick's energy is in the chip (register or record) and is counted when the bus
 *   answers. Only if the record reads all zero (a reset wiped it, or MISO is stuck low) and the
 *   IRQ pin cannot rule out a reset is the pending value given up: at most one tick's energy of
 *   one register, reported as energyMayBeLost (event 16).
 */
export class Ade7953Driver implements MeteringIc {
  readonly chip = "ade7953" as const;
  readonly unmeasured: readonly string[] = [];
  /** Transactions and bytes of the general access path (init, writes, recovery). */
  private transactions = 0;
  private bytes = 0;
  /** Hot-path reads by width (one counter each instead of two per read). */
  private reads16 = 0;
  private reads24 = 0;
  /** Reads that did not verify at first (for diagnostics and tests). */
  verifyFailures = 0;
  /** Pending values recovered from the verification record. */
  recoveredFromRecord = 0;
  /** Chip resets detected. */
  resetsDetected = 0;
  readonly calibration: IcCalibration;

  private readonly frame8 = new Uint8Array(4);
  private readonly frame16 = new Uint8Array(5);
  private readonly frame24 = new Uint8Array(6);
  private readonly frame32 = new Uint8Array(7);
  /** Working frames of the hot path (filled from the prebuilt read frames). */
  private readonly hot16 = new Uint8Array(5);
  private readonly hot24 = new Uint8Array(6);
  private readonly cal: Ade7953Calibration;
  private readonly irq: DigitalIn | undefined;
  private readonly rating: MeterRating;
  private irqEdge = false;
  /** The chip holds our configuration (false after a reset until re-init succeeds). */
  private configured = false;
  private configValue = 0;
  /** Register whose read-with-reset could not be verified, or null. */
  private pending: Ade7953Register | null = null;
  private zeroRecordTicks = 0;
  private recOp = 0;
  private recAdd = 0;
  private recData = 0;
  private readonly clock: MonotonicClock | undefined;
  private readonly bound: EnergyReadBound;
  /** Per tick energy register: monotonic ms of its last clear (a verified read-with-reset, or init). */
  private readonly drainedAt = new Float64Array(4);
  /** Monotonic ms of the read that left `pending` (the chip cleared the register then, if it did the read). */
  private pendingAtMs = 0;
  /**
   * All four tick registers were last cleared together at drainedAllMs (the common case: every
   * tick reads all of them); drainedAt is then not kept up to date. A tick within safeMs of it
   * cannot find a wrapped register and skips the per-register bound.
   */
  private uniform = true;
  private drainedAllMs = 0;
  private readonly safeMs: number;
  /**
   * Active energy refused this tick (raw LSB) and the time it covered: slot 0 for the tick's own
   * read, slot 1 for a pending value recovered from the record; refusedSlots = bit per slot used.
   */
  private readonly refusedRaw = new Int32Array(2);
  private readonly refusedElapsedMs = new Float64Array(2);
  private refusedSlots = 0;
  /** Reads refused because they could have wrapped (diagnostics, tests). */
  refusedReads = 0;

  constructor(private readonly spi: Spi, calibration: Ade7953Calibration = DEFAULT_ADE7953_CALIBRATION, options: Ade7953Options = {}) {
    this.cal = { ...calibration, energyMilliWhPerLsb: { ...calibration.energyMilliWhPerLsb } };
    this.rating = options.rating ?? DEFAULT_RATING;
    this.irq = options.irq;
    this.clock = options.clock;
    this.bound = new EnergyReadBound(this.rating, this.cal.energyMilliWhPerLsb, ENERGY_RANGE_LSB, ENERGY_MODULUS_LSB);
    this.safeMs = this.clock === undefined ? Infinity : this.bound.safeMs;
    this.calibration = new Ade7953CalibrationAccess(this.cal, () => this.rating.fnMilliHz / 1000, () => {
      this.configured = false;
    });
    // Edge callback: set a flag only; the tick reads the status (no SPI from interrupt context).
    this.irq?.onChange((level) => {
      if (level === 0) this.irqEdge = true;
    });
  }

  get spiTransactions(): number {
    return this.transactions + this.reads16 + this.reads24;
  }

  get spiBytes(): number {
    return this.bytes + 5 * this.reads16 + 6 * this.reads24;
  }

  get energyScale(): Rational {
    return this.cal.energyMilliWhPerLsb;
  }

  /** A copy of the calibration in use. */
  get calibrationValues(): Ade7953Calibration {
    return { ...this.cal, energyMilliWhPerLsb: { ...this.cal.energyMilliWhPerLsb } };
  }

  /** Raw register read: the bits as received (unsigned), 32-bit sign extension included. */
  readRaw(register: Ade7953Register): number {
    const bits = register.bits;
    const address = register.address;
    const frame = bits === 24 ? this.frame24 : bits === 16 ? this.frame16 : bits === 8 ? this.frame8 : this.frame32;
    frame[0] = address >> 8;
    frame[1] = address & 0xff;
    frame[2] = READ;
    frame[3] = 0;
    if (bits > 8) frame[4] = 0;
    if (bits > 16) frame[5] = 0;
    if (bits > 24) frame[6] = 0;
    const spi = this.spi;
    spi.transfer(frame);
    spi.flush(true);
    this.transactions++;
    if (bits === 24) {
      this.bytes += 6;
      return (frame[3] << 16) | (frame[4] << 8) | frame[5];
    }
    if (bits === 16) {
      this.bytes += 5;
      return (frame[3] << 8) | frame[4];
    }
    if (bits === 8) {
      this.bytes += 4;
      return frame[3];
    }
    this.bytes += 7;
    return readU32BE(frame, 3);
  }

  /** Register read decoded by the table: two's complement registers come back signed. */
  read(register: Ade7953Register): number {
    return decode(register, this.readRaw(register));
  }

  /** Register write (no verification; see writeVerified). */
  write(register: Ade7953Register, value: number): void {
    const bits = register.bits;
    const frame = bits === 24 ? this.frame24 : bits === 16 ? this.frame16 : bits === 8 ? this.frame8 : this.frame32;
    frame[0] = register.address >> 8;
    frame[1] = register.address & 0xff;
    frame[2] = WRITE;
    let v = value < 0 ? value + 2 ** register.bits : value;
    for (let i = frame.length - 1; i >= 3; i--) {
      frame[i] = v % 256;
      v = Math.floor(v / 256);
    }
    this.spi.write(frame);
    this.spi.flush(true);
    this.transactions++;
    this.bytes += frame.length;
  }

  /** Write, confirm through LAST_OP/LAST_ADD/LAST_RWDATA, retry once. */
  writeVerified(register: Ade7953Register, value: number): boolean {
    const mask = 2 ** register.bits;
    const expected = ((value % mask) + mask) % mask;
    for (let attempt = 0; attempt < 2; attempt++) {
      this.write(register, value);
      this.readRecord(register.bits);
      if (this.recOp === LAST_OP_WRITE && this.recAdd === register.address && this.recData === expected) return true;
    }
    return false;
  }

  init(): IcStatus {
    return this.configure(true);
  }

  sample(s: MeteringSample, nowMs?: number): IcStatus {
    s.activeEnergyLsb = 0;
    s.reactiveEnergyLsb = 0;
    s.apparentEnergyLsb = 0;
    s.neutralActiveEnergyLsb = 0;
    // neutralReactiveEnergyLsb, neutralApparentEnergyLsb and neutralActivePowerMilliW are never
    // written by this driver (their registers are not read): they stay 0 from newMeteringSample.
    s.flags = 0;
    s.energyDeferred = false;
    s.energyMayBeLost = false;
    s.lostActiveEnergyLsb = 0;
    // Without a clock, now is NaN and safeMs infinite: every read is booked (no bound).
    const now = nowMs === undefined ? (this.clock === undefined ? NaN : this.clock.nowMs()) : nowMs;
    if (this.pending !== null && this.resolvePending(s) === Pending.Wait) {
      s.energyDeferred = true;
      return "verify-failed";
    }
    const fast = this.uniform && !(now - this.drainedAllMs >= this.safeMs);
    // Energy first: after a reset it accumulated with the chip's defaults (within about 1 % on
    // a typical board); counting it is closer to the truth than dropping it. Unrolled: each
    // verified raw value (recData) is sign-extended from 24 bits with two shifts.
    // Each value is booked only if it cannot have wrapped (bounded(): elapsed time x maximum power).
    if (!fast && this.uniform) this.splitDrainTimes();
    if (this.readClearVerified(AENERGYA, FRAME_AENERGYA) === Verified.Deferred) return this.deferred(s, now);
    if (fast || this.bounded(IX_AENERGYA, now, 0, s)) s.activeEnergyLsb += (this.recData << 8) >> 8;
    if (this.readClearVerified(RENERGYA, FRAME_RENERGYA) === Verified.Deferred) return this.deferred(s, now);
    if (fast || this.bounded(IX_RENERGYA, now, 0, s)) s.reactiveEnergyLsb += (this.recData << 8) >> 8;
    if (this.readClearVerified(APENERGYA, FRAME_APENERGYA) === Verified.Deferred) return this.deferred(s, now);
    if (fast || this.bounded(IX_APENERGYA, now, 0, s)) s.apparentEnergyLsb += (this.recData << 8) >> 8;
    if (this.readClearVerified(AENERGYB, FRAME_AENERGYB) === Verified.Deferred) return this.deferred(s, now);
    if (fast || this.bounded(IX_AENERGYB, now, 0, s)) s.neutralActiveEnergyLsb += (this.recData << 8) >> 8;
    this.uniform = true;
    this.drainedAllMs = now;
    let status: IcStatus = "ok";
    let reinit = !this.configured;
    if (this.irq === undefined || this.irqEdge || this.irq.read() === 0) {
      this.irqEdge = false;
      const irq = this.readInterrupts();
      if (irq < 0) return "not-responding";
      if (irq & IRQ_RESET) {
        const config = this.readStable(ADE7953.CONFIG);
        if (config !== CONFIG_AFTER_RESET) return "not-responding";
        this.resetsDetected++;
        this.configured = false;
        reinit = true;
        s.energyMayBeLost = true;
        status = "reset-detected";
      }
      if (irq & IRQ_CRC) reinit = true;
      if (irq & IRQ_SAG) s.flags |= SAMPLE_FLAG_SAG;
      if (irq & IRQ_APSIGN) s.flags |= SAMPLE_FLAG_DIRECTION_CHANGED;
    }
    if (reinit) {
      if (this.configure(false) !== "ok") return status === "reset-detected" ? status : "not-responding";
      s.flags |= SAMPLE_FLAG_REINITIALISED;
    }
    this.readInstantaneous(s);
    if (this.refusedSlots !== 0) {
      // Refused reads are estimated once, with the power of the first tick that reads it.
      for (let i = 0; i < 2; i++) {
        if (this.refusedSlots & (1 << i)) s.lostActiveEnergyLsb += this.bound.estimateLsb(this.refusedRaw[i], s.activePowerMilliW / 1000, this.refusedElapsedMs[i]);
      }
      this.refusedSlots = 0;
    }
    return status;
  }

  get unreadSinceMs(): number {
    return this.clock === undefined ? NaN : this.uniform ? this.drainedAllMs : this.drainedAt[IX_AENERGYA];
  }

  /** Leaves the common clear time for per-register ones (a deferred read, or a long gap). */
  private splitDrainTimes(): void {
    this.drainedAt.fill(this.drainedAllMs);
    this.uniform = false;
  }

  /** The sample after a read that did not verify: its energy is carried to a later tick. */
  private deferred(s: MeteringSample, now: number): IcStatus {
    this.pendingAtMs = now;
    // Registers read before the failed one count from the common time: conservative (older).
    if (this.uniform) this.splitDrainTimes();
    s.energyDeferred = true;
    return "verify-failed";
  }

  /**
   * Whether the value just read from tick register `ix` (cleared by the chip at `clearedAtMs`)
   * may be booked: not when the time since its previous clear could have wrapped it. A refused
   * active read is kept (raw, elapsed) for the loss estimate; any refusal sets energyMayBeLost.
   */
  private bounded(ix: number, clearedAtMs: number, slot: number, s: MeteringSample): boolean {
    if (clearedAtMs !== clearedAtMs) return true;
    const elapsed = clearedAtMs - this.drainedAt[ix];
    this.drainedAt[ix] = clearedAtMs;
    if (!this.bound.couldWrap(elapsed)) return true;
    this.refusedReads++;
    s.energyMayBeLost = true;
    if (ix === IX_AENERGYA) {
      this.refusedRaw[slot] = (this.recData << 8) >> 8;
      this.refusedElapsedMs[slot] = elapsed;
      this.refusedSlots |= 1 << slot;
    }
    return false;
  }

  /**
   * RMS, powers, PF, period and the ACCMODE status bits. Channel B's power (BWATT) is not read:
   * nothing uses it (neutralActivePowerMilliW stays 0); the neutral current is (tamper).
   * Two's complement registers are sign-extended with two shifts (24-bit: << 8 >> 8).
   */
  private readInstantaneous(s: MeteringSample): void {
    const c = this.cal;
    const perKw = c.powerLsbPerKw;
    s.voltageMilliV = round((this.read24(FRAME_VRMS) * 1000) / c.voltageLsbPerVolt);
    s.currentMilliA = round((this.read24(FRAME_IRMSA) * 1000) / c.currentLsbPerAmp);
    s.neutralCurrentMilliA = round((this.read24(FRAME_IRMSB) * 1000) / c.neutralCurrentLsbPerAmp);
    s.activePowerMilliW = round((((this.read24(FRAME_AWATT) << 8) >> 8) * 1_000_000) / perKw);
    s.reactivePowerMilliVar = round((((this.read24(FRAME_AVAR) << 8) >> 8) * 1_000_000) / perKw);
    s.apparentPowerMilliVA = round((((this.read24(FRAME_AVA) << 8) >> 8) * 1_000_000) / perKw);
    s.powerFactorMilli = round((((this.read16(FRAME_PFA) << 16) >> 16) * 1000) / 0x8000);
    const period = this.read16(FRAME_PERIOD);
    s.frequencyMilliHz = period === 0 ? 0 : round((PERIOD_CLOCK_HZ * 1000) / (period + 1));
    const accmode = this.read24(FRAME_ACCMODE);
    if (accmode & ACCMODE_APSIGN_A) s.flags |= SAMPLE_FLAG_ACTIVE_REVERSE;
    if (accmode & ACCMODE_VARSIGN_A) s.flags |= SAMPLE_FLAG_REACTIVE_NEGATIVE;
    if (accmode & ACCMODE_ACTNLOAD_A) s.flags |= SAMPLE_FLAG_ACTIVE_NO_LOAD;
  }

  /** Hot-path 24-bit read: one native copy of the prebuilt frame, one transfer, no table lookups. */
  private read24(template: Uint8Array): number {
    const f = this.hot24;
    f.set(template);
    const spi = this.spi;
    spi.transfer(f);
    spi.flush(true);
    this.reads24++;
    return (f[3] << 16) | (f[4] << 8) | f[5];
  }

  /** Hot-path 16-bit read (LAST_ADD, PFA, PERIOD). */
  private read16(template: Uint8Array): number {
    const f = this.hot16;
    f.set(template);
    const spi = this.spi;
    spi.transfer(f);
    spi.flush(true);
    this.reads16++;
    return (f[3] << 8) | f[4];
  }

  /**
   * IRQSTATA (not the clearing copy), read twice when it shows a bit we act on; those bits are
   * then cleared through RSTIRQSTATA. Returns -1 when the status cannot be a real one.
   */
  private readInterrupts(): number {
    const first = this.readRaw(ADE7953.IRQSTATA);
    if (first & IRQ_RESERVED_MASK) return -1;
    if ((first & IRQ_ENABLED) === 0) return 0;
    const second = this.readRaw(ADE7953.IRQSTATA);
    if (second !== first) return -1;
    const cleared = this.readRaw(ADE7953.RSTIRQSTATA);
    return (cleared & IRQ_RESERVED_MASK) === 0 ? first | cleared : first;
  }

  /** A register read twice with the same answer, or -1. */
  private readStable(register: Ade7953Register): number {
    const a = this.readRaw(register);
    return this.readRaw(register) === a ? a : -1;
  }

  /** LAST_OP, LAST_ADD and the LAST_RWDATA of `bits` into recOp/recAdd/recData. */
  private readRecord(bits: number): void {
    this.recOp = this.readRaw(ADE7953.LAST_OP);
    this.recAdd = this.readRaw(ADE7953.LAST_ADD);
    this.recData = this.readRaw(bits === 8 ? ADE7953.LAST_RWDATA8 : bits === 16 ? ADE7953.LAST_RWDATA16 : ADE7953.LAST_RWDATA24);
  }

  /** The record read twice; false unless both reads agree. */
  private readRecordTwice(): boolean {
    this.readRecord(24);
    const op = this.recOp;
    const add = this.recAdd;
    const data = this.recData;
    this.readRecord(24);
    return op === this.recOp && add === this.recAdd && data === this.recData;
  }

  /**
   * Read-with-reset of a 24-bit register; on Ok the verified raw value is in recData. The fast
   * path checks LAST_ADD and LAST_RWDATA: the registers read this way are read-only, so a
   * successful access recorded at their address is our read (LAST_OP is read on any doubt).
   */
  private readClearVerified(register: Ade7953Register, frame: Uint8Array): Verified {
    const value = this.read24(frame);
    const add = this.read16(FRAME_LAST_ADD);
    const data = this.read24(FRAME_LAST_RWDATA24);
    this.recAdd = add;
    this.recData = data;
    if (add === register.address && data === value) return Verified.Ok;
    this.verifyFailures++;
    if (this.readRecordTwice()) {
      if (this.recOp === LAST_OP_READ && this.recAdd === register.address) {
        // The chip did the read (and cleared the register): its record holds what it sent.
        this.recoveredFromRecord++;
        return Verified.Ok;
      }
      if (this.recOp === LAST_OP_READ || this.recOp === LAST_OP_WRITE) {
        // The chip never did our read: the register is intact. Retry once.
        const retry = this.readRaw(register);
        this.readRecord(24);
        if (this.recOp === LAST_OP_READ && this.recAdd === register.address && this.recData === retry) return Verified.Ok;
      }
    }
    this.pending = register;
    this.zeroRecordTicks = 0;
    return Verified.Deferred;
  }

  /** Start of a tick with a pending read: recover its value from the record before anything else. */
  private resolvePending(s: MeteringSample): Pending {
    const register = this.pending!;
    if (!this.readRecordTwice()) return Pending.Wait;
    const op = this.recOp;
    if (op === LAST_OP_READ && this.recAdd === register.address) {
      this.recoveredFromRecord++;
      // The chip did the read (and cleared the register) when it was attempted.
      if (this.bounded(tickIndex(register), this.pendingAtMs, 1, s)) credit(s, register, this.recData);
      this.pending = null;
      return Pending.Resolved;
    }
    if (op === LAST_OP_READ || op === LAST_OP_WRITE) {
      // Some earlier access is the last one the chip completed: our read never happened.
      this.pending = null;
      return Pending.Resolved;
    }
    if (op === 0 && this.recAdd === 0 && this.recData === 0) {
      // A reset clears the record; so does MISO stuck low. The IRQ pin tells them apart: a
      // reset always pulls it low, and it stays low until the status is cleared.
      if (this.irq !== undefined && this.irq.read() === 1) return Pending.Wait;
      if (this.irq === undefined && ++this.zeroRecordTicks < ZERO_RECORD_GIVE_UP_TICKS) return Pending.Wait;
      this.pending = null;
      s.energyMayBeLost = true;
      return Pending.Resolved;
    }
    return Pending.Wait;
  }

  /**
   * Full initialisation (docs/chips.md A1): lock SPI, 0x120 unlock, read-with-reset energy, PGAs,
   * gains, offsets, PHCAL, no-load thresholds with no-load disabled meanwhile, interrupts, CRC.
   * Every write is verified through the record and retried once.
   */
  private configure(discardEnergy: boolean): IcStatus {
    this.configured = false;
    const config = this.readStable(ADE7953.CONFIG);
    if (config < 0 || config & CONFIG_RESERVED || config === 0) return "not-responding";
    const c = this.cal;
    const rating = this.rating;
    const powerLsbPerW = c.powerLsbPerKw / 1000;
    const noLoad = noLoadRegister(POWER_FULL_SCALE / (noLoadThresholdW(rating) * powerLsbPerW));
    const sagLevel = Math.round((0.8 * rating.unMilliV * c.voltageLsbPerVolt * PEAK_PER_RMS) / 1000);
    // Clearing COMM_LOCK locks the interface to SPI so the chip stops driving MISO when deselected.
    const locked = ((config & ~CONFIG_COMM_LOCK & ~CONFIG_CRC_ENABLE) | CONFIG_HPFEN) & 0xffff;
    let ok = this.writeVerified(ADE7953.CONFIG, locked);
    // Required for the specified accuracy; lost at every reset. The key must be the write right before.
    ok = ok && this.writeSetup120();
    ok = ok && this.writeVerified(ADE7953.LCYCMODE, LCYCMODE_RSTREAD);
    ok = ok && this.writeVerified(ADE7953.PGA_V, c.pgaV);
    ok = ok && this.writeVerified(ADE7953.PGA_IA, c.pgaIA);
    ok = ok && this.writeVerified(ADE7953.PGA_IB, c.pgaIB);
    ok = ok && this.writeVerified(ADE7953.ACCMODE, 0);
    ok = ok && this.writeVerified(ADE7953.AIGAIN, c.aiGain);
    ok = ok && this.writeVerified(ADE7953.AVGAIN, c.avGain);
    ok = ok && this.writeVerified(ADE7953.AWGAIN, c.awGain);
    ok = ok && this.writeVerified(ADE7953.AVARGAIN, c.avarGain);
    ok = ok && this.writeVerified(ADE7953.AVAGAIN, c.avaGain);
    ok = ok && this.writeVerified(ADE7953.BIGAIN, c.biGain);
    ok = ok && this.writeVerified(ADE7953.BVGAIN, c.avGain);
    ok = ok && this.writeVerified(ADE7953.BWGAIN, c.bwGain);
    ok = ok && this.writeVerified(ADE7953.BVARGAIN, c.bvarGain);
    ok = ok && this.writeVerified(ADE7953.BVAGAIN, c.bvaGain);
    ok = ok && this.writeVerified(ADE7953.VRMSOS, c.vrmsOs);
    ok = ok && this.writeVerified(ADE7953.AIRMSOS, c.airmsOs);
    ok = ok && this.writeVerified(ADE7953.AWATTOS, c.awattOs);
    ok = ok && this.writeVerified(ADE7953.AVAROS, c.avarOs);
    ok = ok && this.writeVerified(ADE7953.AVAOS, c.avaOs);
    ok = ok && this.writeVerified(ADE7953.BIRMSOS, c.birmsOs);
    ok = ok && this.writeVerified(ADE7953.BWATTOS, c.bwattOs);
    ok = ok && this.writeVerified(ADE7953.BVAROS, c.bvarOs);
    ok = ok && this.writeVerified(ADE7953.BVAOS, c.bvaOs);
    ok = ok && this.writeVerified(ADE7953.PHCALA, c.phcalA);
    ok = ok && this.writeVerified(ADE7953.PHCALB, c.phcalB);
    // No-load thresholds are taken only while no-load detection is disabled (docs/chips.md A3).
    ok = ok && this.writeVerified(ADE7953.DISNOLOAD, DISNOLOAD_ACTIVE | DISNOLOAD_REACTIVE | DISNOLOAD_APPARENT);
    ok = ok && this.writeVerified(ADE7953.AP_NOLOAD, noLoad);
    ok = ok && this.writeVerified(ADE7953.VAR_NOLOAD, noLoad);
    ok = ok && this.writeVerified(ADE7953.VA_NOLOAD, noLoad);
    ok = ok && this.writeVerified(ADE7953.DISNOLOAD, 0);
    ok = ok && this.writeVerified(ADE7953.SAGCYC, 2);
    ok = ok && this.writeVerified(ADE7953.SAGLVL, sagLevel);
    ok = ok && this.writeVerified(ADE7953.IRQENA, IRQ_ENABLED);
    // CRC last: it snapshots the configuration, and any later change (a partial reset) interrupts.
    ok = ok && this.writeVerified(ADE7953.CONFIG, locked | CONFIG_CRC_ENABLE);
    if (!ok) return "verify-failed";
    if (this.readStable(ADE7953.RESERVED_120) !== SETUP_120_VALUE) return "verify-failed";
    if (this.readStable(ADE7953.CONFIG) !== (locked | CONFIG_CRC_ENABLE)) return "verify-failed";
    this.configValue = locked | CONFIG_CRC_ENABLE;
    // Acknowledge the RESET (and any other) interrupt so the IRQ pin is released.
    this.readRaw(ADE7953.RSTIRQSTATA);
    this.irqEdge = false;
    if (discardEnergy) {
      // What accumulated before configuration (power-up, default gains) is not metered.
      for (let i = 0; i < ALL_ENERGY_REGISTERS.length; i++) this.readRaw(ALL_ENERGY_REGISTERS[i]);
      this.pending = null;
      if (this.clock !== undefined) this.drainedAllMs = this.clock.nowMs();
      this.uniform = true;
    }
    this.configured = true;
    return "ok";
  }

  private writeSetup120(): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.writeVerified(ADE7953.UNLOCK_120, UNLOCK_120_KEY) && this.writeVerified(ADE7953.RESERVED_120, SETUP_120_VALUE)) return true;
    }
    return false;
  }

  /** CONFIG as last written by init (0 before). */
  get configuredConfig(): number {
    return this.configValue;
  }
}

