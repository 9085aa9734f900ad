import type { Board } from "../hal";
import type { PersistentHandle, Persistence } from "./persistence";
import { decodeNumberRecord, encodeNumberRecord, isNumberRecord } from "../storage/number-record";
import { DemandRecord, EnergyRecord } from "./meter-records";
import { decodeValue, encodeValue } from "../storage/value-codec";
import type { IcCalibration, IcCorrections } from "../kernel/calibration";
import type { BytesState, RestoreReport, SnapshotState } from "../storage/persistence-types";
import type { CalendarPart } from "../metrology/tou";
import type { EnergyRegisters } from "../metrology/energy-registers";
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
import type { DisconnectorSnapshot } from "../control/disconnector";
import type { LimiterSnapshot } from "../control/limiter";
import type { ScheduleState } from "../records/profiles";
import type { PulseCounterState } from "../monitoring/pulse-counter";

/** The parts of the meter whose state is persisted (the Meter builds them, then hands them here). */
interface MeterStateParts {
  readonly board: Board;
  readonly config: { readonly chip: string };
  readonly persistence: Persistence;
  readonly energy: EnergyRegisters;
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

import { type BillingRecord, flat, type NumbersCodec, FORMAT, sameValues, unwrap, type Versioned, BILLING_RECORD_MAGIC, BILLING_RECORD_VERSION, failuresRecord, flattenBilling, pqRecord, profilesRecord, tamperRecord, unflattenBilling } from "./state-codecs";

export { BILLING_RECORD_MAGIC, BILLING_RECORD_VERSION, DEMAND_RECORD_MAGIC, DEMAND_RECORD_VERSION, failuresRecord, flattenBilling, NumbersCodec, pqRecord, profilesRecord, tamperRecord, unflattenBilling } from "./state-codecs";

/** The meter's persisted states, in registration (and so restore) order; MeterStates dispatches on them. */
const S_CLOCK = 0;
const S_CALIBRATION = 1;
const S_TOU_ACTIVE = 2;
const S_TOU_PASSIVE = 3;
const S_TOU_SPECIAL = 4;
const S_BILLING = 5;
const S_DEMAND = 6;
const S_DISCONNECTOR = 7;
const S_LIMITER = 8;
const S_ALARMS = 9;
const S_TAMPER = 10;
const S_POWER_QUALITY = 11;
const S_GAS = 12;
const S_WATER = 13;
const S_FAILURES = 14;
const S_PROFILES = 15;
const S_ENERGY = 16;

/** Id and save policy of the states MeterStates encodes by kind (a frozen table: in flash, not per meter). */
interface RecordSpec {
  readonly id: string;
  readonly essential: boolean;
  readonly save: "periodic" | "immediate";
  readonly emergency: boolean;
}

function spec(id: string, essential: boolean, save: "periodic" | "immediate", emergency: boolean): RecordSpec {
  return Object.freeze({ id, essential, save, emergency });
}

const RECORD_SPECS: Readonly<Record<number, RecordSpec>> = Object.freeze({
  [S_CLOCK]: spec("clock", false, "immediate", true),
  [S_CALIBRATION]: spec("calibration", true, "immediate", true),
  [S_TOU_ACTIVE]: spec("tou.active", true, "immediate", true),
  [S_TOU_PASSIVE]: spec("tou.passive", true, "immediate", true),
  [S_TOU_SPECIAL]: spec("tou.special", true, "immediate", true),
  [S_DISCONNECTOR]: spec("disconnector", true, "immediate", true),
  [S_LIMITER]: spec("limiter", true, "immediate", true),
  [S_ALARMS]: spec("alarms", false, "periodic", false),
  [S_TAMPER]: spec("tamper", false, "periodic", false),
  [S_POWER_QUALITY]: spec("powerQuality", false, "periodic", false),
  [S_FAILURES]: spec("powerFailures", false, "periodic", false),
  [S_PROFILES]: spec("profiles", false, "periodic", false),
});

/** A state of the registry by kind: its id and policy come from RECORD_SPECS, its data from MeterStates. */
class KindRecord {
  constructor(
    protected readonly states: MeterStates,
    protected readonly kind: number,
  ) {}
  get id(): string {
    return RECORD_SPECS[this.kind].id;
  }
  get essential(): boolean {
    return RECORD_SPECS[this.kind].essential;
  }
}

/** A state the registry saves as bytes: the meter's MeterStates encodes and decodes it, by kind. */
class BytesRecord extends KindRecord implements BytesState {
  get save(): "periodic" | "immediate" {
    return RECORD_SPECS[this.kind].save;
  }
  get emergency(): boolean {
    return RECORD_SPECS[this.kind].emergency;
  }
  encode(): Uint8Array {
    return this.states.encode(this.kind);
  }
  decode(bytes: Uint8Array): void {
    this.states.decode(this.kind, bytes);
  }
}

/**
 * Billing state and the maximum demands in one record (numbers only; records of the generic value
 * codec, older firmware, still restore).
 */
class BillingStateRecord implements BytesState {
  readonly id = "billing";
  readonly essential = true;
  readonly save = "periodic";
  /** The record's last values and bytes (null: encode again). */
  private values: number[] | null = null;
  private bytes: Uint8Array | null = null;
  /**
   * What the billing record depends on that can change without billing.onChange (which saves at
   * once): the maximum demands and their times, and the billing profile's rows (a DLMS reset).
   */
  private readonly maxima: Float64Array;

  constructor(private readonly tariffs: TariffMetering) {
    this.maxima = new Float64Array(2 * tariffs.demand.maxImport.length + 3);
  }

  /** Bytes of the last encode, unchanged maxima and rows, no billing.onChange since: the same record. */
  unchanged(stored: Uint8Array): boolean {
    return stored === this.bytes && this.readMaxima();
  }

  /** After billing.onChange: the next save encodes again. */
  forget(): void {
    this.bytes = null;
  }

  /**
   * Reads the maxima into `maxima`; true when none changed. Compared inline (a call per value
   * costs XS more than the comparison), as Object.is: -0 and 0 differ, NaN ("no time yet") is
   * the same as NaN.
   */
  private readMaxima(): boolean {
    const out = this.maxima;
    const demand = this.tariffs.demand;
    const imports = demand.maxImport;
    const times = demand.maxImportTime;
    const n = imports.length;
    let same = true;
    let v = 0;
    let o = 0;
    for (let i = 0; i < n; i++) {
      v = imports[i];
      o = out[i];
      if (v !== o ? v === v || o === o : v === 0 && 1 / v !== 1 / o) {
        out[i] = v;
        same = false;
      }
      v = times[i];
      o = out[n + i];
      if (v !== o ? v === v || o === o : v === 0 && 1 / v !== 1 / o) {
        out[n + i] = v;
        same = false;
      }
    }
    const k = 2 * n;
    v = demand.maxExport;
    o = out[k];
    if (v !== o ? v === v || o === o : v === 0 && 1 / v !== 1 / o) {
      out[k] = v;
      same = false;
    }
    v = demand.maxExportTime;
    o = out[k + 1];
    if (v !== o ? v === v || o === o : v === 0 && 1 / v !== 1 / o) {
      out[k + 1] = v;
      same = false;
    }
    v = this.tariffs.billing.profile.entriesInUse();
    if (v !== out[k + 2]) {
      out[k + 2] = v;
      same = false;
    }
    return same;
  }

  encode(): Uint8Array {
    const { demand, billing } = this.tariffs;
    this.readMaxima();
    const b = billing.snapshot();
    const mx = demand.snapshotMax();
    const values = flattenBilling(b, mx);
    // Unchanged (most saves: maxima move at demand period ends): the same bytes, no encoding.
    if (this.bytes && this.values && sameValues(values, this.values)) return this.bytes;
    this.values = values;
    this.bytes = encodeNumberRecord(BILLING_RECORD_MAGIC, BILLING_RECORD_VERSION, values) ?? encodeValue({ b, m: mx });
    return this.bytes;
  }

  decode(bytes: Uint8Array): void {
    if (!isNumberRecord(bytes, BILLING_RECORD_MAGIC)) {
      this.restoreBilling(decodeValue(bytes) as BillingRecord);
      return;
    }
    const values = decodeNumberRecord(bytes, BILLING_RECORD_MAGIC, BILLING_RECORD_VERSION, "billing");
    this.restoreBilling(unflattenBilling(values));
    // The stored values (not the state after the restore, which may have billed the outage):
    // the save at power up writes the record again only if they differ.
    this.values = values;
    this.bytes = bytes;
    this.readMaxima();
    this.maxima[0] = NaN;
  }

  private restoreBilling(s: BillingRecord): void {
    if (typeof s !== "object" || s === null) throw new RangeError("billing: not a record");
    this.tariffs.demand.restoreMax(s.m);
    this.tariffs.billing.restore(s.b);
  }
}

/** A gas or water counter's record, [version, pulses, capture time] (in the emergency save: a sub-meter's pulses are billed too). */
class CounterRecord implements BytesState {
  readonly essential = false;
  readonly save = "periodic";
  private readonly codec: NumbersCodec<number[]>;
  /** The last record written or restored, and the pulses and capture time in it. */
  private bytes: Uint8Array | null = null;
  private pulses = NaN;
  private capture = NaN;

  constructor(private readonly counter: PulseCounter, readonly id: string) {
    this.codec = flat(0x61, id);
  }

  unchanged(stored: Uint8Array): boolean {
    return stored === this.bytes && this.counter.pulses === this.pulses && this.counter.captureUtcMs === this.capture;
  }

  encode(): Uint8Array {
    this.pulses = this.counter.pulses;
    this.capture = this.counter.captureUtcMs;
    this.bytes = this.codec.encode([FORMAT, this.pulses, this.capture]);
    return this.bytes;
  }

  decode(b: Uint8Array): void {
    const s = this.codec.decode(b);
    if (!Array.isArray(s) || s.length !== 3 || s[0] !== FORMAT) throw new RangeError(`${this.id}: not a version-1 record`);
    this.counter.restore({ pulses: s[1], captureUtcMs: s[2] } as PulseCounterState);
    // As stored: the save at power up skips an unchanged counter.
    this.bytes = b;
    this.pulses = s[1];
    this.capture = s[2];
  }
}

/** A state the registry saves as a plain value (immediate): MeterStates snapshots and restores it, by kind. */
class SnapshotRecord extends KindRecord implements SnapshotState<unknown> {
  get save(): "immediate" {
    return "immediate";
  }
  snapshot(): unknown {
    return this.states.snapshot(this.kind);
  }
  restore(x: unknown): void {
    this.states.restore(this.kind, x);
  }
}

/**
 * Every persisted state of one meter: encodes, decodes and checks each by kind, keeps what the
 * saves compare against, and saves on the owners' change notifications (bound methods). One
 * object per meter with its behaviour on the prototype, instead of closures per state.
 */
class MeterStates {
  /** The registry's handles, by kind. */
  private readonly handles: PersistentHandle[] = [];
  private readonly alarmsCodec = flat(0xa1, "alarms");
  private readonly tamperCodec = tamperRecord();
  private readonly pqCodec = pqRecord();
  private readonly failuresCodec = failuresRecord();
  private readonly profilesCodec = profilesRecord();
  private readonly billing: BillingStateRecord;
  /** The list every periodic record is flattened into before it is compared with its last values. */
  private readonly scratch: number[] = [];

  constructor(private readonly m: MeterStateParts) {
    this.billing = new BillingStateRecord(m.tariffs);
  }

  /** Registers every state (in restore order) and hooks the owners' change notifications. */
  register(p: Persistence): void {
    const m = this.m;
    const add = (kind: number, spec: BytesState | SnapshotRecord): void => {
      this.handles[kind] = p.register(spec);
    };
    // Energy: numbers-only record (energy-registers.ts), first: the emergency save's largest.
    add(S_ENERGY, new EnergyRecord(m.energy));
    // Clock: time zone, DST rules, invalid/doubtful status. Immediate on every change.
    add(S_CLOCK, new SnapshotRecord(this, S_CLOCK));
    m.clock.saveChangesTo(this, S_CLOCK);
    // At power up, after the outage is logged: see powerUp().
    p.addPowerUpListener(this);
    add(S_CALIBRATION, new SnapshotRecord(this, S_CALIBRATION));
    // Tariff programme: each calendar its own record (a large one fills most of a sector).
    add(S_TOU_ACTIVE, new BytesRecord(this, S_TOU_ACTIVE));
    add(S_TOU_PASSIVE, new BytesRecord(this, S_TOU_PASSIVE));
    add(S_TOU_SPECIAL, new BytesRecord(this, S_TOU_SPECIAL));
    m.tariffs.tou.onChange = this.calendarChanged.bind(this);
    // Billing state and the maximum demands in one record: an end of billing period resets the
    // maxima, and the two must never be found half done. Saved at each end of billing period and
    // schedule change, and periodically when a maximum moved.
    // Both are numbers-only records (number-record.ts, docs/readme/performance.md): they are in the
    // emergency save. Records of the generic value codec (older firmware) still restore.
    add(S_BILLING, this.billing);
    // The demand period in progress: a sub-period that ended during the outage is closed at its end.
    add(S_DEMAND, new DemandRecord(m.tariffs, m.clock));
    m.tariffs.billing.onChange = this.billingChanged.bind(this);
    // Relay state and control mode: immediate on every transition; at power up the relay is driven
    // to the stored state (Meter.start calls disconnector.powerUp after the restore).
    add(S_DISCONNECTOR, new SnapshotRecord(this, S_DISCONNECTOR));
    m.disconnector.saveChangesTo(this, S_DISCONNECTOR);
    // Limiter settings (DLMS class 71 writes) and its tripped condition.
    add(S_LIMITER, new SnapshotRecord(this, S_LIMITER));
    m.limiter.saveChangesTo(this, S_LIMITER);
    // Alarm register and filter: the union with alarms raised during this power up. Saved at once
    // on every change; periodic only to merge what the restore raised.
    add(S_ALARMS, new BytesRecord(this, S_ALARMS));
    m.events.saveChangesTo(this, S_ALARMS);
    // Tamper: the latched flag at once, the rest with the periodic save.
    add(S_TAMPER, new BytesRecord(this, S_TAMPER));
    m.tamper.saveChangesTo(this, S_TAMPER);
    // Power quality counters and thresholds (a threshold change is saved at once).
    add(S_POWER_QUALITY, new BytesRecord(this, S_POWER_QUALITY));
    m.powerQuality.saveChangesTo(this, S_POWER_QUALITY);
    // Gas and water volumes (in the emergency save: a sub-meter's pulses are billed too). Flat: [version, pulses, capture time].
    this.handles[S_GAS] = p.register(new CounterRecord(m.gas, "gas"));
    this.handles[S_WATER] = p.register(new CounterRecord(m.water, "water"));
    // Power failure counters and the long-failure threshold (0.0.96.7.19.255 writes saved at once).
    // Changes at power up (saved then) and on a threshold write (saved at once).
    add(S_FAILURES, new BytesRecord(this, S_FAILURES));
    m.powerFailures.saveChangesTo(this, S_FAILURES);
    // Profiles' schedule: the status bits collected in the interval running at the cut.
    add(S_PROFILES, new BytesRecord(this, S_PROFILES));
  }

  /** A save that waits for the restore: a change made while the state is not back yet would overwrite the stored one. */
  saveIfRestored(kind: number): void {
    const handle = this.handles[kind];
    if (handle.restoredFrom !== "pending") handle.save();
  }

  /**
   * At power up, after the outage is logged: the power failure counters and log (the profiles
   * mark their running interval "power down"), then the clock: a wall clock behind the last sign
   * of life lost its time (no RTC, or a dead backup cell). Invalid until set (event 6, alarm bit 0).
   */
  powerUp(report: RestoreReport): void {
    const m = this.m;
    if (report.outage) {
      m.powerFailures.recordPowerFailure(report.outage.startUtcMs, report.outage.durationMs);
      m.profiles.notePowerDown(report.outage.startUtcMs);
    }
    if (report.lastAliveUtcMs !== null && m.board.clock.wallClockMs() < report.lastAliveUtcMs && !m.clock.invalid) m.clock.markInvalidAfterPowerLoss();
  }

  private calendarChanged(part: CalendarPart): void {
    this.saveIfRestored(part === "active" ? S_TOU_ACTIVE : part === "passive" ? S_TOU_PASSIVE : S_TOU_SPECIAL);
  }

  private billingChanged(): void {
    this.billing.forget();
    this.saveIfRestored(S_DEMAND);
    this.saveIfRestored(S_BILLING);
  }

  snapshot(kind: number): unknown {
    const m = this.m;
    switch (kind) {
      case S_CLOCK:
        return m.clock.snapshot();
      case S_CALIBRATION:
        return { v: FORMAT, chip: m.config.chip, values: m.ic.calibration.values() };
      case S_DISCONNECTOR:
        return { v: FORMAT, s: m.disconnector.snapshot() };
      case S_LIMITER:
        return { v: FORMAT, s: m.limiter.snapshot() };
      default:
        throw new RangeError(`state ${kind} is not a snapshot`);
    }
  }

  restore(kind: number, x: unknown): void {
    const m = this.m;
    switch (kind) {
      case S_CLOCK:
        m.clock.restore(x as number[]);
        return;
      case S_CALIBRATION:
        this.restoreCalibration(x as { v: number; chip: string; values: Record<string, unknown> });
        return;
      case S_DISCONNECTOR: {
        const r = m.disconnector.restore(unwrap(x as Versioned<DisconnectorSnapshot>, "disconnector"));
        if (!r.ok) throw new RangeError(`disconnector: ${r.reason}`);
        return;
      }
      case S_LIMITER: {
        const r = m.limiter.restore(unwrap(x as Versioned<LimiterSnapshot>, "limiter"));
        if (!r.ok) throw new RangeError(`limiter: ${r.reason} (${r.field})`);
        return;
      }
      default:
        throw new RangeError(`state ${kind} is not a snapshot`);
    }
  }

  encode(kind: number): Uint8Array {
    const m = this.m;
    // The periodic states first (a switch compares in order; every periodic save encodes them).
    switch (kind) {
      case S_ALARMS:
        return this.alarmsCodec.encode([FORMAT, m.events.alarmRegister, m.events.alarmFilter], this.scratch);
      case S_TAMPER:
        return this.tamperCodec.encode(m.tamper.snapshot(), this.scratch);
      case S_POWER_QUALITY:
        // The live counters, not a copy (pq.snapshot() slices them): the record is encoded at once.
        return this.pqCodec.encode({ c: m.powerQuality, t: m.powerQuality.thresholds() }, this.scratch);
      case S_FAILURES:
        return this.failuresCodec.encode(m.powerFailures.snapshot(), this.scratch);
      case S_PROFILES:
        return this.profilesCodec.encode(m.profiles.snapshot(), this.scratch);
      case S_TOU_ACTIVE:
        return encodeCalendar(m.tariffs.tou.activeCalendar);
      case S_TOU_PASSIVE:
        return encodePassive(m.tariffs.tou.passiveCalendar, m.tariffs.tou.passiveActivationUtc);
      case S_TOU_SPECIAL:
        return encodeSpecialDays(m.tariffs.tou.specialDays);
      default:
        throw new RangeError(`state ${kind} has no byte record`);
    }
  }

  decode(kind: number, b: Uint8Array): void {
    const m = this.m;
    const tou = m.tariffs.tou;
    switch (kind) {
      case S_TOU_ACTIVE:
        tou.restoreActive(decodeCalendar(b));
        return;
      case S_TOU_PASSIVE: {
        const { calendar, activationUtc } = decodePassive(b);
        tou.restorePassive(calendar, activationUtc);
        return;
      }
      case S_TOU_SPECIAL:
        tou.restoreSpecialDays(decodeSpecialDays(b));
        return;
      case S_ALARMS: {
        const s = this.alarmsCodec.decode(b);
        if (!Array.isArray(s) || s.length !== 3 || s[0] !== FORMAT) throw new RangeError("alarms: not a version-1 record");
        m.events.restoreAlarms(s[1], s[2]);
        return;
      }
      case S_TAMPER:
        m.tamper.restore(this.tamperCodec.decode(b), m.board.clock.wallClockMs());
        return;
      case S_POWER_QUALITY: {
        const s = this.pqCodec.decode(b);
        m.powerQuality.restoreThresholds(s.t);
        m.powerQuality.restore(s.c);
        return;
      }
      case S_FAILURES:
        m.powerFailures.restore(this.failuresCodec.decode(b));
        return;
      case S_PROFILES: {
        const s = this.profilesCodec.decode(b);
        checkSchedule(s.load, "load");
        checkSchedule(s.daily, "daily");
        m.profiles.restore(s);
        return;
      }
      default:
        throw new RangeError(`state ${kind} has no byte record`);
    }
  }

  private restoreCalibration(x: { v: number; chip: string; values: Record<string, unknown> }): void {
    const m = this.m;
    const cal = m.ic.calibration;
    const chip = m.config.chip;
    if (typeof x !== "object" || x === null || x.v !== FORMAT || typeof x.values !== "object" || x.values === null) throw new RangeError("calibration: not a version-1 record");
    if (x.chip !== chip) throw new RangeError(`calibration: stored for ${x.chip}, this meter has ${chip}`);
    const values = { ...x.values };
    const current = cal.values();
    for (const key of SCALE_KEYS) {
      if (key in values && JSON.stringify(values[key]) !== JSON.stringify(current[key])) {
        m.board.log.warn(`calibration: stored ${key} ${JSON.stringify(values[key])} differs from this build's ${JSON.stringify(current[key])}; the build's is kept`);
        delete values[key];
      }
    }
    cal.load(values);
  }
}

/**
 * Calibration (essential, immediate): every change through the meter's calibration interface (a
 * calibration routine, a loaded file, later DLMS) is saved when it returns; at power up the stored
 * values go back into the driver before `ic.init()` writes them to the chip. The interface: the
 * driver's own, with a save after each change.
 */
class SavedCalibration implements IcCalibration {
  constructor(private readonly cal: IcCalibration, private readonly states: MeterStates) {}
  values(): Record<string, unknown> {
    return this.cal.values();
  }
  load(values: Record<string, unknown>): void {
    this.cal.load(values);
    this.states.saveIfRestored(S_CALIBRATION);
  }
  reset(): void {
    this.cal.reset();
    this.states.saveIfRestored(S_CALIBRATION);
  }
  apply(corrections: IcCorrections): void {
    this.cal.apply(corrections);
    this.states.saveIfRestored(S_CALIBRATION);
  }
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
 * (a configuration written over DLMS, the tamper flag, an alarm). Returns the calibration
 * interface that saves after each change.
 */
export function registerMeterState(meter: MeterStateParts): IcCalibration {
  const states = new MeterStates(meter);
  states.register(meter.persistence);
  return new SavedCalibration(meter.ic.calibration, states);
}

function checkSchedule(s: ScheduleState, which: string): void {
  if (typeof s !== "object" || s === null || !Number.isInteger(s.pending) || s.pending < 0 || s.pending > 0xff || typeof s.lastCaptureUtcMs !== "number" || typeof s.nextCaptureUtcMs !== "number") {
    throw new RangeError(`profiles: ${which} schedule is not whole`);
  }
}

/** Conversion constants of the chips' energy registers: board facts of the build, not calibration. */
const SCALE_KEYS = Object.freeze(["energyMilliWhPerLsb", "meterConstant"]);
