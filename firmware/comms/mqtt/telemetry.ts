import type { Clock, Log, TimerId } from "../../hal";
import type { Network } from "../../hal/tcp";
import { civilFromDays, type CivilDate } from "../../time/civil-date";
import { MqttClient, type MqttClientOptions, type OutMessage, type Qos1Outbox } from "./client";
import { type MqttConfig, mqttConfigError, MQTT_INTERVAL_RANGE } from "./config";
import { type DeviceInfo, discoveryConfigJson, discoveryTopic, type Entity, meterEntities, STANDARD_RATES } from "./discovery";
import { bytesOf } from "./packets";
import { PUBLISHED_LOGS } from "./event-names";
import { deepFreeze } from "../../kernel/freeze";
import { ALARM } from "../../kernel/event-codes";

/** What the consumer interface reads: registers by OBIS (integers, as DLMS serves them) and a few states. */
interface MeterReadings {
  register(obis: string): { read(): number } | undefined;
  relayConnected(): boolean;
  nowUtcMs(): number;
  /** Local offset from UTC at a time, DST included. */
  offsetMinutesAt(utcMs: number): number;
  alarmRegister(): number;
}

/** Where events come from: the listener is called for every event recorded in any log. */
interface EventSource {
  onEvent(listener: { eventRecorded(log: string, code: number, utcMs: number): void }): void;
}

export interface MqttTelemetryDeps {
  clock: Clock;
  network: Network;
  log: Log;
  readings: MeterReadings;
  events: EventSource;
  /** Event name by `${log}/${code}` (event-names.ts). */
  eventNames: Readonly<Record<string, string>>;
  /** Alarm register bit by name (snake_case names are published). */
  alarmBits: Readonly<Record<string, number>>;
  serialNumber: string;
  firmwareId: string;
  model: string;
  rates: number;
  /** UTF-8 encoder into a buffer (default: the engine's TextEncoder, else a portable loop). */
  encodeText?: (text: string, out: Uint8Array) => number;
}

/** Events kept while the broker is away (oldest dropped and counted beyond it). */
export const EVENT_QUEUE_CAPACITY = 16;
const PACKET_BYTES = 1024;
const TOPIC_BYTES = 128;

/** A register as the state reads it (the descriptor itself: one call per value; the generic
 * read by row index costs about twice the computrons of a publish). */
interface Reader {
  read(): number;
}

/**
 * The state's fields, in JSON order, as parallel columns: the key text (`,"name":`), the register
 * read (`obisA`, minus `obisB` when there is one: signed power from the import and export
 * registers), and how it is printed (`obisA` is in 10^-scale units, printed with `decimals`,
 * rounded or truncated). The 4-rate table is built once at load (preloaded: flash, no RAM).
 */
interface StateFields {
  keys: readonly string[];
  obisA: readonly string[];
  obisB: readonly (string | null)[];
  scale: readonly number[];
  decimals: readonly number[];
  round: readonly boolean[];
}

/** Index of the signed active power in the state's fields (also checked for significant change). */
const POWER_FIELD = 2;

function buildStateFields(rates: number): StateFields {
  const t: StateFields = { keys: [], obisA: [], obisB: [], scale: [], decimals: [], round: [] };
  const f = (key: string, a: string, b: string | null, scale: number, decimals: number, round: boolean) => {
    (t.keys as string[]).push(`,"${key}":`);
    (t.obisA as string[]).push(a);
    (t.obisB as (string | null)[]).push(b);
    (t.scale as number[]).push(scale);
    (t.decimals as number[]).push(decimals);
    (t.round as boolean[]).push(round);
  };
  const kwh = (key: string, obis: string) => f(key, obis, null, 6, 3, false);
  f("voltage", "1.0.32.7.0.255", null, 3, 1, true);
  f("current", "1.0.31.7.0.255", null, 3, 3, true);
  f("power", "1.0.1.7.0.255", "1.0.2.7.0.255", 3, 0, true);
  f("reactive_power", "1.0.3.7.0.255", "1.0.4.7.0.255", 3, 0, true);
  f("power_factor", "1.0.13.7.0.255", null, 3, 3, true);
  f("frequency", "1.0.14.7.0.255", null, 3, 2, true);
  kwh("import_kwh", "1.0.1.8.0.255");
  for (let r = 1; r <= rates; r++) kwh(`import_t${r}_kwh`, `1.0.1.8.${r}.255`);
  kwh("export_kwh", "1.0.2.8.0.255");
  for (let r = 1; r <= rates; r++) kwh(`export_t${r}_kwh`, `1.0.2.8.${r}.255`);
  kwh("reactive_import_kvarh", "1.0.3.8.0.255");
  kwh("reactive_export_kvarh", "1.0.4.8.0.255");
  f("rate", "0.0.96.14.0.255", null, 0, 0, false);
  f("demand_w", "1.0.1.4.0.255", null, 3, 0, true);
  f("gas_m3", "7.0.3.0.0.255", null, 6, 3, false);
  f("water_m3", "8.0.1.0.0.255", null, 6, 3, false);
  return t;
}

const STANDARD_FIELDS: StateFields = deepFreeze(buildStateFields(STANDARD_RATES));

/** An alarm register bit and its published name (a JSON string: snake_case, quoted). */
interface AlarmName {
  bit: number;
  name: string;
}

function buildAlarmNames(bits: Readonly<Record<string, number>>): readonly AlarmName[] {
  return Object.keys(bits).map((name) => ({ bit: bits[name], name: `"${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}"` }));
}

/** The meter's alarm names, built once at load (preloaded). */
const ALARM_NAMES: readonly AlarmName[] = deepFreeze(buildAlarmNames(ALARM));

const ZERO: Reader = deepFreeze({ read: () => 0 });

/**
 * The consumer interface (issue 18): telemetry on `<prefix>/<serial>/state` every `intervalS`
 * and when the power moves, events on `.../event`, availability with a last will, and Home
 * Assistant discovery. Read-only: it subscribes to nothing, so no MQTT message can change the
 * meter. Runs on its own timers, never inside the metering tick; memory is fixed at construction.
 */
export class MqttTelemetry implements Qos1Outbox {
  readonly client: MqttClient;
  readonly entities: readonly Entity[];
  readonly device: DeviceInfo;
  /** States sent, and events dropped because the queue was full. */
  statesPublished = 0;
  eventsDropped = 0;
  private readonly stateTopic: Uint8Array;
  private readonly eventTopic: Uint8Array;
  private readonly availabilityTopic: Uint8Array;
  // The state's fields: the table (shared, frozen) and the registers it reads.
  private readonly fields: StateFields;
  private readonly readA: Reader[];
  private readonly readB: (Reader | null)[];
  // The local offset is looked up once per UTC minute (DST switches fall on whole minutes), the
  // date written once per local day.
  private offsetMinute = NaN;
  private offsetMinutes = 0;
  private offsetText = "";
  private dateDay = NaN;
  private dateText = "";
  private readonly alarmNames: readonly AlarmName[];
  private readonly date: CivilDate = { year: 0, month: 0, day: 0 };
  /** One timer while running, every second: the interval's count and the change check. */
  private secondTimer: TimerId | undefined;
  private secondsToState = 0;
  private lastPowerMw = 0;
  private lastRelay = true;
  // The QoS 1 outbox: "online", then the discovery configs, then queued events.
  private needOnline = false;
  private discoveryNext = 0;
  private headKind: "online" | "discovery" | "event" | "" = "";
  /** The event queue, one typed array: per entry its log's index, its code and its UTC time. */
  private readonly eventQueue = new Float64Array(3 * EVENT_QUEUE_CAPACITY);
  private eventHead = 0;
  private eventCount = 0;
  private running = false;
  private pumpScheduled = false;
  private readonly pumpTask = () => {
    this.pumpScheduled = false;
    this.client.pump();
  };
  /** Saved after the management client changed the switch or the interval (the app's record of them). */
  settingsRecord: { save(): void } | null = null;

  // What is used after construction, kept as fields (the deps object itself is not kept).
  private readonly clock: Clock;
  private readonly readings: MeterReadings;
  private readonly eventNames: Readonly<Record<string, string>>;

  constructor(readonly config: MqttConfig, deps: MqttTelemetryDeps) {
    const error = mqttConfigError(config);
    if (error) throw new Error(error);
    this.clock = deps.clock;
    this.readings = deps.readings;
    this.eventNames = deps.eventNames;
    const base = `${config.prefix}/${deps.serialNumber}`;
    const nodeId = `${config.prefix.replace(/\//g, "_")}_${deps.serialNumber}`;
    this.device = {
      nodeId,
      serialNumber: deps.serialNumber,
      firmwareId: deps.firmwareId,
      manufacturer: "DLMS-lite",
      model: deps.model,
      stateTopic: `${base}/state`,
      eventTopic: `${base}/event`,
      availabilityTopic: `${base}/availability`,
      discoveryPrefix: config.discoveryPrefix,
    };
    this.stateTopic = bytesOf(this.device.stateTopic);
    this.eventTopic = bytesOf(this.device.eventTopic);
    this.availabilityTopic = bytesOf(this.device.availabilityTopic);
    this.entities = meterEntities(deps.rates);
    // Discovery topics are made when sent (they are not kept): check the longest now.
    for (const e of this.entities) if (bytesOf(discoveryTopic(this.device, e)).length > TOPIC_BYTES) throw new Error(`MQTT topic longer than ${TOPIC_BYTES} bytes: serial number or prefix too long`);
    const reg = (obis: string): Reader => deps.readings.register(obis) ?? ZERO;
    const fields = deps.rates === STANDARD_RATES ? STANDARD_FIELDS : buildStateFields(deps.rates);
    this.fields = fields;
    this.readA = fields.obisA.map(reg);
    this.readB = fields.obisB.map((obis) => (obis === null ? null : reg(obis)));
    this.alarmNames = deps.alarmBits === ALARM ? ALARM_NAMES : buildAlarmNames(deps.alarmBits);
    const options: MqttClientOptions = {
      host: config.host,
      port: config.port,
      tls: config.tls,
      clientId: nodeId,
      username: config.username,
      password: config.password,
      keepAliveS: config.keepAliveS,
      willTopic: this.device.availabilityTopic,
      willPayload: "offline",
      connectTimeoutMs: 10_000,
      ackTimeoutMs: 10_000,
      maxResends: 3,
      backoffMinMs: 1_000,
      backoffMaxMs: 300_000,
      maxPacketBytes: PACKET_BYTES,
      maxTopicBytes: TOPIC_BYTES,
    };
    this.client = new MqttClient(options, deps.clock, deps.network, deps.log, this, deps.encodeText);
    deps.events.onEvent(this);
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** Connects and arms the timers (when enabled). */
  start(): void {
    if (!this.config.enabled || this.running) return;
    this.running = true;
    this.client.start();
    this.secondsToState = this.config.intervalS;
    this.secondTimer = this.clock.repeat(() => this.second(), 1000);
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.clearTimers();
    // Leaving on purpose: "offline" said here, since a clean DISCONNECT does not fire the will.
    this.client.publishQos0(this.availabilityTopic, true, "offline");
    this.client.stop();
  }

  /** Management client (DLMS): on/off. */
  setEnabled(on: boolean): void {
    if (on === this.config.enabled) return;
    this.config.enabled = on;
    if (on) this.start();
    else this.stop();
    this.settingsRecord?.save();
  }

  /** Management client (DLMS): state period in seconds, 1..3600. Returns an error or null. */
  changeIntervalS(seconds: number): string | null {
    if (!Number.isInteger(seconds) || seconds < MQTT_INTERVAL_RANGE.min || seconds > MQTT_INTERVAL_RANGE.max) return `interval must be 1..3600 s, got ${seconds}`;
    if (seconds === this.config.intervalS) return null;
    this.config.intervalS = seconds;
    // The next state comes a whole new interval from now.
    this.secondsToState = seconds;
    this.settingsRecord?.save();
    return null;
  }

  /** Settings back from flash at power up (before start). */
  restoreSettings(enabled: boolean, intervalS: number): void {
    this.config.enabled = enabled;
    if (Number.isInteger(intervalS) && intervalS >= MQTT_INTERVAL_RANGE.min && intervalS <= MQTT_INTERVAL_RANGE.max) this.config.intervalS = intervalS;
  }

  /** Publishes the state now (QoS 0); false when not connected or the socket is backed up. */
  publishState(): boolean {
    if (this.client.state !== "connected") return false;
    if (!this.client.publishQos0(this.stateTopic, false, this.stateJson())) return false;
    this.statesPublished++;
    this.lastPowerMw = this.power();
    this.lastRelay = this.readings.relayConnected();
    return true;
  }

  /** One line for the simulator's panel. */
  status(): string {
    const c = this.client;
    const n = c.counters;
    const where = `${this.config.tls ? "mqtts" : "mqtt"}://${this.config.host}:${this.config.port}`;
    if (!this.config.enabled) return "MQTT off";
    return `MQTT ${c.state} ${where} states ${this.statesPublished} dropped ${n.droppedQos0 + n.droppedQos1 + this.eventsDropped}${c.lastError && c.state !== "connected" ? ` (${c.lastError})` : ""}`;
  }

  /**
   * The state JSON (docs/readme/mqtt.md lists the keys). Built as a string with the engine's own
   * number-to-text and concatenation, which in XS cost a fraction of a byte-by-byte writer; the
   * client then encodes it into its packet buffer in one call. Fields are joined eight at a time
   * before they are appended to the whole: appending each to the growing text would copy it every
   * time (~10 KB of garbage a publish in XS's chunk heap, against ~4 KB so). A native join of all
   * the parts makes less garbage still but costs ~600 computrons more, over the publish budget.
   */
  stateJson(): string {
    const t = this.fields;
    const keys = t.keys;
    const readA = this.readA;
    const readB = this.readB;
    const scale = t.scale;
    const decimals = t.decimals;
    const round = t.round;
    const n = keys.length;
    let s = `{"time":"${this.localTime(this.readings.nowUtcMs())}"`;
    let group = "";
    for (let i = 0; i < n; i++) {
      const b = readB[i];
      group += keys[i] + decimalText(b === null ? readA[i].read() : readA[i].read() - b.read(), scale[i], decimals[i], round[i]);
      if ((i & 7) === 7) {
        s += group;
        group = "";
      }
    }
    group += this.readings.relayConnected() ? `,"relay":"connected","alarms":[` : `,"relay":"disconnected","alarms":[`;
    const alarms = this.readings.alarmRegister();
    let first = true;
    for (let i = 0; alarms !== 0 && i < this.alarmNames.length; i++) {
      const a = this.alarmNames[i];
      if (Math.floor(alarms / 2 ** a.bit) % 2 === 1) {
        group += first ? a.name : `,${a.name}`;
        first = false;
      }
    }
    return `${s}${group}]}`;
  }

  /** ISO 8601 local time with its offset, e.g. 2026-03-29T03:00:00+02:00. */
  localTime(utcMs: number): string {
    const minute = Math.floor(utcMs / 60_000);
    if (minute !== this.offsetMinute) {
      this.offsetMinute = minute;
      const offset = this.readings.offsetMinutesAt(minute * 60_000);
      if (offset !== this.offsetMinutes || this.offsetText === "") {
        this.offsetMinutes = offset;
        const abs = offset < 0 ? -offset : offset;
        this.offsetText = `${offset < 0 ? "-" : "+"}${two((abs / 60) | 0)}:${two(abs % 60)}`;
        this.dateDay = NaN;
      }
    }
    const local = Math.floor(utcMs / 1000) + this.offsetMinutes * 60;
    const days = Math.floor(local / 86_400);
    if (days !== this.dateDay) {
      this.dateDay = days;
      const d = civilFromDays(days, this.date);
      this.dateText = `${d.year}-${two(d.month)}-${two(d.day)}T`;
    }
    let sec = local - days * 86_400;
    const h = (sec / 3600) | 0;
    sec -= h * 3600;
    const m = (sec / 60) | 0;
    sec -= m * 60;
    return `${this.dateText}${two(h)}:${two(m)}:${two(sec)}${this.offsetText}`;
  }

  // --- QoS 1 outbox (the client sends the head and waits for its PUBACK) ---

  head(): OutMessage | null {
    if (this.needOnline) {
      this.headKind = "online";
      return { topic: this.availabilityTopic, retain: true, text: "online" };
    }
    if (this.discoveryNext < this.entities.length) {
      this.headKind = "discovery";
      const entity = this.entities[this.discoveryNext];
      return { topic: bytesOf(discoveryTopic(this.device, entity)), retain: true, text: discoveryConfigJson(this.device, entity) };
    }
    if (this.eventCount > 0) {
      this.headKind = "event";
      const i = this.eventHead;
      const q = this.eventQueue;
      const log = PUBLISHED_LOGS[q[3 * i]];
      const code = q[3 * i + 1];
      const event = this.eventNames[`${log}/${code}`] ?? `${log}_${code}`;
      return { topic: this.eventTopic, retain: false, text: JSON.stringify({ event, log, code, time: this.localTime(q[3 * i + 2]) }) };
    }
    this.headKind = "";
    return null;
  }

  /** CONNACK accepted: "online", then every discovery config, then the events waiting. */
  connected(): void {
    this.needOnline = true;
    this.discoveryNext = 0;
    this.lastPowerMw = this.power();
  }

  done(): void {
    // Delivered or given up: either way the next one (a lost event is counted by the client).
    if (this.headKind === "online") this.needOnline = false;
    else if (this.headKind === "discovery") this.discoveryNext++;
    else if (this.headKind === "event" && this.eventCount > 0) {
      this.eventHead = (this.eventHead + 1) % EVENT_QUEUE_CAPACITY;
      this.eventCount--;
    }
    this.headKind = "";
  }

  /** An event recorded in any log (EventLogs.onEvent): queued if its log is published. */
  eventRecorded(log: string, code: number, utcMs: number): void {
    const index = (PUBLISHED_LOGS as readonly string[]).indexOf(log);
    if (index < 0 || !this.config.enabled) return;
    if (this.eventCount === EVENT_QUEUE_CAPACITY) {
      // Full: the oldest goes, unless it is in flight (then the next oldest).
      const cap = EVENT_QUEUE_CAPACITY;
      for (let n = this.headKind === "event" ? 1 : 0; n < this.eventCount - 1; n++) {
        const k = (this.eventHead + n) % cap;
        const next = (k + 1) % cap;
        const q = this.eventQueue;
        q.copyWithin(3 * k, 3 * next, 3 * next + 3);
      }
      this.eventCount--;
      this.eventsDropped++;
    }
    const at = (this.eventHead + this.eventCount) % EVENT_QUEUE_CAPACITY;
    const q = this.eventQueue;
    q[3 * at] = index;
    q[3 * at + 1] = code;
    q[3 * at + 2] = utcMs;
    this.eventCount++;
    // Sent right after, not inside the caller (events are recorded inside the metering tick).
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      this.clock.schedule(this.pumpTask, 0);
    }
  }

  /** Every second while running: the state when its interval is over, then the change check. */
  private second(): void {
    if (--this.secondsToState <= 0) {
      this.secondsToState = this.config.intervalS;
      this.publishState();
    }
    this.checkChange();
  }

  /** Signed active power in mW (import minus export). */
  private power(): number {
    return this.readA[POWER_FIELD].read() - this.readB[POWER_FIELD]!.read();
  }

  /** Every second while connected: publish at once when the power moved or the relay switched. */
  private checkChange(): void {
    if (this.client.state !== "connected") return;
    const p = this.power();
    const relay = this.readings.relayConnected();
    const moved = this.config.powerChangeW > 0 && Math.abs(p - this.lastPowerMw) >= this.config.powerChangeW * 1000;
    if (moved || relay !== this.lastRelay) this.publishState();
  }

  private clearTimers(): void {
    if (this.secondTimer !== undefined) this.clock.clearTimer(this.secondTimer);
    this.secondTimer = undefined;
  }
}

const POW10 = deepFreeze([1, 10, 100, 1000, 10_000, 100_000, 1_000_000]);
const ZEROS_POINT = deepFreeze([".", ".0", ".00", ".000", ".0000", ".00000"]);
const ZERO_TEXT = deepFreeze(["0", "0.0", "0.00", "0.000", "0.0000", "0.00000", "0.000000"]);
/** One global look-up at load instead of one per call (XS). */
const floor = Math.floor;

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/**
 * `value` x 10^-`scale` with `decimals` decimals: truncated toward zero unless `round` (half away
 * from zero). The digits are decided on integers: `q` below is the exact integer count of the
 * last printed unit (Wh for kWh with 3 decimals). Below 2^43 units, `(q / 10^decimals).toFixed()`
 * prints exactly q's digits (the double's error, under 2^43 x 2^-53 units... < 0.001 of the last
 * unit, cannot reach the half-unit toFixed rounds at) and is the engine's native code (~10
 * computrons in XS against ~120 for digits written by script); above, digits from integers.
 * test/comms/mqtt/client.test.ts checks both paths agree.
 */
export function decimalText(value: number, scale: number, decimals: number, round: boolean): string {
  if (value === 0) return ZERO_TEXT[decimals];
  const step = POW10[scale - decimals];
  const negative = value < 0;
  let q = negative ? -value : value;
  if (step > 1) q = round ? floor((q + (step >> 1)) / step) : floor(q / step);
  if (q < NATIVE_EXACT_BELOW) {
    const text = (q / POW10[decimals]).toFixed(decimals);
    return negative && q !== 0 ? `-${text}` : text;
  }
  return (negative ? "-" : "") + integerDecimalText(q, decimals);
}

/** `q` x 10^-`decimals` written from integers only (any q below 2^53). */
export function integerDecimalText(q: number, decimals: number): string {
  if (decimals === 0) return `${q}`;
  const unit = POW10[decimals];
  const whole = floor(q / unit);
  const frac = q - whole * unit;
  let digits = 1;
  while (digits < decimals && frac >= POW10[digits]) digits++;
  return `${whole}${ZEROS_POINT[decimals - digits]}${frac}`;
}

/** 2^43: see decimalText. */
export const NATIVE_EXACT_BELOW = 8_796_093_022_208;
