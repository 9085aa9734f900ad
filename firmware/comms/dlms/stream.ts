/**
 * Byte sources for answers that may not fit one APDU. The server pulls at most one block's
 * worth at a time, so a large attribute (a profile buffer, the object list) is encoded element
 * by element as blocks go out and never exists whole in memory.
 */
import { AxdrWriter } from "./axdr";

export interface ByteSource {
  /** Writes up to `max` bytes at `out[offset]`; returns how many. */
  read(out: Uint8Array, offset: number, max: number): number;
  /** True once every byte has been read. Exact after each read (the last block is known). */
  readonly done: boolean;
}

/** Serves a fixed byte array. */
export class BytesSource implements ByteSource {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array, private readonly end = bytes.length) {}
  get done(): boolean {
    return this.pos >= this.end;
  }
  read(out: Uint8Array, offset: number, max: number): number {
    const n = Math.min(max, this.end - this.pos);
    out.set(this.bytes.subarray(this.pos, this.pos + n), offset);
    this.pos += n;
    return n;
  }
}

/**
 * A sequence produced piece by piece: `prefix` bytes (written by the subclass in `begin`), then
 * `count` elements, each encoded into a small scratch writer when its turn comes. A piece may
 * instead hand over a nested ByteSource (a GET-with-list item that is itself a stream).
 */
export abstract class PieceSource implements ByteSource {
  protected readonly scratch = new AxdrWriter(128);
  private scratchPos = 0;
  private nested: ByteSource | null = null;
  private index = -1;
  /** Bytes a piece takes at most (readDirect; 0: never straight into the caller's buffer). */
  protected directRoom = 0;

  /** Number of pieces after the prefix. */
  protected abstract get count(): number;
  /** Writes the prefix into `w` (called once, first). */
  protected abstract begin(w: AxdrWriter): void;
  /** Encodes piece `i` into `w`, or returns a source to drain instead. */
  protected abstract piece(i: number, w: AxdrWriter): ByteSource | null;

  get done(): boolean {
    return this.index >= this.count && this.scratchPos >= this.scratch.length && this.nested === null;
  }

  read(out: Uint8Array, offset: number, max: number): number {
    const scratch = this.scratch;
    const count = this.count;
    let written = 0;
    while (written < max) {
      const pending = scratch.length - this.scratchPos;
      if (pending > 0) {
        const n = pending < max - written ? pending : max - written;
        const from = this.scratchPos;
        out.set(scratch.bytes.subarray(from, from + n), offset + written);
        this.scratchPos = from + n;
        written += n;
        continue;
      }
      if (this.nested) {
        written += this.nested.read(out, offset + written, max - written);
        if (!this.nested.done) break;
        this.nested = null;
        continue;
      }
      const index = this.index;
      if (index >= count) break;
      scratch.length = 0;
      this.scratchPos = 0;
      if (index < 0) this.begin(scratch);
      else this.nested = this.piece(index, scratch);
      this.index = index + 1;
    }
    return written;
  }

  /**
   * read, with pieces encoded straight into the caller's buffer while the block has `directRoom`
   * bytes left (no copy through the scratch). For a subclass whose pieces are rows of a known
   * largest size (it overrides read with it); the object_list keeps read, its small pieces would
   * gain less than the checks cost.
   */
  protected readDirect(out: Uint8Array, offset: number, max: number): number {
    const scratch = this.scratch;
    const count = this.count;
    const room = this.directRoom;
    let written = 0;
    /** A DataView over `out` for pieces encoded straight into it (made once per call). */
    let outView: DataView | null = null;
    while (written < max) {
      const pending = scratch.length - this.scratchPos;
      if (pending > 0) {
        const n = pending < max - written ? pending : max - written;
        const from = this.scratchPos;
        out.set(scratch.bytes.subarray(from, from + n), offset + written);
        this.scratchPos = from + n;
        written += n;
        continue;
      }
      if (this.nested) {
        written += this.nested.read(out, offset + written, max - written);
        if (!this.nested.done) break;
        this.nested = null;
        continue;
      }
      const index = this.index;
      if (index >= count) break;
      if (index >= 0 && max - written >= room && out.length - offset - written >= room) {
        // The scratch writer is lent `out` for this piece: it lands in the block where it goes.
        // (Should the piece throw, the long GET is given up with this source.)
        const own = scratch.bytes;
        const ownView = scratch.view;
        if (outView === null) outView = new DataView(out.buffer, out.byteOffset, out.length);
        scratch.bytes = out;
        scratch.view = outView;
        scratch.length = offset + written;
        // Pieces one after the other while the block has room for the largest.
        const limit = offset + max;
        let i = this.directRun(index, count, scratch, limit);
        if (i === index) {
          do {
            const nested = this.piece(i, scratch);
            i++;
            if (nested !== null) {
              this.nested = nested;
              break;
            }
          } while (i < count && scratch.bytes === out && limit - scratch.length >= room);
        }
        this.index = i;
        const end = scratch.length;
        const into = scratch.bytes;
        scratch.bytes = own;
        scratch.view = ownView;
        scratch.length = 0;
        this.scratchPos = 0;
        written = (into === out && end <= limit ? end : this.overflow(out, into, offset + written, end, limit)) - offset;
        continue;
      }
      scratch.length = 0;
      this.scratchPos = 0;
      if (index < 0) this.begin(scratch);
      else this.nested = this.piece(index, scratch);
      this.index = index + 1;
    }
    return written;
  }

  /**
   * Pieces `index`, `index + 1`, ... (below `count`) written into `w` (lent the caller's block,
   * `w.length` where the first goes) in a loop of the subclass's own, each while `limit - w.length`
   * is at least `directRoom` and `w.bytes` is still the block; returns the index after the last
   * one written (`index`: none, the pieces go one by one through `piece`). None by default.
   */
  protected directRun(index: number, _count: number, _w: AxdrWriter, _limit: number): number {
    return index;
  }

  /**
   * A piece encoded straight into the block that outgrew it after all: its bytes from `start` to
   * `end` are in `into` (`out`, or the bigger buffer the writer grew into). What fits before
   * `limit` goes to `out`, the rest becomes the scratch's pending bytes. Returns where `out` ends.
   */
  private overflow(out: Uint8Array, into: Uint8Array, start: number, end: number, limit: number): number {
    if (into !== out) out.set(into.subarray(start, end < limit ? end : limit), start);
    if (end <= limit) return end;
    this.scratch.raw(into, limit, end);
    return limit;
  }
}
