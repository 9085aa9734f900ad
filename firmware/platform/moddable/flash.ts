import type { Flash } from "../../hal/flash";
import type { FlashIo } from "./ecma419";

/** The Flash port on an `embedded:storage/flash` partition opened read-write. */
export class Ecma419Flash implements Flash {
  readonly sectorSize: number;
  readonly sectorCount: number;

  constructor(private readonly io: FlashIo) {
    const status = io.status();
    this.sectorSize = status.blockLength;
    this.sectorCount = status.blocks;
  }

  read(offset: number, into: Uint8Array): void {
    this.io.read(into, offset);
  }

  write(offset: number, data: Uint8Array): void {
    if (offset < 0 || offset + data.length > this.sectorSize * this.sectorCount) throw new RangeError(`flash write ${offset}+${data.length} outside the partition`);
    this.io.write(data, offset);
  }

  eraseSector(index: number): void {
    if (index < 0 || index >= this.sectorCount) throw new RangeError(`sector ${index} outside 0..${this.sectorCount - 1}`);
    this.io.eraseBlock(index);
  }
}
