/**
 * The persistent store's per-state objects (behaviour on the prototype, no closures per state):
 * a registered state and its handle (Entry), a state kept as raw bytes (ByteRecord), and the
 * compaction policy of the store's two chains (ChainPolicy). Split from persistent-store.ts.
 */
import type { CompactionPolicy } from "./compacting-chain";
import type { RecordRef } from "./journal";
import { decodeValue, encodeValue } from "./value-codec";
import type { BytesState, PersistentBytes, PersistentHandle, PersistentState, RestoreSource, SnapshotState } from "./persistence-types";
import type { PersistentStore } from "./persistent-store";

const F_ESSENTIAL = 1;
export const F_PERIODIC = 2;
export const F_EMERGENCY = 4;
/** The spec hands bytes (encode/decode), not a snapshot for the value codec. */
const F_BYTES = 8;
const F_MASK = 15;
const F_SOURCE_SHIFT = 4;
/** Index 0 is where an entry starts. */
const RESTORE_SOURCES: readonly RestoreSource[] = Object.freeze(["pending", "newest", "older", "defaults"] as const);

/**
 * A registered state, and its handle: calls the owner's spec directly (no wrapper closures per
 * state; the behaviour is on the prototype).
 */
export class Entry implements PersistentHandle {
  /** F_* bits and, above them, the restore source's index in RESTORE_SOURCES (one field instead of five). */
  flags: number;
  lastSize = 0;
  /** Bytes of the last record written (or restored from the newest generation): a periodic save skips an unchanged state. */
  last: Uint8Array | null = null;

  constructor(private readonly store: PersistentStore, private readonly spec: PersistentState<unknown>, readonly type: number) {
    const periodic = spec.save === "periodic";
    this.flags = (spec.essential ? F_ESSENTIAL : 0) | (periodic ? F_PERIODIC : 0) | (periodic && spec.emergency !== false ? F_EMERGENCY : 0) | ("encode" in spec ? F_BYTES : 0);
  }

  get restoredFrom(): RestoreSource {
    return RESTORE_SOURCES[this.flags >> F_SOURCE_SHIFT];
  }

  set restoredFrom(source: RestoreSource) {
    this.flags = (this.flags & F_MASK) | (RESTORE_SOURCES.indexOf(source) << F_SOURCE_SHIFT);
  }

  get id(): string {
    return this.spec.id;
  }

  get essential(): boolean {
    return (this.flags & F_ESSENTIAL) !== 0;
  }

  get periodic(): boolean {
    return (this.flags & F_PERIODIC) !== 0;
  }

  get emergency(): boolean {
    return (this.flags & F_EMERGENCY) !== 0;
  }

  encode(): Uint8Array {
    const spec = this.spec;
    return (this.flags & F_BYTES) !== 0 ? (spec as BytesState).encode() : encodeValue((spec as SnapshotState<unknown>).snapshot(), this.store.snapshotKeys);
  }

  /** The record written into `out` at `start` when the spec can (BytesState.encodeInto); -1 otherwise. */
  encodeInto(out: Uint8Array, view: DataView, start: number): number {
    const spec = this.spec as BytesState;
    return (this.flags & F_BYTES) !== 0 && spec.encodeInto !== undefined ? spec.encodeInto(out, view, start) : -1;
  }

  decode(bytes: Uint8Array): void {
    const spec = this.spec;
    if ((this.flags & F_BYTES) !== 0) (spec as BytesState).decode(bytes);
    else (spec as SnapshotState<unknown>).restore(decodeValue(bytes));
  }

  defaults(): void {
    this.spec.defaults?.();
  }

  /** True when the owner says its state still equals `stored` (false when it cannot tell). */
  unchanged(stored: Uint8Array): boolean {
    return this.spec.unchanged !== undefined && this.spec.unchanged(stored);
  }

  save(): void {
    this.store.saveRegistered(this);
  }
}

/**
 * A raw byte record (`PersistentStore.bytes`): its own spec and the owner's interface in one
 * object (no closures per record). Read before the restore, it loads the stored bytes itself.
 */
export class ByteRecord implements BytesState, PersistentBytes {
  readonly save = "immediate";
  handle: PersistentHandle | null = null;
  private current: Uint8Array | null = null;
  private loaded = false;

  constructor(private readonly store: PersistentStore, readonly id: string, readonly essential: boolean) {}

  encode(): Uint8Array {
    return this.current ?? new Uint8Array(0);
  }

  decode(b: Uint8Array): void {
    this.current = b.slice();
    this.loaded = true;
  }

  read(): Uint8Array | null {
    if (!this.loaded) {
      this.loaded = true;
      this.current = this.store.readStored(this.id);
    }
    return this.current ? this.current.slice() : null;
  }

  write(data: Uint8Array): void {
    this.current = data.slice();
    this.loaded = true;
    if (this.handle) this.handle.save();
  }
}

/**
 * The compaction policy of the store's chains (one object per chain, behaviour on the prototype):
 * the state chain keeps the two newest generations the index names and rewrites the index on
 * rotation; the event chain keeps what the logs still hold.
 */
export class ChainPolicy implements CompactionPolicy {
  constructor(private readonly store: PersistentStore, private readonly events: boolean) {}

  isLive(ref: RecordRef): boolean {
    return this.events ? this.store.eventLive(ref) : this.store.index!.isLive(ref);
  }

  moved(ref: RecordRef, sector: number, offset: number): void {
    if (!this.events) this.store.index!.moved(ref, sector * this.store.journal!.sectorSize + offset);
  }

  rotated(): void {
    if (!this.events) this.store.index!.write(this.store.stateChain!);
  }
}
