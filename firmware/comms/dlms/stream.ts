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
}
