import type { DigitalIn, Spi } from "../../hal";
import type { Rational } from "../../kernel/rational";
import {
  IC_OK, type IcStatus, type MeteringIc, type MeteringSample, SAMPLE_FLAG_ACTIVE_NO_LOAD, SAMPLE_FLAG_ACTIVE_REVERSE,
  SAMPLE_FLAG_DIRECTION_CHANGED, SAMPLE_FLAG_NEUTRAL_METERED, SAMPLE_FLAG_REACTIVE_NEGATIVE, SAMPLE_FLAG_REINITIALISED,
  SAMPLE_FLAG_SAG,
} from "../../kernel/metering-ic";
import { DEFAULT_RATING, type MeterRating } from "../../kernel/calibration";
import { EnergyReadBound, type MonotonicClock } from "../energy-bound";
import { type Atm90e26Calibration, Atm90e26CalibrationStore, DEFAULT_ATM90E26_CALIBRATION } from "./calibration";
import {
  ATM90E26, type Atm90e26Register, atmChecksum, EN_LLINE, EN_PNOLOAD, EN_REVP,
  SMALL_POWER_KEY, SOFT_RESET_KEY, START_CALIBRATE, START_CHECKED, START_POWER_ON, SYS_ADJ_ERR, SYS_CAL_ERR,
  SYS_REVP_CHG, SYS_SAG_WARN, toSignMagnitude,
} from "./registers";
import { deepFreeze } from "../../kernel/freeze";

export { type Atm90e26Calibration, DEFAULT_ATM90E26_CALIBRATION } from "./calibration";

interface Atm90e26DriverOptions {
  /** IRQ pin (active high while any SysStatus bit is set): SysStatus is read only when it is high. */
  irq?: DigitalIn;
  /** WarnOut pin (CalErr, or sag with FuncEn.SagWo). */
  warnOut?: DigitalIn;
  /** Meter rating: the energy-read bound follows from Imax (energy-bound.ts). */
  rating?: MeterRating;
  /**
   * Monotonic time: with it, an energy read that could have wrapped (the time since the register
   * was last cleared, at the meter's maximum power, reaches 2^16 LSB = 2,048 Wh at 3,200 imp/kWh)
   * is refused and reported as lost instead of booked. Without it, reads are not bounded.
   */
  clock?: MonotonicClock;
}

const READ = 0x80;
const FUNC_EN_DEFAULT = 0x000c;

/** Energy registers read every tick, in order (addresses), and what they add to. */
const ENERGY_ADDRESSES: readonly number[] = deepFreeze([ATM90E26.APenergy.address, ATM90E26.ANenergy.address, ATM90E26.RPenergy.address, ATM90E26.RNenergy.address]);
/** Addresses of the registers the tick reads (plain numbers: no register-object lookups per read). */
const LAST_DATA = ATM90E26.LastData.address;
const EN_STATUS = ATM90E26.EnStatus.address;
const CAL_START = ATM90E26.CalStart.address;
const FUNC_EN = ATM90E26.FuncEn.address;
const URMS = ATM90E26.Urms.address;
const IRMS = ATM90E26.Irms.address;
const IRMS2 = ATM90E26.Irms2.address;
const PMEAN = ATM90E26.Pmean.address;
const LSB = ATM90E26.LSB.address;
const QMEAN = ATM90E26.Qmean.address;
const SMEAN = ATM90E26.Smean.address;
const PMEAN2 = ATM90E26.Pmean2.address;
const POWER_F = ATM90E26.PowerF.address;
const FREQ = ATM90E26.Freq.address;
/** Math.round without a global lookup per use. */
const round = Math.round;
/**
 * The reads of an ordinary tick, in order: the probe (CalStart, FuncEn), EnStatus, each energy
 * register with its LastData check, then the instantaneous registers. Their 3-byte frames lie
 * back to back in one buffer, refilled word-wise at the start of a tick (XS copies per element).
 */
const TICK_ADDRESSES: readonly number[] = Object.freeze([
  CAL_START, FUNC_EN, EN_STATUS,
  ENERGY_ADDRESSES[0], LAST_DATA, ENERGY_ADDRESSES[1], LAST_DATA, ENERGY_ADDRESSES[2], LAST_DATA, ENERGY_ADDRESSES[3], LAST_DATA,
  URMS, IRMS, IRMS2, PMEAN, LSB, QMEAN, SMEAN, PMEAN2, POWER_F, FREQ,
]);
const TICK_EN_STATUS = 2;
const TICK_FIRST_ENERGY = 3;
const TICK_FIRST_INSTANT = 11;
/** Data offset (frame index x 3 + 1) of each instantaneous register in the tick buffer. */
const AT_URMS = 3 * TICK_FIRST_INSTANT + 1;
const AT_IRMS = AT_URMS + 3;
const AT_IRMS2 = AT_IRMS + 3;
const AT_PMEAN = AT_IRMS2 + 3;
const AT_LSB = AT_PMEAN + 3;
const AT_QMEAN = AT_LSB + 3;
const AT_SMEAN = AT_QMEAN + 3;
const AT_PMEAN2 = AT_SMEAN + 3;
const AT_POWER_F = AT_PMEAN2 + 3;
const AT_FREQ = AT_POWER_F + 3;

/** The tick's read frames back to back, padded to whole 32-bit words. */
function tickTemplate(): Uint32Array {
  const bytes = new Uint8Array((3 * TICK_ADDRESSES.length + 3) & ~3);
  for (let i = 0; i < TICK_ADDRESSES.length; i++) bytes[3 * i] = READ | TICK_ADDRESSES[i];
  return new Uint32Array(bytes.buffer);
}
const AP = 0;
const AN = 1;
/** The energy registers are 16-bit unsigned counts of 0.1 CF pulses: they wrap at 2^16. */
const ENERGY_RANGE_LSB = 0x10000;
const RP = 2;
const RN = 3;

/** Outcome of the per-tick liveness probe. */
const PROBE_OK = 0;
const PROBE_RESET = 1;
const PROBE_BUS = 2;

/**
 * ATM90E26 over SPI (mode 3, <= 160 kHz): 24-clock frames `[R|addr7][data16]`, one register per
 * chip-select frame. Calibration is written in the order of docs/chips.md B1 with CS1/CS2 computed
 * here; each tick probes CalStart/FuncEn (reset, brown-out and dead/shifted bus), reads SysStatus
 * when the IRQ pin says so, and verifies every read-with-reset energy read against LastData.
 * No allocation per tick: one 3-byte frame, preallocated counters.
 */
export class Atm90e26Driver implements MeteringIc {
  readonly chip = "atm90e26" as const;
  /** No apparent energy register (docs/chips.md B): A+/A-/R+/R- and the absolute sums only. */
  readonly unmeasured: readonly string[] = ["1.0.9.8.0.255"];
  /** SPI transactions so far; every frame is 3 bytes. */
  spiTransactions = 0;
  readonly calibration: Atm90e26CalibrationStore;
  /** Absolute energies the chip counted (no forward/reverse cancellation), LSB since start. */
  absoluteActiveLsb = 0;
  absoluteReactiveLsb = 0;
  /** Verification failures and retries, for tests and diagnostics. */
  readonly counters = { verifyRetries: 0, deferredTicks: 0, recovered: 0, lost: 0, reinits: 0 };

  private readonly frame = new Uint8Array(3);
  private readonly tickTemplate = tickTemplate();
  private readonly tickWords = new Uint32Array(this.tickTemplate.length);
  private readonly tickFrames = new Uint8Array(this.tickWords.buffer);
  /** The same bytes for decoding: one native getUint16 / getInt16 per value (~6 XS computrons, not ~13). */
  private readonly tickData = new DataView(this.tickWords.buffer);
  /** One 3-byte transfer window per tick read (TICK_ADDRESSES order), made once. */
  private readonly views = Array.from(TICK_ADDRESSES, (_, i) => this.tickFrames.subarray(3 * i, 3 * i + 3));
  private readonly deltas = new Int32Array(4);
  /** Energy register whose read-with-reset value is only in the chip's LastData (-1: none). */
  private pendingIndex = -1;
  private needsInit = true;
  /** Calibration version last written to the chip. */
  private writtenVersion = -1;
  /** The energy scale: one object for the meter's life, shared with the energy registers. */
  private readonly scale: { num: number; den: number };
  private readonly irq: DigitalIn | undefined;
  private readonly warnOut: DigitalIn | undefined;
  /** SysStatus bits seen on a verified read that the metrology has not yet been told about. */
  private statusPending = 0;
  private readonly clock: MonotonicClock | undefined;
  private readonly rating: MeterRating;
  private bound: EnergyReadBound;
  private safeMs = 0;
  /** Per energy register (ENERGY_ADDRESSES order): monotonic ms of its last clear. */
  private readonly drainedAt = new Float64Array(4);
  /** Monotonic ms of the read that left pendingIndex (the chip cleared the register then). */
  private pendingAtMs = 0;
  /** All four registers were last cleared together at drainedAllMs (drainedAt not kept then); see the ADE7953 driver. */
  private uniform = true;
  private drainedAllMs = 0;
  /** Refused AP/AN reads of this tick: raw value and the time covered; refusedSlots = bit per register. */
  private readonly refusedRaw = new Int32Array(2);
  private readonly refusedElapsedMs = new Float64Array(2);
  private refusedSlots = 0;
  /** Reads refused because they could have wrapped (diagnostics, tests). */
  refusedReads = 0;

  constructor(private readonly spi: Spi, calibration: Atm90e26Calibration = DEFAULT_ATM90E26_CALIBRATION, options: Atm90e26DriverOptions = {}) {
    this.calibration = new Atm90e26CalibrationStore(calibration);
    this.scale = { num: 100_000, den: calibration.meterConstant };
    this.irq = options.irq;
    this.warnOut = options.warnOut;
    this.clock = options.clock;
    this.rating = options.rating ?? DEFAULT_RATING;
    this.bound = new EnergyReadBound(this.rating, this.scale, ENERGY_RANGE_LSB, ENERGY_RANGE_LSB);
    this.safeMs = this.clock === undefined ? Infinity : this.bound.safeMs;
  }

  get unreadSinceMs(): number {
    if (this.clock === undefined) return NaN;
    if (this.uniform) return this.drainedAllMs;
    const d = this.drainedAt;
    return d[AP] < d[AN] ? d[AP] : d[AN];
  }

  get spiBytes(): number {
    return 3 * this.spiTransactions;
  }

  /** Energy LSB (0.1 CF pulse) -> mWh: Wh = raw * 100 / MC. */
  get energyScale(): Rational {
    return this.scale;
  }

  // ------------------------------------------------------------------ register access

  /** One read frame; returns the 16 bits received. */
  read(register: Atm90e26Register): number {
    return this.readAt(register.address);
  }

  /** One read frame by address (the hot path: no register-object lookup). */
  private readAt(address: number): number {
    const f = this.frame;
    f[0] = READ | address;
    f[1] = 0;
    f[2] = 0;
    const spi = this.spi;
    spi.transaction(f);
    this.spiTransactions++;
    return (f[1] << 8) | f[2];
  }

  /** One write frame (exactly 24 clocks). */
  write(register: Atm90e26Register, value: number): void {
    const f = this.frame;
    f[0] = register.address & 0x7f;
    f[1] = (value >> 8) & 0xff;
    f[2] = value & 0xff;
    this.spi.write(f);
    this.spi.flush(true);
    this.spiTransactions++;
  }

  /**
   * Reads a register and confirms the value with LastData. On a mismatch LastData is read once
   * more: two agreeing answers out of three win. Returns -1 when nothing agrees; the chip's
   * LastData then still holds the value (the caller must not touch the bus before recovering it).
   */
  readVerified(register: Atm90e26Register): number {
    return this.readVerifiedAt(register.address);
  }

  private readVerifiedAt(address: number): number {
    const value = this.readAt(address);
    const last = this.readAt(LAST_DATA);
    return value === last ? value : this.confirm(value, last);
  }

  /** A read whose LastData disagreed: LastData once more, two agreeing answers of three win (-1: none). */
  private confirm(value: number, last: number): number {
    this.counters.verifyRetries++;
    const again = this.readAt(LAST_DATA);
    if (again === last || again === value) return again;
    return -1;
  }

  // ------------------------------------------------------------------ initialisation

  init(): IcStatus {
    this.needsInit = true;
    this.writtenVersion = this.calibration.version;
    const k = this.calibration.current;
    // One scale object for the meter's life (the energy registers convert with it): updated in place.
    this.scale.den = k.meterConstant;
    this.bound = new EnergyReadBound(this.rating, this.scale, ENERGY_RANGE_LSB, ENERGY_RANGE_LSB);
    this.safeMs = this.clock === undefined ? Infinity : this.bound.safeMs;
    this.write(ATM90E26.SoftReset, SOFT_RESET_KEY);
    this.write(ATM90E26.FuncEn, k.funcEn);
    this.write(ATM90E26.SagTh, sagThreshold(k));
    // Metering calibration (21H-2BH): PLconstH only takes effect once PLconstL is written.
    this.write(ATM90E26.CalStart, START_CALIBRATE);
    const metering = meteringRegisterValues(k);
    for (let i = 0; i < metering.length; i++) this.write(METERING_REGS[i], metering[i]);
    this.write(ATM90E26.CS1, atmChecksum(metering));
    // Measurement calibration (31H-3AH).
    this.write(ATM90E26.AdjStart, START_CALIBRATE);
    const measurement = measurementRegisterValues(k);
    for (let i = 0; i < measurement.length; i++) this.write(MEASUREMENT_REGS[i], measurement[i]);
    this.write(ATM90E26.CS2, atmChecksum(measurement));
    this.write(ATM90E26.CalStart, START_CHECKED);
    this.write(ATM90E26.AdjStart, START_CHECKED);
    const status = this.readVerified(ATM90E26.SysStatus);
    const calStart = this.read(ATM90E26.CalStart);
    const adjStart = this.read(ATM90E26.AdjStart);
    const funcEn = this.read(ATM90E26.FuncEn);
    if (calStart !== START_CHECKED || adjStart !== START_CHECKED || funcEn !== k.funcEn) {
      const dead = calStart === 0 || calStart === 0xffff;
      return dead ? "not-responding" : "verify-failed";
    }
    if (status < 0 || (status & (SYS_CAL_ERR | SYS_ADJ_ERR)) !== 0) return "verify-failed";
    this.needsInit = false;
    this.pendingIndex = -1;
    this.statusPending = 0;
    // The soft reset cleared the energy registers.
    if (this.clock !== undefined) this.drainedAllMs = this.clock.nowMs();
    this.uniform = true;
    this.counters.reinits++;
    return IC_OK;
  }

  /**
   * Enters small-power mode (offset calibration: Pmean/Qmean read the raw product, ~2 mW/LSB)
   * or leaves it. Used by the calibration procedure.
   */
  setSmallPowerMode(on: boolean): void {
    this.write(ATM90E26.SmallPMod, on ? SMALL_POWER_KEY : 0);
  }

  // ------------------------------------------------------------------ per tick

  sample(s: MeteringSample, nowMs?: number): IcStatus {
    const d = this.deltas;
    d.fill(0);
    s.flags = 0;
    s.energyDeferred = false;
    s.energyMayBeLost = false;
    s.lostActiveEnergyLsb = 0;
    // Without a clock, now is NaN and safeMs infinite: every read is booked (no bound).
    const now = nowMs === undefined ? (this.clock === undefined ? NaN : this.clock.nowMs()) : nowMs;
    // publishEnergy(s) of the zeroed deltas, written out (a call fewer in the tick).
    s.activeEnergyLsb = 0;
    s.reactiveEnergyLsb = 0;
    s.apparentEnergyLsb = 0;
    s.neutralActiveEnergyLsb = 0;
    s.neutralReactiveEnergyLsb = 0;
    s.neutralApparentEnergyLsb = 0;
    if (this.needsInit || this.writtenVersion !== this.calibration.version) {
      const st = this.init();
      if (st !== IC_OK) {
        s.energyDeferred = true;
        this.counters.deferredTicks++;
        return st;
      }
      s.flags |= SAMPLE_FLAG_REINITIALISED;
    }

    // A read-with-reset value left in LastData by an unverifiable read: fetch it first.
    let recovered = -1;
    if (this.pendingIndex >= 0) {
      const a = this.read(ATM90E26.LastData);
      const b = this.read(ATM90E26.LastData);
      if (a === b) recovered = a;
    }

    this.tickWords.set(this.tickTemplate);
    const probe = this.probe();
    if (probe !== PROBE_OK) {
      if (this.pendingIndex >= 0) this.givePendingUp(s);
      if (probe === PROBE_RESET) return this.reinitAfterLoss(s);
      s.energyDeferred = true;
      this.counters.deferredTicks++;
      return "not-responding";
    }
    if (this.pendingIndex >= 0) {
      if (recovered >= 0) {
        // A pending read left the clear times split (uniform is false here).
        if (this.bounded(this.pendingIndex, this.pendingAtMs, recovered, s)) d[this.pendingIndex] += recovered;
        this.counters.recovered++;
        this.pendingIndex = -1;
      } else {
        this.givePendingUp(s);
      }
    }

    // SysStatus is read-with-clear: only when the IRQ pin says a bit is set (or it is not wired).
    let chipStopped = false;
    if (this.irq === undefined || this.irq.read() === 1 || (this.warnOut !== undefined && this.warnOut.read() === 1)) {
      const status = this.readVerified(ATM90E26.SysStatus);
      if (status > 0) {
        this.statusPending |= status;
        chipStopped = (status & (SYS_CAL_ERR | SYS_ADJ_ERR)) !== 0;
      }
    }
    const spi = this.spi;
    const views = this.views;
    const dv = this.tickData;
    // Counted with the energy reads (+1 below, on either way out of the loop).
    spi.transaction(views[TICK_EN_STATUS]);
    const en = dv.getUint16(3 * TICK_EN_STATUS + 1);

    const fast = this.uniform && !(now - this.drainedAllMs >= this.safeMs);
    if (!fast && this.uniform) this.splitDrainTimes();
    for (let i = 0; i < ENERGY_ADDRESSES.length; i++) {
      // The register and its LastData check from the tick buffer (frames TICK_FIRST_ENERGY + 2i, + 1).
      const at = TICK_FIRST_ENERGY + 2 * i;
      spi.transaction(views[at]);
      spi.transaction(views[at + 1]);
      const o = 3 * at + 1;
      const value = dv.getUint16(o);
      const last = dv.getUint16(o + 3);
      const v = value === last ? value : this.confirm(value, last);
      if (v < 0) {
        // The value is now only in LastData: stop touching the bus, recover it next tick.
        this.spiTransactions += 2 * (i + 1) + 1;
        this.pendingIndex = i;
        this.pendingAtMs = now;
        // Registers read before this one count from the common time: conservative (older).
        if (this.uniform) this.splitDrainTimes();
        this.counters.deferredTicks++;
        s.energyDeferred = true;
        this.publishEnergy(s);
        return "verify-failed";
      }
      if (fast || this.bounded(i, now, v, s)) d[i] += v;
    }
    this.spiTransactions += 2 * ENERGY_ADDRESSES.length + 1;
    this.uniform = true;
    this.drainedAllMs = now;
    // publishEnergy(s), written out (apparent and the neutral's apparent stay 0 from the start).
    const active = d[AP] - d[AN];
    const reactive = d[RP] - d[RN];
    s.activeEnergyLsb = active;
    s.reactiveEnergyLsb = reactive;
    s.neutralActiveEnergyLsb = active;
    s.neutralReactiveEnergyLsb = reactive;

    if (chipStopped) return this.reinitAfterLoss(s);

    const status = this.statusPending;
    this.statusPending = 0;
    if (status & SYS_SAG_WARN) s.flags |= SAMPLE_FLAG_SAG;
    if (status & SYS_REVP_CHG) s.flags |= SAMPLE_FLAG_DIRECTION_CHANGED;
    if ((en & EN_LLINE) === 0) s.flags |= SAMPLE_FLAG_NEUTRAL_METERED;
    if (en & EN_PNOLOAD) s.flags |= SAMPLE_FLAG_ACTIVE_NO_LOAD;
    if (en & EN_REVP) s.flags |= SAMPLE_FLAG_ACTIVE_REVERSE;
    this.readInstantaneous(s);
    if (s.reactivePowerMilliVar < 0) s.flags |= SAMPLE_FLAG_REACTIVE_NEGATIVE;
    if (this.refusedSlots !== 0) this.estimateRefused(s);
    return IC_OK;
  }

  /** The refused AP/AN reads as lost active energy: forward from import power, reverse from export power. */
  private estimateRefused(s: MeteringSample): void {
    const powerW = s.activePowerMilliW / 1000;
    if (this.refusedSlots & (1 << AP)) s.lostActiveEnergyLsb += this.bound.estimateLsb(this.refusedRaw[AP], powerW > 0 ? powerW : 0, this.refusedElapsedMs[AP]);
    if (this.refusedSlots & (1 << AN)) s.lostActiveEnergyLsb -= this.bound.estimateLsb(this.refusedRaw[AN], powerW < 0 ? -powerW : 0, this.refusedElapsedMs[AN]);
    this.refusedSlots = 0;
  }

  private splitDrainTimes(): void {
    this.drainedAt.fill(this.drainedAllMs);
    this.uniform = false;
  }

  /**
   * Whether `value`, just read from energy register `i` (cleared by the chip at `clearedAtMs`),
   * may be booked: not when the time since its previous clear could have wrapped it
   * (energy-bound.ts). A refused AP/AN read is kept for the loss estimate.
   */
  private bounded(i: number, clearedAtMs: number, value: number, s: MeteringSample): boolean {
    if (clearedAtMs !== clearedAtMs) return true;
    const elapsed = clearedAtMs - this.drainedAt[i];
    this.drainedAt[i] = clearedAtMs;
    if (!this.bound.couldWrap(elapsed)) return true;
    this.refusedReads++;
    s.energyMayBeLost = true;
    if (i === AP || i === AN) {
      this.refusedRaw[i] = value;
      this.refusedElapsedMs[i] = elapsed;
      this.refusedSlots |= 1 << i;
    }
    return false;
  }

  /** Reads the absolute-energy registers (never cancelled) into the running totals. */
  readAbsoluteEnergy(): boolean {
    const at = this.readVerified(ATM90E26.ATenergy);
    if (at < 0) return false;
    this.absoluteActiveLsb += at;
    const rt = this.readVerified(ATM90E26.RTenergy);
    if (rt < 0) return false;
    this.absoluteReactiveLsb += rt;
    return true;
  }

  /**
   * CalStart must read 0x8765 and FuncEn the configured value. Both back at their power-on
   * values (or FuncEn changed under a sound bus) = the chip was reset; anything else that does
   * not repeat = the bus is unusable this tick (nothing read-with-reset is touched).
   */
  private probe(): number {
    const funcEn = this.calibration.current.funcEn;
    // The first reads from the tick buffer (frames 0 and 1); retries through readAt.
    const spi = this.spi;
    const dv = this.tickData;
    spi.transaction(this.views[0]);
    this.spiTransactions++;
    let cal = dv.getUint16(1);
    if (cal !== START_CHECKED) {
      // One bad read is retried: the expected value, or the same value twice, decides.
      const again = this.readAt(CAL_START);
      if (again !== cal && again !== START_CHECKED) return PROBE_BUS;
      cal = again;
    }
    spi.transaction(this.views[1]);
    this.spiTransactions++;
    let fe = dv.getUint16(4);
    if (fe !== funcEn) {
      const again = this.readAt(FUNC_EN);
      if (again !== fe && again !== funcEn) return PROBE_BUS;
      fe = again;
    }
    if (cal === START_CHECKED && fe === funcEn) return PROBE_OK;
    if (cal === START_POWER_ON && fe === FUNC_EN_DEFAULT) return PROBE_RESET;
    if (cal === START_CHECKED && fe !== 0 && fe !== 0xffff) return PROBE_RESET; // FuncEn changed
    return PROBE_BUS;
  }

  private givePendingUp(s: MeteringSample): void {
    this.pendingIndex = -1;
    this.counters.lost++;
    s.energyMayBeLost = true;
  }

  /** The chip lost its state (reset, brown-out, CalErr/AdjErr): energy may be lost; re-init now. */
  private reinitAfterLoss(s: MeteringSample): IcStatus {
    s.energyMayBeLost = true;
    this.needsInit = true;
    const st = this.init();
    if (st === IC_OK) s.flags |= SAMPLE_FLAG_REINITIALISED;
    return "reset-detected";
  }

  private publishEnergy(s: MeteringSample): void {
    const d = this.deltas;
    s.activeEnergyLsb = d[AP] - d[AN];
    s.reactiveEnergyLsb = d[RP] - d[RN];
    s.apparentEnergyLsb = 0;
    // The chip bills one line (its anti-tamper choice) into one set of registers.
    s.neutralActiveEnergyLsb = s.activeEnergyLsb;
    s.neutralReactiveEnergyLsb = s.reactiveEnergyLsb;
    s.neutralApparentEnergyLsb = 0;
  }

  /** Two's complement 16-bit registers are sign-extended with two shifts (<< 16 >> 16). */
  private readInstantaneous(s: MeteringSample): void {
    const spi = this.spi;
    const views = this.views;
    for (let i = TICK_FIRST_INSTANT; i < TICK_ADDRESSES.length; i++) {
      spi.transaction(views[i]);
    }
    this.spiTransactions += TICK_ADDRESSES.length - TICK_FIRST_INSTANT;
    const dv = this.tickData;
    s.voltageMilliV = dv.getUint16(AT_URMS) * 10;
    s.currentMilliA = dv.getUint16(AT_IRMS);
    s.neutralCurrentMilliA = dv.getUint16(AT_IRMS2);
    // Pmean is 1 W/LSB; LSB holds 16 more fraction bits of the same reading.
    const pmean = dv.getInt16(AT_PMEAN);
    const lsb = dv.getUint16(AT_LSB);
    s.activePowerMilliW = round(((pmean * 65536 + lsb) * 1000) / 65536);
    s.reactivePowerMilliVar = dv.getInt16(AT_QMEAN) * 1000;
    s.apparentPowerMilliVA = dv.getUint16(AT_SMEAN) * 1000;
    s.neutralActivePowerMilliW = dv.getInt16(AT_PMEAN2) * 1000;
    // PowerF is sign-magnitude with the sign of active power; the interface wants the sign of
    // reactive power (negative = capacitive): only its magnitude is used.
    const magnitude = dv.getUint16(AT_POWER_F) & 0x7fff;
    s.powerFactorMilli = s.reactivePowerMilliVar < 0 ? -magnitude : magnitude;
    s.frequencyMilliHz = dv.getUint16(AT_FREQ) * 10;
  }
}

const METERING_REGS = deepFreeze([
  ATM90E26.PLconstH, ATM90E26.PLconstL, ATM90E26.Lgain, ATM90E26.Lphi, ATM90E26.Ngain, ATM90E26.Nphi,
  ATM90E26.PStartTh, ATM90E26.PNolTh, ATM90E26.QStartTh, ATM90E26.QNolTh, ATM90E26.MMode,
] as const);

const MEASUREMENT_REGS = deepFreeze([
  ATM90E26.Ugain, ATM90E26.IgainL, ATM90E26.IgainN, ATM90E26.Uoffset, ATM90E26.IoffsetL, ATM90E26.IoffsetN,
  ATM90E26.PoffsetL, ATM90E26.QoffsetL, ATM90E26.PoffsetN, ATM90E26.QoffsetN,
] as const);

/** Register values of 21H-2BH in address order (the CS1 input). */
export function meteringRegisterValues(k: Atm90e26Calibration): number[] {
  return [
    Math.floor(k.plConst / 0x10000) & 0xffff, k.plConst & 0xffff,
    k.lgain & 0xffff, toSignMagnitude(k.lphi), k.ngain & 0xffff, toSignMagnitude(k.nphi),
    k.pStartTh & 0xffff, k.pNolTh & 0xffff, k.qStartTh & 0xffff, k.qNolTh & 0xffff, k.mmode & 0xffff,
  ];
}

/** Register values of 31H-3AH in address order (the CS2 input). */
export function measurementRegisterValues(k: Atm90e26Calibration): number[] {
  return [
    k.ugain & 0x7fff, k.igainL & 0xffff, k.igainN & 0xffff, k.uoffset & 0xffff, k.ioffsetL & 0xffff, k.ioffsetN & 0xffff,
    k.poffsetL & 0xffff, k.qoffsetL & 0xffff, k.poffsetN & 0xffff, k.qoffsetN & 0xffff,
  ];
}

/** SagTh = 100 * Un * sqrt2 * x% / (4 * Ugain / 32768) (docs/chips.md B2). */
function sagThreshold(k: Atm90e26Calibration): number {
  return Math.min(0xffff, Math.round((100 * k.nominalVoltageV * Math.SQRT2 * (k.sagPercent / 100)) / ((4 * k.ugain) / 32768)));
}
