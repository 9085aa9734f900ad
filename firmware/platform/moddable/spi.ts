import type { Spi } from "../../hal/spi";
import type { SpiIo } from "./ecma419";

/**
 * The Spi port over an ECMA-419 SPI instance created with the chip's `select` pin. The instance
 * keeps chip select asserted until `flush(true)`, which the drivers call after every register
 * transaction. One instance per bus and device.
 */
export class Ecma419Spi implements Spi {
  constructor(private readonly io: SpiIo) {}
  transfer(buffer: Uint8Array): void {
    this.io.transfer(buffer);
  }
  write(buffer: Uint8Array): void {
    this.io.write(buffer);
  }
  read(buffer: Uint8Array): void {
    this.io.read(buffer);
  }
  flush(deselect?: boolean): void {
    this.io.flush(deselect === true);
  }
  transaction(buffer: Uint8Array): void {
    const io = this.io;
    io.transfer(buffer);
    io.flush(true);
  }
}
