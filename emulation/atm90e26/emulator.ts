import type { DigitalIn } from "../../firmware/hal";
import { type EmulatedMeteringIc, SpiFaultState, type SpiFaultKind } from "../faults";
import { type LineConditions, type LineSource, newLineConditions, type SpiSlave } from "../line";
import { ATM90E26_REGISTER_ROWS } from "./register-table";

/**
 * Register-level ATM90E26 (M90E26) on SPI, modelled on docs/chips.md parts B and D.
 *
 * Framing: 24 clocks `[R|addr7][data16]`, one register per chip-select frame. A write is taken
 * only with exactly 24 clocks; a read completes at the 24th clock (more clocks shift out zeros).
 * Invalid addresses read 0 and discard writes. LastData holds the data of the last completed
 * access. The SPI port here is byte-wide, so a frame is 3 bytes.
 *
 * Analog model (the emulated board, not chip facts): the voltage divider gives 250 mV at 230 V;
 * the L shunt gives 0.2 mV/A ahead of the L PGA; the N current transformer gives 24 mV at 5 A
 * (N gain x1). The chip integrates the signal product
 *   pAdc = v_mV * iL_mV(after PGA) * cos(phi)  (mV^2)
 * into CF pulses at pAdc * (1 + Lgain/2^15) * 838860800 / (3.6e6 * PL_constant) pulses/s, which is
 * the PL_constant formula of docs/chips.md B3 solved for the pulse rate. Measurement registers use
 * Ugain/IgainL/IgainN with internal constants chosen so that the datasheet default gains read
 * this board correctly when its sensors are ideal.
 */
export const ATM90E26_BOARD = {
  /** Divider output, mV per volt at the terminals (250 mV at 230 V). */
  voltageMvPerVolt: 250 / 230,
  /** Shunt output before the L PGA, mV per ampere (1 mV at 5 A). */
  shuntMvPerAmp: 0.2,
  /** N current transformer burden, mV per ampere (24 mV at 5 A). */
  neutralMvPerAmp: 4.8,
  /** The chip's power registers assume this many imp/kWh (the datasheet's example constant). */
  powerRegisterImpPerKwh: 3200,
} as const;

/** Sensor errors of the emulated board, so calibration has something to correct. */
export interface Atm90e26AnalogErrors {
  voltageGain: number;
  currentGain: number;
  neutralGain: number;
  /** Extra current lag of the L sensor, degrees. */
  phaseErrorDeg: number;
  /** Extra current lag of the N sensor, degrees. */
  neutralPhaseErrorDeg: number;
  /** Crosstalk seen as power while voltage is present, W and var (L and N alike). */
  activeOffsetW: number;
  reactiveOffsetVar: number;
  /** Noise floor added to the current RMS readings, A. */
  currentOffsetA: number;
}

/** The default simulated board (firmware DEFAULT_ATM90E26_CALIBRATION is calibrated for it). */
export const DEFAULT_ATM90E26_ANALOG_ERRORS: Atm90e26AnalogErrors = {
  voltageGain: 1.008,
  currentGain: 0.985,
  neutralGain: 1.012,
  phaseErrorDeg: 0.25,
  neutralPhaseErrorDeg: 0.6,
  activeOffsetW: 0.04,
  reactiveOffsetVar: 0.03,
  currentOffsetA: 0.002,
};

export const NO_ANALOG_ERRORS: Atm90e26AnalogErrors = {
  voltageGain: 1, currentGain: 1, neutralGain: 1, phaseErrorDeg: 0, neutralPhaseErrorDeg: 0,
  activeOffsetW: 0, reactiveOffsetVar: 0, currentOffsetA: 0,
};

interface Spec {
  access: "w" | "r" | "rw" | "rc";
  reset: number;
}

/** Register file of docs/chips/atm90e26_registers.csv (address -> access class and reset value). */
const SPECS: Record<number, Spec> = {};
for (const row of ATM90E26_REGISTER_ROWS) SPECS[row.address] = { access: row.access.toLowerCase() as Spec["access"], reset: row.reset };

/** Registers whose read latches the extra 16 bits into LSB (0x08). */
const LSB_SOURCES = new Set([0x48, 0x49, 0x4a, 0x4b, 0x4f, 0x68, 0x6a, 0x6b, 0x6f]);

const START_POWER_ON = 0x6886;
const START_CALIBRATE = 0x5678;
const START_CHECKED = 0x8765;

// Internal scale constants (see the class comment).
const KU = 230 / (250 * 26400); // volts per (mV * Ugain)
const KIL = 5 / (24 * 31251); // amperes per (mV * IgainL)
const KIN = 5 / (24 * 30000); // amperes per (mV * IgainN)
const SMALL_POWER_SCALE = 100000 * 2 ** 22; // normal = small * Ugain * Igain / SMALL_POWER_SCALE (AN 46102)
const PULSE_RATE = 838860800 / 3.6e6; // pulses/s per (mV^2 / PL_constant)
const THRESHOLD_PER_MV2 = 93.2067556; // PStartTh units per mV^2 (AN 46102 threshold formula)
const PHI_RAD_PER_LSB = 1 / (3763.74 * Math.sqrt(3)); // Lphi = eps(PF0.5L) * 3763.74
const ENERGY_REGS = 6; // AP, AN, AT, RP, RN, RT

function signMag(raw: number): number {
  return raw & 0x8000 ? -(raw & 0x3ff) : raw & 0x3ff;
}

function s16(raw: number): number {
  return raw & 0x8000 ? raw - 0x10000 : raw;
}

function checksum(regs: Uint16Array, first: number, last: number): number {
  let sum = 0;
  let xor = 0;
  for (let a = first; a <= last; a++) {
    const hi = regs[a] >> 8;
    const lo = regs[a] & 0xff;
    sum += hi + lo;
    xor ^= hi ^ lo;
  }
  return ((xor & 0xff) << 8) | (sum & 0xff);
}

/** Pthresh (MMode b3:0) as a fraction. */
function pthreshFraction(code: number): number {
  if (code <= 3) return 0.125 / 2 ** code;
  return (code - 3) / 100;
}

/** A pin the chip drives; read() brings the chip up to date first. */
class ChipPin implements DigitalIn {
  level = 0;
  private handler: ((level: number) => void) | null = null;
  constructor(private readonly refresh: () => void) {}
  read(): number {
    this.refresh();
    return this.level;
  }
  onChange(handler: ((level: number) => void) | null): void {
    this.handler = handler;
  }
  drive(level: number): void {
    if (level === this.level) return;
    this.level = level;
    this.handler?.(level);
    this.onDrive?.(level);
  }
  onDrive: ((level: number) => void) | null = null;
}

export interface Atm90e26EmulatorOptions {
  /** MMD1:MMD0 pin straps: 0 anti-tamper, 1 fixed L, 2 L+N sum, 3 flexible (MMode.LNSel). */
  meteringModePins?: number;
  analogErrors?: Atm90e26AnalogErrors;
}

export class Atm90e26Emulator implements SpiSlave, EmulatedMeteringIc {
  readonly chip = "atm90e26" as const;
  readonly faults = new SpiFaultState();
  readonly regs = new Uint16Array(128);
  analogErrors: Atm90e26AnalogErrors;
  /** MMD1:MMD0 pin straps. */
  meteringModePins: number;
  /** IRQ output, active high: any SysStatus bit set. */
  readonly irqPin: ChipPin;
  /** WarnOut output, active high: CalErr, or sag when FuncEn.SagWo. */
  readonly warnOutPin: ChipPin;
  /** Times the chip has been reset (power-on counts as one). */
  resets = 0;
  /** Completed frames by kind, for tests. */
  readonly stats = { reads: 0, writes: 0, discardedWrites: 0 };

  private meteringOn = false;
  private measuringOn = false;
  /** The value written to CS1/CS2 (reads return the chip's computation instead). */
  private cs1Written = 0;
  private cs2Written = 0;
  private plconstHPending = 0x0015;
  private plconst = 0x0015d174;
  // Energy engine: signed active/reactive accumulators in pulses below 0.01 pulse (cancellation),
  // hundredths counted per direction and register, absolute accumulators that never cancel.
  private accP = 0;
  private accQ = 0;
  private accPAbs = 0;
  private accQAbs = 0;
  private readonly hundredths = new Int32Array(ENERGY_REGS);
  private readonly pulseHundredths = new Int32Array(4); // P+, P-, Q+, Q-
  private pRunning = false;
  private qRunning = false;
  private meteringOnL = true;
  private sagActive = false;

  private lastUpdateMs: number;
  private readonly line: LineConditions = newLineConditions();
  // What the measurement registers were last computed from: reads at the same virtual instant
  // with nothing changed reuse them (a tick's SPI reads all happen at one time).
  /** Bumped by writes, resets and integration: everything but time, line and board errors. */
  private stateVersion = 0;
  private refreshedVersion = -1;
  private refreshedAtMs = NaN;
  private refreshedErrors: Atm90e26AnalogErrors | null = null;
  private readonly errorsAtRefresh: Atm90e26AnalogErrors = { ...DEFAULT_ATM90E26_ANALOG_ERRORS };
  private refreshedModePins = -1;
  private readonly lineProbe: LineConditions = newLineConditions();
  // SPI frame state.
  private selected = false;
  private readonly frame = new Uint8Array(3);
  private frameLength = 0;
  private readData = 0;

  constructor(private readonly source: LineSource, private readonly now: () => number, options: Atm90e26EmulatorOptions = {}) {
    this.analogErrors = { ...(options.analogErrors ?? DEFAULT_ATM90E26_ANALOG_ERRORS) };
    this.meteringModePins = options.meteringModePins ?? 0;
    this.irqPin = new ChipPin(() => this.update());
    this.irqPin.onDrive = (level) => this.onIrqChange?.(level);
    this.warnOutPin = new ChipPin(() => this.update());
    this.lastUpdateMs = now();
    this.reset();
  }

  // ---------------------------------------------------------------- reset, faults, inspection

  /** Power-on, RESET pin or SoftReset: every register to its default, metering and measurement off. */
  reset(): void {
    this.update();
    this.stateVersion++;
    this.regs.fill(0);
    for (const [address, spec] of Object.entries(SPECS)) this.regs[Number(address)] = spec.reset;
    this.regs[0x46] = 0xc800 | (this.meteringModePins & 3);
    this.cs1Written = 0;
    this.cs2Written = 0;
    this.plconstHPending = this.regs[0x21];
    this.plconst = this.regs[0x21] * 0x10000 + this.regs[0x22];
    this.meteringOn = false;
    this.measuringOn = false;
    this.accP = this.accQ = this.accPAbs = this.accQAbs = 0;
    this.hundredths.fill(0);
    this.pulseHundredths.fill(0);
    this.pRunning = this.qRunning = false;
    this.meteringOnL = true;
    this.sagActive = false;
    this.resets++;
    this.updatePins();
  }

  /** Called with the new IRQ level whenever it changes. */
  onIrqChange: ((level: number) => void) | null = null;

  get irqLevel(): number {
    return this.irqPin.read();
  }

  injectFault(kind: SpiFaultKind): void {
    this.faults.inject(kind);
  }

  clearFault(kind?: SpiFaultKind): void {
    this.faults.clear(kind);
  }

  /** Brown-out or RESET pin. */
  injectReset(): void {
    this.reset();
  }

  /** Register bits as stored, after bringing the engine up to date (no side effects). */
  peek(address: number): number {
    this.update();
    return this.valueOf(address & 0x7f);
  }

  /** Whether the chip meters (CalStart) and measures (AdjStart) right now. */
  get running(): { metering: boolean; measuring: boolean } {
    return { metering: this.meteringOn, measuring: this.measuringOn };
  }

  /** True when the chip bills the L line (EnStatus.Lline). */
  get meteringLineL(): boolean {
    this.update();
    return this.meteringOnL;
  }

  // ---------------------------------------------------------------- SPI

  select(): void {
    this.selected = true;
    this.frameLength = 0;
    this.faults.frameStart();
  }

  deselect(): void {
    if (this.selected && this.frameLength === 3 && (this.frame[0] & 0x80) === 0) this.completeWrite();
    else if (this.selected && this.frameLength > 0 && (this.frame[0] & 0x80) === 0) this.stats.discardedWrites++;
    this.selected = false;
    this.frameLength = 0;
  }

  exchange(mosi: number): number {
    if (!this.selected) return 0xff;
    const index = this.frameLength;
    if (index < 3) this.frame[index] = mosi & 0xff;
    this.frameLength++;
    let miso = 0;
    const isRead = (this.frame[0] & 0x80) !== 0;
    if (isRead) {
      if (index === 0) {
        // SDO is high impedance during the address; the data is taken at the end of it.
        this.readData = this.latchRead(mosi & 0x7f);
      } else if (index === 1) {
        miso = this.readData >> 8;
      } else if (index === 2) {
        miso = this.readData & 0xff;
        this.completeRead(this.frame[0] & 0x7f);
      }
    }
    return this.faults.miso(miso, isRead && index >= 1 && index <= 2 ? index - 1 : -1);
  }

  /** The value a read of `address` returns, computed when the address byte completes. */
  private latchRead(address: number): number {
    this.update();
    if (!SPECS[address] || SPECS[address].access === "w") return 0;
    return this.valueOf(address);
  }

  private valueOf(address: number): number {
    if (address === 0x2c) return checksum(this.regs, 0x21, 0x2b);
    if (address === 0x3b) return checksum(this.regs, 0x31, 0x3a);
    if (!SPECS[address] || SPECS[address].access === "w") return 0;
    return this.regs[address];
  }

  /** Side effects of a read that reached its 24th clock. */
  private completeRead(address: number): void {
    this.stats.reads++;
    if (!SPECS[address] || SPECS[address].access === "w") return;
    this.regs[0x06] = this.readData;
    if (SPECS[address].access === "rc") {
      this.regs[address] = 0;
      if (address === 0x01) this.updatePins();
    }
    if (LSB_SOURCES.has(address)) this.regs[0x08] = this.lsbOf(address);
  }

  private completeWrite(): void {
    const address = this.frame[0] & 0x7f;
    const value = (this.frame[1] << 8) | this.frame[2];
    if (this.faults.dropWrite()) return;
    const spec = SPECS[address];
    if (!spec || (spec.access !== "rw" && spec.access !== "w")) {
      this.stats.discardedWrites++;
      return;
    }
    this.update();
    this.stateVersion++;
    this.stats.writes++;
    this.regs[0x06] = value;
    if (address === 0x00) {
      if (value === 0x789a) this.reset();
      return;
    }
    if (address === 0x2c) {
      this.cs1Written = value;
      this.regs[0x2c] = value;
      return;
    }
    if (address === 0x3b) {
      this.cs2Written = value;
      this.regs[0x3b] = value;
      return;
    }
    if (address === 0x21) {
      // PLconstH is buffered until PLconstL is written.
      this.plconstHPending = value;
      this.regs[0x21] = value;
      this.recheck();
      return;
    }
    this.regs[address] = value;
    if (address === 0x22) this.plconst = this.plconstHPending * 0x10000 + value;
    if (address === 0x20) this.startCommand(value, true);
    else if (address === 0x30) this.startCommand(value, false);
    else this.recheck();
  }

  /** CalStart (metering) / AdjStart (measurement) command state machine (docs/chips.md B1, D16). */
  private startCommand(value: number, metering: boolean): void {
    const status = this.regs[0x01];
    const errBits = metering ? 0xc000 : 0x3000;
    if (value === START_CALIBRATE) {
      const first = metering ? 0x21 : 0x31;
      const last = metering ? 0x2b : 0x3a;
      for (let a = first; a <= last; a++) this.regs[a] = SPECS[a].reset;
      if (metering) {
        this.plconstHPending = this.regs[0x21];
        this.plconst = this.regs[0x21] * 0x10000 + this.regs[0x22];
      }
      this.regs[0x01] = status & ~errBits;
      this.setRunning(metering, true);
    } else if (value === START_CHECKED) {
      this.recheck();
      return;
    } else if (value === START_POWER_ON) {
      this.setRunning(metering, false);
    } else {
      this.regs[0x01] = status | errBits;
      this.setRunning(metering, false);
    }
    this.updatePins();
  }

  private setRunning(metering: boolean, on: boolean): void {
    if (metering) this.meteringOn = on;
    else this.measuringOn = on;
  }

  /** The chip recomputes its checksums continuously: in 0x8765 mode a mismatch stops it. */
  private recheck(): void {
    if (this.regs[0x20] === START_CHECKED) {
      const ok = checksum(this.regs, 0x21, 0x2b) === this.cs1Written;
      if (!ok) this.regs[0x01] |= 0xc000;
      this.meteringOn = ok;
    }
    if (this.regs[0x30] === START_CHECKED) {
      const ok = checksum(this.regs, 0x31, 0x3a) === this.cs2Written;
      if (!ok) this.regs[0x01] |= 0x3000;
      this.measuringOn = ok;
    }
    this.updatePins();
  }

  private updatePins(): void {
    const status = this.regs[0x01];
    this.irqPin.drive(status !== 0 ? 1 : 0);
    const sagOnPin = (this.regs[0x02] & (1 << 4)) !== 0 && this.sagActive;
    this.warnOutPin.drive((status & 0xc000) === 0xc000 || sagOnPin ? 1 : 0);
  }

  // ---------------------------------------------------------------- measurement engine

  /** Integrates from the last update to now, segment by segment. */
  update(): void {
    const target = this.now();
    let t = this.lastUpdateMs;
    if (t === target && this.refreshedAtMs === target && this.refreshedVersion === this.stateVersion && this.unchangedSinceRefresh()) {
      // Same instant, nothing changed in the chip: the registers stand unless the line did.
      const probe = this.lineProbe;
      const line = this.line;
      this.source.conditionsAt(target, probe);
      if (probe.voltage === line.voltage && probe.current === line.current && probe.angle === line.angle && probe.frequency === line.frequency && probe.neutralCurrent === line.neutralCurrent) return;
    }
    while (t < target) {
      const until = Math.min(target, this.source.conditionsAt(t, this.line));
      this.evaluate();
      this.integrate((until - t) / 1000);
      t = until;
    }
    this.source.conditionsAt(target, this.line);
    this.lastUpdateMs = target;
    this.evaluate();
    this.refreshMeasurements();
    this.refreshedAtMs = target;
    this.refreshedVersion = this.stateVersion;
    this.refreshedErrors = this.analogErrors;
    Object.assign(this.errorsAtRefresh, this.analogErrors);
    this.refreshedModePins = this.meteringModePins;
  }

  /** Board errors and pin straps are those of the last refresh (tests may change them). */
  private unchangedSinceRefresh(): boolean {
    const e = this.analogErrors;
    const r = this.errorsAtRefresh;
    return this.refreshedErrors === e && this.refreshedModePins === this.meteringModePins && e.voltageGain === r.voltageGain &&
      e.currentGain === r.currentGain && e.neutralGain === r.neutralGain && e.phaseErrorDeg === r.phaseErrorDeg &&
      e.neutralPhaseErrorDeg === r.neutralPhaseErrorDeg && e.activeOffsetW === r.activeOffsetW && e.reactiveOffsetVar === r.reactiveOffsetVar &&
      e.currentOffsetA === r.currentOffsetA;
  }

  // Per-evaluation results (reused, no allocation).
  private pL = 0; // signal products after offsets, mV^2 (metering units, before Lgain)
  private qL = 0;
  private pN = 0;
  private qN = 0;
  private vMv = 0;
  private iLMv = 0;
  private iNMv = 0;
  private angleL = 0;
  private angleN = 0;

  private lGainPga(): number {
    const code = this.regs[0x2b] >> 13;
    if (code & 4) return 1;
    return [4, 8, 16, 24][code];
  }

  private nGainPga(): number {
    const code = (this.regs[0x2b] >> 11) & 3;
    return code === 0 ? 2 : code === 1 ? 4 : 1;
  }

  /** Signal-domain values for the current line conditions. */
  private evaluate(): void {
    const l = this.line;
    const e = this.analogErrors;
    const b = ATM90E26_BOARD;
    const fScale = l.frequency / 50;
    this.vMv = l.voltage * e.voltageGain * b.voltageMvPerVolt;
    this.iLMv = l.current * e.currentGain * b.shuntMvPerAmp * this.lGainPga();
    this.iNMv = l.neutralCurrent * e.neutralGain * b.neutralMvPerAmp * this.nGainPga();
    const deg = Math.PI / 180;
    this.angleL = l.angle * deg + e.phaseErrorDeg * deg + signMag(this.regs[0x24]) * PHI_RAD_PER_LSB * fScale;
    this.angleN = l.angle * deg + e.neutralPhaseErrorDeg * deg + signMag(this.regs[0x26]) * PHI_RAD_PER_LSB * fScale;
    const live = this.vMv > 0 ? 1 : 0;
    // Board crosstalk expressed in the signal domain of an ideal board (W -> mV^2 at Un/Ib scale).
    const wattToL = (b.voltageMvPerVolt * b.shuntMvPerAmp * this.lGainPga());
    const wattToN = (b.voltageMvPerVolt * b.neutralMvPerAmp * this.nGainPga());
    const sL = this.smallScaleL();
    const sN = this.smallScaleN();
    this.pL = this.vMv * this.iLMv * Math.cos(this.angleL) + live * (e.activeOffsetW * wattToL + s16(this.regs[0x37]) / sL);
    this.qL = this.vMv * this.iLMv * Math.sin(this.angleL) + live * (e.reactiveOffsetVar * wattToL + s16(this.regs[0x38]) / sL);
    this.pN = this.vMv * this.iNMv * Math.cos(this.angleN) + live * (e.activeOffsetW * wattToN + s16(this.regs[0x39]) / sN);
    this.qN = this.vMv * this.iNMv * Math.sin(this.angleN) + live * (e.reactiveOffsetVar * wattToN + s16(this.regs[0x3a]) / sN);
  }

  /** Small-power-mode LSBs per mV^2 for L and N. */
  private smallScaleL(): number {
    return KU * KIL * SMALL_POWER_SCALE;
  }

  private smallScaleN(): number {
    return KIN * KU * SMALL_POWER_SCALE;
  }

  /** Metering-line powers (after Lgain/Ngain), mV^2, and the anti-tamper line choice. */
  /** Result of meteringPowers (reused: no allocation per integration step). */
  private readonly powers = { p: 0, q: 0 };

  private meteringPowers(): { p: number; q: number } {
    const lg = 1 + s16(this.regs[0x23]) / 32768;
    const ng = 1 + s16(this.regs[0x25]) / 32768;
    const pL = this.pL * lg;
    const qL = this.qL * lg;
    const pN = this.pN * ng;
    const qN = this.qN * ng;
    const mode = this.meteringModePins & 3;
    let useL = this.meteringOnL;
    if (mode === 1) useL = true;
    else if (mode === 3) useL = (this.regs[0x2b] & (1 << 10)) !== 0;
    else if (mode === 0) useL = this.antiTamperChoice(Math.abs(pL), Math.abs(pN));
    const out = this.powers;
    if (mode === 2) {
      this.setMeteringLine(true);
      out.p = pL + pN;
      out.q = qL + qN;
      return out;
    }
    this.setMeteringLine(useL);
    out.p = useL ? pL : pN;
    out.q = useL ? qL : qN;
    return out;
  }

  private antiTamperChoice(pL: number, pN: number): boolean {
    const start = this.regs[0x27] / THRESHOLD_PER_MV2;
    const threshold = pthreshFraction(this.regs[0x2b] & 0xf);
    if (pL < start && pN < start) return this.meteringOnL;
    if (pL < 8 * start && pN < 8 * start && pL >= start && pN >= start) return pL >= pN;
    if (this.meteringOnL) return !(pL > 0 ? (pN - pL) / pL > threshold : pN > start);
    return pN > 0 ? (pL - pN) / pN > threshold : pL > start;
  }

  private setMeteringLine(l: boolean): void {
    if (l === this.meteringOnL) return;
    this.meteringOnL = l;
    if (this.meteringOn) {
      this.regs[0x01] |= 1 << 7; // LNchange
      this.updatePins();
    }
  }

  private integrate(seconds: number): void {
    if (seconds <= 0) return;
    this.stateVersion++;
    this.updateSag();
    if (!this.meteringOn) return;
    const { p, q } = this.meteringPowers();
    const startP = this.regs[0x27] / THRESHOLD_PER_MV2;
    const nolP = this.regs[0x28] / THRESHOLD_PER_MV2;
    const startQ = this.regs[0x29] / THRESHOLD_PER_MV2;
    const nolQ = this.regs[0x2a] / THRESHOLD_PER_MV2;
    // Startup threshold to begin metering, no-load threshold to stop (hysteresis).
    this.pRunning = this.pRunning ? Math.abs(p) >= nolP : Math.abs(p) > startP;
    this.qRunning = this.qRunning ? Math.abs(q) >= nolQ : Math.abs(q) > startQ;
    const rate = PULSE_RATE / Math.max(1, this.plconst);
    const amod = (this.regs[0x2b] & (1 << 7)) !== 0;
    const rmod = (this.regs[0x2b] & (1 << 6)) !== 0;
    if (this.pRunning) {
      const e = p * rate * seconds;
      this.accPAbs += Math.abs(e);
      this.accP += amod ? Math.abs(e) : e;
      this.accP = this.drain(this.accP, 0, 1, 0);
      this.accPAbs = this.drainAbs(this.accPAbs, 2);
    }
    if (this.qRunning) {
      const e = q * rate * seconds;
      this.accQAbs += Math.abs(e);
      this.accQ += rmod ? Math.abs(e) : e;
      this.accQ = this.drain(this.accQ, 3, 4, 2);
      this.accQAbs = this.drainAbs(this.accQAbs, 5);
    }
    let en = this.regs[0x46] & ~(0xc000 | 0x0800);
    if (!this.pRunning) en |= 0x4000;
    if (!this.qRunning) en |= 0x8000;
    if (this.meteringOnL) en |= 0x0800;
    if (amod) en &= ~0x1000;
    if (rmod) en &= ~0x2000;
    this.regs[0x46] = (en & ~3) | (this.meteringModePins & 3);
  }

  /**
   * Moves whole hundredths of a pulse out of a signed accumulator (forward and reverse cancel
   * inside 0.01 pulse) into the forward/reverse registers; returns the remaining fraction.
   */
  private drain(acc: number, fwdReg: number, revReg: number, pulseBase: number): number {
    const h = Math.trunc(acc * 100);
    if (h === 0) return acc;
    const rest = acc - h / 100;
    const reg = h > 0 ? fwdReg : revReg;
    const n = Math.abs(h);
    this.addHundredths(reg, n);
    const dir = h > 0 ? 0 : 1;
    this.pulseHundredths[pulseBase + dir] += n;
    if (this.pulseHundredths[pulseBase + dir] >= 100) {
      this.pulseHundredths[pulseBase + dir] %= 100;
      this.pulseDirection(pulseBase === 0, dir === 1);
    }
    return rest;
  }

  private drainAbs(acc: number, reg: number): number {
    const h = Math.trunc(acc * 100);
    if (h === 0) return acc;
    this.addHundredths(reg, h);
    return acc - h / 100;
  }

  private addHundredths(reg: number, n: number): void {
    const total = this.hundredths[reg] + n;
    const tenths = Math.floor(total / 10);
    this.hundredths[reg] = total - tenths * 10;
    const address = 0x40 + reg;
    this.regs[address] = (this.regs[address] + tenths) & 0xffff;
  }

  /** A whole CF pulse: RevP/RevQ follow its direction; a change latches RevPchg/RevQchg. */
  private pulseDirection(active: boolean, reverse: boolean): void {
    const bit = active ? 0x1000 : 0x2000;
    const was = (this.regs[0x46] & bit) !== 0;
    if (was === reverse) return;
    this.regs[0x46] = reverse ? this.regs[0x46] | bit : this.regs[0x46] & ~bit;
    const enable = active ? 1 << 2 : 1 << 3;
    if (this.regs[0x02] & enable) {
      this.regs[0x01] |= active ? 1 << 5 : 1 << 6;
      this.updatePins();
    }
  }

  private updateSag(): void {
    const ugain = this.regs[0x31];
    const thresholdPeakVolts = (this.regs[0x03] * 4 * ugain) / (32768 * 100);
    const peak = this.urmsVolts() * Math.SQRT2;
    const sag = this.measuringOn && peak < thresholdPeakVolts;
    if (sag && !this.sagActive && (this.regs[0x02] & (1 << 5))) this.regs[0x01] |= 1 << 1;
    this.sagActive = sag;
    this.updatePins();
  }

  private urmsVolts(): number {
    const live = this.vMv > 0 ? 1 : 0;
    return Math.max(0, this.vMv * KU * this.regs[0x31] + live * s16(this.regs[0x34]) * 256 / Math.max(1, this.regs[0x31]) / 100);
  }

  private fixed: Float64Array = new Float64Array(128);

  /** Refreshes the measurement registers (values kept with 16 extra fraction bits for LSB). */
  private refreshMeasurements(): void {
    this.updateSag();
    const f = this.fixed;
    if (!this.measuringOn) {
      for (const a of MEASUREMENT_ADDRESSES) {
        this.regs[a] = 0;
        f[a] = 0;
      }
      return;
    }
    const e = this.analogErrors;
    const ugain = this.regs[0x31];
    const small = this.regs[0x04] === 0xa987;
    const live = this.vMv > 0 ? 1 : 0;
    const urms = this.urmsVolts();
    const b = ATM90E26_BOARD;
    const il = this.currentRms(this.iLMv + live * e.currentOffsetA * b.shuntMvPerAmp * this.lGainPga(), KIL, this.regs[0x32], 0x35);
    const inn = this.currentRms(this.iNMv + live * e.currentOffsetA * b.neutralMvPerAmp * this.nGainPga(), KIN, this.regs[0x33], 0x36);
    this.setUnsigned(0x49, urms * 100);
    this.setUnsigned(0x48, il * 1000);
    this.setUnsigned(0x68, inn * 1000);
    const toWattL = (ugain * this.regs[0x32]) / SMALL_POWER_SCALE;
    const toWattN = (ugain * this.regs[0x33]) / SMALL_POWER_SCALE;
    const sL = this.smallScaleL();
    const sN = this.smallScaleN();
    const pL = this.pL * sL * (small ? 1 : toWattL);
    const qL = this.qL * sL * (small ? 1 : toWattL);
    const pN = this.pN * sN * (small ? 1 : toWattN);
    const qN = this.qN * sN * (small ? 1 : toWattN);
    this.setSigned(0x4a, pL);
    this.setSigned(0x4b, qL);
    this.setSigned(0x6a, pN);
    this.setSigned(0x6b, qN);
    const sLva = urms * il;
    const sNva = urms * inn;
    this.setUnsigned(0x4f, Math.min(32767, sLva));
    this.setUnsigned(0x6f, Math.min(32767, sNva));
    this.regs[0x4d] = pfRegister(pL, qL);
    this.regs[0x6d] = pfRegister(pN, qN);
    this.regs[0x4e] = angleRegister(pL, qL);
    this.regs[0x6e] = angleRegister(pN, qN);
    this.regs[0x4c] = live && this.line.frequency >= 45 && this.line.frequency <= 65 ? Math.round(this.line.frequency * 100) : 0;
  }

  private currentRms(mv: number, k: number, gain: number, offsetReg: number): number {
    if (mv <= 0) return 0;
    return Math.max(0, mv * k * gain + (s16(this.regs[offsetReg]) * 256) / Math.max(1, gain) / 1000);
  }

  private setUnsigned(address: number, value: number): void {
    const v = Math.max(0, Math.min(0xffff + 65535 / 65536, value));
    this.fixed[address] = Math.floor(v * 65536);
    this.regs[address] = Math.floor(v) & 0xffff;
  }

  private setSigned(address: number, value: number): void {
    const v = Math.max(-32768, Math.min(32767 + 65535 / 65536, value));
    const fixed = Math.floor(v * 65536);
    this.fixed[address] = fixed;
    this.regs[address] = Math.floor(fixed / 65536) & 0xffff;
  }

  /** The 16 extra bits of the last RMS/power read, b7:0 always 0. */
  private lsbOf(address: number): number {
    const fixed = this.fixed[address];
    return (fixed - Math.floor(fixed / 65536) * 65536) & 0xff00;
  }
}

/** Measurement registers zeroed while measurement is off. */
const MEASUREMENT_ADDRESSES: readonly number[] = [0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x68, 0x6a, 0x6b, 0x6d, 0x6e, 0x6f];

function pfRegister(p: number, q: number): number {
  const s = Math.hypot(p, q);
  if (s === 0) return 0;
  const m = Math.min(1000, Math.round((Math.abs(p) / s) * 1000));
  return p < 0 && m !== 0 ? 0x8000 | m : m;
}

function angleRegister(p: number, q: number): number {
  if (p === 0 && q === 0) return 0;
  const tenths = Math.round((Math.atan2(q, p) * 1800) / Math.PI);
  return tenths < 0 ? 0x8000 | (-tenths & 0x7fff) : tenths;
}
