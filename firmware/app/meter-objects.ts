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
import { DataType, type DataTypeTag } from "../comms/dlms/axdr";
import {
  ASSOCIATION_LN_CLASS, CLOCK_CLASS, DateTimeWriter, demandRegisterClass, extendedRegisterClass, type LogicalDeviceNameSource, numberWriter,
  numericDataClass, numericSetter, profileClass, type RegisterReader, registerClass, SAP_ASSIGNMENT_CLASS,
} from "../comms/dlms/classes";
import { ACTIVITY_CALENDAR_CLASS, BILLING_SCHEDULE_CLASS, SPECIAL_DAYS_CLASS } from "../comms/dlms/classes-tariff";
import { DISCONNECT_CONTROL_CLASS, limiterClass } from "../comms/dlms/classes-control";
import { mqttObjects } from "../comms/mqtt/mqtt-objects";
import { type AccessGroup, type AttributeDef, type CosemObject, defineClass, type ObjectClass, ObjectModel } from "../comms/dlms/object-model";
import type { Billing } from "../metrology/billing";
import { BILLING_SCHEDULE_OBIS } from "../kernel/obis";
import { METER_REGISTERS, readMeterRegister } from "./meter-registers";
import type { TariffCalendar } from "../metrology/tou";
import { deepFreeze } from "../kernel/freeze";

/** A-XDR type of a register value, by OBIS where it matters, else by unit. */
export function registerValueType(r: RegisterDescriptor): DataTypeTag {
  const o = r.obis;
  if (o === "1.0.16.8.0.255") return DataType.long64; // net energy can be negative
  if (r.unit === "Wh" || r.unit === "varh" || r.unit === "VAh" || r.unit === "m3") return DataType.long64Unsigned;
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

/** The logical device name, serial number and firmware identifier the identity objects read. */
class MeterIdentity implements LogicalDeviceNameSource {
  constructor(private readonly config: Meter["config"], private readonly fixedName: string | undefined) {}
  get logicalDeviceName(): string {
    return this.fixedName ?? `DLMSLITE${this.config.serialNumber}`;
  }
  get serialNumber(): string {
    return this.config.serialNumber;
  }
  get firmwareId(): string {
    return this.config.firmwareId;
  }
}

function identityClass(name: string, read: (id: MeterIdentity) => string): ObjectClass {
  return defineClass({
    classId: 1,
    version: 0,
    name,
    group: "identity",
    attributes: [{ get: (ctx, w) => (w.octetStringAscii(read(ctx.object.target as MeterIdentity)), 0) }],
  });
}

const LOGICAL_DEVICE_NAME_CLASS = identityClass("Logical device name", (id) => id.logicalDeviceName);
const SERIAL_NUMBER_CLASS = identityClass("Meter serial number", (id) => id.serialNumber);
const FIRMWARE_ID_CLASS = identityClass("Active firmware identifier", (id) => id.firmwareId);

/**
 * The communication log's third column: how many identical events an entry stands for (failed
 * pushes fold, records/event-log.ts). An event counter object (0.0.96.15.x); read alone it is the
 * newest entry's count.
 */
const COMMUNICATION_REPEATS_OBIS = "0.0.96.15.5.255";

/** An event log seen as a profile buffer: columns clock, the log's event code object and, when given, the repeat count. */
class EventLogBuffer implements ProfileBuffer {
  readonly columns: readonly CaptureColumn[];
  readonly capturePeriodS = 0;
  constructor(private readonly log: EventLog, readonly obis: string, codeObis: string, countObis?: string) {
    // Built on demand when a request reads the log (no copy lives in the model).
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

/** An event log as a profile: its buffer is a view built when a request reads it. */
const EVENT_LOG_CLASS = profileClass("Event log", "log", {
  buffer: (log) => eventLogBuffer(log as EventLog),
  reset: (log) => (log as EventLog).clear(),
});

function eventLogBuffer(log: EventLog): EventLogBuffer {
  const o = EVENT_LOG_OBIS[log.name];
  return new EventLogBuffer(log, o.log, o.lastCode, log.name === "communication" ? COMMUNICATION_REPEATS_OBIS : undefined);
}

/**
 * The meter's registers are rows of its register table: an object's `arg` holds the row in its
 * low 8 bits (a kind's own number above them), so no descriptor is kept per register.
 */
const ROW_BITS = 8;

function rowOf(obj: CosemObject): number {
  return obj.arg & ((1 << ROW_BITS) - 1);
}

/** What a register's kind adds to its row (demand direction, maximum demand rate, pulse counter). */
function extraOf(obj: CosemObject): number {
  return obj.arg >> ROW_BITS;
}

const METER_ROW: RegisterReader = Object.freeze({
  read: (obj: CosemObject, model: ObjectModel) => readMeterRegister(meterOf(model), rowOf(obj)),
  scaler: (obj: CosemObject) => METER_REGISTERS[rowOf(obj)].scaler,
  unit: (obj: CosemObject) => METER_REGISTERS[rowOf(obj)].unit,
});

const NUMERIC_DATA_CLASS = numericDataClass("Data", "metering", undefined, METER_ROW);
const REGISTER_CLASS = registerClass("Register", "metering", undefined, METER_ROW);

/** The meter the app's classes read besides an object's target (the model's owner). */
function meterOf(model: ObjectModel): Meter {
  return model.owner as Meter;
}

type ScheduledProfile = Meter["profiles"]["load"];

/** A scheduled profile (load, daily; its target): reset and capture through the meter's profiles. */
const SCHEDULED_PROFILE_CLASS = profileClass("Profile", "profile", {
  buffer: (sp) => (sp as ScheduledProfile).buffer,
  reset: (sp, ctx) => meterOf(ctx.model).profiles.reset(sp as ScheduledProfile),
  capture: (sp, ctx) => {
    const meter = meterOf(ctx.model);
    void meter.profiles.captureNow(sp as ScheduledProfile, meter.clock.nowUtcMs());
  },
});

const BILLING_PROFILE_CLASS = profileClass("Billing profile", "profile", {
  buffer: (billing) => (billing as Billing).profile,
  capture: (billing) => void (billing as Billing).capture(),
});

/** A profile buffer read as it is, without methods (power failure log). */
const PLAIN_PROFILE_CLASS = profileClass("Power failure event log", "log", { buffer: (buffer) => buffer as ProfileBuffer });

const writeLongUnsigned = numberWriter(DataType.longUnsigned);

/** The communication log's (its target's) newest entry's repeat count. */
const COMMUNICATION_REPEATS_CLASS = defineClass({
  classId: 1,
  version: 0,
  name: "Communication log: events its newest entry stands for",
  group: "log",
  attributes: [
    {
      get: (ctx, w) => {
        const log = ctx.object.target as EventLog;
        writeLongUnsigned(w, log.count > 0 ? log.countAt(log.count - 1) : 0);
        return 0;
      },
    },
  ],
  capturedWriter: () => writeLongUnsigned,
});

/** Setter that takes a number of one of the given types, range-checked, applied to the model's meter. */
function meterSetter(types: readonly number[], min: number, max: number, apply: (meter: Meter, v: number) => void): AttributeDef["set"] {
  deepFreeze(types);
  return numericSetter(types, min, max, (v, ctx) => apply(meterOf(ctx.model), v));
}

const U32 = Object.freeze([DataType.doubleLongUnsigned]);
const I32_OR_U32 = Object.freeze([DataType.doubleLong, DataType.doubleLongUnsigned]);

/** Writable values (management association only, through the owners' setters), by OBIS. */
const REGISTER_SETTERS: Readonly<Record<string, AttributeDef["set"]>> = Object.freeze({
  "0.0.97.98.10.255": meterSetter(U32, 0, 0xffffffff, (meter, v) => {
    meter.events.alarmFilter = v;
  }),
  // Writing the alarm register clears the bits that are set in the written value.
  "0.0.97.98.0.255": meterSetter(U32, 0, 0xffffffff, (meter, v) => {
    meter.events.clearAlarms(v);
  }),
  "0.0.96.7.19.255": meterSetter(I32_OR_U32, 1, 86400, (meter, v) => {
    meter.powerFailures.setLongThreshold(v);
  }),
});

/** The writable registers' classes, data (class 1) and register (class 3) for each setter. */
const WRITABLE_CLASSES: Readonly<Record<string, readonly [ObjectClass, ObjectClass]>> = Object.freeze(
  Object.fromEntries(Object.entries(REGISTER_SETTERS).map(([obis, set]) => [obis, Object.freeze([numericDataClass("Data", "status", set, METER_ROW), registerClass("Register", "status", set, METER_ROW)] as const)])),
);

/** Whether the register at `obis` is written through a setter of its owner. */
function canWrite(obis: string): boolean {
  return obis in REGISTER_SETTERS;
}

type Demand = NonNullable<Meter["tariffs"]["demand"]>;

function demandOf(model: ObjectModel): Demand {
  return meterOf(model).tariffs.demand!;
}

function noStatus(): number {
  return 0;
}

function demandCaptureTime(_obj: CosemObject, model: ObjectModel): number {
  const d = demandOf(model);
  return d.periodEndUtc - (d.periodS * 1000) / d.subperiods;
}

/** Demand registers 1.0.1.4 (arg 1: import) and 1.0.2.4 (arg 0: export) over the meter's demand; the target is the register (current average). */
const DEMAND_CLASS = demandRegisterClass({
  lastAverage: (obj, model) => (extraOf(obj) === 1 ? demandOf(model).lastAverageImport : demandOf(model).lastAverageExport),
  status: noStatus,
  captureTimeMs: demandCaptureTime,
  startTimeCurrentMs: demandCaptureTime,
  periodS: (_obj, model) => demandOf(model).periodS / demandOf(model).subperiods,
  numberOfPeriods: (_obj, model) => demandOf(model).subperiods,
}, METER_ROW);

/** Maximum demand registers: arg = rate + 1 for import, 0 for export. */
const MAX_DEMAND_CLASS = extendedRegisterClass({
  status: noStatus,
  captureTimeMs: (obj, model) => (extraOf(obj) === 0 ? demandOf(model).maxExportTime : demandOf(model).maxImportTime[extraOf(obj) - 1]),
}, METER_ROW);

/** Pulse counters: arg 0 gas, 1 water. */
const PULSE_COUNTER_CLASS = extendedRegisterClass({
  status: noStatus,
  captureTimeMs: (obj, model) => captureOf(extraOf(obj) === 0 ? meterOf(model).gas : meterOf(model).water),
}, METER_ROW);

/** The limiter; the monitored value's type as the register's object encodes it. */
const METER_LIMITER_CLASS = limiterClass((obis, model) => {
  const r = meterOf(model).register(obis);
  return r ? registerValueType(r) : DataType.doubleLong;
});

interface ObjectModelOptions {
  /** Logical device name (0.0.42.0.0.255); default "DLMSLITE" + serial number. */
  logicalDeviceName?: string;
  /** The meter's security and push: adds the security setup, the frame counter and the push setup. */
  security?: { contribute(model: ObjectModel): void };
  /** The firmware update: the image transfer, its schedule and the running firmware's identity. */
  firmwareUpdate?: { contribute(model: ObjectModel): void };
}

export function buildMeterObjectModel(meter: Meter, options: ObjectModelOptions = {}): ObjectModel {
  const model = new ObjectModel();
  model.clock = meter.clock;
  model.dateTimes = new DateTimeWriter();
  model.owner = meter;
  const identity = new MeterIdentity(meter.config, options.logicalDeviceName);

  // Identity and association.
  model.place(LOGICAL_DEVICE_NAME_CLASS, "0.0.42.0.0.255", identity);
  model.place(SERIAL_NUMBER_CLASS, "0.0.96.1.0.255", identity);
  model.place(FIRMWARE_ID_CLASS, "1.0.0.2.0.255", identity);
  model.place(ASSOCIATION_LN_CLASS, "0.0.40.0.0.255");
  model.place(SAP_ASSIGNMENT_CLASS, "0.0.41.0.0.255", identity);
  model.place(CLOCK_CLASS, CLOCK_OBIS, meter.clock);

  // Registers of the register table: class 1 for plain numbers, 3 with a unit; 4/5 where the owner has capture times.
  // The objects keep the row of the meter's register table, not the descriptor.
  for (const r of meter.registers()) {
    const row = meter.registerIndex(r.obis);
    if (!(row >= 0 && row < 1 << ROW_BITS)) throw new RangeError(`register ${r.obis} is not a row of the meter's register table`);
    const where = { type: registerValueType(r), group: registerGroup(r.obis), arg: row };
    if (placeSpecialRegister(model, meter, r, where.type, row)) continue;
    const plain = r.unit === "" && r.scaler === 0;
    if (canWrite(r.obis)) model.place(WRITABLE_CLASSES[r.obis][plain ? 0 : 1], r.obis, null, where);
    else model.place(plain ? NUMERIC_DATA_CLASS : REGISTER_CLASS, r.obis, null, where);
  }

  // Tariff calendar, billing schedule, disconnector, limiter.
  const tariffs = meter.tariffs;
  if (tariffs) {
    model.place(ACTIVITY_CALENDAR_CLASS, "0.0.13.0.0.255", tariffs.tou satisfies TariffCalendar);
    model.place(SPECIAL_DAYS_CLASS, "0.0.11.0.0.255", tariffs.tou);
    model.place(BILLING_SCHEDULE_CLASS, BILLING_SCHEDULE_OBIS, tariffs.billing);
  }
  if (meter.disconnector) model.place(DISCONNECT_CONTROL_CLASS, "0.0.96.3.10.255", meter.disconnector);
  if (meter.limiter) model.place(METER_LIMITER_CLASS, "0.0.17.0.0.255", meter.limiter);

  // Profiles and logs.
  const profiles = meter.profiles;
  if (profiles) {
    model.place(SCHEDULED_PROFILE_CLASS, sp_obis(profiles.load.buffer, "1.0.99.1.0.255"), profiles.load);
    model.place(SCHEDULED_PROFILE_CLASS, sp_obis(profiles.daily.buffer, "1.0.99.2.0.255"), profiles.daily);
  }
  const billing = meter.tariffs?.billing;
  if (billing) model.place(BILLING_PROFILE_CLASS, "0.0.98.1.0.255", billing);
  for (const log of meter.events.all()) model.place(EVENT_LOG_CLASS, EVENT_LOG_OBIS[log.name].log, log);
  model.place(COMMUNICATION_REPEATS_CLASS, COMMUNICATION_REPEATS_OBIS, meter.events.communication);
  model.place(PLAIN_PROFILE_CLASS, "1.0.99.97.0.255", meter.powerFailures.log);

  options.security?.contribute(model);
  options.firmwareUpdate?.contribute(model);
  // Consumer interface switches (manufacturer-specific, management writes them).
  if (meter.mqtt) for (const o of mqttObjects(meter.mqtt)) model.insert(o);
  return model;
}

function sp_obis(buffer: ProfileBuffer, fallback: string): string {
  return buffer.obis || fallback;
}

/** Places class 4/5 objects for registers whose owner keeps capture times; false for any other register. */
function placeSpecialRegister(model: ObjectModel, meter: Meter, r: RegisterDescriptor, type: DataTypeTag, row: number): boolean {
  const demand = meter.tariffs?.demand;
  const o = r.obis;
  if (demand && (o === "1.0.1.4.0.255" || o === "1.0.2.4.0.255")) {
    model.place(DEMAND_CLASS, o, null, { type, group: "metering", arg: row | ((o === "1.0.1.4.0.255" ? 1 : 0) << ROW_BITS) });
    return true;
  }
  const maxDemand = /^1\.0\.([12])\.6\.(\d)\.255$/.exec(o);
  if (demand && maxDemand) {
    model.place(MAX_DEMAND_CLASS, o, null, { type, group: "metering", arg: row | ((maxDemand[1] === "1" ? Number(maxDemand[2]) + 1 : 0) << ROW_BITS) });
    return true;
  }
  const gas = meter.gas;
  const water = meter.water;
  const pulse = gas && o === gas.obis ? 0 : water && o === water.obis ? 1 : -1;
  if (pulse >= 0) {
    model.place(PULSE_COUNTER_CLASS, o, null, { type, group: "metering", arg: row | (pulse << ROW_BITS) });
    return true;
  }
  return false;
}

/** A pulse counter's capture time; 0 (no pulse counted yet) is NaN, which reads as the "not specified" date-time. */
function captureOf(counter: unknown): number {
  const t = (counter as { captureUtcMs?: number }).captureUtcMs;
  return typeof t === "number" && t > 0 ? t : NaN;
}
