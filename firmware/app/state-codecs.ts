/**
 * The byte records of the meter's persisted states (app/meter-persistence.ts registers them):
 * numbers-only records with the generic value codec as the fallback older firmware wrote.
 */
import { decodeNumberRecord, encodeNumberRecord, isNumberRecord } from "../storage/number-record";
import { decodeValue, encodeValue } from "../storage/value-codec";
import type { BillingState } from "../metrology/billing";
import type { PowerFailureState } from "../monitoring/power-failures";
import { PowerQuality, type PowerQualityState } from "../monitoring/power-quality";
import type { ProfilesState } from "../records/profiles";
import type { TamperState } from "../monitoring/tamper";

/** The billing record (billing state and the maximum demands) as the value codec stored it. */
export interface BillingRecord {
  b: BillingState;
  m: number[];
}

/** Numbers-only billing record: first byte (not a value-codec type tag) and layout version. */
export const BILLING_RECORD_MAGIC = 0xb1;
export const BILLING_RECORD_VERSION = 1;
/** Numbers-only demand period record. */
export const DEMAND_RECORD_MAGIC = 0xd1;
export const DEMAND_RECORD_VERSION = 1;

/**
 * Billing record layout (version 1): billing format, count, next, last scheduled and newest row
 * times (-1 none), number of execution times n, n x [second, year, month, day, day of week], then
 * the maximum demands exactly as DemandMeter.snapshotMax gives them (their own format first).
 */
export function flattenBilling(b: BillingState, m: readonly number[]): number[] {
  const out = [b.v, b.count, b.nextUtc, b.lastScheduledUtc, b.lastRowUtc, b.schedule.length];
  for (const e of b.schedule) for (let i = 0; i < 5; i++) out.push(e[i]);
  for (let i = 0; i < m.length; i++) out.push(m[i]);
  return out;
}

/** Inverse of flattenBilling; the owners' restore checks every value. Throws RangeError on a bad layout. */
export function unflattenBilling(f: readonly number[]): BillingRecord {
  const n = f.length >= 6 ? f[5] : -1;
  if (n < 0 || n > 12 || f.length < 7 + 5 * n) throw new RangeError(`billing: ${f.length} values do not make a version-${BILLING_RECORD_VERSION} layout`);
  const schedule: number[][] = [];
  for (let i = 0; i < n; i++) schedule.push(f.slice(6 + 5 * i, 11 + 5 * i));
  return { b: { v: f[0], count: f[1], nextUtc: f[2], lastScheduledUtc: f[3], lastRowUtc: f[4], schedule }, m: f.slice(6 + 5 * n) };
}

/** Format version of the records whose owner's snapshot carries none (wrapped as { v, s }). */
export const FORMAT = 1;

/**
 * A record written numbers-only (number-record.ts) when the snapshot flattens to integers, else
 * (and for records of older firmware) by the value codec. Periodic states are encoded every save
 * interval: the generic codec's walk of keys and tags was most of the periodic save's cost
 * (docs/readme/performance.md). `unflatten` rebuilds the owner's snapshot; the owner's restore
 * checks it. What does not change (magic, functions, id) is a frozen module-level definition
 * (preloaded, in flash): a codec is its definition and the last values, 3 fields.
 */
interface CodecDef<T> {
  readonly magic: number;
  readonly flatten: (s: T) => number[];
  readonly unflatten: (f: number[]) => T;
  readonly id: string;
  /** The value codec's form wraps the snapshot as { v, s }. */
  readonly versioned: boolean;
  /** The snapshot as the value codec takes it. */
  readonly plain: (s: T) => T;
}

function codecDef<T>(magic: number, flatten: (s: T) => number[], unflatten: (f: number[]) => T, id: string, versioned = true, plain: (s: T) => T = itself): CodecDef<T> {
  return Object.freeze({ magic, flatten, unflatten, id, versioned, plain });
}

export class NumbersCodec<T> {
  // The last values encoded and their bytes: a periodic save of an unchanged state compares a
  // few numbers and hands back the same bytes (the registry then skips the write).
  private lastValues: number[] | null = null;
  private lastBytes: Uint8Array | null = null;

  constructor(private readonly def: CodecDef<T>) {}

  encode(s: T): Uint8Array {
    const d = this.def;
    const values = d.flatten(s);
    if (this.lastBytes && this.lastValues && sameValues(values, this.lastValues)) return this.lastBytes;
    // The value codec's form is the one older firmware wrote: { v, s } (or the flat list itself).
    const bytes = encodeNumberRecord(d.magic, FORMAT, values) ?? encodeValue(d.versioned ? { v: FORMAT, s: d.plain(s) } : d.plain(s));
    this.lastValues = values;
    this.lastBytes = bytes;
    return bytes;
  }

  decode(b: Uint8Array): T {
    const d = this.def;
    if (isNumberRecord(b, d.magic)) {
      const values = decodeNumberRecord(b, d.magic, FORMAT, d.id);
      const s = d.unflatten(values);
      // The record's values and bytes: the save at power up finds an unchanged state unchanged.
      this.lastValues = values;
      this.lastBytes = b;
      return s;
    }
    const v = decodeValue(b);
    return d.versioned ? unwrap(v as Versioned<T>, d.id) : (v as T);
  }
}

function itself<T>(s: T): T {
  return s;
}

/** Same numbers (Object.is: -0 and NaN as the record would tell them apart). */
export function sameValues(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Takes `n` values from `f` at `at` (throws when the record is shorter: a layout this firmware did not write). */
function take(f: readonly number[], at: number, n: number, id: string): number[] {
  if (at + n > f.length) throw new RangeError(`${id}: ${f.length} values do not make a version-${FORMAT} layout`);
  return f.slice(at, at + n);
}

function exactly(f: readonly number[], n: number, id: string): void {
  if (f.length !== n) throw new RangeError(`${id}: ${f.length} values do not make a version-${FORMAT} layout`);
}

const TAMPER_FIELDS = Object.freeze(["tamperFlag", "tamperEvents", "terminalCoverOpen", "meterCoverOpen", "magnetPresent", "reverseActive", "mismatchActive", "meteringLine"] as const);
const FAILURE_FIELDS = Object.freeze(["count", "longCount", "lastDurationMs", "totalDurationMs", "longThresholdS"] as const);

/** Power quality: [n, 4 series of n, 4 frequency values, 6 thresholds]. */
export function pqRecord(): NumbersCodec<PqRecord> {
  return new NumbersCodec(PQ_DEF);
}

interface PqRecord {
  c: PowerQualityState;
  t: number[];
}

function flattenPq({ c, t }: PqRecord): number[] {
  const n = c.counts.length;
  const out = [n];
  for (let i = 0; i < n; i++) out.push(c.counts[i]);
  for (let i = 0; i < n; i++) out.push(c.lastDurationMs[i]);
  for (let i = 0; i < n; i++) out.push(c.totalDurationMs[i]);
  for (let i = 0; i < n; i++) out.push(c.lastMagnitudeMilliV[i]);
  out.push(c.frequencyCount, c.frequencyLastDurationMs, c.frequencyTotalDurationMs, c.frequencyLastExtremeMilliHz);
  for (let i = 0; i < t.length; i++) out.push(t[i]);
  return out;
}

function unflattenPq(f: number[]): PqRecord {
  const n = f.length > 0 ? f[0] : 0;
  exactly(f, 1 + 4 * n + 4 + 6, "powerQuality");
  const series = (j: number): Float64Array => Float64Array.from(take(f, 1 + j * n, n, "powerQuality"));
  const q = 1 + 4 * n;
  const c: PowerQualityState = {
    counts: series(0),
    lastDurationMs: series(1),
    totalDurationMs: series(2),
    lastMagnitudeMilliV: series(3),
    frequencyCount: f[q],
    frequencyLastDurationMs: f[q + 1],
    frequencyTotalDurationMs: f[q + 2],
    frequencyLastExtremeMilliHz: f[q + 3],
  };
  return { c, t: take(f, q + 4, 6, "powerQuality") };
}

/** The save hands the live counters (no copy); the value codec gets a plain snapshot. */
function plainPq(s: PqRecord): PqRecord {
  return { c: s.c instanceof PowerQuality ? s.c.snapshot() : s.c, t: s.t };
}

/** Tamper: the fields in TAMPER_FIELDS order, booleans as 0/1. */
export function tamperRecord(): NumbersCodec<TamperState> {
  return new NumbersCodec(TAMPER_DEF);
}

function flattenTamper(s: TamperState): number[] {
  return TAMPER_FIELDS.map((k) => Number(s[k]));
}

function unflattenTamper(f: number[]): TamperState {
  exactly(f, TAMPER_FIELDS.length, "tamper");
  // In TAMPER_FIELDS order.
  return {
    tamperFlag: f[0] === 1,
    tamperEvents: f[1],
    terminalCoverOpen: f[2] === 1,
    meterCoverOpen: f[3] === 1,
    magnetPresent: f[4] === 1,
    reverseActive: f[5] === 1,
    mismatchActive: f[6] === 1,
    meteringLine: f[7],
  };
}

export function failuresRecord(): NumbersCodec<PowerFailureState> {
  return new NumbersCodec(FAILURES_DEF);
}

function flattenFailures(s: PowerFailureState): number[] {
  return FAILURE_FIELDS.map((k) => s[k]);
}

function unflattenFailures(f: number[]): PowerFailureState {
  exactly(f, FAILURE_FIELDS.length, "powerFailures");
  // In FAILURE_FIELDS order.
  return { count: f[0], longCount: f[1], lastDurationMs: f[2], totalDurationMs: f[3], longThresholdS: f[4] };
}

/** Profiles' schedule: load and daily [pending, last, next], then the wall offset. */
export function profilesRecord(): NumbersCodec<ProfilesState> {
  return new NumbersCodec(PROFILES_DEF);
}

function flattenProfiles(s: ProfilesState): number[] {
  return [s.load.pending, s.load.lastCaptureUtcMs, s.load.nextCaptureUtcMs, s.daily.pending, s.daily.lastCaptureUtcMs, s.daily.nextCaptureUtcMs, s.wallOffsetMs];
}

function unflattenProfiles(f: number[]): ProfilesState {
  exactly(f, 7, "profiles");
  return { load: { pending: f[0], lastCaptureUtcMs: f[1], nextCaptureUtcMs: f[2] }, daily: { pending: f[3], lastCaptureUtcMs: f[4], nextCaptureUtcMs: f[5] }, wallOffsetMs: f[6] };
}

/** Flat number lists (alarms, gas, water) as they are: the meter's own lists have their definitions made once. */
export function flat(magic: number, id: string): NumbersCodec<number[]> {
  const known = FLAT_DEFS.find((d) => d.magic === magic && d.id === id);
  return new NumbersCodec<number[]>(known ?? flatDef(magic, id));
}

function flatDef(magic: number, id: string): CodecDef<number[]> {
  return codecDef<number[]>(magic, itself, itself, id, false);
}

const PQ_DEF = codecDef<PqRecord>(0x9c, flattenPq, unflattenPq, "powerQuality", true, plainPq);
const TAMPER_DEF = codecDef<TamperState>(0x7a, flattenTamper, unflattenTamper, "tamper");
const FAILURES_DEF = codecDef<PowerFailureState>(0xf1, flattenFailures, unflattenFailures, "powerFailures");
const PROFILES_DEF = codecDef<ProfilesState>(0xf2, flattenProfiles, unflattenProfiles, "profiles");
const FLAT_DEFS: readonly CodecDef<number[]>[] = Object.freeze([flatDef(0xa1, "alarms"), flatDef(0x61, "gas"), flatDef(0x61, "water")]);

export interface Versioned<T> {
  v: number;
  s: T;
}

export function unwrap<T>(x: Versioned<T>, id: string): T {
  if (typeof x !== "object" || x === null || x.v !== FORMAT || x.s === undefined) throw new RangeError(`${id}: not a version-${FORMAT} record`);
  return x.s;
}
