import { CarryingConverter, type Rational } from "../kernel/rational";
import { frozenRows, type RegisterDescriptor, REGISTER_SOURCE, type SourcedRow, type Unit, type ValueField } from "../kernel/register-table";

/** Tariff rates 1..RATE_COUNT; arrays indexed by rate keep slot 0 unused. */
export const RATE_COUNT = 4;

/**
 * Energy registers of the meter as integer milli-units (mWh, mvarh, mVAh). Doubles hold integers
 * exactly to 2^53, i.e. 9 * 10^15 mWh = 9 * 10^9 kWh, beyond the meter's lifetime.
 *
 * One converter per direction carries the sub-unit remainder once, at total level; the whole
 * units it releases each tick go to the active rate (or are split between two rates at a tariff
 * boundary). So every rate register sums exactly to its total at every instant, and the totals
 * equal the exact chip sum converted once, to within one unit.
 *
 * Quadrants follow the signs of the tick's active and reactive energy: Q1 +P+Q, Q2 -P+Q,
 * Q3 -P-Q, Q4 +P-Q (P = 0 counts as +P). R+ = Q1 + Q2 and R- = Q3 + Q4 exactly, by the same
 * routing of whole units.
 */
export class EnergyRegisters {
  /** A+ (active import) total, mWh. */
  activeImport = 0;
  /** A- (active export) total, mWh. */
  activeExport = 0;
  /** A+ per rate, mWh (index 1..4). */
  readonly activeImportRates = new Float64Array(RATE_COUNT + 1);
  /** A- per rate, mWh (index 1..4). */
  readonly activeExportRates = new Float64Array(RATE_COUNT + 1);
  /** R+ (Q1 + Q2), mvarh. */
  reactiveImport = 0;
  /** R- (Q3 + Q4), mvarh. */
  reactiveExport = 0;
  /** Reactive energy per quadrant, mvarh (index 1..4). */
  readonly quadrants = new Float64Array(5);
  /** Apparent energy, mVAh. */
  apparent = 0;
  /** A+ and A- units added by the last tick (for demand). */
  lastImportUnits = 0;
  lastExportUnits = 0;

  private readonly importConverter: CarryingConverter;
  private readonly exportConverter: CarryingConverter;
  private readonly reactiveImportConverter: CarryingConverter;
  private readonly reactiveExportConverter: CarryingConverter;
  private readonly apparentConverter: CarryingConverter;

  /**
   * The same scale serves Wh, varh and VAh (the chips count all three in the same LSB). The scale
   * is the driver's own object (`MeteringIc.energyScale`), read at every conversion, never copied:
   * the driver is its one owner, and a calibration change reaches the registers at once.
   */
  constructor(energyScale: Rational, reactiveScale: Rational = energyScale, apparentScale: Rational = energyScale) {
    this.importConverter = new CarryingConverter(energyScale);
    this.exportConverter = new CarryingConverter(energyScale);
    this.reactiveImportConverter = new CarryingConverter(reactiveScale);
    this.reactiveExportConverter = new CarryingConverter(reactiveScale);
    this.apparentConverter = new CarryingConverter(apparentScale);
  }

  /** |A+| + |A-|, mWh. */
  get absolute(): number {
    return this.activeImport + this.activeExport;
  }

  /** A+ - A-, mWh (the only register that may go down). */
  get net(): number {
    return this.activeImport - this.activeExport;
  }

  /**
   * Adds one tick of chip counts. Active energy is split between two rates when a tariff
   * boundary falls inside the tick: `beforeMs` of `spanMs` went to `rateBefore`, the rest to
   * `rateAfter` (same rate and beforeMs = spanMs when there is no boundary). No allocation.
   */
  addTick(activeLsb: number, reactiveLsb: number, apparentLsb: number, rateBefore: number, rateAfter: number, beforeMs: number, spanMs: number): void {
    // CarryingConverter.add inlined (a call each is ~20 XS computrons): total = counts x num +
    // remainder >= 0, units = floor(total / den) = (total - total % den) / den, exact in doubles.
    // Rates: routeUnits unless the whole tick is one rate.
    let importUnits = 0;
    let exportUnits = 0;
    if (activeLsb > 0) {
      const c = this.importConverter;
      const scale = c.scale;
      const total = activeLsb * scale.num + c.remainder;
      const remainder = total % scale.den;
      c.remainder = remainder;
      importUnits = (total - remainder) / scale.den;
      this.activeImport += importUnits;
      if (rateBefore === rateAfter || beforeMs >= spanMs) this.activeImportRates[rateBefore] += importUnits;
      else routeUnits(this.activeImportRates, importUnits, rateBefore, rateAfter, beforeMs, spanMs);
    } else if (activeLsb < 0) {
      const c = this.exportConverter;
      const scale = c.scale;
      const total = -activeLsb * scale.num + c.remainder;
      const remainder = total % scale.den;
      c.remainder = remainder;
      exportUnits = (total - remainder) / scale.den;
      this.activeExport += exportUnits;
      if (rateBefore === rateAfter || beforeMs >= spanMs) this.activeExportRates[rateBefore] += exportUnits;
      else routeUnits(this.activeExportRates, exportUnits, rateBefore, rateAfter, beforeMs, spanMs);
    }
    this.lastImportUnits = importUnits;
    this.lastExportUnits = exportUnits;
    if (reactiveLsb > 0) {
      const c = this.reactiveImportConverter;
      const scale = c.scale;
      const total = reactiveLsb * scale.num + c.remainder;
      const remainder = total % scale.den;
      c.remainder = remainder;
      const units = (total - remainder) / scale.den;
      this.reactiveImport += units;
      this.quadrants[activeLsb >= 0 ? 1 : 2] += units;
    } else if (reactiveLsb < 0) {
      const c = this.reactiveExportConverter;
      const scale = c.scale;
      const total = -reactiveLsb * scale.num + c.remainder;
      const remainder = total % scale.den;
      c.remainder = remainder;
      const units = (total - remainder) / scale.den;
      this.reactiveExport += units;
      this.quadrants[activeLsb >= 0 ? 4 : 3] += units;
    }
    if (apparentLsb > 0) {
      const c = this.apparentConverter;
      const scale = c.scale;
      const total = apparentLsb * scale.num + c.remainder;
      const remainder = total % scale.den;
      c.remainder = remainder;
      this.apparent += (total - remainder) / scale.den;
    }
  }

  /** Every register and every carried remainder as plain numbers, for the persistence layer. */
  snapshot(): EnergySnapshot {
    return {
      activeImport: this.activeImport,
      activeExport: this.activeExport,
      activeImportRates: Array.from(this.activeImportRates.subarray(1)),
      activeExportRates: Array.from(this.activeExportRates.subarray(1)),
      reactiveImport: this.reactiveImport,
      reactiveExport: this.reactiveExport,
      quadrants: Array.from(this.quadrants.subarray(1)),
      apparent: this.apparent,
      remainders: {
        activeImport: this.importConverter.carried,
        activeExport: this.exportConverter.carried,
        reactiveImport: this.reactiveImportConverter.carried,
        reactiveExport: this.reactiveExportConverter.carried,
        apparent: this.apparentConverter.carried,
      },
    };
  }

  /**
   * The registers as a numbers-only record for the flash journal (the periodic and the emergency
   * save): magic byte, layout version, then ENERGY_RECORD_FIELDS float64 little-endian, in this
   * order: A+ rates 1..4, A- rates 1..4, Q1..Q4, apparent, the five carried remainders (A+, A-,
   * R+, R-, apparent). The totals are not stored: A+ and A- are the sums of their rates and R+ /
   * R- the sums of Q1+Q2 / Q3+Q4 at every instant, so every register is covered. No keys and no
   * varints: one DataView store per field, where the generic value codec spent ~11,000 XS
   * computrons and ~100 more bytes (the CRC costs per byte too). A new array per call (the
   * persistence layer keeps the last one to skip unchanged saves).
   */
  encode(): Uint8Array {
    const bytes = new Uint8Array(ENERGY_RECORD_BYTES);
    this.encodeInto(bytes, new DataView(bytes.buffer), 0);
    return bytes;
  }

  /**
   * The same record written into `out` at `start` (`view` spans the same bytes as `out`), for the
   * emergency save's combined record; returns the end, or -1 when it does not fit.
   */
  encodeInto(out: Uint8Array, view: DataView, start: number): number {
    if (start + ENERGY_RECORD_BYTES > out.length) return -1;
    out[start] = ENERGY_RECORD_MAGIC;
    out[start + 1] = ENERGY_RECORD_VERSION;
    // Unrolled (RATE_COUNT is 4): a module constant in a loop test is a closure look-up per turn in XS.
    const at = start + 2 + 8 * (2 * 4 + 4);
    const ir = this.activeImportRates;
    const er = this.activeExportRates;
    const q = this.quadrants;
    view.setFloat64(start + 2, ir[1], true);
    view.setFloat64(start + 10, ir[2], true);
    view.setFloat64(start + 18, ir[3], true);
    view.setFloat64(start + 26, ir[4], true);
    view.setFloat64(start + 34, er[1], true);
    view.setFloat64(start + 42, er[2], true);
    view.setFloat64(start + 50, er[3], true);
    view.setFloat64(start + 58, er[4], true);
    view.setFloat64(start + 66, q[1], true);
    view.setFloat64(start + 74, q[2], true);
    view.setFloat64(start + 82, q[3], true);
    view.setFloat64(start + 90, q[4], true);
    view.setFloat64(at, this.apparent, true);
    view.setFloat64(at + 8, this.importConverter.carried, true);
    view.setFloat64(at + 16, this.exportConverter.carried, true);
    view.setFloat64(at + 24, this.reactiveImportConverter.carried, true);
    view.setFloat64(at + 32, this.reactiveExportConverter.carried, true);
    view.setFloat64(at + 40, this.apparentConverter.carried, true);
    return start + ENERGY_RECORD_BYTES;
  }

  /**
   * Restores from `encode()` bytes (checked like `restore`: whole non-negative integers, the
   * right layout and length; throws RangeError otherwise). Records written by the generic value
   * codec (first byte not the magic) are handed to `legacy` (the persistence layer's decoder),
   * so a meter updated from a firmware that stored them keeps its registers.
   */
  decode(bytes: Uint8Array, legacy?: (bytes: Uint8Array) => EnergySnapshot): void {
    if (bytes.length > 0 && bytes[0] !== ENERGY_RECORD_MAGIC && legacy) {
      this.restore(legacy(bytes));
      return;
    }
    if (bytes.length !== ENERGY_RECORD_BYTES || bytes[0] !== ENERGY_RECORD_MAGIC) throw new RangeError(`energy record: ${bytes.length} bytes, not a layout this firmware knows`);
    if (bytes[1] !== ENERGY_RECORD_VERSION) throw new RangeError(`energy record: layout version ${bytes[1]} is not ${ENERGY_RECORD_VERSION}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const f: number[] = [];
    for (let i = 0; i < ENERGY_RECORD_FIELDS; i++) f.push(view.getFloat64(2 + 8 * i, true));
    const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);
    const R = RATE_COUNT;
    const importRates = f.slice(0, R);
    const exportRates = f.slice(R, 2 * R);
    const quadrants = f.slice(2 * R, 2 * R + 4);
    const r = 2 * R + 5;
    this.restore({
      activeImport: sum(importRates), activeExport: sum(exportRates), activeImportRates: importRates, activeExportRates: exportRates,
      reactiveImport: quadrants[0] + quadrants[1], reactiveExport: quadrants[2] + quadrants[3], quadrants, apparent: f[2 * R + 4],
      remainders: { activeImport: f[r], activeExport: f[r + 1], reactiveImport: f[r + 2], reactiveExport: f[r + 3], apparent: f[r + 4] },
    });
  }

  /** Restores a snapshot after checking it is whole and self-consistent (throws RangeError if not). */
  restore(s: EnergySnapshot): void {
    const whole = (v: unknown, what: string): number => {
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new RangeError(`energy snapshot: ${what} must be a non-negative integer, got ${String(v)}`);
      return v;
    };
    const list = (v: unknown, n: number, what: string): number[] => {
      if (!Array.isArray(v) || v.length !== n) throw new RangeError(`energy snapshot: ${what} must be ${n} numbers`);
      return v.map((x, i) => whole(x, `${what}[${i}]`));
    };
    const importRates = list(s.activeImportRates, RATE_COUNT, "activeImportRates");
    const exportRates = list(s.activeExportRates, RATE_COUNT, "activeExportRates");
    const quadrants = list(s.quadrants, 4, "quadrants");
    const ai = whole(s.activeImport, "activeImport");
    const ae = whole(s.activeExport, "activeExport");
    const rp = whole(s.reactiveImport, "reactiveImport");
    const rm = whole(s.reactiveExport, "reactiveExport");
    const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);
    if (sum(importRates) !== ai) throw new RangeError("energy snapshot: A+ rates do not sum to the total");
    if (sum(exportRates) !== ae) throw new RangeError("energy snapshot: A- rates do not sum to the total");
    if (quadrants[0] + quadrants[1] !== rp || quadrants[2] + quadrants[3] !== rm) throw new RangeError("energy snapshot: quadrants do not sum to R+/R-");
    const r = s.remainders ?? ({} as EnergySnapshot["remainders"]);
    const remainders = [whole(r.activeImport, "remainders.activeImport"), whole(r.activeExport, "remainders.activeExport"), whole(r.reactiveImport, "remainders.reactiveImport"), whole(r.reactiveExport, "remainders.reactiveExport"), whole(r.apparent, "remainders.apparent")];
    // Everything checked before anything is applied: a refused snapshot leaves the registers as they were.
    const apparent = whole(s.apparent, "apparent");
    this.activeImport = ai;
    this.activeExport = ae;
    for (let i = 0; i < RATE_COUNT; i++) {
      this.activeImportRates[i + 1] = importRates[i];
      this.activeExportRates[i + 1] = exportRates[i];
    }
    this.reactiveImport = rp;
    this.reactiveExport = rm;
    for (let i = 0; i < 4; i++) this.quadrants[i + 1] = quadrants[i];
    this.apparent = apparent;
    this.importConverter.carried = remainders[0];
    this.exportConverter.carried = remainders[1];
    this.reactiveImportConverter.carried = remainders[2];
    this.reactiveExportConverter.carried = remainders[3];
    this.apparentConverter.carried = remainders[4];
  }

  /** The value of ENERGY_REGISTERS[index] (mWh, mvarh, mVAh), without allocation. */
  valueAt(index: number): number {
    const row = ENERGY_REGISTERS[index];
    const v = this[row.field];
    return row.at < 0 ? (v as number) : (v as Float64Array)[row.at];
  }

  /**
   * Register descriptors (ENERGY_REGISTERS with a reader each), built on demand: callers that
   * keep them (the billing profile) keep only those.
   */
  descriptors(): RegisterDescriptor[] {
    return ENERGY_REGISTERS.map((r, i) => ({ obis: r.obis, name: r.name, unit: r.unit, scaler: r.scaler, read: () => this.valueAt(i) }));
  }
}

/**
 * The energy registers (OBIS per docs/dlms-profile.md section 5), in billing-profile column order:
 * A+ and its rates, A- and its rates, R+, R-, Q1..Q4, apparent, |A+|+|A-|, A+ - A-. Each names
 * the EnergyRegisters property that holds it. A frozen module table: preloaded into flash with
 * the module, it costs no RAM on the device.
 */
export const ENERGY_REGISTERS: readonly SourcedRow<EnergyField>[] = frozenRows(energyRows());

/** The registers' properties of EnergyRegisters. */
type EnergyField = ValueField<EnergyRegisters>;

function energyRows(): SourcedRow<EnergyField>[] {
  const energy = REGISTER_SOURCE.energy;
  const row = (obis: string, name: string, unit: Unit, field: EnergyField, at = -1): SourcedRow<EnergyField> => ({ obis, name, unit, scaler: -3, source: energy, field, at });
  const rows: SourcedRow<EnergyField>[] = [row("1.0.1.8.0.255", "Active energy import (A+)", "Wh", "activeImport")];
  for (let r = 1; r <= RATE_COUNT; r++) rows.push(row(`1.0.1.8.${r}.255`, `Active energy import (A+) rate ${r}`, "Wh", "activeImportRates", r));
  rows.push(row("1.0.2.8.0.255", "Active energy export (A-)", "Wh", "activeExport"));
  for (let r = 1; r <= RATE_COUNT; r++) rows.push(row(`1.0.2.8.${r}.255`, `Active energy export (A-) rate ${r}`, "Wh", "activeExportRates", r));
  rows.push(row("1.0.3.8.0.255", "Reactive energy import (R+)", "varh", "reactiveImport"), row("1.0.4.8.0.255", "Reactive energy export (R-)", "varh", "reactiveExport"));
  for (let q = 1; q <= 4; q++) rows.push(row(`1.0.${4 + q}.8.0.255`, `Reactive energy Q${q}`, "varh", "quadrants", q));
  rows.push(
    row("1.0.9.8.0.255", "Apparent energy", "VAh", "apparent"),
    row("1.0.15.8.0.255", "Active energy absolute (|A+|+|A-|)", "Wh", "absolute"),
    row("1.0.16.8.0.255", "Active energy net (A+ - A-)", "Wh", "net"),
  );
  return rows;
}

/** First byte of an energy record (not a type tag of the generic value codec, which are 0..9). */
export const ENERGY_RECORD_MAGIC = 0xe7;
/** Layout of EnergyRegisters.encode(); a change of fields or order takes a new version. */
export const ENERGY_RECORD_VERSION = 1;
/** A+ rates, A- rates, Q1..Q4, apparent, five remainders. */
const ENERGY_RECORD_FIELDS = 2 * RATE_COUNT + 4 + 1 + 5;
export const ENERGY_RECORD_BYTES = 2 + 8 * ENERGY_RECORD_FIELDS;

/** Plain-number image of every register and remainder (see EnergyRegisters.snapshot). */
export interface EnergySnapshot {
  activeImport: number;
  activeExport: number;
  /** Rates 1..4. */
  activeImportRates: number[];
  activeExportRates: number[];
  reactiveImport: number;
  reactiveExport: number;
  /** Q1..Q4. */
  quadrants: number[];
  apparent: number;
  /** Carried remainders (chip counts x numerator), one per converter. */
  remainders: { activeImport: number; activeExport: number; reactiveImport: number; reactiveExport: number; apparent: number };
}

/** Adds `units` to `rates`, splitting in proportion of time at a boundary (floor to the first rate). */
function routeUnits(rates: Float64Array, units: number, rateBefore: number, rateAfter: number, beforeMs: number, spanMs: number): void {
  if (rateBefore === rateAfter || beforeMs >= spanMs) {
    rates[rateBefore] += units;
    return;
  }
  const before = beforeMs <= 0 ? 0 : Math.floor((units * beforeMs) / spanMs);
  rates[rateBefore] += before;
  rates[rateAfter] += units - before;
}
