import type { Flash } from "../../firmware/hal";
import { FlashViolation, type NorFlashEmulator } from "./emulator";

/**
 * One partition of a flash chip, as ESP-IDF hands it to `embedded:storage/flash`: offsets are
 * relative to the partition, nothing outside it can be reached. Power cuts, erase counts and NOR
 * semantics are the chip's, so a cut inside one partition stops the others too.
 */
export class FlashPartition implements Flash {
  readonly sectorSize: number;
  private readonly base: number;

  constructor(readonly chip: NorFlashEmulator, readonly label: string, readonly firstSector: number, readonly sectorCount: number) {
    if (!Number.isInteger(firstSector) || !Number.isInteger(sectorCount) || firstSector < 0 || sectorCount < 1 || firstSector + sectorCount > chip.sectorCount) {
      throw new RangeError(`partition ${label}: sectors ${firstSector}..${firstSector + sectorCount - 1} outside the chip's ${chip.sectorCount}`);
    }
    this.sectorSize = chip.sectorSize;
    this.base = firstSector * chip.sectorSize;
  }

  get size(): number {
    return this.sectorCount * this.sectorSize;
  }

  /** Erase counts of this partition's sectors (a live view of the chip's). */
  get eraseCounts(): Uint32Array {
    return this.chip.eraseCounts.subarray(this.firstSector, this.firstSector + this.sectorCount);
  }

  read(offset: number, into: Uint8Array): void {
    this.check(offset, into.length, "read");
    this.chip.read(this.base + offset, into);
  }

  write(offset: number, data: Uint8Array): void {
    this.check(offset, data.length, "write");
    this.chip.write(this.base + offset, data);
  }

  eraseSector(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.sectorCount) throw new FlashViolation(`partition ${this.label}: erase of sector ${index} outside 0..${this.sectorCount - 1}`);
    this.chip.eraseSector(this.firstSector + index);
  }

  private check(offset: number, length: number, what: string): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + length > this.size) {
      throw new FlashViolation(`partition ${this.label}: ${what} of ${length} bytes at ${offset} outside its ${this.size} bytes`);
    }
  }
}
