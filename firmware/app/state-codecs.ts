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
  /** Writes the snapshot's values into `out` from index 0 (growing it if needed); returns how many. */
  readonly flatten: (s: T, out: number[]) => number;
  readonly unflatten: (f: number[]) => T;
  readonly id: string;
  /** The value codec's form wraps the snapshot as { v, s }. */
  readonly versioned: boolean;
  /** The snapshot as the value codec takes it. */
  readonly plain: (s: T) => T;
}

function codecDef<T>(magic: number, flatten: (s: T, out: number[]) => number, unflatten: (f: number[]) => T, id: string, versioned = true, plain: (s: T) => T = itself): CodecDef<T> {
  return Object.freeze({ magic, flatten, unflatten, id, versioned, plain });
}

export class NumbersCodec<T> {
  // The last values encoded and their bytes: a periodic save of an unchanged state flattens into
  // the caller's scratch list (the meter's states share one: no list per save), compares and
  // hands back the same bytes (the registry then skips the write). -0 and 0 make the same
  // numbers record, so `!==` decides.
  private last: number[] | null = null;
  private lastBytes: Uint8Array | null = null;

  constructor(private readonly def: CodecDef<T>) {}

  /** `scratch`: a list to flatten into (reused by the caller; its contents are overwritten). */
  encode(s: T, scratch: number[] = []): Uint8Array {
    const d = this.def;
    const n = d.flatten(s, scratch);
    const last = this.last;
    const bytes0 = this.lastBytes;
    if (bytes0 !== null && last !== null && last.length === n) {
      let i = 0;
      while (i < n && scratch[i] === last[i]) i++;
      if (i === n) return bytes0;
    }
    const numbers = encodeNumberRecord(d.magic, FORMAT, scratch, n);
    // The value codec's form is the one older firmware wrote: { v, s } (or the flat list itself).
    // Such a record (values that are not integers) is encoded again at every save.
    if (numbers === null) {
      this.last = null;
      this.lastBytes = null;
      return encodeValue(d.versioned ? { v: FORMAT, s: d.plain(s) } : d.plain(s));
    }
    this.last = scratch.slice(0, n);
    this.lastBytes = numbers;
    return numbers;
  }

  decode(b: Uint8Array): T {
    const d = this.def;
    if (isNumberRecord(b, d.magic)) {
      const values = decodeNumberRecord(b, d.magic, FORMAT, d.id);
      const s = d.unflatten(values);
      // The record's values and bytes: the save at power up finds an unchanged state unchanged.
      this.last = values;
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

/**
 * Same numbers, as a numbers record would store them: -0 and 0 alike (the record cannot tell them
 * apart), NaN never the same (such a list is not a numbers record: it is encoded again).
 */
export function sameValues(a: readonly number[], b: readonly number[]): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i === n;
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

function flattenPq(s: PqRecord, out: number[]): number {
  const c = s.c;
  const t = s.t;
  const n = c.counts.length;
  const counts = c.counts;
  const last = c.lastDurationMs;
  const total = c.totalDurationMs;
  const magnitude = c.lastMagnitudeMilliV;
  out[0] = n;
  for (let i = 0; i < n; i++) {
    out[1 + i] = counts[i];
    out[1 + n + i] = last[i];
    out[1 + 2 * n + i] = total[i];
    out[1 + 3 * n + i] = magnitude[i];
  }
  let k = 1 + 4 * n;
  out[k++] = c.frequencyCount;
  out[k++] = c.frequencyLastDurationMs;
  out[k++] = c.frequencyTotalDurationMs;
  out[k++] = c.frequencyLastExtremeMilliHz;
  for (let i = 0; i < t.length; i++) out[k++] = t[i];
  return k;
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

function flattenTamper(s: TamperState, out: number[]): number {
  for (let i = 0; i < TAMPER_FIELDS.length; i++) out[i] = Number(s[TAMPER_FIELDS[i]]);
  return TAMPER_FIELDS.length;
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

function flattenFailures(s: PowerFailureState, out: number[]): number {
  for (let i = 0; i < FAILURE_FIELDS.length; i++) out[i] = s[FAILURE_FIELDS[i]];
  return FAILURE_FIELDS.length;
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

function flattenProfiles(s: ProfilesState, out: number[]): number {
  const load = s.load;
  const daily = s.daily;
  out[0] = load.pending;
  out[1] = load.lastCaptureUtcMs;
  out[2] = load.nextCaptureUtcMs;
  out[3] = daily.pending;
  out[4] = daily.lastCaptureUtcMs;
  out[5] = daily.nextCaptureUtcMs;
  // The wall offset is not restored (Profiles.restore: monotonic time restarts at boot); before the
  // first update after a power up it is NaN, stored as -1 ("none"): a NaN would make the whole
  // record a value-codec record (the power-up save's encode was ~17,000 computrons instead of ~700).
  const offset = s.wallOffsetMs;
  out[6] = offset === offset ? offset : -1;
  return 7;
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
  return codecDef<number[]>(magic, copyList, itself, id, false);
}

function copyList(s: number[], out: number[]): number {
  for (let i = 0; i < s.length; i++) out[i] = s[i];
  return s.length;
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
