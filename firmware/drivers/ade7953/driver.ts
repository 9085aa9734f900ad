import type { DigitalIn, Spi } from "../../hal";
import { readU32BE } from "../../kernel/bytes";
import type { Rational } from "../../kernel/rational";
import { DEFAULT_RATING, type IcCalibration, type MeterRating, noLoadThresholdW } from "../../kernel/calibration";
import {
  IC_OK, IC_RESET_DETECTED, type IcStatus, type MeteringIc, type MeteringSample, SAMPLE_FLAG_DIRECTION_CHANGED, SAMPLE_FLAG_REINITIALISED, SAMPLE_FLAG_SAG,
} from "../../kernel/metering-ic";
import { EnergyReadBound, type MonotonicClock } from "../energy-bound";
import {
  AT_AVA, AT_AVAR, AT_AWATT, AT_IRMSA, AT_IRMSB, AT_PERIOD, AT_VRMS, credit, decode, ENERGY_GROUP_BYTES, ENERGY_GROUP_READS, ENERGY_MODULUS_LSB,
  ENERGY_RANGE_LSB, FIRST_INSTANT_READ, INSTANT_READS16, IX_AENERGYA, IX_APENERGYA, IX_RENERGYA, READ, TICK_READS,
  tickFrameTemplate, tickFrameViews, tickIndex, ALL_ENERGY_REGISTERS, ADE7953_TICK_ENERGY_REGISTERS,
} from "./frames";
export { ADE7953_TICK_ENERGY_REGISTERS } from "./frames";
import { PowerStatus } from "./power-status";
import { Ade7953CalibrationAccess, type Ade7953Calibration, type Ade7953Options, type CalibrationOwner, DEFAULT_ADE7953_CALIBRATION } from "./calibration";
import {
  ADE7953, type Ade7953Register, CONFIG_COMM_LOCK,
  CONFIG_CRC_ENABLE, CONFIG_HPFEN, DISNOLOAD_ACTIVE, DISNOLOAD_APPARENT, DISNOLOAD_REACTIVE, IRQ_APSIGN, IRQ_CRC,
  IRQ_RESERVED_MASK, IRQ_RESET, IRQ_SAG, LAST_OP_READ, LAST_OP_WRITE, LCYCMODE_RSTREAD, noLoadRegister,
  PERIOD_CLOCK_HZ, POWER_FULL_SCALE, RMS_FULL_SCALE, SETUP_120_VALUE, UNLOCK_120_KEY,
} from "./registers";
import { deepFreeze } from "../../kernel/freeze";

export { decode } from "./frames";
export { type Ade7953Calibration, type Ade7953Options, DEFAULT_ADE7953_CALIBRATION } from "./calibration";

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

const TICK_READ_COUNT = TICK_READS.length;
/** 24-bit reads among the instantaneous ones (all but PERIOD). */
const INSTANT_READS24 = TICK_READ_COUNT - FIRST_INSTANT_READ - INSTANT_READS16;
const TICK_ENERGY_GROUPS = ADE7953_TICK_ENERGY_REGISTERS.length;
const TICK_ENERGY_ADDRESSES: readonly number[] = Object.freeze(ADE7953_TICK_ENERGY_REGISTERS.map((r) => r.address));
/** Math.round without a global lookup per use (XS resolves `Math` through the global object). */
const round = Math.round;

// Plain frozen tables, not TS enums: tsc emits an enum as a mutable object.
const Verified = deepFreeze({ Ok: 0, Deferred: 1 } as const);
type Verified = (typeof Verified)[keyof typeof Verified];
const Pending = deepFreeze({ Resolved: 0, Wait: 1 } as const);
type Pending = (typeof Pending)[keyof typeof Pending];

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
export class Ade7953Driver implements CalibrationOwner, MeteringIc {
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

  // One frame per width, windows of one buffer (a typed array of its own costs a buffer too).
  private readonly frame8 = new Uint8Array(new ArrayBuffer(22), 0, 4);
  private readonly frame16 = new Uint8Array(this.frame8.buffer, 4, 5);
  private readonly frame24 = new Uint8Array(this.frame8.buffer, 9, 6);
  private readonly frame32 = new Uint8Array(this.frame8.buffer, 15, 7);
  /**
   * The tick's frames back to back (frames.ts TICK_READS), refilled from the template at the
   * start of a tick by one `set` of 32-bit words (XS copies per element: 30 words, not 120
   * bytes); `views` are their transfer windows, made once.
   */
  private readonly tickTemplate = new Uint32Array(tickFrameTemplate().buffer);
  private readonly tickWords = new Uint32Array(this.tickTemplate.length);
  private readonly tickFrames = new Uint8Array(this.tickWords.buffer);
  /**
   * The same bytes for decoding: one native `getInt32` / `getUint16` per value (~6 computrons in
   * XS) instead of three element reads, shifts and ORs (~20). A 24-bit value at byte n is read as
   * the 32-bit word at n - 1 (the byte before it, the frame's command byte or another frame's
   * last data byte, is shifted out).
   */
  private readonly tickData = new DataView(this.tickWords.buffer);
  private readonly views = tickFrameViews(this.tickFrames);
  private readonly cal: Ade7953Calibration;
  private readonly irq: DigitalIn | undefined;
  private readonly rating: MeterRating;
  private irqEdge = false;
  /** PF and the direction / no-load flags from the power registers. */
  private readonly powerStatus = new PowerStatus();
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
  private readonly drainedAt = new Float64Array(new ArrayBuffer(56), 0, 4);
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
  private readonly refusedElapsedMs = new Float64Array(this.drainedAt.buffer, 32, 2);
  private readonly refusedRaw = new Int32Array(this.drainedAt.buffer, 48, 2);
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
    this.calibration = new Ade7953CalibrationAccess(this.cal, this);
    // Edge callback: set a flag only; the tick reads the status (no SPI from interrupt context).
    this.irq?.onChange(this.irqChanged.bind(this));
  }

  private irqChanged(level: number): void {
    if (level === 0) this.irqEdge = true;
  }

  /** CalibrationOwner. */
  nominalHz(): number {
    return this.rating.fnMilliHz / 1000;
  }

  calibrationChanged(): void {
    this.configured = false;
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
    spi.transaction(frame);
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
    // Energy first: after a reset it accumulated with the chip's defaults (within about 1 % on a
    // typical board); counting it is closer to the truth than dropping it. Each value is booked
    // only if it cannot have wrapped (bounded(): elapsed time x maximum power). Group g:
    // TICK_READS[3g..3g+2] = energy register g (drainedAt index g), LAST_ADD, LAST_RWDATA24.
    if (!fast && this.uniform) this.splitDrainTimes();
    this.tickWords.set(this.tickTemplate);
    const spi = this.spi;
    const views = this.views;
    const dv = this.tickData;
    for (let g = 0; g < TICK_ENERGY_GROUPS; g++) {
      const first = g * ENERGY_GROUP_READS;
      spi.transaction(views[first]);
      spi.transaction(views[first + 1]);
      spi.transaction(views[first + 2]);
      // The register's 24 bits (frame bytes 3..5), LAST_ADD (bytes 9..10), LAST_RWDATA24 (14..16),
      // each 24-bit value sign-extended by the two shifts (equal 24-bit values stay equal).
      const o = g * ENERGY_GROUP_BYTES;
      let value = (dv.getInt32(o + 2) << 8) >> 8;
      if (value !== (dv.getInt32(o + 13) << 8) >> 8 || dv.getUint16(o + 9) !== TICK_ENERGY_ADDRESSES[g]) {
        this.recData = (dv.getInt32(o + 13) << 8) >> 8;
        if (this.notVerified(ADE7953_TICK_ENERGY_REGISTERS[g]) === Verified.Deferred) {
          // Groups 0..g were read (each 2 x 24-bit + 1 x 16-bit; counted after the loop otherwise).
          this.reads24 += 2 * (g + 1);
          this.reads16 += g + 1;
          return this.deferred(s, now);
        }
        value = (this.recData << 8) >> 8;
      }
      if (!fast) {
        // bounded() keeps a refused active read's raw value from recData.
        this.recData = value;
        if (!this.bounded(g, now, 0, s)) continue;
      }
      if (g === IX_AENERGYA) s.activeEnergyLsb += value;
      else if (g === IX_RENERGYA) s.reactiveEnergyLsb += value;
      else if (g === IX_APENERGYA) s.apparentEnergyLsb += value;
      else s.neutralActiveEnergyLsb += value;
    }
    this.reads24 += 2 * TICK_ENERGY_GROUPS;
    this.reads16 += TICK_ENERGY_GROUPS;
    this.uniform = true;
    this.drainedAllMs = now;
    let status: IcStatus = IC_OK;
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
      if (this.configure(false) !== IC_OK) return status === IC_RESET_DETECTED ? status : "not-responding";
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
   * RMS, powers and period. BWATT is not read (no consumer: neutralActivePowerMilliW stays 0),
   * nor are PFA and ACCMODE: PF and the flags follow from AWATT, AVAR, AVA (power-status.ts). */
  private readInstantaneous(s: MeteringSample): void {
    const spi = this.spi;
    const views = this.views;
    for (let i = FIRST_INSTANT_READ; i < TICK_READ_COUNT; i++) {
      spi.transaction(views[i]);
    }
    this.reads16 += INSTANT_READS16;
    this.reads24 += INSTANT_READS24;
    const dv = this.tickData;
    const c = this.cal;
    const perKw = c.powerLsbPerKw;
    // Unsigned 24-bit: the word ending at the value's last byte, masked; signed: shifted back.
    s.voltageMilliV = round(((dv.getInt32(AT_VRMS - 1) & 0xffffff) * 1000) / c.voltageLsbPerVolt);
    s.currentMilliA = round(((dv.getInt32(AT_IRMSA - 1) & 0xffffff) * 1000) / c.currentLsbPerAmp);
    s.neutralCurrentMilliA = round(((dv.getInt32(AT_IRMSB - 1) & 0xffffff) * 1000) / c.neutralCurrentLsbPerAmp);
    const p = (dv.getInt32(AT_AWATT - 1) << 8) >> 8;
    const q = (dv.getInt32(AT_AVAR - 1) << 8) >> 8;
    const va = (dv.getInt32(AT_AVA - 1) << 8) >> 8;
    s.activePowerMilliW = round((p * 1_000_000) / perKw);
    s.reactivePowerMilliVar = round((q * 1_000_000) / perKw);
    s.apparentPowerMilliVA = round((va * 1_000_000) / perKw);
    const period = dv.getUint16(AT_PERIOD);
    s.frequencyMilliHz = period === 0 ? 0 : round((PERIOD_CLOCK_HZ * 1000) / (period + 1));
    this.powerStatus.apply(s, p, q, va);
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
   * A read-with-reset of `register` whose check failed (the tick's check is LAST_ADD and
   * LAST_RWDATA: the registers read this way are read-only, so a successful access recorded at
   * their address is our read; LAST_OP is read on any doubt). On Ok the verified raw value is in
   * recData.
   */
  private notVerified(register: Ade7953Register): Verified {
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
    const noLoadLsb = noLoadThresholdW(rating) * powerLsbPerW;
    this.powerStatus.noLoadLsb = noLoadLsb;
    const noLoad = noLoadRegister(POWER_FULL_SCALE / noLoadLsb);
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
    return IC_OK;
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

