/**
 * A raw NOR flash partition (ECMA-419 `embedded:storage/flash`).
 * Erasing a sector sets all its bytes to 0xFF; a write can only clear bits (1 -> 0);
 * a write never crosses the end of the partition.
 */
export interface Flash {
  readonly sectorSize: number;
  readonly sectorCount: number;
  read(offset: number, into: Uint8Array): void;
  write(offset: number, data: Uint8Array): void;
  eraseSector(index: number): void;
}
