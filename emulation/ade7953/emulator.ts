import {
  ACCMODE_ACTNLOAD_A, ACCMODE_ACTNLOAD_B, ACCMODE_APSIGN_A, ACCMODE_APSIGN_B, ACCMODE_VANLOAD_A, ACCMODE_VANLOAD_B,
  ACCMODE_VARNLOAD_A, ACCMODE_VARNLOAD_B, ACCMODE_VARSIGN_A, ACCMODE_VARSIGN_B, ACCMODE_WRITABLE_MASK,
  CONFIG_COMM_LOCK, CONFIG_CRC_ENABLE, CONFIG_SWRST,
  IRQ_AP_NOLOAD, IRQ_APSIGN, IRQ_CRC, IRQ_CYCEND, IRQ_OI, IRQ_OV, IRQ_RESET, IRQ_SAG, IRQ_VA_NOLOAD, IRQ_VAR_NOLOAD,
  IRQ_VARSIGN, IRQ_WSMP, IRQ_ZX_I, IRQ_ZXTO, IRQ_ZXTO_I, IRQ_ZXV, LAST_OP_READ, LAST_OP_WRITE, noLoadRatio,
  PGA_GAINS, SETUP_120_VALUE, UNLOCK_120_KEY, widthOfAddress,
} from "./chip-facts";
import { ADE7953_REGISTER_ROWS as ADE7953_REGISTERS, type Ade7953RegisterRow as Ade7953Register } from "./register-table";
import { type EmulatedMeteringIc, type SpiFaultKind, SpiFaultState } from "../faults";
import { type LineConditions, type LineSource, newLineConditions } from "../line";
import { ADE7953_FRONT_END, type Ade7953BoardErrors, copyBoardErrors, DEFAULT_ADE7953_BOARD_ERRORS } from "./analog";

export { ADE7953_FRONT_END, DEFAULT_ADE7953_BOARD_ERRORS, IDEAL_ADE7953_BOARD, type Ade7953BoardErrors } from "./analog";

/** Kept for the first version's name. */
export type AnalogErrors = Ade7953BoardErrors;

export interface Ade7953EmulatorOptions {
  /** Analog errors of the emulated board (default: DEFAULT_ADE7953_BOARD_ERRORS). */
  board?: Ade7953BoardErrors;
  /** Time after a reset during which the chip does not answer (datasheet: ~40 ms start-up). */
  startupMs?: number;
  /** Silicon version read at 0x702. */
  version?: number;
  /**
   * Default true: a read at the instant of the last refresh does not ask the line again while its
   * revision stands (LineSource.revision), the waveform sines are taken when read, and a refresh
   * does not compute the channels again for unchanged conditions. false: every read at an
   * instant asks the line and compares the board field by field, every refresh computes
   * everything, as before issue 19; the same answers (test/emulation/lazy-reads.test.ts).
   */
  lazy?: boolean;
}

const F = ADE7953_FRONT_END;
const UNITY = 0x400000;
const POWER_PER_COUNT2 = F.powerFullScale / (F.rmsFullScale * F.rmsFullScale);
const ENERGY_PER_POWER = F.energyFullScaleRate / F.powerFullScale;
const ENERGY_PER_RMS = F.energyFullScaleRate / F.rmsFullScale;
const PEAK_PER_RMS = F.waveformFullScale / F.rmsFullScale;
/** Zero crossings are detected above 1/1250 of full scale (docs/chips.md A3). */
const ZX_MIN_RMS = F.rmsFullScale / 1250;
/** With 0x120 not set to 0x0030 the chip misses its specified accuracy; modelled as +0.25 % gain. */
const UNSET_120_ERROR = 1.0025;
const RAD = Math.PI / 180;

/** Energy registers in the order of the accumulators: AENERGYA, AENERGYB, RENERGYA, RENERGYB, APENERGYA, APENERGYB. */
const ENERGY_ADDRESSES = [0x21e, 0x21f, 0x220, 0x221, 0x222, 0x223] as const;
/** Verification registers: reading them does not change them (this project's reading of D1 p57). */
const VERIFICATION_ADDRESSES = [0x0fd, 0x0ff, 0x1fe, 0x1ff, 0x2ff, 0x3ff];
/** Per energy accumulator: [IRQ register address, half-full bit, overflow bit]. */
const ENERGY_IRQ_BITS = [
  [0, 0, 3], [1, 0, 3], [0, 1, 4], [1, 1, 4], [0, 2, 5], [1, 2, 5],
] as const;
/** Gain and offset registers of each channel's powers: [WGAIN, VARGAIN, VAGAIN, WATTOS, VAROS, VAOS]. */
const CHANNEL_A_POWER_REGS: readonly number[] = [0x282, 0x283, 0x284, 0x289, 0x28a, 0x28b];
const CHANNEL_B_POWER_REGS: readonly number[] = [0x28e, 0x28f, 0x290, 0x295, 0x296, 0x297];
/** LCYCMODE line-cycle bit of each accumulator. */
const LINE_CYCLE_BITS = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20] as const;

/** Register facts by 24-bit-window address (an array: one lookup per SPI read). */
const SPEC: (Ade7953Register | undefined)[] = new Array<Ade7953Register | undefined>(0x801).fill(undefined);
for (const r of ADE7953_REGISTERS) SPEC[r.address] = r;
/** 1 at the two's complement registers (sign-extended in their 32-bit view). */
const IS_SIGNED = new Uint8Array(0x801);
for (const r of ADE7953_REGISTERS) if (r.kind === "S") IS_SIGNED[r.address] = 1;
/** 1 at the verification registers' addresses (reading them leaves the record alone). */
const IS_VERIFICATION = new Uint8Array(0x801);
for (const a of VERIFICATION_ADDRESSES) IS_VERIFICATION[a] = 1;
/**
 * How `transaction` reads each frame address below 0x400 without the general path: 0 = general
 * (nothing there, write-only, CRC, LAST_RWDATA32, the waveforms, the clearing copies and peak
 * resets); else the register cell | data bytes << 12 | PLAN_* flags.
 */
const READ_PLAN = new Int32Array(0x400);
const PLAN_SIGN32 = 1 << 16;
const PLAN_VERIFICATION = 1 << 17;
const PLAN_ENERGY = 1 << 18;
for (let a = 0; a < 0x400; a++) {
  const width = widthOfAddress(a);
  if (a === 0x37f || a === 0x3ff) continue;
  const spec = SPEC[width === 32 ? a - 0x100 : a];
  if (!spec || spec.bits !== (width === 32 ? 24 : width) || spec.access === "W") continue;
  const base = spec.address;
  if ((base >= 0x216 && base <= 0x218) || base === 0x22e || base === 0x231 || base === 0x227 || base === 0x229 || base === 0x22b) continue;
  let plan = base | ((width >> 3) << 12);
  if (width === 32 && IS_SIGNED[base] === 1) plan |= PLAN_SIGN32;
  if (IS_VERIFICATION[a] === 1) plan |= PLAN_VERIFICATION;
  if (base >= 0x21e && base <= 0x223) plan |= PLAN_ENERGY;
  READ_PLAN[a] = plan;
}
/** Registers the CRC covers: every read/write configuration register, in address order. */
const CRC_ADDRESSES = ADE7953_REGISTERS.filter((r) => r.access === "RW").map((r) => r.address).sort((a, b) => a - b);

interface ChannelState {
  /** RMS counts as the chip shows them (after gain and offset). */
  vrms: number;
  irms: number;
  /** Powers in register counts (after gains and offsets). */
  p: number;
  q: number;
  s: number;
  /** Current lag behind voltage as the chip sees it, degrees. */
  lagDeg: number;
  /** Waveform peaks in waveform counts. */
  iPeak: number;
}

/**
 * Register-level ADE7953 (docs/chips.md part D, items 1-15): exact SPI framing, the register file of
 * the CSV, 24/32-bit aliasing, write protection, keyed 0x120, CF divider double write, the
 * verification record, a time-driven measurement engine over a LineSource (RMS, powers, PF,
 * angle, period, energy with fractional carry, read-with-reset, wrap with half-full/overflow
 * status, accumulation modes, line-cycle mode, no-load suppression), latched interrupts with the
 * IRQ pin, the CRC register, and fault injection.
 */
export class Ade7953Emulator implements EmulatedMeteringIc {
  readonly chip = "ade7953" as const;
  /** Register cells by 24-bit-window address (raw unsigned bits). */
  private readonly regs = new Float64Array(0x801);
  /** Fractional energy carried between whole LSBs, per energy register. */
  private readonly fraction = new Float64Array(6);
  /** Line-cycle accumulators (energy of the running line cycle), per energy register. */
  private readonly cycleEnergy = new Float64Array(6);
  private readonly line: LineConditions = newLineConditions();
  private readonly chA: ChannelState = { vrms: 0, irms: 0, p: 0, q: 0, s: 0, lagDeg: 0, iPeak: 0 };
  private readonly chB: ChannelState = { vrms: 0, irms: 0, p: 0, q: 0, s: 0, lagDeg: 0, iPeak: 0 };
  private vPeak = 0;
  private lastUpdateMs: number;
  private readyAtMs: number;
  private readonly startupMs: number;
  private readonly version: number;
  private readonly lazy: boolean;
  readonly faults = new SpiFaultState();

  // SPI frame state
  private selected = false;
  private readonly frame = new Uint8Array(8);
  private frameLength = 0;
  private readonly readLatch = new Uint8Array(4);
  private latchedValue = 0;
  /** Data bytes of the latched read (its access width / 8). */
  private latchedBytes = 0;
  private latchedOk = false;
  private ignoreFrame = false;

  // Write sequencing
  private keyArmed = false;
  private lastWriteAddress = -1;
  private lastWriteValue = -1;
  private readonly stagedDivider = new Map<number, number>();
  private lastData32 = 0;

  // Engine state
  private halfCycles = 0;
  private activeLinecyc = 0;
  private zxPhase = 0;
  private zxiPhaseA = 0;
  private zxiPhaseB = 0;
  private lastZxMs = 0;
  private lastZxIaMs = 0;
  private lastZxIbMs = 0;
  private zxtoFired = false;
  private zxtoIaFired = false;
  private zxtoIbFired = false;
  private sagSeconds = 0;
  private sagFired = false;
  private signP = [1, 1];
  private signQ = [1, 1];
  private noLoad = [0, 0];
  private crcAtEnable = 0;
  private crcLast = 0;

  // What the instantaneous registers were last computed from (a read at the same instant with
  // nothing changed reuses them: the SPI reads of one tick all happen at one virtual time).
  /** Bumped by everything that changes an input of refreshInstantaneous other than time and line. */
  private stateVersion = 0;
  /**
   * Bumped with stateVersion by everything that changes an input of computeChannels other than
   * the line (register writes, resets, the board, peak resets); not by the integration, which
   * changes none of them.
   */
  private channelInputs = 0;
  /** channelInputs and the line when computeChannels last computed; channelsVersion counts its computations. */
  private channelsAtInputs = -1;
  private readonly channelsLine: LineConditions = newLineConditions();
  private channelsVersion = 0;
  /** channelsVersion and the no-load / sign state the instantaneous registers were last computed from. */
  private registersAtChannels = -1;
  private registersAtFlags = -1;
  private refreshedVersion = -1;
  private refreshedAtMs = NaN;
  /** The board's errors as of the last refresh (`lazy: false` compares them field by field). */
  private readonly boardAtRefresh: Ade7953BoardErrors = { ...DEFAULT_ADE7953_BOARD_ERRORS };
  private readonly lineProbe: LineConditions = newLineConditions();
  /** What `this.line` holds: the source's answer asked at lineFromMs, holding until lineUntilMs, at lineRevision (lineAt). */
  private lineFromMs = NaN;
  private lineUntilMs = NaN;
  private lineRevision: number | undefined = NaN;
  /** LineSource.revision at the last refresh (undefined: the source keeps none). */
  private refreshedLineRevision: number | undefined = NaN;
  /** What the waveform registers of the last refresh come from (waveforms()); stale: not yet computed. */
  private waveStale = false;
  private waveAtMs = 0;
  private waveFrequency = 0;
  private waveVrmsA = 0;
  private waveIrmsA = 0;
  private waveLagA = 0;
  private waveIrmsB = 0;
  private waveLagB = 0;

  resets = 0;
  /** Level of the IRQ pin (active low). */
  irqLevel = 1;
  onIrqChange: ((level: number) => void) | null = null;
  /** The board's errors (the chip reads these; `board` is a view that counts every change). */
  private readonly errors: Ade7953BoardErrors;
  private readonly boardView: Ade7953BoardErrors;

  constructor(private readonly source: LineSource, private readonly now: () => number, options: Ade7953EmulatorOptions = {}) {
    this.errors = { ...(options.board ?? DEFAULT_ADE7953_BOARD_ERRORS) };
    this.boardView = boardView(this.errors, () => this.inputsChanged());
    this.startupMs = options.startupMs ?? 40;
    this.version = options.version ?? 0x02;
    this.lazy = options.lazy ?? true;
    this.lastUpdateMs = now();
    this.readyAtMs = this.lastUpdateMs;
    this.resetRegisters();
  }

  /** Kept for the first version's name. */
  get analogErrors(): Ade7953BoardErrors {
    return this.boardView;
  }

  set analogErrors(errors: Ade7953BoardErrors) {
    this.board = errors;
  }

  /**
   * Analog errors of the emulated board. Changing a field (`chip.board.activeOffsetW = 3`) or
   * assigning a whole set (its values are copied: a later change to the object assigned is not
   * seen) takes effect at the next read, as a change of the chip's state.
   */
  get board(): Ade7953BoardErrors {
    return this.boardView;
  }

  set board(errors: Ade7953BoardErrors) {
    copyBoardErrors(this.errors, errors);
    this.inputsChanged();
  }

  // ---- fault injection -------------------------------------------------------------------

  injectFault(kind: SpiFaultKind): void {
    this.faults.inject(kind);
  }

  clearFault(kind?: SpiFaultKind): void {
    this.faults.clear(kind);
  }

  /** Brown-out or RESET pin: registers to defaults, RESET interrupt, no answers for startupMs. */
  injectReset(): void {
    this.update();
    this.resetRegisters();
    this.readyAtMs = this.now() + this.startupMs;
  }

  /** Kept for the first version's name. */
  reset(): void {
    this.injectReset();
  }

  private resetRegisters(): void {
    this.inputsChanged();
    this.regs.fill(0);
    for (const r of ADE7953_REGISTERS) if (r.bits !== 32 && r.access !== "W") this.regs[r.address] = r.reset ?? 0;
    this.regs[0x702] = this.version;
    this.fraction.fill(0);
    this.cycleEnergy.fill(0);
    this.vPeak = 0;
    this.chA.iPeak = this.chB.iPeak = 0;
    this.keyArmed = false;
    this.lastWriteAddress = -1;
    this.stagedDivider.clear();
    this.lastData32 = 0;
    this.halfCycles = 0;
    this.activeLinecyc = 0;
    this.sagSeconds = 0;
    this.sagFired = false;
    this.zxtoFired = this.zxtoIaFired = this.zxtoIbFired = false;
    this.noLoad[0] = this.noLoad[1] = 0;
    this.crcAtEnable = this.crcLast = 0;
    this.regs[0x22d] = IRQ_RESET;
    this.resets++;
    this.refreshInstantaneous();
    this.updateIrqPin();
  }

  // ---- test access -----------------------------------------------------------------------

  /** Raw register bits at a 24-bit-window address (32-bit addresses map to their cell). */
  peek(address: number): number {
    this.update();
    if (address === 0x37f) return this.crc();
    if (address === 0x3ff) return this.lastData32;
    const base = address >= 0x300 && address < 0x400 ? address - 0x100 : address;
    if (this.waveStale && base >= 0x216 && base <= 0x218) this.waveforms();
    return this.regs[base];
  }

  /** Sets a register cell directly, bypassing the bus (tests: corrupt a calibration register). */
  poke(address: number, value: number): void {
    this.update();
    this.regs[address] = value;
    this.afterConfigChange();
  }

  /** Energy the chip holds but has not yet put in its registers (fractions of an LSB). */
  carriedFraction(index: number): number {
    return this.fraction[index];
  }

  // ---- SPI ---------------------------------------------------------------------------------

  select(): void {
    this.selected = true;
    this.frameLength = 0;
    this.latchedOk = false;
    this.ignoreFrame = this.now() < this.readyAtMs;
    this.faults.frameStart();
  }

  exchange(mosi: number): number {
    if (!this.selected) return 0xff;
    const n = this.frameLength;
    if (n < this.frame.length) this.frame[n] = mosi & 0xff;
    this.frameLength = n + 1;
    if (this.ignoreFrame || n < 2 || this.frame[2] !== 0x80) return this.faults.miso(0, -1);
    if (n === 2) {
      this.latchRead();
      return this.faults.miso(0, -1);
    }
    // Data bytes of a read: the value latched when the header completed (n === 2).
    const index = n - 3;
    return this.faults.miso(index < this.latchedBytes ? this.readLatch[index] : 0, index);
  }

  transferFrame(buffer: Uint8Array): void {
    const n = buffer.length;
    if (!this.selected || this.faults.active) {
      for (let i = 0; i < n; i++) buffer[i] = this.exchange(buffer[i]);
      return;
    }
    // No bus fault: miso() passes every byte through, so this is exchange() without its calls.
    const frame = this.frame;
    if (this.frameLength === 0 && n >= 3 && !this.ignoreFrame) {
      // A whole frame in one transfer (the driver's tick reads): header, then the latched data.
      const rw = buffer[2];
      frame[0] = buffer[0];
      frame[1] = buffer[1];
      frame[2] = rw;
      this.frameLength = n;
      buffer[0] = 0;
      buffer[1] = 0;
      buffer[2] = 0;
      if (rw !== 0x80) {
        // A write's data bytes are kept for deselect (a read's are never looked at).
        const kept = n < frame.length ? n : frame.length;
        for (let i = 3; i < kept; i++) frame[i] = buffer[i];
        for (let i = 3; i < n; i++) buffer[i] = 0;
        return;
      }
      this.latchRead();
      const bytes = this.latchedBytes;
      const latch = this.readLatch;
      for (let i = 3; i < n; i++) buffer[i] = i - 3 < bytes ? latch[i - 3] : 0;
      return;
    }
    for (let i = 0; i < n; i++) {
      const at = this.frameLength;
      if (at < frame.length) frame[at] = buffer[i];
      this.frameLength = at + 1;
      if (this.ignoreFrame || at < 2 || frame[2] !== 0x80) {
        buffer[i] = 0;
      } else if (at === 2) {
        this.latchRead();
        buffer[i] = 0;
      } else {
        const index = at - 3;
        buffer[i] = index < this.latchedBytes ? this.readLatch[index] : 0;
      }
    }
  }

  /**
   * SpiSlave.transaction: `select()`, `transferFrame(buffer)`, `deselect()` in one call. A whole
   * read frame with no bus fault and the chip answering is handled here without the frame state
   * (the same update, the same value, the same read-with-reset and verification record); anything
   * else goes through the three calls.
   */
  transaction(buffer: Uint8Array): void {
    const n = buffer.length;
    const now = this.now();
    if (this.selected || n < 3 || buffer[2] !== 0x80 || this.faults.active || now < this.readyAtMs) {
      this.select();
      this.transferFrame(buffer);
      this.deselect();
      return;
    }
    // update() without its call when nothing can have changed (its first test, written out).
    if (!(this.lastUpdateMs === now && this.refreshedAtMs === now && this.refreshedVersion === this.stateVersion && this.lazy &&
      this.refreshedLineRevision === this.source.revision && this.refreshedLineRevision !== undefined)) this.update(now);
    const address = (buffer[0] << 8) | buffer[1];
    const plan = address < 0x400 ? READ_PLAN[address] : 0;
    const bytes = (plan >> 12) & 7;
    if (plan === 0 || n !== 3 + bytes) {
      this.readFrame(buffer, address);
      return;
    }
    // A plain register, an energy register or a verification register in a frame of its exact
    // length: the value is the cell's (sign-extended for a signed register read in 32 bits), as
    // registerValue gives it. The frame state (frame, latch) is not kept: after a deselect
    // nothing reads it before the next select() sets it afresh.
    const cell = plan & 0xfff;
    let value = this.regs[cell];
    if ((plan & PLAN_SIGN32) !== 0 && value >= 0x800000) value += 0xff000000;
    if (value >>> 0 !== value) {
      this.readFrame(buffer, address);
      return;
    }
    buffer[0] = 0;
    buffer[1] = 0;
    buffer[2] = 0;
    let v = value;
    for (let i = n - 1; i >= 3; i--) {
      buffer[i] = v & 0xff;
      v >>>= 8;
    }
    // completeRead: read-with-reset of an energy register, then the verification record.
    if ((plan & PLAN_ENERGY) !== 0 && (this.regs[0x004] & 0x40) !== 0) this.regs[cell] = 0;
    if ((plan & PLAN_VERIFICATION) === 0) this.record(LAST_OP_READ, address, bytes << 3, value);
  }

  /** transaction() of a whole read frame, the chip up to date: registerValue, the data bytes, completeRead. */
  private readFrame(buffer: Uint8Array, address: number): void {
    const n = buffer.length;
    const width = widthOfAddress(address);
    const value = this.registerValue(address, width);
    const bytes = width >> 3;
    buffer[0] = 0;
    buffer[1] = 0;
    buffer[2] = 0;
    let v = value < 0 ? 0 : value;
    this.latchedOk = value >= 0;
    this.latchedValue = v;
    if (v >>> 0 === v) {
      for (let i = bytes - 1; i >= 0; i--) {
        if (3 + i < n) buffer[3 + i] = v & 0xff;
        v >>>= 8;
      }
    } else {
      for (let i = bytes - 1; i >= 0; i--) {
        if (3 + i < n) buffer[3 + i] = v % 256;
        v = Math.floor(v / 256);
      }
    }
    for (let i = 3 + bytes; i < n; i++) buffer[i] = 0;
    if (n >= 3 + bytes && value >= 0) this.completeRead(address, width);
  }

  deselect(): void {
    if (!this.selected) return;
    this.selected = false;
    if (this.ignoreFrame || this.frameLength < 3) return;
    const address = this.address();
    const bytes = widthOfAddress(address) >> 3;
    const rw = this.frame[2];
    if (rw === 0x80) {
      // Raising CS before the last data byte aborts the read: no clear, no record.
      if (this.frameLength >= 3 + bytes && this.latchedOk) this.completeRead(address, widthOfAddress(address));
    } else if (rw === 0x00) {
      if (this.frameLength !== 3 + bytes) return; // wrong length: ignored
      if (this.faults.dropWrite()) return;
      let value = 0;
      for (let i = 0; i < bytes; i++) value = value * 256 + this.frame[3 + i];
      this.completeWrite(address, widthOfAddress(address), value);
    }
  }

  private address(): number {
    return (this.frame[0] << 8) | this.frame[1];
  }

  /** The header is complete: the value is fixed now and shifted out over the data bytes. */
  private latchRead(): void {
    this.update();
    const address = this.address();
    const width = widthOfAddress(address);
    const value = this.registerValue(address, width);
    this.latchedOk = value >= 0;
    this.latchedValue = value < 0 ? 0 : value;
    const bytes = width >> 3;
    this.latchedBytes = bytes;
    let v = this.latchedValue;
    if (v >>> 0 === v) {
      // Integer bit operations where they are exact (every value of a 32-bit access): V8 takes a
      // C call for % on a double, and this runs for each of the ~21 reads of a tick.
      for (let i = bytes - 1; i >= 0; i--) {
        this.readLatch[i] = v & 0xff;
        v >>>= 8;
      }
      return;
    }
    for (let i = bytes - 1; i >= 0; i--) {
      this.readLatch[i] = v % 256;
      v = Math.floor(v / 256);
    }
  }

  /** What a read of `address` returns (unsigned bits of the access width), or -1 if nothing is there. */
  private registerValue(address: number, width: number): number {
    if (width === 32) {
      if (address === 0x37f) return this.crc();
      if (address === 0x3ff) return this.lastData32;
      const spec = SPEC[address - 0x100];
      if (!spec || spec.bits !== 24) return -1;
      const raw = this.readValue24(spec);
      // 32-bit reads: low 24 bits valid, top 8 bits sign-extended for signed registers.
      return IS_SIGNED[spec.address] === 1 && raw >= 0x800000 ? raw + 0xff000000 : raw;
    }
    const spec = SPEC[address];
    if (!spec || spec.bits !== width) return -1;
    if (spec.access === "W") return 0;
    return this.readValue24(spec);
  }

  private readValue24(spec: Ade7953Register): number {
    if (this.waveStale && spec.address >= 0x216 && spec.address <= 0x218) this.waveforms();
    switch (spec.address) {
      case 0x22e: return this.regs[0x22d];
      case 0x231: return this.regs[0x230];
      case 0x227: return this.regs[0x226];
      case 0x229: return this.regs[0x228];
      case 0x22b: return this.regs[0x22a];
      default: return this.regs[spec.address];
    }
  }

  private completeRead(address: number, width: number): void {
    const base = width === 32 ? address - 0x100 : address;
    switch (base) {
      case 0x21e: case 0x21f: case 0x220: case 0x221: case 0x222: case 0x223:
        if (this.regs[0x004] & 0x40) this.regs[base] = 0;
        break;
      case 0x22e: this.regs[0x22d] = 0; this.updateIrqPin(); break;
      case 0x231: this.regs[0x230] = 0; break;
      // Peak resets change what the next refresh computes.
      case 0x227: this.regs[0x226] = 0; this.vPeak = 0; this.inputsChanged(); break;
      case 0x229: this.regs[0x228] = 0; this.chA.iPeak = 0; this.inputsChanged(); break;
      case 0x22b: this.regs[0x22a] = 0; this.chB.iPeak = 0; this.inputsChanged(); break;
    }
    if (IS_VERIFICATION[address] === 0) this.record(LAST_OP_READ, address, width, this.latchedValue);
  }

  private record(op: number, address: number, width: number, value: number): void {
    this.regs[0x0fd] = op;
    this.regs[0x1fe] = address;
    const exact = value >>> 0 === value; // bit operations are exact, and cheaper than % on a double
    if (width === 8) this.regs[0x0ff] = exact ? value & 0xff : value % 0x100;
    else if (width === 16) this.regs[0x1ff] = exact ? value & 0xffff : value % 0x10000;
    else {
      this.regs[0x2ff] = exact ? value & 0xffffff : value % 0x1000000;
      this.lastData32 = value;
    }
  }

  private completeWrite(address: number, width: number, value: number): void {
    const base = width === 32 ? address - 0x100 : address;
    const spec = SPEC[base];
    if (!spec || (width === 32 ? spec.bits !== 24 : spec.bits !== width)) return;
    if (spec.access !== "RW" && spec.access !== "W") return;
    const protect = this.regs[0x040];
    if (base !== 0x040) {
      const bit = spec.bits === 8 ? 1 : spec.bits === 16 ? 2 : 4;
      if (protect & bit) return; // protected: silently ignored, not a successful access
    }
    this.update();
    const armed = this.keyArmed;
    this.keyArmed = false;
    const previousAddress = this.lastWriteAddress;
    const previousValue = this.lastWriteValue;
    this.lastWriteAddress = base;
    this.lastWriteValue = value;
    const stored = spec.bits === 8 ? value & 0xff : spec.bits === 16 ? value & 0xffff : value % 0x1000000;
    switch (base) {
      case 0x0fe:
        this.keyArmed = stored === UNLOCK_120_KEY;
        this.record(LAST_OP_WRITE, address, width, value);
        return;
      case 0x120:
        if (!armed) return; // needs the 0xAD key as the write right before
        break;
      case 0x102:
        if (stored & CONFIG_SWRST) {
          this.injectReset();
          return;
        }
        break;
      case 0x103:
      case 0x104:
        // CF1DEN/CF2DEN take a value only when it is written twice in a row.
        this.record(LAST_OP_WRITE, address, width, value);
        if (previousAddress === base && previousValue === value) this.regs[base] = stored;
        return;
    }
    let next = stored;
    if (base === 0x102) {
      // COMM_LOCK is sticky: once cleared (locked) it stays clear until a reset.
      if ((this.regs[0x102] & CONFIG_COMM_LOCK) === 0) next &= ~CONFIG_COMM_LOCK;
      const enabling = (next & CONFIG_CRC_ENABLE) !== 0 && (this.regs[0x102] & CONFIG_CRC_ENABLE) === 0;
      this.regs[0x102] = next;
      if (enabling) this.crcAtEnable = this.crcLast = this.computeCrc();
    } else if (base === 0x201) {
      this.regs[0x201] = (this.regs[0x201] & ~ACCMODE_WRITABLE_MASK & 0xffffff) | (next & ACCMODE_WRITABLE_MASK);
    } else if (base === 0x004) {
      const newlyLineCycle = next & ~this.regs[0x004] & 0x3f;
      for (let i = 0; i < 6; i++) if (newlyLineCycle & LINE_CYCLE_BITS[i]) this.cycleEnergy[i] = 0;
      this.regs[0x004] = next;
    } else {
      this.regs[base] = next;
    }
    this.record(LAST_OP_WRITE, address, width, value);
    this.afterConfigChange();
  }

  private afterConfigChange(): void {
    this.inputsChanged();
    if (this.regs[0x102] & CONFIG_CRC_ENABLE) {
      const crc = this.computeCrc();
      if (crc !== this.crcLast) {
        this.crcLast = crc;
        if (crc !== this.crcAtEnable) this.regs[0x22d] |= IRQ_CRC;
      }
    }
    this.refreshInstantaneous();
    this.updateIrqPin();
  }

  // ---- CRC ---------------------------------------------------------------------------------

  private crc(): number {
    return this.regs[0x102] & CONFIG_CRC_ENABLE ? this.computeCrc() : 0xffffffff;
  }

  /**
   * IEEE 802.3 CRC-32 (reflected, LSB first) over the read/write configuration registers, each
   * as 32 bits little-endian, in address order. The silicon also covers 8 hidden registers, so
   * the value differs from the datasheet's 0x48739163; it changes whenever a covered register does.
   */
  private computeCrc(): number {
    let crc = 0xffffffff;
    for (const address of CRC_ADDRESSES) {
      let v = this.regs[address];
      for (let b = 0; b < 4; b++) {
        crc ^= v & 0xff;
        v = Math.floor(v / 256);
        for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
      }
    }
    return (crc ^ 0xffffffff) >>> 0;
  }

  // ---- measurement engine ------------------------------------------------------------------

  private gain(address: number): number {
    return this.regs[address] / UNITY;
  }

  private signed24(address: number): number {
    const raw = this.regs[address];
    return raw >= 0x800000 ? raw - 0x1000000 : raw;
  }

  /** Integrates from the last update to now, piece by piece (load changes, line-cycle ends). */
  private update(target = this.now()): void {
    let t = this.lastUpdateMs;
    // A change of the board's errors moves stateVersion (boardView); `lazy: false` also compares them.
    if (t === target && this.refreshedAtMs === target && this.refreshedVersion === this.stateVersion && (this.lazy || this.boardUnchanged())) {
      // Same instant, nothing changed in the chip: the instantaneous registers stand unless the
      // line did (a test override, the relay opening at this very ms). A source that keeps a
      // revision says so without being asked again (the same time and revision give the same
      // conditions); NaN or no revision: asked.
      const revision = this.source.revision;
      if (revision !== undefined && revision === this.refreshedLineRevision && this.lazy) return;
      const probe = this.lineProbe;
      const line = this.line;
      this.source.conditionsAt(target, probe);
      if (probe.voltage === line.voltage && probe.current === line.current && probe.angle === line.angle && probe.frequency === line.frequency && probe.neutralCurrent === line.neutralCurrent) return;
    }
    let computed = false;
    while (t < target) {
      let until = Math.min(target, this.lineAt(t));
      if (!this.lazy || !this.channelsCurrent()) this.computeChannels();
      computed = true;
      const cycleEnd = this.msToCycleEnd();
      let endsCycle = false;
      if (t + cycleEnd <= until) {
        until = t + cycleEnd;
        endsCycle = true;
      }
      this.integrate(t, until);
      if (endsCycle) this.endLineCycle();
      t = until;
    }
    this.lastUpdateMs = target;
    this.refreshInstantaneous(computed && this.lazy);
  }

  /** The board's analog errors are those of the last refresh (tests change them between reads). */
  private boardUnchanged(): boolean {
    const b = this.errors;
    const r = this.boardAtRefresh;
    return b.voltageGain === r.voltageGain && b.currentGain === r.currentGain && b.neutralGain === r.neutralGain &&
      b.phaseLagDeg === r.phaseLagDeg && b.neutralPhaseLagDeg === r.neutralPhaseLagDeg && b.activeOffsetW === r.activeOffsetW &&
      b.reactiveOffsetVar === r.reactiveOffsetVar && b.neutralActiveOffsetW === r.neutralActiveOffsetW && b.currentNoiseA === r.currentNoiseA &&
      b.neutralCurrentNoiseA === r.neutralCurrentNoiseA;
  }

  /**
   * Whether `this.line` holds the conditions at `t`: it was filled by conditionsAt at lineFromMs
   * <= t, which said they hold until lineUntilMs > t (LineSource.conditionsAt), and the source's
   * revision has not moved since (a source without one, or NaN: never assumed; nor with `lazy: false`).
   */
  private lineHolds(t: number): boolean {
    const revision = this.source.revision;
    return this.lazy && revision !== undefined && revision === this.lineRevision && t >= this.lineFromMs && t < this.lineUntilMs;
  }

  /** Fills `this.line` with the conditions at `t` (asking the source only when lineHolds cannot tell); returns until when they hold. */
  private lineAt(t: number): number {
    if (this.lineHolds(t)) return this.lineUntilMs;
    const revision = this.source.revision;
    const until = this.source.conditionsAt(t, this.line);
    this.lineFromMs = t;
    this.lineUntilMs = until;
    this.lineRevision = revision;
    return until;
  }

  /** Milliseconds until the running line cycle ends, or Infinity when line-cycle mode is idle. */
  private msToCycleEnd(): number {
    if ((this.regs[0x004] & 0x3f) === 0 || this.chA.vrms < ZX_MIN_RMS || this.line.frequency <= 0) return Infinity;
    if (this.activeLinecyc === 0) this.activeLinecyc = this.regs[0x101];
    if (this.activeLinecyc === 0) return Infinity;
    const remaining = Math.max(0, this.activeLinecyc - this.halfCycles);
    return Math.max(1e-3, (remaining / (2 * this.line.frequency)) * 1000);
  }

  private endLineCycle(): void {
    this.stateVersion++;
    const mode = this.regs[0x004];
    for (let i = 0; i < 6; i++) {
      if (!(mode & LINE_CYCLE_BITS[i])) continue;
      const whole = Math.trunc(this.cycleEnergy[i]);
      this.cycleEnergy[i] -= whole;
      this.regs[ENERGY_ADDRESSES[i]] = ((whole % 0x1000000) + 0x1000000) % 0x1000000;
    }
    this.regs[0x22d] |= IRQ_CYCEND;
    this.halfCycles = 0;
    this.activeLinecyc = this.regs[0x101];
    this.updateIrqPin();
  }

  /** Whether the channels were computed from the present line and inputs (computing them again changes nothing). */
  private channelsCurrent(): boolean {
    const l = this.line;
    const c = this.channelsLine;
    return this.channelsAtInputs === this.channelInputs && l.voltage === c.voltage && l.current === c.current &&
      l.angle === c.angle && l.frequency === c.frequency && l.neutralCurrent === c.neutralCurrent;
  }

  private inputsChanged(): void {
    this.stateVersion++;
    this.channelInputs++;
  }

  /** RMS, powers and angles of both channels for the current line conditions and registers. */
  private computeChannels(): void {
    const l = this.line;
    this.channelsAtInputs = this.channelInputs;
    this.channelsVersion++;
    const c = this.channelsLine;
    c.voltage = l.voltage;
    c.current = l.current;
    c.angle = l.angle;
    c.frequency = l.frequency;
    c.neutralCurrent = l.neutralCurrent;
    const e = this.errors;
    const pgaV = pga(this.regs[0x007], false);
    const vPin = l.voltage * e.voltageGain * F.voltageCountsPerVolt * pgaV;
    const vA = vPin * this.gain(0x281);
    const vB = vPin * this.gain(0x28d);
    this.vPeak = Math.max(this.vPeak, vA * PEAK_PER_RMS);
    const unset120 = this.regs[0x120] === SETUP_120_VALUE ? 1 : UNSET_120_ERROR;
    const crosstalk = (l.voltage / F.nominalVolts) * (l.voltage / F.nominalVolts);
    const perWatt = (F.powerFullScale * F.voltageCountsPerVolt * F.currentCountsPerAmp) / (F.rmsFullScale * F.rmsFullScale);
    const f = l.frequency;
    const pgaA = pga(this.regs[0x008], true);
    const pgaB = pga(this.regs[0x009], false);
    this.channel(this.chA, vA, l.current * e.currentGain * F.currentCountsPerAmp * pgaA * this.gain(0x280),
      e.currentNoiseA * F.currentCountsPerAmp * pgaA * this.gain(0x280), this.signed24(0x286),
      l.angle + e.phaseLagDeg - phcalDeg(this.regs[0x108], f),
      CHANNEL_A_POWER_REGS, unset120,
      e.activeOffsetW * crosstalk * perWatt, e.reactiveOffsetVar * crosstalk * perWatt);
    this.channel(this.chB, vB, l.neutralCurrent * e.neutralGain * F.currentCountsPerAmp * pgaB * this.gain(0x28c),
      e.neutralCurrentNoiseA * F.currentCountsPerAmp * pgaB * this.gain(0x28c), this.signed24(0x292),
      l.angle + e.neutralPhaseLagDeg - phcalDeg(this.regs[0x109], f),
      CHANNEL_B_POWER_REGS, unset120,
      e.neutralActiveOffsetW * crosstalk * perWatt, 0);
    const vrms2 = vA * vA + this.signed24(0x288) * 4096;
    this.chA.vrms = this.chB.vrms = vrms2 > 0 ? Math.sqrt(vrms2) : 0;
  }

  private channel(ch: ChannelState, v: number, i: number, noise: number, rmsOs: number, lagDeg: number,
    regs: readonly number[], unset120: number, offsetP: number, offsetQ: number): void {
    const irms2 = i * i + noise * noise + rmsOs * 4096;
    ch.irms = irms2 > 0 ? Math.sqrt(irms2) : 0;
    ch.iPeak = Math.max(ch.iPeak, i * PEAK_PER_RMS);
    ch.lagDeg = lagDeg;
    const vi = v * i * POWER_PER_COUNT2 * unset120;
    const angle = lagDeg * RAD;
    ch.p = vi * Math.cos(angle) * this.gain(regs[0]) + offsetP + this.signed24(regs[3]) / 512;
    ch.q = vi * Math.sin(angle) * this.gain(regs[1]) + offsetQ + this.signed24(regs[4]) / 512;
    ch.s = vi * this.gain(regs[2]) + this.signed24(regs[5]) / 512;
  }

  /** Accumulates energy and latches interrupt conditions over [fromMs, toMs) at constant conditions. */
  private integrate(fromMs: number, toMs: number): void {
    const seconds = (toMs - fromMs) / 1000;
    if (seconds <= 0) return;
    this.stateVersion++;
    const f = this.line.frequency;
    let irqA = IRQ_WSMP;
    let irqB = 0;
    const accmode = this.regs[0x201];
    const disNoLoad = this.regs[0x001];
    const apThreshold = F.powerFullScale / noLoadRatio(this.regs[0x203]);
    const varThreshold = F.powerFullScale / noLoadRatio(this.regs[0x204]);
    const vaThreshold = F.powerFullScale / noLoadRatio(this.regs[0x205]);
    const lineCycleMode = this.regs[0x004] & 0x3f;
    for (let c = 0; c < 2; c++) {
      const ch = c === 0 ? this.chA : this.chB;
      const activeNoLoad = !(disNoLoad & 1) && Math.abs(ch.p) < apThreshold;
      const reactiveNoLoad = !(disNoLoad & 2) && Math.abs(ch.q) < varThreshold;
      const apparentNoLoad = !(disNoLoad & 4) && Math.abs(ch.s) < vaThreshold;
      const noLoad = (activeNoLoad ? 1 : 0) | (reactiveNoLoad ? 2 : 0) | (apparentNoLoad ? 4 : 0);
      const entered = noLoad & ~this.noLoad[c];
      this.noLoad[c] = noLoad;
      let bits = 0;
      if (entered & 1) bits |= IRQ_AP_NOLOAD;
      if (entered & 2) bits |= IRQ_VAR_NOLOAD;
      if (entered & 4) bits |= IRQ_VA_NOLOAD;
      // Sign bits are frozen while the quantity is in no-load.
      if (!activeNoLoad) {
        const sign = ch.p < 0 ? -1 : 1;
        if (sign !== this.signP[c]) bits |= IRQ_APSIGN;
        this.signP[c] = sign;
      }
      if (!reactiveNoLoad) {
        const sign = ch.q < 0 ? -1 : 1;
        if (sign !== this.signQ[c]) bits |= IRQ_VARSIGN;
        this.signQ[c] = sign;
      }
      const activeMode = (accmode >> (c * 2)) & 3;
      const reactiveMode = (accmode >> (4 + c * 2)) & 3;
      const ampereHours = (accmode >> (8 + c)) & 1;
      let p = activeNoLoad ? 0 : ch.p;
      if (activeMode === 1) p = Math.max(0, p);
      else if (activeMode === 2) p = Math.abs(p);
      let q = reactiveNoLoad ? 0 : ch.q;
      if (reactiveMode === 1) q = Math.abs(q) * (ch.p < 0 ? -1 : 1);
      else if (reactiveMode === 2) q = Math.abs(q);
      const s = apparentNoLoad ? 0 : ampereHours ? ch.irms * (ENERGY_PER_RMS / ENERGY_PER_POWER) : ch.s;
      bits |= this.accumulate(c, p * ENERGY_PER_POWER * seconds, lineCycleMode);
      bits |= this.accumulate(2 + c, q * ENERGY_PER_POWER * seconds, lineCycleMode);
      bits |= this.accumulate(4 + c, s * ENERGY_PER_POWER * seconds, lineCycleMode);
      if (c === 0) irqA |= bits;
      else irqB |= bits & 0x7ff;
    }
    // Zero crossings, timeouts, sag, peaks.
    const nowMs = toMs;
    const zxTimeout = (this.regs[0x100] / 14000) * 1000;
    if (this.chA.vrms >= ZX_MIN_RMS && f > 0) {
      const before = Math.floor(this.zxPhase);
      this.zxPhase += 2 * f * seconds;
      if (Math.floor(this.zxPhase) > before) irqA |= IRQ_ZXV;
      this.lastZxMs = nowMs;
      this.zxtoFired = false;
      if (lineCycleMode) this.halfCycles += 2 * f * seconds;
    } else if (!this.zxtoFired && nowMs - this.lastZxMs >= zxTimeout) {
      irqA |= IRQ_ZXTO;
      this.zxtoFired = true;
    }
    const phaseA = zxiPhase(this.chA, this.zxiPhaseA, f, seconds);
    if (phaseA !== this.zxiPhaseA) {
      if (Math.floor(phaseA) > Math.floor(this.zxiPhaseA)) irqA |= IRQ_ZX_I;
      this.zxiPhaseA = phaseA;
      this.lastZxIaMs = nowMs;
      this.zxtoIaFired = false;
    } else if (!this.zxtoIaFired && nowMs - this.lastZxIaMs >= zxTimeout) {
      irqA |= IRQ_ZXTO_I;
      this.zxtoIaFired = true;
    }
    const phaseB = zxiPhase(this.chB, this.zxiPhaseB, f, seconds);
    if (phaseB !== this.zxiPhaseB) {
      if (Math.floor(phaseB) > Math.floor(this.zxiPhaseB)) irqB |= IRQ_ZX_I;
      this.zxiPhaseB = phaseB;
      this.lastZxIbMs = nowMs;
      this.zxtoIbFired = false;
    } else if (!this.zxtoIbFired && nowMs - this.lastZxIbMs >= zxTimeout) {
      irqB |= IRQ_ZXTO_I;
      this.zxtoIbFired = true;
    }
    const vPeakNow = this.chA.vrms * PEAK_PER_RMS;
    const sagLevel = this.regs[0x200];
    const sagCycles = this.regs[0x000];
    if (sagLevel > 0 && sagCycles > 0 && vPeakNow < sagLevel) {
      this.sagSeconds += seconds;
      if (!this.sagFired && f > 0 && this.sagSeconds >= sagCycles / (2 * f)) {
        irqA |= IRQ_SAG;
        this.sagFired = true;
      }
    } else {
      this.sagSeconds = 0;
      this.sagFired = false;
    }
    if (vPeakNow > this.regs[0x224]) irqA |= IRQ_OV;
    if (this.chA.iPeak > this.regs[0x225]) irqA |= IRQ_OI;
    if (this.chB.iPeak > this.regs[0x225]) irqB |= IRQ_OI;
    this.regs[0x22d] |= irqA;
    this.regs[0x230] |= irqB;
    this.updateIrqPin();
  }

  /** Adds energy (LSBs, fractional) to accumulator `i`; returns the IRQ bits it raised. */
  private accumulate(i: number, lsb: number, lineCycleMode: number): number {
    if (lineCycleMode & LINE_CYCLE_BITS[i]) {
      this.cycleEnergy[i] += lsb;
      return 0;
    }
    const total = this.fraction[i] + lsb;
    const whole = Math.trunc(total);
    this.fraction[i] = total - whole;
    if (whole === 0) return 0;
    const address = ENERGY_ADDRESSES[i];
    const old = this.signed24(address);
    const sum = old + whole;
    // Elements by index: a destructuring would make an iterator (XS heap) at every call.
    const hf = ENERGY_IRQ_BITS[i][1];
    const of = ENERGY_IRQ_BITS[i][2];
    let bits = 0;
    if (sum > 0x7fffff || sum < -0x800000) bits |= 1 << of;
    // Two's complement low 24 bits; with bit operations where the sum is an int32 (always, for a
    // 24-bit register and a tick's energy), as % on a double is a C call in V8.
    const wrapped = (sum | 0) === sum ? sum & 0xffffff : ((sum % 0x1000000) + 0x1000000) % 0x1000000;
    const signedNew = wrapped >= 0x800000 ? wrapped - 0x1000000 : wrapped;
    if (Math.abs(old) < 0x400000 && Math.abs(signedNew) >= 0x400000) bits |= 1 << hf;
    this.regs[address] = wrapped;
    return bits;
  }

  /**
   * Instantaneous registers from the present state (RMS, powers, PF, angle, period, status,
   * waveforms). `computed`: the channels were just computed for `this.line` (the last piece
   * integrated); if the conditions now are the same they are not computed again (the integration
   * changes none of their inputs, and the peaks they raise are maxima).
   */
  private refreshInstantaneous(computed = false): void {
    this.refreshedAtMs = this.lastUpdateMs;
    this.refreshedVersion = this.stateVersion;
    if (!this.lazy) copyBoardErrors(this.boardAtRefresh, this.errors);
    this.refreshedLineRevision = this.source.revision;
    const line = this.line;
    if (computed) {
      if (!this.lineHolds(this.lastUpdateMs)) {
        const probe = this.lineProbe;
        const until = this.source.conditionsAt(this.lastUpdateMs, probe);
        if (probe.voltage !== line.voltage || probe.current !== line.current || probe.angle !== line.angle || probe.frequency !== line.frequency || probe.neutralCurrent !== line.neutralCurrent) {
          line.voltage = probe.voltage;
          line.current = probe.current;
          line.angle = probe.angle;
          line.frequency = probe.frequency;
          line.neutralCurrent = probe.neutralCurrent;
          this.lineFromMs = this.lastUpdateMs;
          this.lineUntilMs = until;
          this.lineRevision = this.refreshedLineRevision;
          this.computeChannels();
        }
      }
    } else {
      this.lineAt(this.lastUpdateMs);
      this.computeChannels();
    }
    const a = this.chA;
    const b = this.chB;
    const f = this.line.frequency;
    const flags = this.noLoad[0] | (this.noLoad[1] << 3) | (this.signP[0] < 0 ? 0x40 : 0) | (this.signP[1] < 0 ? 0x80 : 0) |
      (this.signQ[0] < 0 ? 0x100 : 0) | (this.signQ[1] < 0 ? 0x200 : 0);
    if (computed && this.registersAtChannels === this.channelsVersion && this.registersAtFlags === flags) {
      // The channels, the no-load and sign state are those the registers were computed from, and
      // nothing has written those registers since (a write, poke, reset or peak reset computes
      // the channels again): the same values would be written. Only the waveforms' instant moves.
      this.waveAtMs = this.lastUpdateMs;
      this.waveStale = true;
      return;
    }
    this.registersAtChannels = this.channelsVersion;
    this.registersAtFlags = flags;
    this.regs[0x21c] = clampU24(a.vrms);
    this.regs[0x21a] = clampU24(a.irms);
    this.regs[0x21b] = clampU24(b.irms);
    this.regs[0x212] = toS24(a.p);
    this.regs[0x213] = toS24(b.p);
    this.regs[0x214] = toS24(a.q);
    this.regs[0x215] = toS24(b.q);
    this.regs[0x210] = toS24(a.s);
    this.regs[0x211] = toS24(b.s);
    this.regs[0x10a] = this.powerFactor(a, this.noLoad[0]);
    this.regs[0x10b] = this.powerFactor(b, this.noLoad[1]);
    this.regs[0x10c] = toS16(angleUnits(a.lagDeg, f));
    this.regs[0x10d] = toS16(angleUnits(b.lagDeg, f));
    if (a.vrms >= ZX_MIN_RMS && f > 0) this.regs[0x10e] = Math.min(0xffff, Math.round(223750 / f) - 1);
    this.regs[0x226] = Math.max(this.regs[0x226], clampU24(this.vPeak));
    this.regs[0x228] = Math.max(this.regs[0x228], clampU24(a.iPeak));
    this.regs[0x22a] = Math.max(this.regs[0x22a], clampU24(b.iPeak));
    // Waveform samples at this instant: what they are computed from is kept, the three sines
    // (most of a refresh's cost at large arguments) are taken when a waveform register is read.
    this.waveAtMs = this.lastUpdateMs;
    this.waveFrequency = f;
    this.waveVrmsA = a.vrms;
    this.waveIrmsA = a.irms;
    this.waveLagA = a.lagDeg;
    this.waveIrmsB = b.irms;
    this.waveLagB = b.lagDeg;
    this.waveStale = true;
    let status = this.regs[0x201] & ACCMODE_WRITABLE_MASK;
    if (this.signP[0] < 0) status |= ACCMODE_APSIGN_A;
    if (this.signP[1] < 0) status |= ACCMODE_APSIGN_B;
    if (this.signQ[0] < 0) status |= ACCMODE_VARSIGN_A;
    if (this.signQ[1] < 0) status |= ACCMODE_VARSIGN_B;
    if (this.noLoad[0] & 1) status |= ACCMODE_ACTNLOAD_A;
    if (this.noLoad[0] & 4) status |= ACCMODE_VANLOAD_A;
    if (this.noLoad[0] & 2) status |= ACCMODE_VARNLOAD_A;
    if (this.noLoad[1] & 1) status |= ACCMODE_ACTNLOAD_B;
    if (this.noLoad[1] & 4) status |= ACCMODE_VANLOAD_B;
    if (this.noLoad[1] & 2) status |= ACCMODE_VARNLOAD_B;
    this.regs[0x201] = status;
  }

  /** The waveform registers (IWAVE A/B, VWAVE) of the last refresh, computed on first use. */
  private waveforms(): void {
    this.waveStale = false;
    const t = this.waveAtMs / 1000;
    const wt = 2 * Math.PI * this.waveFrequency * t;
    this.regs[0x218] = toS24(this.waveVrmsA * PEAK_PER_RMS * Math.sin(wt));
    this.regs[0x216] = toS24(this.waveIrmsA * PEAK_PER_RMS * Math.sin(wt - this.waveLagA * RAD));
    this.regs[0x217] = toS24(this.waveIrmsB * PEAK_PER_RMS * Math.sin(wt - this.waveLagB * RAD));
  }

  /** PF in 2^-15 units, sign of the reactive power; no-load rules of docs/chips.md A3. */
  private powerFactor(ch: ChannelState, noLoad: number): number {
    let pf: number;
    if (noLoad & 4) pf = 0x7fff;
    else if (noLoad & 1) pf = 0;
    else {
      const magnitude = ch.s > 0 ? Math.min(1, Math.abs(ch.p) / ch.s) : 1;
      const negative = noLoad & 2 ? ch.p < 0 : ch.q < 0;
      pf = Math.round(magnitude * 0x7fff) * (negative ? -1 : 1) || 0;
    }
    return pf < 0 ? pf + 0x10000 : pf;
  }

  private updateIrqPin(): void {
    const pending = this.regs[0x22d] & (this.regs[0x22c] | IRQ_RESET);
    const level = pending ? 0 : 1;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.onIrqChange?.(level);
    }
  }
}

/** Current zero-crossing phase after `seconds` (it advances only while the current is above the ZX threshold). */
function zxiPhase(ch: ChannelState, phase: number, f: number, seconds: number): number {
  return ch.irms >= ZX_MIN_RMS && f > 0 ? phase + 2 * f * seconds : phase;
}

/** ANGLE register units (4.47 us) of a lag in degrees at `f`. */
function angleUnits(lag: number, f: number): number {
  return f > 0 ? Math.round((lag / (360 * f)) * 223750) : 0;
}

function pga(code: number, channelA: boolean): number {
  const c = code & 7;
  if (c > 5 || (c === 5 && !channelA)) return 1;
  return PGA_GAINS[c];
}

/** PHCAL advance of the current in degrees at `f` (bit 9 set = advance, else delay). */
function phcalDeg(register: number, f: number): number {
  const magnitude = Math.min(383, register & 0x1ff);
  const deg = magnitude * 1.117e-6 * 360 * f;
  return register & 0x200 ? deg : -deg;
}

function clampU24(x: number): number {
  return Math.max(0, Math.min(0xffffff, Math.round(x)));
}

function toS24(x: number): number {
  const v = Math.max(-0x800000, Math.min(0x7fffff, Math.round(x))) || 0; // no -0 in a register
  return v < 0 ? v + 0x1000000 : v;
}

function toS16(x: number): number {
  const v = Math.max(-0x8000, Math.min(0x7fff, x)) || 0;
  return v < 0 ? v + 0x10000 : v;
}

/** The fields of Ade7953BoardErrors, for the counting view. */
const BOARD_FIELDS: readonly (keyof Ade7953BoardErrors)[] = [
  "voltageGain", "currentGain", "neutralGain", "phaseLagDeg", "neutralPhaseLagDeg",
  "activeOffsetW", "reactiveOffsetVar", "neutralActiveOffsetW", "currentNoiseA", "neutralCurrentNoiseA",
];

/**
 * A view of `errors` whose every assignment calls `changed` (the emulator then knows the board
 * moved from one number instead of comparing ten fields at every read). Enumerable accessors:
 * a spread of the view copies the values.
 */
function boardView(errors: Ade7953BoardErrors, changed: () => void): Ade7953BoardErrors {
  const view = {} as Ade7953BoardErrors;
  for (let i = 0; i < BOARD_FIELDS.length; i++) {
    const key = BOARD_FIELDS[i];
    Object.defineProperty(view, key, {
      enumerable: true,
      get: () => errors[key],
      set: (value: number) => {
        errors[key] = value;
        changed();
      },
    });
  }
  return view;
}
