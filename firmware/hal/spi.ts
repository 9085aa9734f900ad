/**
 * SPI bus port, shaped after ECMA-419 `embedded:io/spi`.
 * Chip select stays asserted across calls until `flush(true)`: a driver performs one
 * register transaction as write/transfer calls followed by `flush(true)`.
 */
export interface Spi {
  /** Full duplex in place: the bytes of `buffer` go out, the bytes received replace them. */
  transfer(buffer: Uint8Array): void;
  /** Write only (received bytes are discarded). */
  write(buffer: Uint8Array): void;
  /** Read into `buffer` while clocking out zeros. */
  read(buffer: Uint8Array): void;
  /** Complete pending transfers; with `deselect` true, release chip select (ends the frame). */
  flush(deselect?: boolean): void;
  /**
   * One whole chip-select frame: `transfer(buffer)` then `flush(true)`, in one port call (the
   * drivers' register reads; the port makes the same two bus calls, the driver one call fewer).
   */
  transaction(buffer: Uint8Array): void;
}
