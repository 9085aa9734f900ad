import type { Board } from "../hal";
import type { EventLog, EventLogName, EventStore } from "../records/event-log";
import { type CaptureColumn, CircularProfile, type ProfileBuffer } from "../records/profile-buffer";
import { CompactingChain } from "./compacting-chain";
import { crc32 } from "./crc32";
import { readU32LE } from "../kernel/bytes";
import { FlashJournal, type HotReserve, OWNER_EVENTS, OWNER_STATE, RECORD_HEADER_BYTES, type RecordRef, recordSize, SECTOR_HEADER_BYTES } from "./journal";
import { FlashProfile } from "./flash-profile";
import { StateIndex } from "./state-index";
import { decodeStamp, encodeStamp, OutageTally, OWNER_TALLY, type PowerStamp, STAMP_BYTES, TALLY_SECTORS } from "./outage-tally";
import { decodeValue, KeyCache } from "./value-codec";
import {
  defaultPersistenceConfig, type PersistenceConfig, type PersistentBytes, type PersistentHandle, type PersistentState, type RestoreReport, type RestoreSource,
} from "./persistence-types";
import { deepFreeze } from "../kernel/freeze";
import { ByteRecord, ChainPolicy, Entry, F_EMERGENCY, F_PERIODIC } from "./store-entries";
import { asciiBytes, levelEventWear, rebuildEventLogs, sameBytes, typeOf } from "./store-util";
import { addFinalState, newestCopy, beginFinal, FINAL_STAMP_AT, FINAL_STATE_HEADER, finalStamp, finalState, finalStateHeader, isFinalRecord } from "./final-record";

export * from "./persistence-types";

const EVENT_LOG_TYPES: Record<EventLogName, number> = deepFreeze({ standard: 1, fraud: 2, disconnector: 3, powerQuality: 4, communication: 5 });
const EVENT_PAYLOAD_BYTES = 10;
const POWER_ID = "store.power";
const INDEX_ID = "store.index";
/** The emergency save's combined record (final-record.ts). */
const FINAL_ID = "store.final";

export type { PowerStamp };

/** Final records read at power up, by generation (payload, or null: none or not valid) and their sequence numbers; dropped after it. */
type FinalCache = { records: (Uint8Array | null)[]; seqs: number[] };

/**
 * The persistence mechanism: one registry every feature plugs its state into, over the flash
 * journal, plus the event logs' journal. `restoreStates()` applies the newest valid generation of
 * each state and puts the stored events back; `commitPowerUp()` writes what the power up changed.
 * Policy (when to save, the power-fail pin, the outage events) is the meter's: app/persistence.ts.
 * Without a flash partition it degrades to RAM only (saves are no-ops, profiles are RAM rings).
 * Damaged or lost records are reported through `reportNvError` (the meter logs event 14 / alarm 10).
 */
export class PersistentStore implements EventStore, HotReserve {
  readonly config: PersistenceConfig;
  readonly journal: FlashJournal | null;
  /**
   * The profiles' own partition (`board.profileFlash`), when the board has one: the journal
   * partition then holds only the state and event journals (64 KiB on the ESP32).
   */
  readonly profileJournal: FlashJournal | null = null;
  readonly stateChain: CompactingChain | null = null;
  readonly eventChain: CompactingChain | null = null;
  lastRestore: RestoreReport | null = null;
  /**
   * The alive tally (outage-tally.ts) on the profiles' partition, when the configuration asks
   * for one and the partition has room: a sudden outage is then logged within its interval.
   */
  readonly tally: OutageTally | null = null;
  private readonly entries: Entry[] = [];
  /**
   * The periodic entries and those in the emergency save, in registration order: the saves loop
   * over these only (a flag test per registered state costs XS ~30 computrons; a list is 2 heap slots).
   */
  private readonly periodicEntries: Entry[] = [];
  private readonly emergencyEntries: Entry[] = [];
  /** Places of the two newest generations of every state record (state-index.ts). */
  readonly index: StateIndex | null = null;
  private readonly profileOwners = new Map<number, string>();
  private readonly storedEvents = new Map<number, number[]>();
  private readonly logs: readonly EventLog[];
  /** Record type of each log's events (same order as `logs`). */
  private readonly logTypes: number[] = [];
  private readonly eventPayload = new Uint8Array(EVENT_PAYLOAD_BYTES);
  private readonly eventView = new DataView(this.eventPayload.buffer);
  private readonly powerType: number;
  private readonly finalType: number;
  /** The stamp's place in the journal's payload scratch, where the emergency save builds its record. */
  /** A view of the whole payload scratch (states that encode in place: BytesState.encodeInto). */
  private finalView: DataView | null = null;
  private finalRead: FinalCache | null = null;
  /** Sequence number of the record the last readAt returned. */
  private readSeq = -1;
  /** Object keys of the snapshots, encoded once (they repeat on every save). */
  readonly snapshotKeys = new KeyCache();
  private restored = false;
  private profileSectorsLeft = 0;
  private profileJournalSectorsLeft = 0;
  /** Wall time of the last stamp written and the tally marks programmed since (the alive timer checks its pace). */
  private stampUtc = NaN;
  private marksSinceStamp = 0;
  private emergencyRoom = 0; // the emergency states' last record sizes plus a quarter, kept as they change (reserve())

  /**
   * `logs`: the event logs kept in the journal.
   */
  constructor(protected readonly board: Board, logs: readonly EventLog[], config: Partial<PersistenceConfig>) {
    this.config = { ...defaultPersistenceConfig(), ...config };
    this.logs = logs;
    for (const log of this.logs) {
      const type = EVENT_LOG_TYPES[log.name] ?? 16 + (crc32(asciiBytes(log.name)) % 200);
      this.logTypes.push(type);
    }
    this.powerType = typeOf(POWER_ID);
    this.finalType = typeOf(FINAL_ID);
    const flash = board.flash;
    if (!flash) {
      this.journal = null;
      return;
    }
    const journal = new FlashJournal(flash);
    this.journal = journal;
    const ps = journal.scratch;
    this.finalView = new DataView(ps.buffer, ps.byteOffset, ps.length);
    journal.mount();
    if (board.profileFlash) {
      // Same chip, same sector size: the scan buffer is shared (scans never interleave).
      const profiles = new FlashJournal(board.profileFlash, board.profileFlash.sectorSize === journal.sectorSize ? journal.buf : undefined);
      profiles.reserveSectors = 0;
      profiles.mount();
      this.profileJournal = profiles;
      this.profileJournalSectorsLeft = profiles.sectorCount;
      if (this.config.aliveIntervalMs > 0 && profiles.sectorCount >= 2 * TALLY_SECTORS) {
        // The tally's sectors come out of the profiles' share; one free sector stays for its rotation.
        this.profileJournalSectorsLeft -= TALLY_SECTORS;
        profiles.reserveSectors = 1;
        const tally = new OutageTally(profiles);
        tally.mount();
        this.tally = tally;
      }
    }
    const usable = journal.sectorSize - SECTOR_HEADER_BYTES;
    let liveEventBytes = 0;
    for (const log of this.logs) liveEventBytes += log.capacity * recordSize(EVENT_PAYLOAD_BYTES);
    const eventSectors = Math.ceil(liveEventBytes / usable) + 2;
    const stateSectors = Math.max(3, this.config.stateSectors);
    // Each compacting chain briefly holds one sector more; one more stays free for rotation.
    this.profileSectorsLeft = journal.sectorCount - (stateSectors + 1) - (eventSectors + 1) - 1;
    if (this.profileSectorsLeft < 0) throw new RangeError(`flash partition of ${journal.sectorCount} sectors is too small: the state and event journals need ${stateSectors + eventSectors + 3}`);
    const index = new StateIndex(journal, typeOf(INDEX_ID));
    this.index = index;
    const stateChain = new CompactingChain(journal, OWNER_STATE, stateSectors, new ChainPolicy(this, false));
    this.stateChain = stateChain;
    this.eventChain = new CompactingChain(journal, OWNER_EVENTS, eventSectors, new ChainPolicy(this, true));
    journal.reserveOf = this;
    index.mount(stateChain);
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
    if (clash || type === this.powerType || type === this.finalType || type === typeOf(INDEX_ID)) throw new Error(`persistent state "${spec.id}" hashes like "${clash?.id ?? POWER_ID}": choose another id`);
    const entry = new Entry(this, spec as PersistentState<unknown>, type);
    this.entries.push(entry);
    if ((entry.flags & F_PERIODIC) !== 0) this.periodicEntries.push(entry);
    if ((entry.flags & F_EMERGENCY) !== 0) this.emergencyEntries.push(entry);
    if (this.restored) {
      const lost = this.restoreEntry(entry);
      if (lost) this.reportNvError(true);
    }
    return entry;
  }

  /** HotReserve: free sectors the state and event chains may still need (each briefly holds one more), and one for rotation. */
  hotReserve(): number {
    const s = this.stateChain!;
    const e = this.eventChain!;
    return Math.max(0, s.maxSectors + 1 - s.sectors.length) + Math.max(0, e.maxSectors + 1 - e.sectors.length) + 1;
  }

  /** The event chain's compaction: an event is live while its log still holds it. */
  eventLive(ref: RecordRef): boolean {
    for (let i = 0; i < this.logTypes.length; i++) {
      if (this.logTypes[i] !== ref.type) continue;
      const log = this.logs[i];
      return ref.seq >= log.total - log.capacity;
    }
    return false;
  }

  /** A registered state's `save()` (its handle): now, forced. */
  saveRegistered(entry: Entry): void {
    this.saveEntry(entry, true, true);
  }

  /** A raw byte record saved on every write (what the DLMS security layer asks for). */
  bytes(id: string, essential = true): PersistentBytes {
    const record = new ByteRecord(this, id, essential);
    record.handle = this.register(record);
    return record;
  }

  /** The newest valid generation of a state record (a ByteRecord's first read before the restore). */
  readStored(id: string): Uint8Array | null {
    return this.readGeneration(typeOf(id), 0) ?? this.readGeneration(typeOf(id), 1);
  }

  /** A profile buffer in flash (RAM ring without a partition). Capacity is cut to what the partition holds. */
  profile(obis: string, columns: readonly CaptureColumn[], capturePeriodS: number, capacity: number): ProfileBuffer {
    const own = this.profileJournal !== null;
    const journal = this.profileJournal ?? this.journal;
    if (!journal) return new CircularProfile(obis, columns, capturePeriodS, capacity);
    let owner = typeOf(`profile:${obis}`);
    if (owner === OWNER_STATE || owner === OWNER_EVENTS || owner === OWNER_TALLY) owner ^= 0x100;
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
   * the older, then defaults) and reports corruption and lost essentials (onNvError). The caller
   * then logs the outage (`powerStamp()`) and calls `commitPowerUp()`.
   */
  restoreStates(): RestoreReport {
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
      // A fall back to the full scan (a place the index record named did not verify) counted more.
      report.corruptRecords = journal.stats.corruptRecords + (profiles ? profiles.stats.corruptRecords : 0);
      report.tornRecords = journal.stats.tornRecords + (profiles ? profiles.stats.tornRecords : 0);
      const unreadable = journal.stats.unreadableSectors + (profiles ? profiles.stats.unreadableSectors : 0);
      if (report.corruptRecords > 0 || unreadable > 0 || report.lost.length > 0) this.reportNvError(report.lost.length > 0);
    }
    this.lastRestore = report;
    return report;
  }

  /**
   * Writes at once what the power up changed: every periodic state (the outage counters and the
   * restored registers: a reset soon after must not count this outage again or lose it) and a
   * power stamp.
   */
  commitPowerUp(): void {
    if (!this.journal) return;
    this.finalRead = null;
    const periodic = this.periodicEntries;
    for (let i = 0; i < periodic.length; i++) this.saveEntry(periodic[i], false, false);
    this.writePowerStamp(false);
    this.reserve();
  }

  /** Saves every periodic state (registers, demand, clock) and the alive stamp. */
  saveStates(): void {
    if (!this.journal) return;
    const periodic = this.periodicEntries;
    for (let i = 0; i < periodic.length; i++) this.saveEntry(periodic[i], false, false);
    // With the tally, the stamp of the power up (or of the last tally sector) still holds.
    if (!this.tally) this.writePowerStamp(false);
    this.reserve();
    this.levelEventWear();
  }

  /**
   * The emergency save: one final record (final-record.ts) holding the power-down stamp and the
   * periodic states marked for it that changed, built in place in the journal's write scratch.
   * The head sector always keeps room for this, so it never waits for an erase.
   */
  saveEmergency(): void {
    const chain = this.stateChain;
    const j = this.journal;
    if (!chain || !j) return;
    // Built in place after the record header in the journal's write scratch (payload from P).
    const out = j.scratch;
    const P = RECORD_HEADER_BYTES;
    let at = beginFinal(out, P);
    const tally = this.tally;
    const now = this.board.clock.wallClockMs();
    encodeStamp(out, this.finalView!, now, true, tally ? tally.sectorSeq : 0, tally ? tally.nextOffset : 0, tally ? this.config.aliveIntervalMs : 0, P + FINAL_STAMP_AT);
    let deferred: Entry[] | null = null;
    const entries = this.emergencyEntries;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      const last = entry.last;
      if (last !== null && entry.unchanged(last)) continue;
      // In place when the state can (no record allocated, no copy), else encoded and copied in.
      const start = at + FINAL_STATE_HEADER;
      let end = entry.encodeInto(out, this.finalView!, start);
      if (end >= 0) {
        // Not compared with the last record (~20 computrons a byte, the CRC ~14): unchanged costs only bytes.
        finalStateHeader(out, at, entry.type, end - start);
      } else {
        const bytes = entry.encode();
        if (last !== null && sameBytes(last, bytes)) continue;
        end = addFinalState(out, at, entry.type, bytes);
        if (end < 0) {
          // Does not fit the scratch: its own record, after the final one (the scratch is in use).
          if (deferred === null) deferred = [];
          deferred.push(entry);
          continue;
        }
      }
      const size = recordSize(end - start);
      at = end;
      // Its newest copy is in this final record: the next save of any kind writes it again.
      entry.last = null;
      this.emergencyRoom += size + (size >> 2) - (entry.lastSize + (entry.lastSize >> 2));
      entry.lastSize = size;
    }
    // A rotation (no room left, which the reserve prevents) would write through the scratch first.
    const length = at - P;
    const payload = chain.room < recordSize(length) ? out.slice(P, at) : out;
    const index = this.index!;
    const seq = index.nextSeq++;
    index.note(this.finalType, seq, chain.append(this.finalType, seq, payload, length));
    this.stampUtc = now;
    this.marksSinceStamp = 0;
    if (deferred !== null) for (let i = 0; i < deferred.length; i++) this.saveEntry(deferred[i], false, false);
  }

  /** The newest readable power stamp (the last sign of life before this power up), or null. */
  powerStamp(): PowerStamp | null {
    // The stamp records' two generations and the final records' stamps, newest first.
    let tried = 0;
    for (;;) {
      const c = newestCopy(this.index, this.finalType, this.powerType, tried, 4);
      if (c < 0) return null;
      tried |= 1 << c;
      const record = c < 2 ? this.readGeneration(this.powerType, c) : this.finalRecord(c - 2);
      if (!record) continue;
      const bytes = c < 2 ? record : finalStamp(record);
      try {
        // Older firmware wrote { t, f } with the value codec.
        const v = decodeStamp(bytes) ?? ({ s: 0, o: 0, i: 0, ...(decodeValue(bytes) as { t: number; f: number }) } as PowerStamp);
        if (typeof v.t === "number" && Number.isFinite(v.t)) return v;
      } catch {
        // try the older stamp
      }
    }
  }

  /** Generation `gen` of the final records (read once per power up), null when none or not valid. */
  private finalRecord(gen: number): Uint8Array | null {
    const seq = this.index ? this.index.seq(this.finalType, gen) : -1;
    if (seq < 0) return null;
    const cache = this.finalRead ?? (this.finalRead = { records: [null, null], seqs: [-2, -2] });
    if (cache.seqs[gen] === seq) return cache.records[gen];
    const bytes = this.readGeneration(this.finalType, gen);
    let record: Uint8Array | null = null;
    if (bytes !== null) {
      if (isFinalRecord(bytes)) record = bytes;
      else {
        this.board.log.warn(`stored final record (generation ${gen}) not accepted: unknown layout`);
        this.reportNvError(false);
      }
    }
    // A place that did not verify made the index scan again: keep what the index now names.
    cache.seqs[gen] = this.index!.seq(this.finalType, gen);
    cache.records[gen] = cache.seqs[gen] === this.readSeq ? record : null;
    return cache.records[gen];
  }

  /**
   * The last sign of life a stamp proves: its time, plus the tally marks programmed after it times
   * the interval (the meter lived at least that long after a stamp that was not the final save).
   */
  lastAliveUtc(stamp: PowerStamp): number {
    if (stamp.f === 1 || !this.tally || stamp.i <= 0 || stamp.s === 0) return stamp.t;
    const marks = this.tally.countSince(stamp.s, stamp.o);
    return marks > 0 ? stamp.t + marks * stamp.i : stamp.t;
  }

  /**
   * One tick of the alive timer (every `aliveIntervalMs`): one more tally mark, or a new stamp
   * when the marks would not tell the time any more (the wall clock was set, the timer ran late
   * by a second or more, or the tally sector is full: a new one is started first).
   */
  markAlive(): void {
    const tally = this.tally;
    if (!tally || !this.stateChain) return;
    const interval = this.config.aliveIntervalMs;
    const expected = this.stampUtc + (this.marksSinceStamp + 1) * interval;
    const late = Math.abs(this.board.clock.wallClockMs() - expected);
    if (tally.full) {
      tally.startSector();
      this.writePowerStamp(false);
      tally.release();
    } else if (!(late < 1000)) {
      this.writePowerStamp(false);
    } else if (tally.mark()) {
      this.marksSinceStamp++;
    }
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
    return this.journal.ramBytes + profileTables + 4096 /* CRC tables (slicing-by-4) */ + (this.index ? this.index.size : 0) * 40 + this.entries.length * 64 + lastCopies;
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
    if (!force && entry.last !== null && entry.unchanged(entry.last)) return;
    const bytes = entry.encode();
    if (!force && sameBytes(entry.last, bytes)) return;
    // Only a periodic save compares with the last record (an immediate save always writes): other states keep no copy.
    entry.last = (entry.flags & F_PERIODIC) !== 0 ? bytes : null;
    const index = this.index!;
    const seq = index.nextSeq++;
    index.note(entry.type, seq, chain.append(entry.type, seq, bytes));
    const size = recordSize(bytes.length);
    if ((entry.flags & F_EMERGENCY) !== 0) this.emergencyRoom += size + (size >> 2) - (entry.lastSize + (entry.lastSize >> 2));
    entry.lastSize = size;
    if (reserve) this.reserve();
  }

  private writePowerStamp(finalSave: boolean): void {
    const chain = this.stateChain;
    if (!chain) return;
    const tally = this.tally;
    const now = this.board.clock.wallClockMs();
    // Written in place after the record header in the journal's write scratch (no copy).
    const sc = this.journal!.scratch;
    const P = RECORD_HEADER_BYTES;
    encodeStamp(sc, this.finalView!, now, finalSave, tally ? tally.sectorSeq : 0, tally ? tally.nextOffset : 0, tally ? this.config.aliveIntervalMs : 0, P);
    const bytes = chain.room < recordSize(STAMP_BYTES) ? sc.slice(P, P + STAMP_BYTES) : sc;
    this.stampUtc = now;
    this.marksSinceStamp = 0;
    const index = this.index!;
    const seq = index.nextSeq++;
    index.note(this.powerType, seq, chain.append(this.powerType, seq, bytes, STAMP_BYTES));
  }

  /** Keeps room in the head for an emergency save (periodic states + power stamp, with margin). */
  private reserve(): void {
    this.stateChain?.ensureRoom(64 + this.emergencyRoom);
  }

  /**
   * The payload of generation `gen` (0 newest, 1 the one before) of a type, null when there is none
   * or it is not valid. A place the index record named that does not verify makes the index scan
   * every sector first (then the answer is what a full mount gives).
   */
  private readGeneration(type: number, gen: number): Uint8Array | null {
    const index = this.index;
    if (!index) return null;
    const loc = index.loc(type, gen);
    if (loc < 0) return null;
    const bytes = this.readAt(loc);
    if (!bytes && index.fromIndexRecord) {
      index.remount(this.stateChain!);
      return this.readGeneration(type, gen);
    }
    return bytes;
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
    if (!j.readRecord(sector, offset, payload, ref) || readU32LE(head, 5) !== ref.seq) return null;
    this.readSeq = ref.seq;
    return payload;
  }

  /** Restores one entry; returns true when it was essential and nothing valid remained. */
  private restoreEntry(entry: Entry): boolean {
    // Its own two generations and, for an emergency state, its copies in the two newest final
    // records: the highest sequence number first. "older" once a newer copy was not usable.
    const limit = (entry.flags & F_EMERGENCY) !== 0 ? 4 : 2;
    let tried = 0;
    let failed = false;
    for (;;) {
      const c = newestCopy(this.index, this.finalType, entry.type, tried, limit);
      if (c < 0) break;
      tried |= 1 << c;
      let bytes: Uint8Array | null;
      if (c < 2) {
        bytes = this.readGeneration(entry.type, c);
        if (!bytes) {
          failed = true;
          continue;
        }
      } else {
        const record = this.finalRecord(c - 2);
        bytes = record && finalState(record, entry.type);
        // A final record without this state: it was unchanged then (its own record is newer).
        if (!bytes) continue;
      }
      try {
        entry.decode(bytes);
        entry.restoredFrom = failed ? "older" : "newest";
        // Its own newest generation is on flash as restored: an unchanged periodic state needs no
        // rewrite. A copy from a final record is written again by the power-up save.
        if (c === 0 && !failed && entry.periodic) entry.last = bytes;
        return false;
      } catch (e) {
        // A record that is whole but not acceptable (damaged meaning, another firmware's format):
        // skipped like a corrupt one, never taken as zero.
        this.board.log.warn(`stored ${entry.id} (${c < 2 ? `generation ${c}` : `final record ${c - 2}`}) not accepted: ${(e as Error).message}`);
        this.reportNvError(false);
        failed = true;
      }
    }
    entry.defaults();
    entry.restoredFrom = "defaults";
    // Nothing stored at all, with no damaged record that may have been this one, is a first start
    // (or a feature new in this firmware); a damaged record of unreadable type may have been anything.
    const j = this.journal;
    const damaged = this.index?.has(entry.type) === true || (j !== null && (j.corruptTypes.has(entry.type) || j.corruptTypes.has(-1)));
    if (entry.essential && damaged) {
      this.board.log.error(`no valid copy of ${entry.id}: safe defaults in place`);
      return true;
    }
    return false;
  }

  /** Static wear levelling of the event chain (store-util.ts). */
  private levelEventWear(): void {
    if (this.eventChain && this.journal) levelEventWear(this.eventChain, this.journal);
  }

  /**
   * A damaged record was found (`lost`: an essential state has no valid copy left). The meter's
   * policy (app/persistence.ts) logs it; the mechanism only reports.
   */
  protected reportNvError(lost: boolean): void {
    void lost;
  }

  /** Puts the stored events back in front of anything logged before restore, then attaches the store to every log. */
  private restoreEventLogs(): void {
    rebuildEventLogs(this.logs, this.logTypes, this.storedEvents, this.eventChain ? this : null);
  }

  /** EventStore: an event appended to a restored log goes to the event journal at once. */
  eventAppended(log: EventLog, utcMs: number, code: number): void {
    const at = this.logs.indexOf(log);
    if (at < 0 || !this.eventChain) return;
    const type = this.logTypes[at];
    this.eventView.setFloat64(0, utcMs, true);
    this.eventView.setUint16(8, code, true);
    this.eventChain!.append(type, log.total - 1, this.eventPayload);
  }
}
