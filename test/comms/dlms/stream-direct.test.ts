/**
 * PieceSource.readDirect (issue 19): pieces encoded straight into the caller's buffer while the
 * block has room, through the scratch otherwise. Whatever the block sizes, and even when a piece
 * is larger than the room its source announced (the overflow path: the writer grows into a new
 * buffer, or runs past the block), the bytes are those read() gives.
 */
import fc from "fast-check";
import type { AxdrWriter } from "../../../firmware/comms/dlms/axdr";
import { type ByteSource, PieceSource } from "../../../firmware/comms/dlms/stream";

class Pieces extends PieceSource {
  constructor(private readonly sizes: number[], room: number, private readonly direct: boolean) {
    super();
    this.directRoom = room;
  }
  protected get count(): number {
    return this.sizes.length;
  }
  protected begin(w: AxdrWriter): void {
    w.u8(0xee);
  }
  protected piece(i: number, w: AxdrWriter): ByteSource | null {
    // Through the writer's own calls (each ensures its room), with a DataView write among them.
    for (let k = 0; k < this.sizes[i]; k++) w.u8((i * 31 + k) & 0xff);
    if (this.sizes[i] >= 4) w.u32(0x01020304 + i);
    return null;
  }
  override read(out: Uint8Array, offset: number, max: number): number {
    return this.direct ? this.readDirect(out, offset, max) : super.read(out, offset, max);
  }
}

function drain(source: ByteSource, blocks: number[], capacity: number): number[] {
  const bytes: number[] = [];
  let b = 0;
  while (!source.done) {
    const max = blocks[b++ % blocks.length];
    const out = new Uint8Array(capacity).fill(0x55);
    const n = source.read(out, 3, Math.min(max, capacity - 3));
    bytes.push(...out.subarray(3, 3 + n));
  }
  return bytes;
}

describe("PieceSource straight into the block", () => {
  it("gives read()'s bytes for any pieces, rooms and block sizes (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(40), { maxLength: 30 }),
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 64, max: 200 }),
        (sizes, room, blocks, capacity) => {
          const expected = drain(new Pieces(sizes, room, false), blocks, capacity);
          expect(drain(new Pieces(sizes, room, true), blocks, capacity)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
