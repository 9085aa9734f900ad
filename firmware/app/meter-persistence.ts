import type { Board } from "../hal";
import type { PersistentHandle, Persistence } from "./persistence";
import { decodeNumberRecord, encodeNumberRecord, isNumberRecord } from "../storage/number-record";
import { decodeValue, encodeValue } from "../storage/value-codec";
import type { IcCalibration } from "../kernel/calibration";
import type { MeteringIc } from "../kernel/metering-ic";
import type { MeterClock } from "../time/clock";
import type { TariffMetering } from "../metrology/tariff-metering";
import type { EventLogs } from "../records/event-log";
import type { Disconnector } from "../control/disconnector";
import type { Limiter } from "../control/limiter";
import type { PowerFailures } from "../monitoring/power-failures";
import type { PowerQuality } from "../monitoring/power-quality";
import type { PulseCounter } from "../monitoring/pulse-counter";
import type { TamperDetector } from "../monitoring/tamper";
import type { Profiles } from "../records/profiles";
import { decodeCalendar, decodePassive, decodeSpecialDays, encodeCalendar, encodePassive, encodeSpecialDays } from "../metrology/tou-codec";
import type { BillingState } from "../metrology/billing";
import type { DisconnectorSnapshot } from "../control/disconnector";
import type { LimiterSnapshot } from "../control/limiter";
import type { PowerFailureState } from "../monitoring/power-failures";
import type { PowerQualityState } from "../monitoring/power-quality";
import type { ProfilesState, ScheduleState } from "../records/profiles";
import type { PulseCounterState } from "../monitoring/pulse-counter";
import type { TamperState } from "../monitoring/tamper";

/** The parts of the meter whose state is persisted (the Meter builds them, then hands them here). */
export interface MeterStateParts {
  readonly board: Board;
  readonly config: { readonly chip: string };
  readonly persistence: Persistence;
  readonly ic: MeteringIc;
  readonly clock: MeterClock;
  readonly tariffs: TariffMetering;
  readonly events: EventLogs;
  readonly disconnector: Disconnector;
  readonly limiter: Limiter;
  readonly tamper: TamperDetector;
  readonly powerQuality: PowerQuality;
  readonly gas: PulseCounter;
  readonly water: PulseCounter;
  readonly powerFailures: PowerFailures;
  readonly profiles: Profiles;
}

/** The billing record (billing state and the maximum demands) as the value codec stored it. */
interface BillingRecord {
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
const FORMAT = 1;

/**
 * A record written numbers-only (number-record.ts) when the snapshot flattens to integers, else
 * (and for records of older firmware) by the value codec. Periodic states are encoded every save
 * interval: the generic codec's walk of keys and tags was most of the periodic save's cost
 * (docs/readme/performance.md). `unflatten` rebuilds the owner's snapshot; the owner's restore
 * checks it. The flatten and unflatten functions are module functions (preloaded), so a codec is
 * one small object.
 */
export class NumbersCodec<T> {
  // The last values encoded and their bytes: a periodic save of an unchanged state compares a
  // few numbers and hands back the same bytes (the registry then skips the write).
  private lastValues: number[] | null = null;
  private lastBytes: Uint8Array | null = null;

  constructor(
    private readonly magic: number,
    private readonly flatten: (s: T) => number[],
    private readonly unflatten: (f: number[]) => T,
    private readonly id: string,
    private readonly versioned = true,
    private readonly plain: (s: T) => T = itself,
  ) {}

  encode(s: T): Uint8Array {
    const values = this.flatten(s);
    if (this.lastBytes && this.lastValues && sameValues(values, this.lastValues)) return this.lastBytes;
    // The value codec's form is the one older firmware wrote: { v, s } (or the flat list itself).
    const bytes = encodeNumberRecord(this.magic, FORMAT, values) ?? encodeValue(this.versioned ? { v: FORMAT, s: this.plain(s) } : this.plain(s));
    this.lastValues = values;
    this.lastBytes = bytes;
    return bytes;
  }

  decode(b: Uint8Array): T {
    if (isNumberRecord(b, this.magic)) {
      const values = decodeNumberRecord(b, this.magic, FORMAT, this.id);
      const s = this.unflatten(values);
      // The record's values and bytes: the save at power up finds an unchanged state unchanged.
      this.lastValues = values;
      this.lastBytes = b;
      return s;
    }
    const v = decodeValue(b);
    return this.versioned ? unwrap(v as Versioned<T>, this.id) : (v as T);
  }
}

function itself<T>(s: T): T {
  return s;
}

/** Same numbers (Object.is: -0 and NaN as the record would tell them apart). */
function sameValues(a: readonly number[], b: readonly number[]): boolean {
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

const PQ_SERIES = Object.freeze(["counts", "lastDurationMs", "totalDurationMs", "lastMagnitudeMilliV"] as const);
const PQ_FREQUENCY = Object.freeze(["frequencyCount", "frequencyLastDurationMs", "frequencyTotalDurationMs", "frequencyLastExtremeMilliHz"] as const);
const TAMPER_FIELDS = Object.freeze(["tamperFlag", "tamperEvents", "terminalCoverOpen", "meterCoverOpen", "magnetPresent", "reverseActive", "mismatchActive", "meteringLine"] as const);
const FAILURE_FIELDS = Object.freeze(["count", "longCount", "lastDurationMs", "totalDurationMs", "longThresholdS"] as const);

/** Power quality: [n, 4 series of n, 4 frequency values, 6 thresholds]. */
export function pqRecord(): NumbersCodec<PqRecord> {
  return new NumbersCodec<PqRecord>(0x9c, flattenPq, unflattenPq, "powerQuality", true, plainPq);
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
  const c = {} as Record<string, unknown>;
  PQ_SERIES.forEach((k, j) => (c[k] = Float64Array.from(take(f, 1 + j * n, n, "powerQuality"))));
  PQ_FREQUENCY.forEach((k, j) => (c[k] = f[1 + 4 * n + j]));
  return { c: c as unknown as PowerQualityState, t: take(f, 1 + 4 * n + 4, 6, "powerQuality") };
}

/** The save hands the live counters (no copy); the value codec gets a plain snapshot. */
function plainPq(s: PqRecord): PqRecord {
  const live = s.c as unknown as { snapshot?(): PowerQualityState };
  return { c: typeof live.snapshot === "function" ? live.snapshot() : s.c, t: s.t };
}

/** Tamper: the fields in TAMPER_FIELDS order, booleans as 0/1. */
export function tamperRecord(): NumbersCodec<TamperState> {
  return new NumbersCodec<TamperState>(0x7a, flattenTamper, unflattenTamper, "tamper");
}

function flattenTamper(s: TamperState): number[] {
  return TAMPER_FIELDS.map((k) => Number(s[k]));
}

function unflattenTamper(f: number[]): TamperState {
  exactly(f, TAMPER_FIELDS.length, "tamper");
  const s = {} as Record<string, unknown>;
  TAMPER_FIELDS.forEach((k, i) => (s[k] = k === "tamperEvents" || k === "meteringLine" ? f[i] : f[i] === 1));
  return s as unknown as TamperState;
}

export function failuresRecord(): NumbersCodec<PowerFailureState> {
  return new NumbersCodec<PowerFailureState>(0xf1, flattenFailures, unflattenFailures, "powerFailures");
}

function flattenFailures(s: PowerFailureState): number[] {
  return FAILURE_FIELDS.map((k) => s[k]);
}

function unflattenFailures(f: number[]): PowerFailureState {
  exactly(f, FAILURE_FIELDS.length, "powerFailures");
  const s = {} as Record<string, number>;
  FAILURE_FIELDS.forEach((k, i) => (s[k] = f[i]));
  return s as unknown as PowerFailureState;
}

/** Profiles' schedule: load and daily [pending, last, next], then the wall offset. */
export function profilesRecord(): NumbersCodec<ProfilesState> {
  return new NumbersCodec<ProfilesState>(0xf2, flattenProfiles, unflattenProfiles, "profiles");
}

function flattenProfiles(s: ProfilesState): number[] {
  return [s.load.pending, s.load.lastCaptureUtcMs, s.load.nextCaptureUtcMs, s.daily.pending, s.daily.lastCaptureUtcMs, s.daily.nextCaptureUtcMs, s.wallOffsetMs];
}

function unflattenProfiles(f: number[]): ProfilesState {
  exactly(f, 7, "profiles");
  return { load: { pending: f[0], lastCaptureUtcMs: f[1], nextCaptureUtcMs: f[2] }, daily: { pending: f[3], lastCaptureUtcMs: f[4], nextCaptureUtcMs: f[5] }, wallOffsetMs: f[6] };
}

/** Flat number lists (alarms, gas, water) as they are. */
function flat(magic: number, id: string): NumbersCodec<number[]> {
  return new NumbersCodec<number[]>(magic, itself, itself, id, false);
}

interface Versioned<T> {
  v: number;
  s: T;
}

function unwrap<T>(x: Versioned<T>, id: string): T {
  if (typeof x !== "object" || x === null || x.v !== FORMAT || x.s === undefined) throw new RangeError(`${id}: not a version-${FORMAT} record`);
  return x.s;
}

/** A save that waits for the restore: a change made while the state is not back yet would overwrite the stored one. */
function saver(handle: PersistentHandle): () => void {
  return () => {
    if (handle.restoredFrom !== "pending") handle.save();
  };
}

/**
 * Registers every piece of the meter's state with the persistence registry (issue 6, docs/metering.md
 * section 10), with its save policy, and hooks the owners' change notifications to immediate
 * saves. Restore runs in this order at power up (Meter.start, before the IC is initialised and
 * the relay is driven): the clock's rules first (calendars, billing and demand compute in local
 * time), calibration, the tariff programme, billing with the maximum demands, the demand period,
 * relay and limiter, then counters. docs/readme/persistence.md lists the records.
 *
 * "periodic" states are written every save interval and in the emergency save, but only when
 * their encoding changed; several are also saved at once when a rare change must not wait
 * (a configuration written over DLMS, the tamper flag, an alarm).
 */
export function registerMeterState(meter: MeterStateParts): IcCalibration {
  const p: Persistence = meter.persistence;
  const board = meter.board;
  const clock = meter.clock;
  const { tou, demand, billing } = meter.tariffs;

  // Clock: time zone, DST rules, invalid/doubtful status. Immediate on every change.
  const clockHandle = p.register({ id: "clock", essential: false, save: "immediate", snapshot: () => clock.snapshot(), restore: (s: number[]) => clock.restore(s) });
  clock.onSettingsChange = saver(clockHandle);
  // At power up, after the outage is logged: the power failure counters and log (the profiles
  // mark their running interval "power down"), then the clock: a wall clock behind the last sign
  // of life lost its time (no RTC, or a dead backup cell). Invalid until set (event 6, alarm bit 0).
  const failures = meter.powerFailures;
  p.addPowerUpListener((report) => {
    if (report.outage) {
      failures.recordPowerFailure(report.outage.startUtcMs, report.outage.durationMs);
      meter.profiles.notePowerDown(report.outage.startUtcMs);
    }
    if (report.lastAliveUtcMs !== null && board.clock.wallClockMs() < report.lastAliveUtcMs && !clock.invalid) clock.markInvalidAfterPowerLoss();
  });

  const calibration = registerCalibration(meter, p);

  // Tariff programme: each calendar its own record (a large one fills most of a sector).
  const active = p.register({ id: "tou.active", essential: true, save: "immediate", encode: () => encodeCalendar(tou.activeCalendar), decode: (b) => tou.restoreActive(decodeCalendar(b)) });
  const passive = p.register({
    id: "tou.passive",
    essential: true,
    save: "immediate",
    encode: () => encodePassive(tou.passiveCalendar, tou.passiveActivationUtc),
    decode: (b) => {
      const { calendar, activationUtc } = decodePassive(b);
      tou.restorePassive(calendar, activationUtc);
    },
  });
  const special = p.register({ id: "tou.special", essential: true, save: "immediate", encode: () => encodeSpecialDays(tou.specialDays), decode: (b) => tou.restoreSpecialDays(decodeSpecialDays(b)) });
  const saveActive = saver(active);
  const savePassive = saver(passive);
  const saveSpecial = saver(special);
  tou.onChange = (part) => (part === "active" ? saveActive() : part === "passive" ? savePassive() : saveSpecial());

  // Billing state and the maximum demands in one record: an end of billing period resets the
  // maxima, and the two must never be found half done. Saved at each end of billing period and
  // schedule change, and periodically when a maximum moved.
  // Both are numbers-only records (number-record.ts, docs/readme/performance.md): they are in the
  // emergency save. Records of the generic value codec (older firmware) still restore.
  const restoreBilling = (s: BillingRecord): void => {
    if (typeof s !== "object" || s === null) throw new RangeError("billing: not a record");
    demand.restoreMax(s.m);
    billing.restore(s.b);
  };
  let billingValues: number[] | null = null;
  let billingBytes: Uint8Array | null = null;
  // What the billing record depends on that can change without billing.onChange (which saves at
  // once): the maximum demands and their times, and the billing profile's rows (a DLMS reset).
  const maxima = new Float64Array(2 * demand.maxImport.length + 3);
  const readMaxima = (out: Float64Array): boolean => {
    let same = true;
    let k = 0;
    const put = (v: number): void => {
      if (!Object.is(out[k], v)) {
        out[k] = v;
        same = false;
      }
      k++;
    };
    for (let i = 0; i < demand.maxImport.length; i++) put(demand.maxImport[i]);
    for (let i = 0; i < demand.maxImportTime.length; i++) put(demand.maxImportTime[i]);
    put(demand.maxExport);
    put(demand.maxExportTime);
    put(billing.profile.entriesInUse());
    return same;
  };
  const billingHandle = p.register({
    id: "billing",
    essential: true,
    save: "periodic",
    // Bytes of the last encode, unchanged maxima and rows, no billing.onChange since: the same record.
    unchanged: (stored) => stored === billingBytes && readMaxima(maxima),
    encode: () => {
      readMaxima(maxima);
      const b = billing.snapshot();
      const m = demand.snapshotMax();
      const values = flattenBilling(b, m);
      // Unchanged (most saves: maxima move at demand period ends): the same bytes, no encoding.
      if (billingBytes && billingValues && sameValues(values, billingValues)) return billingBytes;
      billingValues = values;
      billingBytes = encodeNumberRecord(BILLING_RECORD_MAGIC, BILLING_RECORD_VERSION, values) ?? encodeValue({ b, m });
      return billingBytes;
    },
    decode: (bytes) => {
      if (!isNumberRecord(bytes, BILLING_RECORD_MAGIC)) return restoreBilling(decodeValue(bytes) as BillingRecord);
      const values = decodeNumberRecord(bytes, BILLING_RECORD_MAGIC, BILLING_RECORD_VERSION, "billing");
      restoreBilling(unflattenBilling(values));
      // The stored values (not the state after the restore, which may have billed the outage):
      // the save at power up writes the record again only if they differ.
      billingValues = values;
      billingBytes = bytes;
      readMaxima(maxima);
      maxima[0] = NaN;
    },
  });
  // The demand period in progress: a sub-period that ended during the outage is closed at its end.
  const restoreDemand = (s: number[]): void => demand.restorePeriod(s, clock.nowUtcMs(), (utc) => tou.tariffAt(utc));
  const demandHandle = p.register({
    id: "demand",
    essential: false,
    save: "periodic",
    encode: () => {
      const s = demand.snapshotPeriod();
      return encodeNumberRecord(DEMAND_RECORD_MAGIC, DEMAND_RECORD_VERSION, s) ?? encodeValue(s);
    },
    decode: (bytes) => restoreDemand(isNumberRecord(bytes, DEMAND_RECORD_MAGIC) ? decodeNumberRecord(bytes, DEMAND_RECORD_MAGIC, DEMAND_RECORD_VERSION, "demand") : (decodeValue(bytes) as number[])),
  });
  const saveBilling = saver(billingHandle);
  const saveDemand = saver(demandHandle);
  billing.onChange = () => {
    billingBytes = null;
    saveDemand();
    saveBilling();
  };

  // Relay state and control mode: immediate on every transition; at power up the relay is driven
  // to the stored state (Meter.start calls disconnector.powerUp after the restore).
  const disconnector = meter.disconnector;
  const relay = p.register<Versioned<DisconnectorSnapshot>>({
    id: "disconnector",
    essential: true,
    save: "immediate",
    snapshot: () => ({ v: FORMAT, s: disconnector.snapshot() }),
    restore: (x) => {
      const r = disconnector.restore(unwrap(x, "disconnector"));
      if (!r.ok) throw new RangeError(`disconnector: ${r.reason}`);
    },
  });
  disconnector.onPersistentChange = saver(relay);

  // Limiter settings (DLMS class 71 writes) and its tripped condition.
  const limiter = meter.limiter;
  const limiterHandle = p.register<Versioned<LimiterSnapshot>>({
    id: "limiter",
    essential: true,
    save: "immediate",
    snapshot: () => ({ v: FORMAT, s: limiter.snapshot() }),
    restore: (x) => {
      const r = limiter.restore(unwrap(x, "limiter"));
      if (!r.ok) throw new RangeError(`limiter: ${r.reason} (${r.field})`);
    },
  });
  limiter.onChange = saver(limiterHandle);

  // Alarm register and filter: the union with alarms raised during this power up.
  const events = meter.events;
  const alarmsRecord = flat(0xa1, "alarms");
  const alarms = p.register({
    id: "alarms",
    essential: false,
    save: "periodic",
    // Saved at once on every change; periodic only to merge what the restore raised.
    emergency: false,
    encode: () => alarmsRecord.encode([FORMAT, events.alarmRegister, events.alarmFilter]),
    decode: (b) => {
      const s = alarmsRecord.decode(b);
      if (!Array.isArray(s) || s.length !== 3 || s[0] !== FORMAT) throw new RangeError("alarms: not a version-1 record");
      events.restoreAlarms(s[1], s[2]);
    },
  });
  events.onAlarmStateChange = saver(alarms);

  // Tamper: the latched flag at once, the rest with the periodic save.
  const tamper = meter.tamper;
  const tamperCodec = tamperRecord();
  const tamperHandle = p.register({
    id: "tamper",
    essential: false,
    save: "periodic",
    emergency: false,
    encode: () => tamperCodec.encode(tamper.snapshot()),
    decode: (b) => tamper.restore(tamperCodec.decode(b), board.clock.wallClockMs()),
  });
  tamper.onFlagChange = saver(tamperHandle);

  // Power quality counters and thresholds (a threshold change is saved at once).
  const pq = meter.powerQuality;
  const pqCodec = pqRecord();
  const pqHandle = p.register({
    id: "powerQuality",
    essential: false,
    save: "periodic",
    emergency: false,
    // The live counters, not a copy (pq.snapshot() slices them): the record is encoded at once.
    encode: () => pqCodec.encode({ c: pq as unknown as PowerQualityState, t: pq.thresholds() }),
    decode: (b) => {
      const s = pqCodec.decode(b);
      pq.restoreThresholds(s.t);
      pq.restore(s.c);
    },
  });
  pq.onSettingsChange = saver(pqHandle);

  // Gas and water volumes (in the emergency save: a sub-meter's pulses are billed too). Flat: [version, pulses, capture time].
  for (const counter of [meter.gas, meter.water]) {
    const id = counter === meter.gas ? "gas" : "water";
    const record = flat(0x61, id);
    let bytes: Uint8Array | null = null;
    let pulses = NaN;
    let capture = NaN;
    p.register({
      id,
      essential: false,
      save: "periodic",
      unchanged: (stored) => stored === bytes && counter.pulses === pulses && counter.captureUtcMs === capture,
      encode: () => {
        pulses = counter.pulses;
        capture = counter.captureUtcMs;
        bytes = record.encode([FORMAT, pulses, capture]);
        return bytes;
      },
      decode: (b) => {
        const s = record.decode(b);
        if (!Array.isArray(s) || s.length !== 3 || s[0] !== FORMAT) throw new RangeError(`${id}: not a version-1 record`);
        counter.restore({ pulses: s[1], captureUtcMs: s[2] } as PulseCounterState);
        // As stored: the save at power up skips an unchanged counter.
        bytes = b;
        pulses = s[1];
        capture = s[2];
      },
    });
  }

  // Power failure counters and the long-failure threshold (0.0.96.7.19.255 writes saved at once).
  const failuresCodec = failuresRecord();
  const failuresHandle = p.register({
    id: "powerFailures",
    essential: false,
    save: "periodic",
    // Changes at power up (saved then) and on a threshold write (saved at once).
    emergency: false,
    encode: () => failuresCodec.encode(failures.snapshot()),
    decode: (b) => failures.restore(failuresCodec.decode(b)),
  });
  failures.onSettingsChange = saver(failuresHandle);

  // Profiles' schedule: the status bits collected in the interval running at the cut.
  const profiles = meter.profiles;
  const profilesCodec = profilesRecord();
  p.register({
    id: "profiles",
    essential: false,
    save: "periodic",
    emergency: false,
    encode: () => profilesCodec.encode(profiles.snapshot()),
    decode: (b) => {
      const s = profilesCodec.decode(b);
      checkSchedule(s.load, "load");
      checkSchedule(s.daily, "daily");
      profiles.restore(s);
    },
  });
  return calibration;
}

function checkSchedule(s: ScheduleState, which: string): void {
  if (typeof s !== "object" || s === null || !Number.isInteger(s.pending) || s.pending < 0 || s.pending > 0xff || typeof s.lastCaptureUtcMs !== "number" || typeof s.nextCaptureUtcMs !== "number") {
    throw new RangeError(`profiles: ${which} schedule is not whole`);
  }
}

/** Conversion constants of the chips' energy registers: board facts of the build, not calibration. */
const SCALE_KEYS = ["energyMilliWhPerLsb", "meterConstant"];

/**
 * Calibration (essential, immediate): every change through the meter's calibration interface (a
 * calibration routine, a loaded file, later DLMS) is saved when it returns; at power up the stored
 * values go back into the driver before `ic.init()` writes them to the chip. Returns that
 * interface: the driver's own, with a save after each change.
 */
function registerCalibration(meter: MeterStateParts, p: Persistence): IcCalibration {
  const cal = meter.ic.calibration;
  const chip = meter.config.chip;
  const handle = p.register<{ v: number; chip: string; values: Record<string, unknown> }>({
    id: "calibration",
    essential: true,
    save: "immediate",
    snapshot: () => ({ v: FORMAT, chip, values: cal.values() }),
    restore: (x) => {
      if (typeof x !== "object" || x === null || x.v !== FORMAT || typeof x.values !== "object" || x.values === null) throw new RangeError("calibration: not a version-1 record");
      if (x.chip !== chip) throw new RangeError(`calibration: stored for ${x.chip}, this meter has ${chip}`);
      const values = { ...x.values };
      const current = cal.values();
      for (const key of SCALE_KEYS) {
        if (key in values && JSON.stringify(values[key]) !== JSON.stringify(current[key])) {
          meter.board.log.warn(`calibration: stored ${key} ${JSON.stringify(values[key])} differs from this build's ${JSON.stringify(current[key])}; the build's is kept`);
          delete values[key];
        }
      }
      cal.load(values);
    },
  });
  const save = saver(handle);
  return {
    values: () => cal.values(),
    load: (values) => {
      cal.load(values);
      save();
    },
    reset: () => {
      cal.reset();
      save();
    },
    apply: (corrections) => {
      cal.apply(corrections);
      save();
    },
  };
}
