import { readU32BE, writeU32BE } from "../../../kernel/bytes";
import type { PersistentRecord } from "./persistence";
import { MAX_INVOCATION_COUNTER } from "./security-header";

/**
 * The meter's own invocation counter: starts at 1, strictly increases, never repeats across a
 * reboot. It is persisted ahead of use: the record holds the first value NOT yet reserved, and a
 * new block of `blockSize` values is written before the first of them is used. After a reboot
 * the counter resumes at the stored limit, skipping at most one block of unused values.
 */
export class OutgoingInvocationCounter {
  private nextValue: number;
  private reservedLimit: number;

  constructor(private readonly record: PersistentRecord, private readonly blockSize = 256) {
    if (!(blockSize >= 1)) throw new RangeError("invocation counter block size must be at least 1");
    const stored = record.read();
    const limit = stored && stored.length >= 4 ? readU32BE(stored, 0) + (stored[4] === 1 ? 1 : 0) : 1;
    this.nextValue = Math.max(1, limit);
    this.reservedLimit = this.nextValue;
  }

  /** The value the next ciphered APDU will carry (not consumed). */
  get current(): number {
    return this.nextValue;
  }

  get exhausted(): boolean {
    return this.nextValue > MAX_INVOCATION_COUNTER;
  }

  /** Takes the next value, persisting a new block first when needed; null once the counter is exhausted. */
  next(): number | null {
    if (this.nextValue > MAX_INVOCATION_COUNTER) return null;
    if (this.nextValue >= this.reservedLimit) {
      const limit = Math.min(this.nextValue + this.blockSize, MAX_INVOCATION_COUNTER + 1);
      const data = new Uint8Array(5);
      // The limit may be 2^32 (all values reserved): a fifth byte keeps it exact.
      writeU32BE(data, 0, limit === MAX_INVOCATION_COUNTER + 1 ? MAX_INVOCATION_COUNTER : limit);
      data[4] = limit === MAX_INVOCATION_COUNTER + 1 ? 1 : 0;
      this.record.write(data);
      this.reservedLimit = limit;
    }
    return this.nextValue++;
  }
}

/**
 * The last invocation counter accepted from a peer (the management client). A counter that is
 * not greater is a replay. Persisted on every acceptance, before the request is served, so a
 * captured frame stays rejected after a reboot.
 */
export class IncomingInvocationCounter {
  private last: number;

  constructor(private readonly record: PersistentRecord) {
    const stored = record.read();
    this.last = stored && stored.length >= 4 ? readU32BE(stored, 0) : 0;
  }

  get lastAccepted(): number {
    return this.last;
  }

  /** True when `ic` is fresh (and records it); false for a replay. */
  accept(ic: number): boolean {
    if (!(ic > this.last)) return false;
    this.last = ic;
    this.persist();
    return true;
  }

  /** After a key change the peer starts its counter again. */
  reset(): void {
    this.last = 0;
    this.persist();
  }

  private persist(): void {
    const data = new Uint8Array(4);
    writeU32BE(data, 0, this.last);
    this.record.write(data);
  }
}
