import type { Clock, TimerId } from "../hal";
import type { Ht1621 } from "../drivers/ht1621/driver";
import { ALARM } from "../kernel/event-codes";
import type { Disconnector } from "../control/disconnector";
import type { RegisterDescriptor, Unit } from "../kernel/register-table";
import type { MeteringSample } from "../kernel/metering-ic";
import { IC_OK, type IcStatus } from "../kernel/metering-ic";
import type { EventLogs } from "../records/event-log";
import { formatFixed, formatText, shortCode, digitGlyph } from "./format";
import { ANNUNCIATORS, type Annunciator, CODE_DIGIT_BASE, CODE_DIGITS, GLYPH_NIBBLES, LCD_RAM_NIBBLES, MAIN_DIGIT_BASE, MAIN_DIGITS, putGlyph, SEG, UNIT_SEGMENTS } from "./glass";

/** Display codes that are not registers (IEC 62056-21 style C.D.E: 0.9.1 time, 0.9.2 date). */
export const DISPLAY_TIME = "1.0.0.9.1.255";
export const DISPLAY_DATE = "1.0.0.9.2.255";
/** Active firmware identifier (docs/dlms-profile.md): shows the version part, e.g. 0.1.0. */
export const DISPLAY_FIRMWARE = "1.0.0.2.0.255";

interface DisplayItemConfig {
  obis: string;
  /** Digits after the decimal point (default by unit: kWh 2, kW 3, V 1, A 2, m3 3, Hz 2). */
  decimals?: number;
}

export interface DisplayConfig {
  /** Billing values shown in turn (OBIS codes; entries the meter does not have are skipped). */
  autoList: (string | DisplayItemConfig)[];
  /** The longer list a button press steps through. */
  manualList: (string | DisplayItemConfig)[];
  scrollMs: number;
  /** Values are redrawn this often (only changed RAM addresses go to the chip). */
  refreshMs: number;
  /** Back to the auto-scroll list after this long without a press. */
  manualTimeoutMs: number;
}

export function defaultDisplayConfig(): DisplayConfig {
  const billing = ["1.0.1.8.0.255", "1.0.1.8.1.255", "1.0.1.8.2.255", "1.0.1.8.3.255", "1.0.1.8.4.255", "1.0.2.8.0.255", "1.0.1.6.0.255"];
  return {
    autoList: billing,
    manualList: [
      ...billing,
      "1.0.32.7.0.255", "1.0.31.7.0.255", "1.0.1.7.0.255", "1.0.2.7.0.255", "1.0.14.7.0.255", "1.0.1.4.0.255",
      "1.0.1.6.1.255", "1.0.1.6.2.255", "1.0.1.6.3.255", "1.0.1.6.4.255", "1.0.2.6.0.255",
      "7.0.3.0.0.255", "8.0.1.0.0.255", DISPLAY_DATE, DISPLAY_TIME, DISPLAY_FIRMWARE,
    ],
    scrollMs: 8000,
    refreshMs: 1000,
    manualTimeoutMs: 60_000,
  };
}

/** What the display reads from the meter (the Meter satisfies it). */
export interface DisplaySource {
  register(obis: string): RegisterDescriptor | undefined;
  readonly instant: MeteringSample;
  readonly events: EventLogs;
  readonly lastIcStatus: IcStatus;
  readonly disconnector: Disconnector;
  readonly config: { firmwareId: string };
  /** The meter's DLMS clock: local time with its time zone and DST, and its invalid flag. */
  readonly clock: { localMs(utcMs: number): number; readonly invalid: boolean };
  /** The tamper detector, when the meter has one: a live tamper lights the icon too. */
  readonly tamper?: { readonly tamperFlag: boolean };
}

const KIND_REGISTER = 0;
const KIND_TIME = 1;
const KIND_DATE = 2;
const KIND_FIRMWARE = 3;

/**
 * Item facts packed into one integer (ItemList.meta[2i]): kind, decimals, and the power of ten of
 * the shown value (register scaler - unit exponent, e.g. -3 - 3 for Wh shown as kWh; stored + 32).
 */
const DECIMALS_SHIFT = 4;
const EXPONENT_SHIFT = 8;
const EXPONENT_BIAS = 32;
const EXPONENT_MASK = 0x3f;
const NIBBLE_MASK = 0x0f;
/** Code digit RAM bytes per item (two addresses per code digit): two 32-bit words. */
const CODE_NIBBLES = 2 * CODE_DIGITS;
const CODE_WORDS = CODE_NIBBLES / 4;
/**
 * The refresh timer sends a changed screen over several slices: the slice that renders sends
 * nothing, each following zero-delay slice one HT1621 frame of at most SLICE_ADDRESSES addresses
 * (9 + 4 x 5 = 29 bits), so no slice bit-bangs a whole scroll (~67 bits) on top of the rendering.
 * The glass shows a mix of the old and the new screen for those few ms only.
 */
const SLICE_ADDRESSES = 5;

/**
 * One resolved list (auto or manual) as a struct of arrays: item i is `obis[i]`, its register
 * `registers[i]` (null for time, date, firmware; one descriptor per OBIS for both lists), its
 * packed facts `meta[2i]` (kind | decimals << 4 | (shown exponent + 32) << 8) and unit segments
 * as annunciator bits `meta[2i + 1]`, its code digits as the glass RAM holds them (8 bytes) in
 * `codeWords[2i], codeWords[2i + 1]` (two stores draw them). A handful of objects per list instead
 * of a few per item.
 */
class ItemList {
  obis: readonly string[] = [];
  registers: readonly (RegisterDescriptor | null)[] = [];
  meta = new Int32Array(0);
  codeWords = new Uint32Array(0);
  get length(): number {
    return this.obis.length;
  }
}

/** Annunciator segments (addresses 24..29) packed into one integer: bit (address - 24) * 4 + COM. */
const ANNUNCIATOR_BASE = 24;
const ANNUNCIATOR_ADDRESSES = 6;
function annunciatorBit(a: Annunciator): number {
  const seg = ANNUNCIATORS[a];
  return 1 << ((seg[0] - ANNUNCIATOR_BASE) * 4 + seg[1]);
}
const BIT_IMPORT = annunciatorBit("import");
const BIT_EXPORT = annunciatorBit("export");
const BIT_RELAY_OPEN = annunciatorBit("relayOpen");
const BIT_TAMPER = annunciatorBit("tamper");
const BIT_CLOCK_INVALID = annunciatorBit("clockInvalid");
const BIT_COMMUNICATION = annunciatorBit("communication");
const BIT_ANTENNA = annunciatorBit("antenna");
const BIT_BARS: readonly number[] = Object.freeze([annunciatorBit("bar1"), annunciatorBit("bar1") | annunciatorBit("bar2"), annunciatorBit("bar1") | annunciatorBit("bar2") | annunciatorBit("bar3")]);
const BIT_COLONS = annunciatorBit("colon1") | annunciatorBit("colon2");

/** The register that holds the active tariff (class 1, 0.0.96.14.0.255) when the TOU feature provides it. */
const ACTIVE_TARIFF = "0.0.96.14.0.255";
const TARIFF_BITS: readonly number[] = Object.freeze([annunciatorBit("T1"), annunciatorBit("T2"), annunciatorBit("T3"), annunciatorBit("T4")]);
const DP_BIT = 1 << SEG.dp;

/**
 * One item at a time on the HT1621 glass: the short code, an 8-digit value with its unit,
 * and the annunciators from the meter state. Auto-scrolls the billing list; a button press
 * steps through the manual list. Error screens (`Err 16` measurement fault, `Err 68` relay
 * failure) come first in the auto-scroll while the fault lasts.
 */
type DisplayMode = "auto" | "manual";
// Module constants, not literals: a string literal evaluated in preloaded XS code allocates a
// chunk each time, and the refresh runs every second.
const AUTO: DisplayMode = "auto";
const RIGHT = "right";
const MANUAL: DisplayMode = "manual";

export class Display {
  /** The image of the glass (32 nibbles) as last rendered. */
  readonly ram = new Uint8Array(LCD_RAM_NIBBLES);
  /** The code digit addresses of `ram` as two 32-bit words (an item's code is two stores). */
  private readonly codeRam = new Uint32Array(this.ram.buffer, CODE_DIGIT_BASE, CODE_WORDS);
  /** Set by comms: an association or push is in progress. */
  communicationActive = false;
  /** Set by the network supervision: -1 no network (no antenna), 0..3 bars. */
  signalBars = -1;
  mode: DisplayMode = AUTO;
  /** Position in the current list (in auto mode, error screens come before the items). */
  index = 0;
  /** Screens drawn (a refresh that would change nothing on the glass is skipped and not counted). */
  redraws = 0;
  private readonly autoItems = new ItemList();
  private readonly manualItems = new ItemList();
  private readonly cells = new Uint8Array(MAIN_DIGITS);
  /** Scratch cells: a new value formatted to compare with what is shown. */
  private readonly nextCells = new Uint8Array(MAIN_DIGITS);
  private readonly errors = new Uint16Array(4);
  private errorCount = 0;
  /** A refresh rendered a screen whose frames are not all sent yet (timer slices pending). */
  private sending = false;
  private itemSinceMs = 0;
  private lastPressMs = 0;
  private timer: TimerId | undefined;
  /** The frame slices' timer: one re-armed one-shot for the display's life (no timer per slice). */
  private sliceTimer: TimerId | undefined;
  private tariff: RegisterDescriptor | undefined;
  private readonly tick = (): void => this.timedRefresh();
  /** What the glass shows now, list and item (a refresh that would draw the same screen sends nothing and renders nothing). */
  private shownList: ItemList | undefined = undefined;
  private shownIndex = -1;
  /** Whose code digits the glass RAM holds (list, item; item -1 = blank, -2 = unknown): drawn only when that changes. */
  private codeList: ItemList | undefined = undefined;
  private codeIndex = -2;
  private shownError = -1;
  /** The value on the glass (register raw value); NaN = must render. */
  private shownValue = NaN;
  private shownAnnunciators = -1;
  /** Annunciator bits of the state (tariff, flow, relay, tamper, clock, comms, antenna). */
  private stateBits = 0;

  constructor(
    private readonly source: DisplaySource,
    private readonly clock: Clock,
    private readonly lcd: Ht1621 | null,
    private config: DisplayConfig = defaultDisplayConfig(),
  ) {}

  /** Initialises the controller, resolves the lists, draws the first item and starts the timer. */
  start(): void {
    this.lcd?.configure();
    this.configure({});
    this.itemSinceMs = this.clock.nowMs();
    this.refresh();
    this.timer = this.clock.repeat(this.tick, this.config.refreshMs);
    if (this.sliceTimer === undefined) this.sliceTimer = this.clock.oneShot(this.tick);
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (this.sliceTimer !== undefined) this.clock.clearTimer(this.sliceTimer);
    this.sliceTimer = undefined;
  }

  /** Changes lists or timings; OBIS codes the meter lacks are skipped. */
  configure(changes: Partial<DisplayConfig>): void {
    // The configured lists are used as given (start() passes no changes: no copy of the config).
    if (Object.keys(changes).length > 0) this.config = { ...this.config, ...changes };
    const registers: RegisterDescriptor[] = [];
    // Where each auto-list entry was resolved (-1: skipped): the manual list repeats them.
    const autoAt: number[] = [];
    this.resolve(this.autoItems, this.config.autoList, registers, null, autoAt);
    this.resolve(this.manualItems, this.config.manualList, registers, this.config.autoList, autoAt);
    this.shownList = undefined;
    this.codeIndex = -2;
    this.tariff = this.source.register(ACTIVE_TARIFF);
    this.index = 0;
    this.shownValue = NaN;
    if (changes.refreshMs !== undefined && this.timer !== undefined) {
      this.clock.clearTimer(this.timer);
      this.timer = this.clock.repeat(this.tick, this.config.refreshMs);
    }
  }

  /** OBIS codes shown by the auto and manual lists (after skipping unknown ones). */
  lists(): { auto: string[]; manual: string[] } {
    return { auto: [...this.autoItems.obis], manual: [...this.manualItems.obis] };
  }

  /** OBIS of the item on the glass, or "Err <code>" for an error screen. */
  get current(): string {
    if (this.mode === AUTO && this.index < this.errorCount) return `Err ${this.errors[this.index]}`;
    const index = this.currentIndex();
    return index >= 0 ? this.currentList().obis[index] : "";
  }

  /** A short press: the next item of the manual list (the first press switches to it). */
  step(): void {
    if (this.mode === AUTO) {
      this.mode = MANUAL;
      this.index = 0;
    } else {
      this.index = this.manualItems.length > 0 ? (this.index + 1) % this.manualItems.length : 0;
    }
    this.lastPressMs = this.clock.nowMs();
    this.itemSinceMs = this.lastPressMs;
    this.refresh();
  }

  /**
   * Redraws now (button, state changes, start): advances the scroll when due and sends every
   * changed segment before it returns (what a pending timer slice had still to send included).
   */
  refresh(): void {
    if (this.prepare() || this.sending) {
      this.lcd?.update(this.ram);
      this.sending = false;
    }
  }

  /**
   * The refresh timer's work, one slice per call: as `refresh`, but when it renders a changed
   * screen it sends nothing and arms the slice timer at zero delay; while frames are pending, a
   * call sends one frame of what differs on the chip (at most SLICE_ADDRESSES addresses) and arms
   * it again while more differs (a change meanwhile is rendered by the next refresh). The slice
   * timer is made once and shares the refresh timer's callback: a slice allocates nothing (the
   * heap at rest is budgeted).
   */
  timedRefresh(): void {
    const slices = this.sliceTimer;
    if (this.timer === undefined || slices === undefined) return; // stopped
    const lcd = this.lcd;
    if (this.sending && lcd !== null) {
      this.sending = lcd.updateNext(this.ram, SLICE_ADDRESSES);
      if (this.sending) this.clock.arm(slices, 0);
    } else if (this.prepare() && lcd !== null) {
      this.sending = true;
      this.clock.arm(slices, 0);
    }
  }

  /**
   * Advances the scroll when due and renders the screen into `ram` when it differs from what was
   * drawn last; true when it rendered.
   */
  private prepare(): boolean {
    const now = this.clock.nowMs();
    this.collectErrors();
    if (this.mode === MANUAL && now - this.lastPressMs >= this.config.manualTimeoutMs) {
      this.mode = AUTO;
      this.index = 0;
      this.itemSinceMs = now;
    } else if (this.mode === AUTO && now - this.itemSinceMs >= this.config.scrollMs) {
      const length = this.errorCount + this.autoItems.obis.length;
      this.index = length > 0 ? (this.index + 1) % length : 0;
      this.itemSinceMs = now;
    }
    // The same screen with the same value and annunciators as on the glass: nothing to draw (the
    // chip would be sent nothing either). Time and date items change every second: always drawn.
    const manual = this.mode === MANUAL;
    const error = !manual && this.index < this.errorCount ? this.errors[this.index] : -1;
    // currentList() and currentIndex(), inlined (this runs every refresh).
    const list = manual ? this.manualItems : this.autoItems;
    let item = -1;
    if (error < 0) {
      const i = manual ? this.index : this.index - this.errorCount;
      if (i >= 0 && i < list.obis.length) item = i;
    }
    const register = item >= 0 ? list.registers[item] : null;
    const value = register !== null ? register.read() : 0;
    this.stateBits = this.annunciatorBits();
    if (error === this.shownError && (item < 0 ? this.shownIndex < 0 : list === this.shownList && item === this.shownIndex) && this.stateBits === this.shownAnnunciators) {
      if (item < 0) return false;
      if (register === null) {
        if ((list.meta[2 * item] & NIBBLE_MASK) === KIND_FIRMWARE) return false;
      } else {
        if (value === this.shownValue) return false;
        // Most changes of the raw value do not reach the shown digits: compare the formatted cells.
        const next = this.nextCells;
        const meta = list.meta[2 * item];
        formatFixed(next, value, ((meta >> EXPONENT_SHIFT) & EXPONENT_MASK) - EXPONENT_BIAS, (meta >> DECIMALS_SHIFT) & NIBBLE_MASK);
        if (sameCells(next, this.cells)) {
          this.shownValue = value;
          return false;
        }
      }
    }
    this.draw(error, list, item, value);
    this.redraws++;
    return true;
  }

  /** Builds the RAM image for the current screen. */
  render(): void {
    const error = this.mode === AUTO && this.index < this.errorCount ? this.errors[this.index] : -1;
    const list = this.currentList();
    const item = error < 0 ? this.currentIndex() : -1;
    const register = item >= 0 ? list.registers[item] : null;
    this.stateBits = this.annunciatorBits();
    this.draw(error, list, item, register !== null ? register.read() : 0);
  }

  /** Draws item `item` of `list` (-1: none) or the error screen `error` (-1: none). */
  private draw(error: number, list: ItemList, item: number, value: number): void {
    const ram = this.ram;
    const cells = this.cells;
    cells.fill(0);
    let bits = this.stateBits;
    if (error >= 0) this.errorScreen(error);
    else if (item >= 0) bits |= this.itemScreen(list, item, value);
    // Glyphs through the frozen nibble table, two stores a digit (putGlyph inlined).
    const nibbles = GLYPH_NIBBLES;
    for (let i = 0, a = MAIN_DIGIT_BASE; i < MAIN_DIGITS; i++, a += 2) {
      const g = (cells[i] & 0xff) << 1;
      ram[a] = nibbles[g];
      ram[a + 1] = nibbles[g + 1];
    }
    const codeItem = error < 0 ? item : -1;
    if (codeItem !== this.codeIndex || list !== this.codeList) {
      const words = list.codeWords;
      const at = CODE_WORDS * codeItem;
      this.codeRam[0] = codeItem >= 0 ? words[at] : 0;
      this.codeRam[1] = codeItem >= 0 ? words[at + 1] : 0;
      this.codeList = list;
      this.codeIndex = codeItem;
    }
    for (let k = 0; k < ANNUNCIATOR_ADDRESSES; k++) ram[ANNUNCIATOR_BASE + k] = (bits >> (4 * k)) & 0x0f;
    // The addresses wired to nothing (30, 31) stay 0 from construction.
    this.shownError = error;
    this.shownList = list;
    this.shownIndex = item;
    this.shownValue = value;
    this.shownAnnunciators = this.stateBits;
  }

  private currentList(): ItemList {
    return this.mode === MANUAL ? this.manualItems : this.autoItems;
  }

  /** Index of the shown item in the current list, -1 if none (an error screen, an empty list). */
  private currentIndex(): number {
    if (this.mode === MANUAL) return this.index < this.manualItems.obis.length ? this.index : -1;
    const i = this.index - this.errorCount;
    return i >= 0 && i < this.autoItems.obis.length ? i : -1;
  }

  /** Fills the cells for item `item` of `list`; returns the item's own annunciator bits (unit, colons). */
  private itemScreen(list: ItemList, item: number, value: number): number {
    const meta = list.meta[2 * item];
    const kind = meta & NIBBLE_MASK;
    switch (kind) {
      case KIND_TIME:
      case KIND_DATE: {
        const utc = this.clock.wallClockMs();
        const local = new Date(this.source.clock.localMs(utc));
        const time = kind === KIND_TIME;
        this.twoDigits(2, time ? local.getUTCHours() : local.getUTCDate());
        this.twoDigits(4, time ? local.getUTCMinutes() : local.getUTCMonth() + 1);
        this.twoDigits(6, time ? local.getUTCSeconds() : local.getUTCFullYear() % 100);
        if (time) return BIT_COLONS;
        this.cells[3] |= DP_BIT;
        this.cells[5] |= DP_BIT;
        return 0;
      }
      case KIND_FIRMWARE:
        // Formatted when drawn (only while the firmware screen is shown, and not when unchanged).
        formatText(this.cells, versionText(this.source.config.firmwareId), RIGHT);
        return 0;
      default: {
        formatFixed(this.cells, value, ((meta >> EXPONENT_SHIFT) & EXPONENT_MASK) - EXPONENT_BIAS, (meta >> DECIMALS_SHIFT) & NIBBLE_MASK);
        return list.meta[2 * item + 1];
      }
    }
  }

  private errorScreen(code: number): void {
    formatText(this.cells, "Err");
    this.cells[MAIN_DIGITS - 1] = digitGlyph(code % 10);
    if (code >= 10) this.cells[MAIN_DIGITS - 2] = digitGlyph(Math.floor(code / 10) % 10);
    if (code >= 100) this.cells[MAIN_DIGITS - 3] = digitGlyph(Math.floor(code / 100) % 10);
  }

  private twoDigits(cell: number, value: number): void {
    this.cells[cell] = digitGlyph(Math.floor(value / 10) % 10);
    this.cells[cell + 1] = digitGlyph(value % 10);
  }

  /** The annunciators the meter state lights (not the item's unit or colons), as packed bits. */
  private annunciatorBits(): number {
    const s = this.source;
    let bits = 0;
    if (this.tariff) {
      const rate = this.tariff.read();
      if (rate >= 1 && rate <= 4) bits |= TARIFF_BITS[rate - 1];
    }
    const p = s.instant.activePowerMilliW;
    if (p > 0) bits |= BIT_IMPORT;
    else if (p < 0) bits |= BIT_EXPORT;
    if (!s.disconnector.outputState) bits |= BIT_RELAY_OPEN;
    if (s.tamper ? s.tamper.tamperFlag : bitSet(s.events.alarmRegister, ALARM.fraudAttempt)) bits |= BIT_TAMPER;
    if (s.clock.invalid) bits |= BIT_CLOCK_INVALID;
    if (this.communicationActive) bits |= BIT_COMMUNICATION;
    const bars = this.signalBars;
    if (bars >= 0) {
      bits |= BIT_ANTENNA;
      if (bars >= 1) bits |= BIT_BARS[(bars > 3 ? 3 : bars) - 1];
    }
    return bits;
  }

  private collectErrors(): void {
    let n = 0;
    if (this.source.lastIcStatus !== IC_OK) this.errors[n++] = 16;
    if (this.source.disconnector.contactMismatch) this.errors[n++] = 68;
    if (n !== this.errorCount && this.mode === AUTO) {
      // A new fault shows at once; when one clears, the scroll restarts from the top.
      this.index = 0;
      this.itemSinceMs = this.clock.nowMs();
    }
    this.errorCount = n;
  }

  /**
   * Fills `into` with the entries of a configured list the meter has (OBIS codes it lacks are
   * skipped); `registers` collects one descriptor per OBIS across the lists.
   */
  /**
   * Resolves a configured list into `into`. `prior`: the auto list, already resolved into
   * `autoItems`, `priorAt[j]` being where its entry j went; an entry identical to one of it (the
   * same OBIS string, or the same item object) is copied from there instead of resolved again
   * (power up: ~2,000 XS computrons an item). Without `prior`, `priorAt` receives where each entry went.
   */
  private resolve(into: ItemList, list: readonly (string | DisplayItemConfig)[], registers: RegisterDescriptor[], prior: readonly (string | DisplayItemConfig)[] | null, priorAt: number[]): void {
    const obis: string[] = [];
    const itemRegisters: (RegisterDescriptor | null)[] = [];
    const meta: number[] = [];
    const codes: number[] = [];
    const code = new Uint8Array(CODE_DIGITS);
    const nibbles = new Uint8Array(CODE_NIBBLES);
    // The words in the byte order of `codeRam` (the same platform order: both are views).
    const words = new Uint32Array(nibbles.buffer);
    for (let n = 0; n < list.length; n++) {
      const entry = list[n];
      if (prior !== null) {
        let k = -1;
        for (let j = 0; j < prior.length && k < 0; j++) if (prior[j] === entry) k = priorAt[j];
        if (k >= 0) {
          const from = this.autoItems;
          obis.push(from.obis[k]);
          itemRegisters.push(from.registers[k]);
          meta.push(from.meta[2 * k], from.meta[2 * k + 1]);
          for (let w = 0; w < CODE_WORDS; w++) codes.push(from.codeWords[CODE_WORDS * k + w]);
          continue;
        }
      } else {
        priorAt.push(-1);
      }
      const spec = typeof entry === "string" ? { obis: entry } : entry;
      const kind = spec.obis === DISPLAY_TIME ? KIND_TIME : spec.obis === DISPLAY_DATE ? KIND_DATE : spec.obis === DISPLAY_FIRMWARE ? KIND_FIRMWARE : KIND_REGISTER;
      let register: RegisterDescriptor | null = null;
      if (kind === KIND_REGISTER) {
        for (let r = 0; r < registers.length && register === null; r++) if (registers[r].obis === spec.obis) register = registers[r];
        if (register === null) {
          register = this.source.register(spec.obis) ?? null;
          if (register === null) continue; // priorAt stays -1
          registers.push(register);
        }
      }
      if (prior === null) priorAt[n] = obis.length;
      obis.push(spec.obis);
      itemRegisters.push(register);
      if (register === null) {
        meta.push(kind, 0);
      } else {
        const shown = SHOWN_UNIT[register.unit] ?? NO_SHOWN_UNIT;
        const decimals = spec.decimals !== undefined && Number.isInteger(spec.decimals) && spec.decimals >= 0 && spec.decimals < MAIN_DIGITS ? spec.decimals : shown.decimals;
        const exponent = (register.scaler - shown.exponent + EXPONENT_BIAS) & EXPONENT_MASK;
        let unitBits = 0;
        const segments = UNIT_SEGMENTS[shown.unit];
        if (segments !== undefined) for (let a = 0; a < segments.length; a++) unitBits |= annunciatorBit(segments[a]);
        meta.push(KIND_REGISTER | (decimals << DECIMALS_SHIFT) | (exponent << EXPONENT_SHIFT), unitBits);
      }
      formatText(code, shortCode(spec.obis, CODE_DIGITS));
      for (let i = 0; i < CODE_DIGITS; i++) putGlyph(nibbles, 0, i, code[i]);
      for (let k = 0; k < CODE_WORDS; k++) codes.push(words[k]);
    }
    into.obis = obis;
    into.registers = itemRegisters;
    into.meta = Int32Array.from(meta);
    into.codeWords = Uint32Array.from(codes);
  }
}

/** How each register unit is shown: power of ten to the glass unit, the glass unit, default decimals. */
const SHOWN_UNIT: Readonly<Partial<Record<Unit, Readonly<{ exponent: number; unit: string; decimals: number }>>>> = Object.freeze({
  Wh: Object.freeze({ exponent: 3, unit: "kWh", decimals: 2 }),
  varh: Object.freeze({ exponent: 3, unit: "", decimals: 2 }),
  VAh: Object.freeze({ exponent: 3, unit: "", decimals: 2 }),
  W: Object.freeze({ exponent: 3, unit: "kW", decimals: 3 }),
  var: Object.freeze({ exponent: 3, unit: "", decimals: 3 }),
  VA: Object.freeze({ exponent: 3, unit: "", decimals: 3 }),
  V: Object.freeze({ exponent: 0, unit: "V", decimals: 1 }),
  A: Object.freeze({ exponent: 0, unit: "A", decimals: 2 }),
  Hz: Object.freeze({ exponent: 0, unit: "", decimals: 2 }),
  m3: Object.freeze({ exponent: 0, unit: "m3", decimals: 3 }),
  s: Object.freeze({ exponent: 0, unit: "", decimals: 0 }),
  "": Object.freeze({ exponent: 0, unit: "", decimals: 0 }),
});

const NO_SHOWN_UNIT = Object.freeze({ exponent: 0, unit: "", decimals: 0 });

function sameCells(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function bitSet(register: number, bit: number): boolean {
  return Math.floor(register / 2 ** bit) % 2 === 1;
}

/** "DLMSLITE-0.1.0" -> "0.1.0": the part after the last "-" (digits and dots only). */
function versionText(firmwareId: string): string {
  const tail = firmwareId.slice(firmwareId.lastIndexOf("-") + 1);
  return tail.replace(/[^0-9.]/g, "");
}
