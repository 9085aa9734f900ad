/** The persistence registry's vocabulary: what a feature registers and what a restore reports. */
export interface PersistenceConfig {
  /** Period of the register save (energy, demand, clock...). */
  saveIntervalMs: number;
  /** Sectors the state journal may hold at once (it rotates through the whole partition). */
  stateSectors: number;
  /**
   * Interval of the alive tally (ms, at most 65,535; 0: none): a sudden outage is logged at most
   * this much longer than it was (outage-tally.ts). Needs the profiles' partition.
   */
  aliveIntervalMs: number;
}

export function defaultPersistenceConfig(): PersistenceConfig {
  return { saveIntervalMs: 60_000, stateSectors: 8, aliveIntervalMs: 5_000 };
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
  /**
   * Periodic states: true when encoding now would surely give `stored` (the last record written)
   * again, by a check cheaper than encoding; the periodic and emergency saves then skip the state.
   */
  unchanged?(stored: Uint8Array): boolean;
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
  /**
   * Optional: the same bytes `encode()` gives, written into `out` at `start` (`view` spans the
   * same bytes as `out`); returns the end, or -1 when it cannot (then `encode()` is used). The
   * emergency save builds its combined record this way, without a copy.
   */
  encodeInto?(out: Uint8Array, view: DataView, start: number): number;
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
