import type { Flash } from "../../firmware/hal";

/** A write that NOR flash cannot do (setting a bit an erase has not set, or out of range). */
export class FlashViolation extends Error {}

/** Where an injected power cut landed. */
export interface PowerCutRecord {
  operation: "write" | "erase";
  /** Partition offset of the first byte of the operation (erase: the sector start). */
  offset: number;
  /** Bytes of the operation completed before the cut (the next one is torn). */
  completed: number;
  /** Bytes in the operation. */
  length: number;
}

/**
 * NOR flash partition for the host simulator and tests (pure TypeScript, also runs in XS).
 *
 * Semantics enforced: `eraseSector` sets a whole sector to 0xFF; `write` can only clear bits, so
 * programming a 1 where the cell holds 0 throws FlashViolation (the firmware must erase first);
 * writes of any length and alignment inside the partition. Erase counts are kept per sector.
 *
 * Power cuts: `armPowerCut(bytes)` cuts power after that many more bytes of programming or erasing
 * (an erase counts as sectorSize bytes); `armPowerCutInNextOperation()` cuts at a random byte of
 * the next write or erase. A torn write leaves the bytes before the cut programmed, the byte at the
 * cut a random mix of old and new bits, the rest untouched; a torn erase leaves the sector's first
 * bytes erased, one byte half erased, the rest as they were. After the cut the flash ignores every
 * operation (the CPU is dying) until `powerOn()`; `onPowerCut` tells the simulator.
 */
export class NorFlashEmulator implements Flash {
  readonly bytes: Uint8Array;
  readonly eraseCounts: Uint32Array;
  /** Bytes programmed, write calls, erase calls and bytes read since construction (or resetCounters). */
  bytesWritten = 0;
  writeOps = 0;
  eraseOps = 0;
  bytesRead = 0;
  /** False between a cut and powerOn(): operations are dropped. */
  powered = true;
  /** The last injected cut, if any. */
  lastCut: PowerCutRecord | null = null;
  /** Called once when an injected cut happens (the meter should die now). */
  onPowerCut: ((cut: PowerCutRecord) => void) | null = null;
  private cutBudget = -1;
  private cutNextOperation = false;
  private cutOnlyOn: "write" | "erase" | null = null;
  private rng: number;

  /** `bytes`: storage to use (e.g. shared memory on the lin board), erased here; default a new array. */
  constructor(readonly sectorSize = 4096, readonly sectorCount = 64, seed = 0x9e3779b9, bytes?: Uint8Array) {
    if (!Number.isInteger(sectorSize) || sectorSize < 64 || !Number.isInteger(sectorCount) || sectorCount < 2) {
      throw new RangeError(`flash geometry must be >= 64-byte sectors and >= 2 sectors, got ${sectorSize} x ${sectorCount}`);
    }
    if (bytes && bytes.length !== sectorSize * sectorCount) throw new RangeError(`flash storage is ${bytes.length} bytes, geometry needs ${sectorSize * sectorCount}`);
    this.bytes = (bytes ?? new Uint8Array(sectorSize * sectorCount)).fill(0xff);
    this.eraseCounts = new Uint32Array(sectorCount);
    this.rng = seed >>> 0 || 1;
  }

  get size(): number {
    return this.bytes.length;
  }

  read(offset: number, into: Uint8Array): void {
    this.checkRange(offset, into.length, "read");
    into.set(this.bytes.subarray(offset, offset + into.length));
    this.bytesRead += into.length;
  }

  write(offset: number, data: Uint8Array): void {
    this.checkRange(offset, data.length, "write");
    if (!this.powered) return;
    const b = this.bytes;
    for (let i = 0; i < data.length; i++) {
      if ((b[offset + i] & data[i]) !== data[i]) {
        throw new FlashViolation(`flash write at ${offset + i} would set bits (cell 0x${b[offset + i].toString(16)}, data 0x${data[i].toString(16)}): erase the sector first`);
      }
    }
    this.writeOps++;
    const cutAt = this.cutPoint(data.length, "write");
    const n = cutAt < 0 ? data.length : cutAt;
    for (let i = 0; i < n; i++) b[offset + i] &= data[i];
    this.bytesWritten += n;
    if (cutAt >= 0) {
      // The byte being programmed: each bit that should clear has cleared or not.
      if (cutAt < data.length) b[offset + cutAt] &= data[cutAt] | (this.random() & 0xff);
      this.cut({ operation: "write", offset, completed: cutAt, length: data.length });
    }
  }

  eraseSector(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.sectorCount) throw new FlashViolation(`erase of sector ${index} outside 0..${this.sectorCount - 1}`);
    if (!this.powered) return;
    this.eraseOps++;
    this.eraseCounts[index]++;
    const start = index * this.sectorSize;
    const cutAt = this.cutPoint(this.sectorSize, "erase");
    if (cutAt < 0) {
      this.bytes.fill(0xff, start, start + this.sectorSize);
      return;
    }
    this.bytes.fill(0xff, start, start + cutAt);
    if (cutAt < this.sectorSize) this.bytes[start + cutAt] |= this.random() & 0xff;
    this.cut({ operation: "erase", offset: start, completed: cutAt, length: this.sectorSize });
  }

  /** Cuts power after `bytes` more bytes of programming or erasing (0 = inside the next operation's first byte). */
  armPowerCut(bytes: number): void {
    this.cutBudget = Math.max(0, Math.floor(bytes));
    this.cutNextOperation = false;
  }

  /** Cuts power at a random byte inside the next write or erase (or only the next of one kind). */
  armPowerCutInNextOperation(kind: "write" | "erase" | null = null): void {
    this.cutNextOperation = true;
    this.cutOnlyOn = kind;
    this.cutBudget = -1;
  }

  disarm(): void {
    this.cutBudget = -1;
    this.cutNextOperation = false;
  }

  get armed(): boolean {
    return this.cutBudget >= 0 || this.cutNextOperation;
  }

  /** Power lost by other means (the simulator's power cut): later operations are dropped. */
  powerOff(): void {
    this.powered = false;
    this.disarm();
  }

  powerOn(): void {
    this.powered = true;
  }

  /** Bit rot: inverts one bit (tests). */
  flipBit(offset: number, bit: number): void {
    this.checkRange(offset, 1, "flip");
    this.bytes[offset] ^= 1 << (bit & 7);
  }

  resetCounters(): void {
    this.bytesWritten = 0;
    this.writeOps = 0;
    this.eraseOps = 0;
    this.bytesRead = 0;
  }

  /** Byte index inside an operation of `length` bytes where power dies, or -1. */
  private cutPoint(length: number, kind: "write" | "erase"): number {
    if (this.cutNextOperation && (this.cutOnlyOn === null || this.cutOnlyOn === kind)) {
      this.cutNextOperation = false;
      return this.random() % length;
    }
    if (this.cutBudget < 0) return -1;
    if (this.cutBudget < length) {
      const at = this.cutBudget;
      this.cutBudget = -1;
      return at;
    }
    this.cutBudget -= length;
    return -1;
  }

  private cut(record: PowerCutRecord): void {
    this.powered = false;
    this.lastCut = record;
    this.onPowerCut?.(record);
  }

  private checkRange(offset: number, length: number, what: string): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + length > this.bytes.length) {
      throw new FlashViolation(`flash ${what} of ${length} bytes at ${offset} outside the ${this.bytes.length}-byte partition`);
    }
  }

  /** xorshift32: deterministic torn bits. */
  private random(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }
}
