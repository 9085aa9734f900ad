/**
 * IDIS event logs: each a circular buffer of (UTC ms, code) kept in preallocated arrays.
 * One instance per log; the meter owns them all in `EventLogs`.
 *
 * Folding: a log built with `foldedCodes` keeps a run of identical events with one of those codes
 * as one entry (the time of the first) with a count (`countAt`), so a head end that stays
 * unreachable cannot push the other events out of the 100 entries (docs/readme/profiles-events.md).
 * A repeat changes only the count in RAM: it writes nothing to flash (no wear per failed attempt);
 * after a power cut the entry comes back with count 1.
 *
 * Flash: once the persistence layer has restored the logs it attaches itself as the logs' store
 * (`attachStore`), and from then on every `append` (so every `record`/`recordAt`) also writes the
 * event to the flash journal before it returns. `load` puts back a stored entry without writing.
 */
import { EVENT, type EventLogName } from "../kernel/event-codes";
import type { ChangeSaver } from "../kernel/change-saver";

export type { EventLogName } from "../kernel/event-codes";
export { EVENT_LOG_OBIS } from "../kernel/obis";

interface EventLogState {
  times: Float64Array;
  codes: Uint16Array;
  /** Events each entry stands for (absent in older snapshots: 1 each). */
  counts?: Uint16Array;
  head: number;
  count: number;
  total: number;
  lastCode: number;
}

/** Where appended events are made durable (the flash journal): called after each `append`. */
export interface EventStore {
  eventAppended(log: EventLog, utcMs: number, code: number): void;
}

const NOT_FOLDED: readonly number[] = Object.freeze([]);
const FOLDED_COMMUNICATION_CODES: readonly number[] = Object.freeze([EVENT.communication.pushFailed]);
/** Entries each of the meter's logs holds. */
const LOG_ENTRIES = 100;

/**
 * Where event log entries live: three typed arrays that several logs share, each log owning
 * `capacity` entries from its base (EventLogs puts all its logs in one: three array headers for
 * the five logs instead of fifteen).
 */
interface EventEntryArrays {
  readonly times: Float64Array;
  readonly codes: Uint16Array;
  /** Events each entry stands for. */
  readonly counts: Uint16Array;
}

function entryArrays(size: number): EventEntryArrays {
  return { times: new Float64Array(size), codes: new Uint16Array(size), counts: new Uint16Array(size) };
}

export class EventLog {
  private readonly entries: EventEntryArrays;
  private head = 0;
  /** Entries currently held (<= capacity). */
  count = 0;
  /** Entries ever written (never wraps in practice); lets readers detect overwrites. */
  total = 0;
  lastCode = 0;
  /** The flash store every append goes to (absent: RAM only, before the restore or without flash). */
  private declare store: EventStore | null | undefined;

  /**
   * `entries`/`base`: the shared arrays and this log's first index in them (default: arrays of
   * its own).
   */
  constructor(readonly name: EventLogName, readonly capacity = 100, private readonly foldedCodes: readonly number[] = NOT_FOLDED, entries?: EventEntryArrays, private readonly base = 0) {
    if (entries && base + capacity > entries.times.length) throw new RangeError(`event log ${name}: entries ${base}..${base + capacity - 1} outside the shared arrays`);
    this.entries = entries ?? entryArrays(capacity);
  }

  /**
   * Adds an event; with a store attached it is also written to flash (see the module comment).
   * An event repeating the newest entry's folded code only counts on that entry.
   */
  append(utcMs: number, code: number): void {
    if (this.count > 0 && this.foldedCodes.includes(code)) {
      const newest = this.slot(this.count - 1);
      const e = this.entries;
      if (e.codes[newest] === code) {
        if (e.counts[newest] < 0xffff) e.counts[newest]++;
        return;
      }
    }
    this.load(utcMs, code);
    this.store?.eventAppended(this, utcMs, code);
  }

  /** Puts an entry in the ring without writing it anywhere (the restore of stored events). */
  load(utcMs: number, code: number): void {
    const e = this.entries;
    const at = this.base + this.head;
    e.times[at] = utcMs;
    e.codes[at] = code;
    e.counts[at] = 1;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    this.total++;
    this.lastCode = code;
  }

  /** From now on every append is also written to `store` (persistence, after its restore). */
  attachStore(store: EventStore | null): void {
    this.store = store;
  }

  /** Entry `index` in age order: 0 = oldest held. */
  timeAt(index: number): number {
    return this.entries.times[this.slot(index)];
  }

  codeAt(index: number): number {
    return this.entries.codes[this.slot(index)];
  }

  /** How many identical events entry `index` stands for (1 unless its code is folded). */
  countAt(index: number): number {
    return this.entries.counts[this.slot(index)];
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
    this.lastCode = 0;
  }

  /** Index of the first held entry with time >= utcMs (count if none); entries are in append order. */
  firstIndexAtOrAfter(utcMs: number): number {
    for (let i = 0; i < this.count; i++) if (this.timeAt(i) >= utcMs) return i;
    return this.count;
  }

  /** Plain copy of the state for persistence (typed arrays and numbers only). */
  snapshot(): EventLogState {
    const e = this.entries;
    const from = this.base;
    const to = from + this.capacity;
    return { times: e.times.slice(from, to), codes: e.codes.slice(from, to), counts: e.counts.slice(from, to), head: this.head, count: this.count, total: this.total, lastCode: this.lastCode };
  }

  restore(state: EventLogState): void {
    if (state.times.length !== this.capacity || state.codes.length !== this.capacity) throw new RangeError(`event log ${this.name}: snapshot capacity ${state.times.length} != ${this.capacity}`);
    const e = this.entries;
    e.times.set(state.times, this.base);
    e.codes.set(state.codes, this.base);
    if (state.counts && state.counts.length === this.capacity) e.counts.set(state.counts, this.base);
    else e.counts.fill(1, this.base, this.base + this.capacity);
    this.head = state.head;
    this.count = state.count;
    this.total = state.total;
    this.lastCode = state.lastCode;
  }

  /** Index in the shared arrays of entry `index` (0 = oldest held). */
  private slot(index: number): number {
    if (index < 0 || index >= this.count) throw new RangeError(`event index ${index} outside 0..${this.count - 1}`);
    return this.base + ((this.head - this.count + index + this.capacity) % this.capacity);
  }
}

/** Told of every event as it is recorded (EventLogs.onEvent). */
export interface EventListener {
  eventRecorded(log: EventLogName, code: number, utcMs: number): void;
}

/** All event logs plus the alarm register; every feature records through this one owner. */
export class EventLogs {
  readonly standard: EventLog;
  readonly fraud: EventLog;
  readonly disconnector: EventLog;
  readonly powerQuality: EventLog;
  /** Failed push attempts (247) fold: a head end that stays down is one entry with a count. */
  readonly communication: EventLog;
  /** Alarm register 1 (bit set = alarm active until the head end clears it). */
  alarmRegister = 0;
  private filter = 0xffffffff;
  /**
   * Told after a change the meter saves: `saver.saveIfRestored(kind)` (the meter's persistence
   * object and its state number; no closure kept). None until `saveChangesTo`.
   */
  private saver: ChangeSaver | null = null;
  private saverKind = 0;
  /** Called after an alarm bit that passes the filter becomes set (the alarm push is one). */
  private readonly alarmListeners: ((bit: number) => void)[] = [];
  private readonly listeners: EventListener[] = [];

  /**
   * `now`: the UTC time events are stamped with, as a function or as the board's clock (read
   * through its `wallClockMs` method: no closure kept for it).
   */
  constructor(private readonly now: (() => number) | { wallClockMs(): number }) {
    const entries = entryArrays(5 * LOG_ENTRIES);
    this.standard = new EventLog("standard", LOG_ENTRIES, NOT_FOLDED, entries, 0);
    this.fraud = new EventLog("fraud", LOG_ENTRIES, NOT_FOLDED, entries, LOG_ENTRIES);
    this.disconnector = new EventLog("disconnector", LOG_ENTRIES, NOT_FOLDED, entries, 2 * LOG_ENTRIES);
    this.powerQuality = new EventLog("powerQuality", LOG_ENTRIES, NOT_FOLDED, entries, 3 * LOG_ENTRIES);
    this.communication = new EventLog("communication", LOG_ENTRIES, FOLDED_COMMUNICATION_CODES, entries, 4 * LOG_ENTRIES);
  }

  /** Adds a listener for alarms that pass the filter (kept for the meter's life). */
  addAlarmListener(listener: (bit: number) => void): void {
    this.alarmListeners.push(listener);
  }

  /** From now on every change is told to `saver` as state `kind` (the meter's persistence). */
  saveChangesTo(saver: ChangeSaver | null, kind: number): void {
    this.saver = saver;
    this.saverKind = kind;
  }

  /** Alarm filter 1: bits set here are reported (pushed). Default: all. */
  get alarmFilter(): number {
    return this.filter;
  }

  set alarmFilter(mask: number) {
    if (mask === this.filter) return;
    this.filter = mask;
    this.saver?.saveIfRestored(this.saverKind);
  }

  record(log: EventLogName, code: number): void {
    const now = this.now;
    this.recordAt(log, typeof now === "function" ? now() : now.wallClockMs(), code);
  }

  /** Records with an explicit time (an event detected after the fact, e.g. a debounced edge). */
  recordAt(log: EventLogName, utcMs: number, code: number): void {
    this[log].append(utcMs, code);
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) listeners[i].eventRecorded(log, code, utcMs);
  }

  /** Consumers told of every event as it is recorded (the MQTT event topic): an object, no closure kept. */
  onEvent(listener: EventListener): void {
    this.listeners.push(listener);
  }

  isAlarmSet(bit: number): boolean {
    return Math.floor(this.alarmRegister / 2 ** bit) % 2 === 1;
  }

  /** The head end clears alarm bits by writing the register (bits set in `mask` are cleared). */
  clearAlarms(mask: number): void {
    const before = this.alarmRegister;
    for (let bit = 0; bit < 32; bit++) {
      const m = 2 ** bit;
      if (Math.floor(mask / m) % 2 === 1 && this.isAlarmSet(bit)) this.alarmRegister -= m;
    }
    if (this.alarmRegister !== before) this.saver?.saveIfRestored(this.saverKind);
  }

  raiseAlarm(bit: number): void {
    const mask = 2 ** bit;
    const wasSet = Math.floor(this.alarmRegister / mask) % 2 === 1;
    if (wasSet) return;
    this.alarmRegister += mask;
    if (Math.floor(this.alarmFilter / mask) % 2 === 1) for (const listener of this.alarmListeners) listener(bit);
    this.saver?.saveIfRestored(this.saverKind);
  }

  /**
   * Brings back the stored alarm register and filter at power up. Alarms raised since the boot
   * (e.g. an NV memory error found by the restore) are kept: the register is the union.
   */
  restoreAlarms(register: number, filter: number): void {
    for (const v of [register, filter]) if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`alarm state: ${v} is not a 32-bit mask`);
    for (let bit = 0; bit < 32; bit++) if (Math.floor(register / 2 ** bit) % 2 === 1 && !this.isAlarmSet(bit)) this.alarmRegister += 2 ** bit;
    this.filter = filter;
  }

  all(): EventLog[] {
    return [this.standard, this.fraud, this.disconnector, this.powerQuality, this.communication];
  }
}
