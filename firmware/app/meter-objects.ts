/**
 * The meter's COSEM objects: a table that maps OBIS codes onto the Meter's own API. Nothing here
 * holds meter state; every attribute reads (or writes through) the owner. An object whose
 * function the meter does not have is simply absent, so a GET on it answers object-undefined (4).
 * Adding an object is a line in one of the tables below or a `model.add(...)` call.
 */
import type { Meter } from "./meter";
import { EVENT_LOG_OBIS, type EventLog } from "../records/event-log";
import type { CaptureColumn, ProfileBuffer } from "../kernel/profile";
import type { RegisterDescriptor } from "../kernel/register-table";
import { type AxdrWriter, DataType, type DataTypeTag } from "../comms/dlms/axdr";
import {
  associationObject, type ClockSource, clockObject, dataObject, dateTimeBytesToUtc, demandRegisterObject, extendedRegisterObject, numericDataObject, numericSetter,
  profileObject, registerObject, sapAssignmentObject, writeDateTime,
} from "../comms/dlms/classes";
import { billingScheduleObject, activityCalendarObject, specialDaysObject } from "../comms/dlms/classes-tariff";
import { disconnectControlObject, limiterObject } from "../comms/dlms/classes-control";
import { mqttObjects } from "../comms/mqtt/mqtt-objects";
import { type AccessGroup, type AttributeDef, type ObjectDef, ObjectModel } from "../comms/dlms/object-model";

/** Optional parts of the meter (features that land at different times); probed, never required. */
type MeterParts = Meter & Partial<Record<string, unknown>>;

const ENERGY_UNITS = new Set(["Wh", "varh", "VAh"]);

/** A-XDR type of a register value, by OBIS where it matters, else by unit. */
export function registerValueType(r: RegisterDescriptor): DataTypeTag {
  const o = r.obis;
  if (o === "1.0.16.8.0.255") return DataType.long64; // net energy can be negative
  if (ENERGY_UNITS.has(r.unit) || r.unit === "m3") return DataType.long64Unsigned;
  if (o.startsWith("0.0.96.11.") || o === "0.0.96.10.1.255" || o === "0.0.96.14.0.255" || o === "0.0.0.1.0.255") return DataType.unsigned;
  if (r.unit === "") return r.scaler !== 0 ? DataType.doubleLong : DataType.doubleLongUnsigned; // power factor is signed
  return DataType.doubleLong;
}

/** Access group of a register by OBIS. */
function registerGroup(obis: string): AccessGroup {
  if (obis.startsWith("0.0.97.98.") || obis.startsWith("0.0.96.")) return "status";
  if (obis.startsWith("1.0.12.") || obis === "0.0.96.7.19.255") return "config";
  return "metering";
}

const CLOCK_OBIS = "0.0.1.0.0.255";

function clockSourceOf(meter: Meter): ClockSource {
  const c = meter.clock;
  return {
    nowUtcMs: () => c.nowUtcMs(),
    deviationAt: (u) => c.deviationAt(u),
    statusAt: (u) => c.statusAt(u),
    nextDstSwitchUtc: (u) => c.nextDstSwitchUtc(u),
    localToUtc: (l) => c.localToUtc(l),
    get timeZone() {
      return c.timeZone;
    },
    get status() {
      return c.status;
    },
    get dst() {
      return c.dst;
    },
    setTime: (u) => c.setTime(u),
    shiftTime: (s) => c.shiftTime(s),
    setTimeZone: (m) => {
      c.timeZone = m;
    },
  };
}

/**
 * The communication log's third column: how many identical events an entry stands for (failed
 * pushes fold, records/event-log.ts). An event counter object (0.0.96.15.x); read alone it is the
 * newest entry's count.
 */
const COMMUNICATION_REPEATS_OBIS = "0.0.96.15.5.255";

/** An event log seen as a profile buffer: columns clock, the log's event code object and, when given, the repeat count. */
export class EventLogBuffer implements ProfileBuffer {
  readonly columns: readonly CaptureColumn[];
  readonly capturePeriodS = 0;
  constructor(private readonly log: EventLog, readonly obis: string, codeObis: string, countObis?: string) {
    const columns: CaptureColumn[] = [
      { classId: 8, obis: CLOCK_OBIS, attribute: 2, dataIndex: 0 },
      { classId: 1, obis: codeObis, attribute: 2, dataIndex: 0 },
    ];
    if (countObis) columns.push({ classId: 1, obis: countObis, attribute: 2, dataIndex: 0 });
    this.columns = columns;
  }
  get capacity(): number {
    return this.log.capacity;
  }
  entriesInUse(): number {
    return this.log.count;
  }
  rowsAppended(): number {
    return this.log.total;
  }
  readEntry(index: number, out: Float64Array): void {
    out[0] = this.log.timeAt(index);
    out[1] = this.log.codeAt(index);
    if (this.columns.length > 2) out[2] = this.log.countAt(index);
  }
  firstIndexAtOrAfter(utcMs: number): number {
    for (let i = 0; i < this.log.count; i++) if (this.log.timeAt(i) >= utcMs) return i;
    return this.log.count;
  }
  append(row: ArrayLike<number>): void {
    this.log.append(row[0], row[1]);
  }
  clear(): void {
    this.log.clear();
  }
}

export interface ObjectModelOptions {
  /** Logical device name (0.0.42.0.0.255); default "DLMSLITE" + serial number. */
  logicalDeviceName?: string;
  /** The meter's security and push: adds the security setup, the frame counter and the push setup. */
  security?: { contribute(model: ObjectModel): void };
  /** The firmware update: the image transfer, its schedule and the running firmware's identity. */
  firmwareUpdate?: { contribute(model: ObjectModel): void };
}

export function buildMeterObjectModel(meter: Meter, options: ObjectModelOptions = {}): ObjectModel {
  const model = new ObjectModel();
  const m = meter as MeterParts;
  const ldn = () => options.logicalDeviceName ?? `DLMSLITE${meter.config.serialNumber}`;
  const clock = clockSourceOf(meter);

  // Identity and association.
  model.add(dataObject("0.0.42.0.0.255", "Logical device name", "identity", { get: (_c, w) => (w.octetStringAscii(ldn()), 0) }));
  model.add(dataObject("0.0.96.1.0.255", "Meter serial number", "identity", { get: (_c, w) => (w.octetStringAscii(meter.config.serialNumber), 0) }));
  model.add(dataObject("1.0.0.2.0.255", "Active firmware identifier", "identity", { get: (_c, w) => (w.octetStringAscii(meter.config.firmwareId), 0) }));
  model.add(associationObject("0.0.40.0.0.255"));
  model.add(sapAssignmentObject("0.0.41.0.0.255", ldn));
  model.add(clockObject(CLOCK_OBIS, clock));

  // Registers of the register table: class 1 for plain numbers, 3 with a unit; 4/5 where the owner has capture times.
  for (const reg of meter.registers()) {
    // The meter's descriptors read through their prototype: the attributes get a bound reader.
    const r: RegisterDescriptor = { obis: reg.obis, name: reg.name, unit: reg.unit, scaler: reg.scaler, read: reg.read.bind(reg) };
    const type = registerValueType(r);
    const group = registerGroup(r.obis);
    const special = specialRegister(meter, r, type, clock);
    if (special) {
      model.add(special);
    } else if (r.unit === "" && r.scaler === 0) {
      model.add(numericDataObject(r.obis, r.name, group, type, r.read, registerSetter(meter, r.obis)));
    } else {
      const def = registerObject(r.obis, r.name, group, { read: r.read, scaler: r.scaler, unit: r.unit, type });
      const set = registerSetter(meter, r.obis);
      model.add(set ? { ...def, attributes: [{ ...def.attributes[0]!, set }, ...def.attributes.slice(1)] } : def);
    }
  }

  // Tariff calendar, billing schedule, disconnector, limiter.
  const writeDt = (w: AxdrWriter, utcMs: number) => writeDateTime(w, utcMs, clock);
  const toUtc = (b: Uint8Array) => dateTimeBytesToUtc(b, clock);
  const tariffs = meter.tariffs;
  if (tariffs) {
    model.add(activityCalendarObject("0.0.13.0.0.255", tariffs.tou, writeDt, toUtc));
    model.add(specialDaysObject("0.0.11.0.0.255", tariffs.tou));
    model.add(billingScheduleObject("0.0.15.0.0.255", tariffs.billing));
  }
  if (meter.disconnector) model.add(disconnectControlObject("0.0.96.3.10.255", meter.disconnector));
  if (meter.limiter) {
    const valueType = (obis: string) => {
      const r = meter.register(obis);
      return r ? registerValueType(r) : DataType.doubleLong;
    };
    const classOf = (obis: string) => model.find(obis)?.classId ?? 3;
    model.add(limiterObject("0.0.17.0.0.255", meter.limiter, valueType, classOf, { writeDateTime: writeDt, dateTimeToUtc: toUtc }));
  }

  // Profiles and logs.
  const profileTime = { deviationAt: clock.deviationAt, statusAt: clock.statusAt, localToUtc: clock.localToUtc, nextDstSwitchUtc: clock.nextDstSwitchUtc };
  const profiles = meter.profiles;
  if (profiles) {
    const ms = () => meter.clock.nowUtcMs();
    const p = (obis: string, name: string, sp: typeof profiles.load) =>
      model.add(profileObject(obis, name, "profile", { buffer: sp.buffer, time: profileTime, reset: () => profiles.reset(sp), capture: () => void profiles.captureNow(sp, ms()) }));
    p(sp_obis(profiles.load.buffer, "1.0.99.1.0.255"), "Load profile 1", profiles.load);
    p(sp_obis(profiles.daily.buffer, "1.0.99.2.0.255"), "Daily profile", profiles.daily);
  }
  const billing = meter.tariffs?.billing;
  if (billing) {
    model.add(profileObject("0.0.98.1.0.255", "Billing profile", "profile", { buffer: billing.profile, time: profileTime, capture: () => billing.capture() }));
  }
  for (const log of meter.events.all()) {
    const o = EVENT_LOG_OBIS[log.name];
    const countObis = log === meter.events.communication ? COMMUNICATION_REPEATS_OBIS : undefined;
    model.add(profileObject(o.log, `${log.name} event log`, "log", { buffer: new EventLogBuffer(log, o.log, o.lastCode, countObis), time: profileTime, reset: () => log.clear() }));
  }
  const communication = meter.events.communication;
  model.add(numericDataObject(COMMUNICATION_REPEATS_OBIS, "Communication log: events its newest entry stands for", "log", DataType.longUnsigned, () => (communication.count > 0 ? communication.countAt(communication.count - 1) : 0)));
  const pf = m.powerFailures as Meter["powerFailures"] | undefined;
  if (pf?.log) model.add(profileObject("1.0.99.97.0.255", "Power failure event log", "log", { buffer: pf.log, time: profileTime }));

  options.security?.contribute(model);
  options.firmwareUpdate?.contribute(model);
  // Consumer interface switches (manufacturer-specific, management writes them).
  if (meter.mqtt) for (const o of mqttObjects(meter.mqtt)) model.add(o);
  return model;
}

function sp_obis(buffer: ProfileBuffer, fallback: string): string {
  return buffer.obis || fallback;
}

/** Class 4/5 objects for registers whose owner keeps capture times. */
function specialRegister(meter: Meter, r: RegisterDescriptor, type: DataTypeTag, clock: ClockSource): ObjectDef | null {
  const demand = meter.tariffs?.demand;
  const o = r.obis;
  const unitless = { read: r.read, scaler: r.scaler, unit: r.unit, type };
  if (demand && (o === "1.0.1.4.0.255" || o === "1.0.2.4.0.255")) {
    const importing = o === "1.0.1.4.0.255";
    return demandRegisterObject(o, r.name, "metering", {
      currentAverage: r.read,
      lastAverage: () => (importing ? demand.lastAverageImport : demand.lastAverageExport),
      scaler: r.scaler,
      unit: r.unit,
      type,
      status: () => 0,
      captureTimeMs: () => demand.periodEndUtc - demand.periodS * 1000 / demand.subperiods,
      startTimeCurrentMs: () => demand.periodEndUtc - demand.periodS * 1000 / demand.subperiods,
      periodS: () => demand.periodS / demand.subperiods,
      numberOfPeriods: () => demand.subperiods,
    }, clock);
  }
  const maxDemand = /^1\.0\.([12])\.6\.(\d)\.255$/.exec(o);
  if (demand && maxDemand) {
    const rate = Number(maxDemand[2]);
    const time = maxDemand[1] === "1" ? () => demand.maxImportTime[rate] : () => demand.maxExportTime;
    return extendedRegisterObject(o, r.name, "metering", { ...unitless, status: () => 0, captureTimeMs: time }, clock);
  }
  const gas = meter.gas;
  const water = meter.water;
  if (gas && o === gas.obis) return extendedRegisterObject(o, r.name, "metering", { ...unitless, status: () => 0, captureTimeMs: () => captureOf(gas) }, clock);
  if (water && o === water.obis) return extendedRegisterObject(o, r.name, "metering", { ...unitless, status: () => 0, captureTimeMs: () => captureOf(water) }, clock);
  return null;
}

/** A pulse counter's capture time; 0 (no pulse counted yet) is NaN, which reads as the "not specified" date-time. */
function captureOf(counter: unknown): number {
  const t = (counter as { captureUtcMs?: number }).captureUtcMs;
  return typeof t === "number" && t > 0 ? t : NaN;
}

/** Writable values (management association only, through the owners' setters). */
function registerSetter(meter: Meter, obis: string): AttributeDef["set"] {
  const events = meter.events;
  switch (obis) {
    case "0.0.97.98.10.255":
      return numericSetter([DataType.doubleLongUnsigned], 0, 0xffffffff, (v) => {
        events.alarmFilter = v;
      });
    case "0.0.97.98.0.255":
      // Writing the alarm register clears the bits that are set in the written value.
      return numericSetter([DataType.doubleLongUnsigned], 0, 0xffffffff, (v) => {
        const e = events as unknown as { clearAlarms?: (mask: number) => void };
        if (e.clearAlarms) e.clearAlarms(v);
      });
    case "0.0.96.7.19.255": {
      const pf = meter.powerFailures as unknown as { setLongThreshold?: (s: number) => void } | undefined;
      if (!pf?.setLongThreshold) return undefined;
      const set = pf.setLongThreshold.bind(pf);
      return numericSetter([DataType.doubleLong, DataType.doubleLongUnsigned], 1, 86400, set);
    }
    default:
      return undefined;
  }
}
