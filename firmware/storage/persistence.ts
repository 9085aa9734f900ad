import type { Board, TimerId } from "../hal";
import { ALARM, type EventLog, type EventLogName, type EventLogs } from "../records/event-log";
import { type CaptureColumn, CircularProfile, type ProfileBuffer } from "../records/profile-buffer";
import { CompactingChain } from "./compacting-chain";
import { crc32 } from "./crc32";
import { FlashJournal, FREE, OWNER_EVENTS, OWNER_STATE, readU32, RECORD_HEADER_BYTES, type RecordRef, recordSize, SECTOR_HEADER_BYTES } from "./journal";
import { FlashProfile } from "./flash-profile";
import { decodeValue, encodeValue } from "./value-codec";

/** Standard event log codes this layer writes (metering.md section 4). */
export const STORE_EVENT = {
  powerDown: 1,
  powerUp: 2,
  nvMemoryError: 14,
  /** Manufacturer-specific (standard log): the power went without a final save (sudden reset). */
  powerDownWithoutSave: 250,
} as const;

export interface PersistenceConfig {
  /** Period of the register save (energy, demand, clock...). */
  saveIntervalMs: number;
  /** Sectors the state journal may hold at once (it rotates through the whole partition). */
  stateSectors: number;
}

export function defaultPersistenceConfig(): PersistenceConfig {
  return { saveIntervalMs: 60_000, stateSectors: 8 };
}

interface CommonSpec {
  /** Stable name: the record's identity on flash. Never rename (a new name starts empty). */
  id: string;
  /** Losing every copy is an NV memory error (event 14, alarm bit 10): energy, calibration, config. */
  essential: boolean;
  /**
   * "periodic": saved every saveIntervalMs and in the emergency save at power fail (registers,
   * demand, clock). "immediate" (default): saved when the owner calls `save()` on the handle
   * (configuration, calendars, calibration, relay state, security counters).
   */
  save?: "periodic" | "immediate";
  /**
   * Periodic states only: false leaves it out of the emergency save at power fail (the hold-up
   * time is short). For counters that may lose one save interval, or that their owner saves at
   * once when it matters. Default true.
   */
  emergency?: boolean;
  /** Puts safe defaults in place when nothing valid is stored (else the constructor's state stays). */
  defaults?(): void;
}

/** State handed over as a plain value (numbers, strings, arrays, plain objects, typed arrays). */
export interface SnapshotState<T> extends CommonSpec {
  snapshot(): T;
  /** Applies a stored value; throw if it is not acceptable and the older generation is tried. */
  restore(value: T): void;
}

/** State handed over as bytes the owner encodes itself. */
export interface BytesState extends CommonSpec {
  encode(): Uint8Array;
  decode(bytes: Uint8Array): void;
}

export type PersistentState<T = unknown> = SnapshotState<T> | BytesState;

export interface PersistentHandle {
  readonly id: string;
  /** Saves the current state now (returns once it is in flash). */
  save(): void;
  /** Where the restored state came from. */
  readonly restoredFrom: RestoreSource;
}

/** Raw byte record (the DLMS security counters' interface): `write` is durable on return. */
export interface PersistentBytes {
  read(): Uint8Array | null;
  write(data: Uint8Array): void;
}

export type RestoreSource = "pending" | "newest" | "older" | "defaults";

export interface RestoreReport {
  /** True when the partition held nothing (first power up). */
  blank: boolean;
  corruptRecords: number;
  tornRecords: number;
  /** Essential states with no valid copy: defaults in place, alarm raised. */
  lost: string[];
  /** States restored from their older generation because the newest was unusable. */
  fromOlder: string[];
  /** The outage ended by this power up, if the journal knew the meter ran before. */
  outage: { startUtcMs: number; durationMs: number; finalSave: boolean } | null;
  /**
   * The last sign of life before the outage (UTC ms of the newest power stamp), null if none.
   * A wall clock behind it at power up has lost its time (no RTC or a dead backup battery).
   */
  lastAliveUtcMs: number | null;
}

export interface EmergencySaveCost {
  flashBytes: number;
  records: number;
  erases: number;
}

interface Entry {
  id: string;
  type: number;
  essential: boolean;
  periodic: boolean;
  emergency: boolean;
  encode(): Uint8Array;
  decode(bytes: Uint8Array): void;
  defaults?(): void;
  restoredFrom: RestoreSource;
  lastSize: number;
  /** Bytes of the last record written (or restored from the newest generation): a periodic save skips an unchanged state. */
  last: Uint8Array | null;
}

/** The two newest valid generations of one record type: sequence numbers and places. */
interface Generations {
  seq0: number;
  loc0: number;
  seq1: number;
  loc1: number;
}

const EVENT_LOG_TYPES: Record<EventLogName, number> = { standard: 1, fraud: 2, disconnector: 3, powerQuality: 4, communication: 5 };
const EVENT_PAYLOAD_BYTES = 10;
/** Erase cycles the free sectors may run ahead of the event chain's oldest sector (levelEventWear). */
const EVENT_WEAR_GAP = 64;
const POWER_ID = "store.power";

/**
 * The meter's persistence: one registry every feature plugs its state into, over the flash
 * journal. Features register in the Meter constructor; `restore()` (Meter.start) applies the
 * newest valid generation of each, restores the event logs and logs the outage; `start()` runs
 * the periodic save and watches the power-fail input. Without a flash partition it degrades to
 * RAM only (saves are no-ops, profiles are RAM rings).
 */
export class Persistence {
  readonly config: PersistenceConfig;
  readonly journal: FlashJournal | null;
  /**
   * The profiles' own partition (`board.profileFlash`), when the board has one: the journal
   * partition then holds only the state and event journals (64 KiB on the ESP32).
   */
  readonly profileJournal: FlashJournal | null = null;
  readonly stateChain: CompactingChain | null = null;
  readonly eventChain: CompactingChain | null = null;
  /** Set by the meter: notified of the outage at power up (the power failure counters/log). */
  powerFailures: { recordPowerFailure(startUtcMs: number, durationMs: number): void } | null = null;
  /** Set by the meter: called at power up once every state is back and the outage is logged. */
  onPowerUp: ((report: RestoreReport) => void) | null = null;
  lastRestore: RestoreReport | null = null;
  lastEmergencySave: EmergencySaveCost | null = null;
  /** Count of periodic saves done (tests, bench). */
  periodicSaves = 0;
  /** Called after each completed periodic save (tests observe what was saved). */
  onSaved: (() => void) | null = null;
  private readonly entries: Entry[] = [];
  private readonly index = new Map<number, Generations>();
  private readonly profileOwners = new Map<number, string>();
  private readonly storedEvents = new Map<number, number[]>();
  private readonly logs: EventLog[];
  private readonly logTypes = new Map<EventLog, number>();
  private readonly logByType = new Map<number, EventLog>();
  private readonly eventPayload = new Uint8Array(EVENT_PAYLOAD_BYTES);
  private readonly eventView = new DataView(this.eventPayload.buffer);
  private readonly powerType: number;
  private nextSeq = 1;
  private restored = false;
  private failing = false;
  private timer: TimerId | undefined;
  private profileSectorsLeft = 0;
  private profileJournalSectorsLeft = 0;

  constructor(private readonly board: Board, private readonly events: EventLogs, config: Partial<PersistenceConfig> = {}, private readonly drain: () => void = () => {}) {
    this.config = { ...defaultPersistenceConfig(), ...config };
    this.logs = events.all();
    for (const log of this.logs) {
      const type = EVENT_LOG_TYPES[log.name] ?? 16 + (crc32(asciiBytes(log.name)) % 200);
      this.logTypes.set(log, type);
      this.logByType.set(type, log);
    }
    this.powerType = typeOf(POWER_ID);
    const flash = board.flash;
    if (!flash) {
      this.journal = null;
      return;
    }
    const journal = new FlashJournal(flash);
    this.journal = journal;
    journal.mount();
    if (board.profileFlash) {
      // Same chip, same sector size: the scan buffer is shared (scans never interleave).
      const profiles = new FlashJournal(board.profileFlash, board.profileFlash.sectorSize === journal.sectorSize ? journal.buf : undefined);
      profiles.hotReserve = () => 0;
      profiles.mount();
      this.profileJournal = profiles;
      this.profileJournalSectorsLeft = profiles.sectorCount;
    }
    const usable = journal.sectorSize - SECTOR_HEADER_BYTES;
    let liveEventBytes = 0;
    for (const log of this.logs) liveEventBytes += log.capacity * recordSize(EVENT_PAYLOAD_BYTES);
    const eventSectors = Math.ceil(liveEventBytes / usable) + 2;
    const stateSectors = Math.max(3, this.config.stateSectors);
    // Each compacting chain briefly holds one sector more; one more stays free for rotation.
    this.profileSectorsLeft = journal.sectorCount - (stateSectors + 1) - (eventSectors + 1) - 1;
    if (this.profileSectorsLeft < 0) throw new RangeError(`flash partition of ${journal.sectorCount} sectors is too small: the state and event journals need ${stateSectors + eventSectors + 3}`);
    this.stateChain = new CompactingChain(journal, OWNER_STATE, stateSectors, {
      isLive: (ref) => this.isLiveState(ref),
      moved: (ref, sector, offset) => this.movedState(ref, sector * journal.sectorSize + offset),
    });
    this.eventChain = new CompactingChain(journal, OWNER_EVENTS, eventSectors, {
      isLive: (ref) => {
        const log = this.logByType.get(ref.type);
        return log !== undefined && ref.seq >= log.total - log.capacity;
      },
      moved: () => {},
    });
    const stateChain = this.stateChain;
    const eventChain = this.eventChain;
    journal.hotReserve = () => Math.max(0, stateChain.maxSectors + 1 - stateChain.sectors.length) + Math.max(0, eventChain.maxSectors + 1 - eventChain.sectors.length) + 1;
    this.stateChain.mount((ref) => {
      this.noteGeneration(ref.type, ref.seq, ref.sector * journal.sectorSize + ref.offset);
      if (ref.seq >= this.nextSeq) this.nextSeq = ref.seq + 1;
    });
    this.eventChain.mount((ref) => {
      if (ref.length !== EVENT_PAYLOAD_BYTES) return;
      const b = journal.buf;
      const at = ref.offset + RECORD_HEADER_BYTES;
      const view = new DataView(b.buffer, b.byteOffset + at, EVENT_PAYLOAD_BYTES);
      let list = this.storedEvents.get(ref.type);
      if (!list) this.storedEvents.set(ref.type, (list = []));
      list.push(ref.seq, view.getFloat64(0, true), view.getUint16(8, true));
    });
  }

  /** Registers a piece of state. After restore() it is restored at once. */
  register<T>(spec: PersistentState<T>): PersistentHandle {
    if (this.entries.some((e) => e.id === spec.id)) throw new Error(`persistent state "${spec.id}" is registered twice`);
    const type = typeOf(spec.id);
    const clash = this.entries.find((e) => e.type === type);
    if (clash || type === this.powerType) throw new Error(`persistent state "${spec.id}" hashes like "${clash?.id ?? POWER_ID}": choose another id`);
    const entry: Entry = {
      id: spec.id,
      type,
      essential: spec.essential,
      periodic: spec.save === "periodic",
      emergency: spec.save === "periodic" && spec.emergency !== false,
      encode: "encode" in spec ? () => spec.encode() : () => encodeValue(spec.snapshot()),
      decode: "decode" in spec ? (b) => spec.decode(b) : (b) => spec.restore(decodeValue(b) as T),
      defaults: spec.defaults ? () => spec.defaults!() : undefined,
      restoredFrom: "pending",
      lastSize: 0,
      last: null,
    };
    this.entries.push(entry);
    if (this.restored) {
      const lost = this.restoreEntry(entry);
      if (lost) this.reportNvError(true);
    }
    return {
      id: entry.id,
      save: () => this.saveEntry(entry, true, true),
      get restoredFrom() {
        return entry.restoredFrom;
      },
    };
  }

  /** A raw byte record saved on every write (what the DLMS security layer asks for). */
  bytes(id: string, essential = true): PersistentBytes {
    let current: Uint8Array | null = null;
    let loaded = false;
    const load = (): void => {
      if (loaded) return;
      loaded = true;
      const g = this.index.get(typeOf(id));
      if (!g) return;
      current = (g.loc0 >= 0 ? this.readAt(g.loc0) : null) ?? (g.loc1 >= 0 ? this.readAt(g.loc1) : null);
    };
    const handle = this.register({
      id,
      essential,
      encode: () => current ?? new Uint8Array(0),
      decode: (b) => {
        current = b.slice();
        loaded = true;
      },
    });
    return {
      read: () => {
        load();
        return current ? current.slice() : null;
      },
      write: (data) => {
        current = data.slice();
        loaded = true;
        handle.save();
      },
    };
  }

  /** A profile buffer in flash (RAM ring without a partition). Capacity is cut to what the partition holds. */
  profile(obis: string, columns: readonly CaptureColumn[], capturePeriodS: number, capacity: number): ProfileBuffer {
    const own = this.profileJournal !== null;
    const journal = this.profileJournal ?? this.journal;
    if (!journal) return new CircularProfile(obis, columns, capturePeriodS, capacity);
    let owner = typeOf(`profile:${obis}`);
    if (owner === OWNER_STATE || owner === OWNER_EVENTS) owner ^= 0x100;
    if (this.profileOwners.has(owner)) throw new Error(`profile ${obis} is already in flash (or hashes like ${this.profileOwners.get(owner)})`);
    const left = own ? this.profileJournalSectorsLeft : this.profileSectorsLeft;
    let rows = capacity;
    let need = FlashProfile.sectorsNeeded(journal.sectorSize, columns.length, rows);
    if (need > left) {
      rows = Math.max(0, (left - 1) * FlashProfile.rowsPerSector(journal.sectorSize, columns.length));
      if (rows < 1) {
        this.board.log.error(`profile ${obis}: no flash left; kept in RAM with ${capacity} rows (lost at power cut)`);
        return new CircularProfile(obis, columns, capturePeriodS, capacity);
      }
      this.board.log.warn(`profile ${obis}: partition holds ${rows} of ${capacity} rows`);
      need = FlashProfile.sectorsNeeded(journal.sectorSize, columns.length, rows);
    }
    if (own) this.profileJournalSectorsLeft -= need;
    else this.profileSectorsLeft -= need;
    this.profileOwners.set(owner, obis);
    return new FlashProfile(journal, owner, obis, columns, capturePeriodS, rows);
  }

  /**
   * Power up: restores the event logs and every registered state (newest valid generation, then
   * the older, then defaults), logs corruption (event 14) and lost essentials (event 14 + alarm
   * bit 10), then the outage (events 1/2, power failure log).
   */
  restore(): RestoreReport {
    if (this.lastRestore) return this.lastRestore;
    const journal = this.journal;
    const profiles = this.profileJournal;
    const report: RestoreReport = {
      blank: journal ? journal.blank : true,
      corruptRecords: (journal ? journal.stats.corruptRecords : 0) + (profiles ? profiles.stats.corruptRecords : 0),
      tornRecords: (journal ? journal.stats.tornRecords : 0) + (profiles ? profiles.stats.tornRecords : 0),
      lost: [],
      fromOlder: [],
      outage: null,
      lastAliveUtcMs: null,
    };
    this.restoreEventLogs();
    for (const entry of this.entries) {
      if (this.restoreEntry(entry)) report.lost.push(entry.id);
      if (entry.restoredFrom === "older") report.fromOlder.push(entry.id);
    }
    this.restored = true;
    if (journal) {
      const unreadable = journal.stats.unreadableSectors + (profiles ? profiles.stats.unreadableSectors : 0);
      if (report.corruptRecords > 0 || unreadable > 0 || report.lost.length > 0) this.reportNvError(report.lost.length > 0);
      report.outage = this.logOutage(report);
      this.onPowerUp?.(report);
      // Saved at once: the outage counters and the restored registers (a reset soon after must
      // not count this outage again or lose it).
      for (const entry of this.entries) if (entry.periodic) this.saveEntry(entry, false, false);
      this.savePower(false);
      this.reserve();
    }
    this.lastRestore = report;
    return report;
  }

  /** Starts the periodic save and the power-fail watch. */
  start(): void {
    if (!this.journal) return;
    this.timer = this.board.clock.repeat(() => this.savePeriodic(), this.config.saveIntervalMs);
    this.board.powerFail?.onChange((level) => {
      if (level === 0) this.powerFailing();
      else this.failing = false;
    });
  }

  stop(): void {
    if (this.timer !== undefined) this.board.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.board.powerFail?.onChange(null);
  }

  /** Saves every periodic state (registers, demand, clock) and the alive stamp. */
  savePeriodic(): void {
    if (!this.journal || this.failing) return;
    for (const entry of this.entries) if (entry.periodic) this.saveEntry(entry, false, false);
    this.savePower(false);
    this.reserve();
    this.levelEventWear();
    this.periodicSaves++;
    this.onSaved?.();
  }

  /**
   * The supply is failing (power-fail input low, or the IC's voltage-loss signal): drain the IC's
   * pending energy into the registers, then write the periodic states and a power-down stamp. The
   * head sector always keeps room for this, so it never waits for an erase.
   */
  powerFailing(): void {
    const journal = this.journal;
    if (!journal || this.failing) return;
    const bytes = journal.stats.bytesWritten;
    const records = journal.stats.recordsWritten;
    const erases = journal.stats.erases;
    this.drain();
    for (const entry of this.entries) if (entry.emergency) this.saveEntry(entry, false, false);
    this.savePower(true);
    this.failing = true;
    this.lastEmergencySave = { flashBytes: journal.stats.bytesWritten - bytes, records: journal.stats.recordsWritten - records, erases: journal.stats.erases - erases };
  }

  /** Registered ids with where each was restored from. */
  states(): { id: string; essential: boolean; periodic: boolean; restoredFrom: RestoreSource; bytes: number }[] {
    return this.entries.map((e) => ({ id: e.id, essential: e.essential, periodic: e.periodic, restoredFrom: e.restoredFrom, bytes: e.lastSize }));
  }

  /** The journal's RAM: fixed tables and buffers plus the index (estimate for the README). */
  ramBytes(): number {
    if (!this.journal) return 0;
    const profiles = this.profileJournal;
    // The profile partition shares the scan buffer; its tables are its own.
    const profileTables = profiles ? profiles.ramBytes - (profiles.buf === this.journal.buf ? profiles.buf.length : 0) : 0;
    let lastCopies = 0;
    for (const e of this.entries) if (e.periodic && e.last) lastCopies += e.last.length;
    return this.journal.ramBytes + profileTables + 4096 /* CRC tables (slicing-by-4) */ + this.index.size * 40 + this.entries.length * 64 + lastCopies;
  }

  // --- internals ---

  /**
   * Writes one state. `force` false (periodic saves): a state whose encoding did not change since
   * its last record is not written again (its two generations stay on flash), which keeps the
   * journal's wear to what really changes.
   */
  private saveEntry(entry: Entry, reserve: boolean, force: boolean): void {
    const chain = this.stateChain;
    if (!chain) return;
    const bytes = entry.encode();
    if (!force && sameBytes(entry.last, bytes)) return;
    entry.last = bytes;
    const seq = this.nextSeq++;
    const loc = chain.append(entry.type, seq, bytes);
    this.noteGeneration(entry.type, seq, loc);
    entry.lastSize = recordSize(bytes.length);
    if (reserve) this.reserve();
  }

  private savePower(finalSave: boolean): void {
    const chain = this.stateChain;
    if (!chain) return;
    const bytes = encodeValue({ t: this.board.clock.wallClockMs(), f: finalSave ? 1 : 0 });
    const seq = this.nextSeq++;
    this.noteGeneration(this.powerType, seq, chain.append(this.powerType, seq, bytes));
  }

  /** Keeps room in the head for an emergency save (periodic states + power stamp, with margin). */
  private reserve(): void {
    let need = 64;
    for (const e of this.entries) if (e.emergency) need += e.lastSize + (e.lastSize >> 2);
    this.stateChain?.ensureRoom(need);
  }

  private noteGeneration(type: number, seq: number, loc: number): void {
    let g = this.index.get(type);
    if (!g) this.index.set(type, (g = { seq0: -1, loc0: -1, seq1: -1, loc1: -1 }));
    if (seq === g.seq0 || seq === g.seq1) return; // a copy made by reclamation
    if (seq > g.seq0) {
      g.seq1 = g.seq0;
      g.loc1 = g.loc0;
      g.seq0 = seq;
      g.loc0 = loc;
    } else if (seq > g.seq1) {
      g.seq1 = seq;
      g.loc1 = loc;
    }
  }

  private isLiveState(ref: RecordRef): boolean {
    const g = this.index.get(ref.type);
    const loc = ref.sector * this.journal!.sectorSize + ref.offset;
    return g !== undefined && (g.loc0 === loc || g.loc1 === loc);
  }

  private movedState(ref: RecordRef, loc: number): void {
    const g = this.index.get(ref.type);
    const from = ref.sector * this.journal!.sectorSize + ref.offset;
    if (!g) return;
    if (g.loc0 === from) g.loc0 = loc;
    else if (g.loc1 === from) g.loc1 = loc;
  }

  /** Payload of the valid record at an absolute place, or null. */
  private readAt(loc: number): Uint8Array | null {
    const j = this.journal!;
    const sector = Math.floor(loc / j.sectorSize);
    const offset = loc - sector * j.sectorSize;
    const head = new Uint8Array(RECORD_HEADER_BYTES);
    j.flash.read(loc, head);
    const length = head[3] | (head[4] << 8);
    const payload = new Uint8Array(Math.min(length, j.sectorSize));
    const ref: RecordRef = { sector, offset, type: 0, length: 0, seq: 0, size: 0 };
    if (!j.readRecord(sector, offset, payload, ref) || readU32(head, 5) !== ref.seq) return null;
    return payload;
  }

  /** Restores one entry; returns true when it was essential and nothing valid remained. */
  private restoreEntry(entry: Entry): boolean {
    const g = this.index.get(entry.type);
    const places = g ? [g.loc0, g.loc1] : [];
    for (let gen = 0; gen < places.length; gen++) {
      if (places[gen] < 0) continue;
      const bytes = this.readAt(places[gen]);
      if (!bytes) continue;
      try {
        entry.decode(bytes);
        entry.restoredFrom = gen === 0 ? "newest" : "older";
        // The newest generation is on flash as restored: an unchanged periodic state needs no rewrite.
        if (gen === 0) entry.last = bytes;
        return false;
      } catch (e) {
        // A record that is whole but not acceptable (damaged meaning, another firmware's format):
        // skipped like a corrupt one, never taken as zero.
        this.board.log.warn(`stored ${entry.id} (generation ${gen}) not accepted: ${(e as Error).message}`);
        this.reportNvError(false);
      }
    }
    entry.defaults?.();
    entry.restoredFrom = "defaults";
    // Nothing stored at all, with no damaged record that may have been this one, is a first start
    // (or a feature new in this firmware); a damaged record of unreadable type may have been anything.
    const j = this.journal;
    const damaged = g !== undefined || (j !== null && (j.corruptTypes.has(entry.type) || j.corruptTypes.has(-1)));
    if (entry.essential && damaged) {
      this.board.log.error(`no valid copy of ${entry.id}: safe defaults in place`);
      return true;
    }
    return false;
  }

  /**
   * Static wear levelling: the event log chain keeps its sectors for weeks while the state journal
   * rotates through the rest of the partition every hour or so. When the free sectors' erase
   * count runs ahead of the event chain's oldest sector, that sector is compacted now (its live
   * events are copied to the head) so the little-worn sector rejoins the rotation.
   */
  private levelEventWear(): void {
    const chain = this.eventChain;
    const j = this.journal;
    if (!chain || !j || chain.sectors.length < 2) return;
    const oldest = chain.sectors[0];
    let freeMin = Infinity;
    for (let s = 0; s < j.sectorCount; s++) if (j.owner[s] === FREE && j.eraseCount[s] < freeMin) freeMin = j.eraseCount[s];
    if (freeMin !== Infinity && freeMin - j.eraseCount[oldest] > EVENT_WEAR_GAP) chain.reclaimOldestNow();
  }

  private nvErrorLogged = false;
  private reportNvError(lost: boolean): void {
    if (!this.nvErrorLogged) {
      this.nvErrorLogged = true;
      this.events.record("standard", STORE_EVENT.nvMemoryError);
    }
    if (lost) this.events.raiseAlarm(ALARM.nvMemoryError);
  }

  /** Puts the stored events back in front of anything logged before restore, then hooks every log. */
  private restoreEventLogs(): void {
    for (const log of this.logs) {
      const type = this.logTypes.get(log)!;
      const early: number[] = [];
      for (let i = 0; i < log.count; i++) early.push(log.timeAt(i), log.codeAt(i));
      const stored = this.storedEvents.get(type) ?? [];
      // Sort by ordinal; copies made by reclamation share their ordinal.
      const order: number[] = [];
      for (let i = 0; i < stored.length; i += 3) order.push(i);
      order.sort((a, b) => stored[a] - stored[b]);
      const append = log.append;
      log.clear();
      let last = -1;
      for (const i of order) {
        if (stored[i] === last) continue;
        last = stored[i];
        append.call(log, stored[i + 1], stored[i + 2]);
      }
      log.total = last + 1;
      if (this.eventChain) {
        log.append = (utcMs: number, code: number): void => {
          append.call(log, utcMs, code);
          this.saveEvent(log, type, utcMs, code);
        };
      }
      for (let i = 0; i < early.length; i += 2) log.append(early[i], early[i + 1]);
    }
    this.storedEvents.clear();
  }

  private saveEvent(log: EventLog, type: number, utcMs: number, code: number): void {
    this.eventView.setFloat64(0, utcMs, true);
    this.eventView.setUint16(8, code, true);
    this.eventChain!.append(type, log.total - 1, this.eventPayload);
  }

  private logOutage(report: RestoreReport): RestoreReport["outage"] {
    const g = this.index.get(this.powerType);
    let stamp: { t: number; f: number } | null = null;
    for (const loc of g ? [g.loc0, g.loc1] : []) {
      const bytes = loc >= 0 ? this.readAt(loc) : null;
      if (!bytes) continue;
      try {
        const v = decodeValue(bytes) as { t: number; f: number };
        if (typeof v.t === "number" && Number.isFinite(v.t)) {
          stamp = v;
          break;
        }
      } catch {
        // try the older stamp
      }
    }
    if (!stamp) return null;
    report.lastAliveUtcMs = stamp.t;
    const now = this.board.clock.wallClockMs();
    const start = Math.min(stamp.t, now);
    const durationMs = now - start;
    const finalSave = stamp.f === 1;
    // Through recordAt, so event listeners (the MQTT event topic) hear of them.
    this.events.recordAt("standard", start, STORE_EVENT.powerDown);
    if (!finalSave) this.events.recordAt("standard", start, STORE_EVENT.powerDownWithoutSave);
    this.events.recordAt("standard", now, STORE_EVENT.powerUp);
    this.powerFailures?.recordPowerFailure(start, durationMs);
    this.board.log.info(`power up after ${Math.round(durationMs / 1000)} s without supply (${finalSave ? "final save done" : "no final save"})`);
    return { startUtcMs: start, durationMs, finalSave };
  }
}

function sameBytes(a: Uint8Array | null, b: Uint8Array): boolean {
  if (a === null || a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** 16-bit record type of a state id (never 0 or 0xFFFF). */
function typeOf(id: string): number {
  const t = crc32(asciiBytes(id)) & 0xffff;
  return t === 0 || t === 0xffff ? 0x5a5a : t;
}

function asciiBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    b[2 * i] = s.charCodeAt(i) & 0xff;
    b[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  return b;
}
