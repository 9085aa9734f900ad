/**
 * A firmware image being received into the inactive OTA slot, block by block in any order, so that
 * it survives a power cut. The payload goes at offset 0 of the slot (where the boot loader looks);
 * the slot's last sector holds what belongs to the transfer:
 *
 *     0  64  transfer record: "DLTX", image size u32, block size u16, identifier length u8, identifier
 *    64   1  verified mark (0x00: image_verify succeeded for this transfer)
 *   128 112  image header            256  64  image signature
 *   512   .  erased-sector bits, then the block bits (1 = still to do, cleared to 0 when done)
 *
 * Bits are only ever cleared (a NOR write without erase), so a block costs its own bytes plus one
 * bitmap byte, and a torn write of either is repaired by receiving the block again (the same bytes
 * clear the same bits). The payload sectors are erased when the first block reaches them.
 */
import type { Flash } from "../hal/flash";
import { IMAGE_HEADER_LENGTH, IMAGE_OVERHEAD, IMAGE_SIGNATURE_LENGTH } from "./image-format";

const RECORD_MAGIC = Object.freeze([0x44, 0x4c, 0x54, 0x58]);
const RECORD_LENGTH = 64;
const MAX_IDENTIFIER_LENGTH = RECORD_LENGTH - 12;
const VERIFIED_AT = 64;
const HEADER_AT = 128;
const SIGNATURE_AT = 256;
const BITS_AT = 512;

type BlockResult = "written" | "repeated" | "conflict";

export class StagedImage {
  readonly sectorSize: number;
  /** Sectors for the payload (all but the last). */
  readonly payloadSectors: number;
  readonly maxBlocks: number;
  private readonly metaBase: number;
  private readonly blockBitsAt: number;
  /** The transfer in progress (null: none). */
  identifier: Uint8Array | null = null;
  imageSize = 0;
  blockSize = 0;
  blockCount = 0;
  verified = false;
  private blockBits = new Uint8Array(0);
  private readonly sectorBits: Uint8Array;
  private scratch = new Uint8Array(0);
  private readonly one = new Uint8Array(1);
  /** Blocks marked done (kept so that "complete" needs no scan). */
  private done = 0;

  constructor(private readonly flash: Flash) {
    this.sectorSize = flash.sectorSize;
    this.payloadSectors = flash.sectorCount - 1;
    this.metaBase = this.payloadSectors * this.sectorSize;
    this.blockBitsAt = BITS_AT + ((this.payloadSectors + 7) >> 3);
    this.maxBlocks = (this.sectorSize - this.blockBitsAt) * 8;
    this.sectorBits = new Uint8Array((this.payloadSectors + 7) >> 3);
    if (this.maxBlocks < 8) throw new RangeError(`OTA slot sectors of ${this.sectorSize} bytes are too small for the transfer record`);
  }

  /** Largest image the slot takes with blocks of `blockSize`. */
  capacity(blockSize: number): number {
    return Math.min(this.payloadSectors * this.sectorSize + IMAGE_OVERHEAD, this.maxBlocks * blockSize);
  }

  /** Reads the transfer record from flash (power up). False when there is none. */
  load(): boolean {
    const meta = new Uint8Array(RECORD_LENGTH);
    this.flash.read(this.metaBase, meta);
    this.identifier = null;
    for (let i = 0; i < 4; i++) if (meta[i] !== RECORD_MAGIC[i]) return false;
    const size = ((meta[4] << 24) | (meta[5] << 16) | (meta[6] << 8) | meta[7]) >>> 0;
    const blockSize = (meta[8] << 8) | meta[9];
    const idLength = meta[10];
    if (blockSize === 0 || idLength > MAX_IDENTIFIER_LENGTH || size < IMAGE_OVERHEAD + 1 || size > this.capacity(blockSize)) return false;
    this.setUp(meta.slice(12, 12 + idLength), size, blockSize);
    this.flash.read(this.metaBase + VERIFIED_AT, this.one);
    this.verified = this.one[0] === 0;
    this.flash.read(this.metaBase + BITS_AT, this.sectorBits);
    this.flash.read(this.metaBase + this.blockBitsAt, this.blockBits);
    let done = 0;
    for (let n = 0; n < this.blockCount; n++) if (!(this.blockBits[n >> 3] & (1 << (n & 7)))) done++;
    this.done = done;
    return true;
  }

  /** Starts a new transfer: erases the record sector and writes the record. Null, or why not. */
  begin(identifier: Uint8Array, size: number, blockSize: number): string | null {
    if (identifier.length === 0 || identifier.length > MAX_IDENTIFIER_LENGTH) return `image identifier must be 1..${MAX_IDENTIFIER_LENGTH} bytes`;
    if (size < IMAGE_OVERHEAD + 1) return `image of ${size} bytes is shorter than header and signature`;
    if (size > this.capacity(blockSize)) return `image of ${size} bytes does not fit the slot (${this.capacity(blockSize)} bytes)`;
    this.identifier = null;
    this.flash.eraseSector(this.payloadSectors);
    const meta = new Uint8Array(12 + identifier.length);
    meta.set(RECORD_MAGIC, 0);
    meta[4] = size >>> 24;
    meta[5] = size >>> 16;
    meta[6] = size >>> 8;
    meta[7] = size;
    meta[8] = blockSize >> 8;
    meta[9] = blockSize & 0xff;
    meta[10] = identifier.length;
    meta.set(identifier, 12);
    // The magic goes last: a record torn before it is no record.
    this.flash.write(this.metaBase + 4, meta.subarray(4));
    this.flash.write(this.metaBase, meta.subarray(0, 4));
    this.setUp(identifier.slice(), size, blockSize);
    this.sectorBits.fill(0xff);
    this.verified = false;
    return null;
  }

  /** Forgets the transfer (the record sector erased). */
  clear(): void {
    this.flash.eraseSector(this.payloadSectors);
    this.identifier = null;
    this.verified = false;
  }

  isDone(block: number): boolean {
    return !(this.blockBits[block >> 3] & (1 << (block & 7)));
  }

  get complete(): boolean {
    return this.identifier !== null && this.done === this.blockCount;
  }

  /** The lowest block number not yet received (blockCount when all are in). */
  firstMissing(): number {
    const bits = this.blockBits;
    for (let i = 0; i < bits.length; i++) {
      const b = bits[i];
      if (b === 0) continue;
      for (let j = 0; j < 8; j++) if (b & (1 << j)) return Math.min(this.blockCount, i * 8 + j);
    }
    return this.blockCount;
  }

  /** Expected length of block `n`: the block size, the last one shorter. */
  blockLength(n: number): number {
    return Math.min(this.blockSize, this.imageSize - n * this.blockSize);
  }

  /**
   * Stores block `n` (`data[start..end)`, its length already checked). "repeated": it was there
   * already (nothing written); "conflict": the slot holds other bytes for it (a different image
   * under the same identifier: initiate anew).
   */
  writeBlock(n: number, data: Uint8Array, start: number, end: number): BlockResult {
    if (this.isDone(n)) return "repeated";
    const offset = n * this.blockSize;
    const length = end - start;
    // Check first, write second: a refused block leaves the slot as it was.
    if (!this.forEachRegion(offset, length, (at, from, count) => this.writable(at, data, start + from, count))) return "conflict";
    this.forEachRegion(offset, length, (at, from, count) => {
      this.prepare(at, count);
      this.flash.write(at, data.subarray(start + from, start + from + count));
      return true;
    });
    this.markDone(n);
    return "written";
  }

  /** Reads image bytes `[offset, offset + into.length)` back from the slot. */
  read(offset: number, into: Uint8Array): void {
    this.forEachRegion(offset, into.length, (at, from, count) => {
      this.flash.read(at, into.subarray(from, from + count));
      return true;
    });
  }

  /** Notes a successful verification in the record (survives a restart). */
  markVerified(): void {
    if (this.verified || !this.identifier) return;
    this.one[0] = 0;
    this.flash.write(this.metaBase + VERIFIED_AT, this.one);
    this.verified = true;
  }

  private setUp(identifier: Uint8Array, size: number, blockSize: number): void {
    this.identifier = identifier;
    this.imageSize = size;
    this.blockSize = blockSize;
    this.blockCount = Math.ceil(size / blockSize);
    this.blockBits = new Uint8Array((this.blockCount + 7) >> 3).fill(0xff);
    if (this.scratch.length < blockSize) this.scratch = new Uint8Array(blockSize);
    this.done = 0;
  }

  /**
   * Splits image bytes `[offset, offset + length)` into slot addresses: header and signature in the
   * record sector, the payload from slot offset 0. `visit(slotAddress, indexInRange, count)`.
   */
  private forEachRegion(offset: number, length: number, visit: (at: number, from: number, count: number) => boolean): boolean {
    const end = offset + length;
    const signatureStart = this.imageSize - IMAGE_SIGNATURE_LENGTH;
    let pos = offset;
    while (pos < end) {
      let at: number;
      let stop: number;
      if (pos < IMAGE_HEADER_LENGTH) {
        at = this.metaBase + HEADER_AT + pos;
        stop = Math.min(end, IMAGE_HEADER_LENGTH);
      } else if (pos < signatureStart) {
        at = pos - IMAGE_HEADER_LENGTH;
        stop = Math.min(end, signatureStart);
      } else {
        at = this.metaBase + SIGNATURE_AT + (pos - signatureStart);
        stop = end;
      }
      if (!visit(at, pos - offset, stop - pos)) return false;
      pos = stop;
    }
    return true;
  }

  /** True when writing `data[from..from+count)` at `at` only clears bits (NOR), or the sector is still to be erased. */
  private writable(at: number, data: Uint8Array, from: number, count: number): boolean {
    if (at < this.metaBase) {
      const first = Math.floor(at / this.sectorSize);
      const last = Math.floor((at + count - 1) / this.sectorSize);
      // Any sector still to be erased: its old bytes do not matter (they are checked per sector below).
      let allErased = true;
      for (let s = first; s <= last; s++) if (this.sectorBits[s >> 3] & (1 << (s & 7))) allErased = false;
      if (!allErased) {
        for (let s = first; s <= last; s++) {
          if (this.sectorBits[s >> 3] & (1 << (s & 7))) continue;
          const lo = Math.max(at, s * this.sectorSize);
          const hi = Math.min(at + count, (s + 1) * this.sectorSize);
          if (!this.clearsOnly(lo, data, from + (lo - at), hi - lo)) return false;
        }
        return true;
      }
    }
    return this.clearsOnly(at, data, from, count);
  }

  private clearsOnly(at: number, data: Uint8Array, from: number, count: number): boolean {
    const cells = this.scratch.subarray(0, count);
    this.flash.read(at, cells);
    for (let i = 0; i < count; i++) {
      const d = data[from + i];
      if ((cells[i] & d) !== d) return false;
    }
    return true;
  }

  /** Erases the payload sectors `[at, at + count)` touches for the first time, noting each. */
  private prepare(at: number, count: number): void {
    if (at >= this.metaBase) return;
    const first = Math.floor(at / this.sectorSize);
    const last = Math.floor((at + count - 1) / this.sectorSize);
    for (let s = first; s <= last; s++) {
      const bit = 1 << (s & 7);
      if (!(this.sectorBits[s >> 3] & bit)) continue;
      this.flash.eraseSector(s);
      this.sectorBits[s >> 3] &= ~bit;
      this.one[0] = this.sectorBits[s >> 3];
      this.flash.write(this.metaBase + BITS_AT + (s >> 3), this.one);
    }
  }

  private markDone(n: number): void {
    this.blockBits[n >> 3] &= ~(1 << (n & 7));
    this.one[0] = this.blockBits[n >> 3];
    this.flash.write(this.metaBase + this.blockBitsAt + (n >> 3), this.one);
    this.done++;
  }
}
