/**
 * A small persisted record: what the security state needs from the store. The flash journal's
 * registration mechanism provides one per name; `MemoryRecord` stands in for tests and for a
 * build without a store. `write` returns once the data is durable.
 */
export interface PersistentRecord {
  read(): Uint8Array | null;
  write(data: Uint8Array): void;
}

export class MemoryRecord implements PersistentRecord {
  private data: Uint8Array | null = null;
  writes = 0;
  read(): Uint8Array | null {
    return this.data ? this.data.slice() : null;
  }
  write(data: Uint8Array): void {
    this.data = data.slice();
    this.writes++;
  }
}
