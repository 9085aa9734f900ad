import type { ProfileBuffer, ProfileRowReader } from "../kernel/profile";

/**
 * Selective reads of a profile buffer (DLMS IC 7 attribute 2 with selective access), one row at
 * a time into a caller's scratch row, so a 40-day profile is never built in memory.
 */

/** A run of entries by index (0 = oldest held). */
interface EntryRange {
  first: number;
  count: number;
}

/**
 * entry_descriptor: `fromEntry` 1-based (1 = oldest held), `toEntry` 1-based with 0 = the newest.
 * Entries past the end are clipped; an empty selection is count 0.
 */
export function selectEntries(buffer: ProfileBuffer, fromEntry: number, toEntry: number): EntryRange {
  if (!Number.isInteger(fromEntry) || !Number.isInteger(toEntry) || fromEntry < 1 || toEntry < 0) {
    throw new RangeError(`entry_descriptor needs from_entry >= 1 and to_entry >= 0, got ${fromEntry}..${toEntry}`);
  }
  const n = buffer.entriesInUse();
  const last = toEntry === 0 || toEntry > n ? n : toEntry;
  if (fromEntry > last) return { first: 0, count: 0 };
  return { first: fromEntry - 1, count: last - fromEntry + 1 };
}

/** Copies entries `range` one by one into `row` and hands each to `visit` (index 0 = oldest). */
export function readEntries(buffer: ProfileBuffer, range: EntryRange, row: Float64Array, visit: (index: number, row: Float64Array) => void): void {
  const end = range.first + range.count;
  for (let i = range.first; i < end; i++) {
    buffer.readEntry(i, row);
    visit(i, row);
  }
}

/**
 * Index of the first row at or after `start` whose capture time lies in [fromUtcMs, toUtcMs],
 * read into `row`; entriesInUse() when there is none. Capture times are compared at
 * `resolutionMs` (DLMS date-times carry hundredths: 10), the finer part dropped. No order is
 * assumed: after a large backward clock set capture times repeat, so every row is looked at.
 */
export function nextInRange(buffer: ProfileRowReader, start: number, fromUtcMs: number, toUtcMs: number, row: Float64Array, resolutionMs = 1): number {
  const n = buffer.entriesInUse();
  for (let i = start; i < n; i++) {
    buffer.readEntry(i, row);
    const t = resolutionMs > 1 ? row[0] - (row[0] % resolutionMs) : row[0];
    if (t >= fromUtcMs && t <= toUtcMs) return i;
  }
  return n;
}

/**
 * range_descriptor on the capture time (column 0): visits every row with
 * fromUtcMs <= time <= toUtcMs, in buffer order, and returns how many. It does not assume the
 * buffer is ordered (after a large backward clock set it is not), so every row is checked.
 */
export function readRange(buffer: ProfileBuffer, fromUtcMs: number, toUtcMs: number, row: Float64Array, visit: (index: number, row: Float64Array) => void): number {
  let visited = 0;
  for (let i = nextInRange(buffer, 0, fromUtcMs, toUtcMs, row); i < buffer.entriesInUse(); i = nextInRange(buffer, i + 1, fromUtcMs, toUtcMs, row)) {
    visit(i, row);
    visited++;
  }
  return visited;
}

/** Number of rows `readRange` would visit (for a DLMS answer's array length before streaming it). */
export function countRange(buffer: ProfileBuffer, fromUtcMs: number, toUtcMs: number, row: Float64Array): number {
  return readRange(buffer, fromUtcMs, toUtcMs, row, noop);
}

function noop(): void {}
