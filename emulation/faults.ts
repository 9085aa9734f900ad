import type { SpiSlave } from "./line";

/**
 * Fault injection shared by the metering-IC emulators (used by tests and by the `spi-fault` and
 * `chip-reset` scenario events). Bus faults act on what the host receives (MISO) or on whether
 * the chip acts on a write; the chip itself still receives every frame, so a read-with-reset
 * register read during a fault IS cleared by the chip: the worst case for the driver.
 *
 * - shifted:      wrong SPI mode: every byte the host receives is the chip's bit stream one bit
 *                 late (`(previous << 7 | current >> 1) & 0xff`), as with a wrong clock phase.
 * - dead-low:     MISO stuck low: the host reads 0x00 everywhere.
 * - dead-high:    MISO floating/pulled up: the host reads 0xFF everywhere.
 * - drop-write:   write frames are lost (chip select glitch): the chip ignores them.
 * - corrupt-read: the next read frame has one data bit flipped on MISO (one read only).
 */
export type SpiFaultKind = "shifted" | "dead-low" | "dead-high" | "drop-write" | "corrupt-read";
export const SPI_FAULT_KINDS: readonly SpiFaultKind[] = ["shifted", "dead-low", "dead-high", "drop-write", "corrupt-read"];

export interface FaultInjectable {
  /** Starts a bus fault (corrupt-read arms one corrupted read). */
  injectFault(kind: SpiFaultKind): void;
  /** Ends a bus fault (all of them without argument). */
  clearFault(kind?: SpiFaultKind): void;
  /** Chip reset as by a brown-out or its reset pin: every register to its default. */
  injectReset(): void;
  /** Resets so far (power-up counts as one). */
  readonly resets: number;
}

/** An emulated metering IC as the simulator sees it: SPI slave, fault target, interrupt source. */
export interface EmulatedMeteringIc extends SpiSlave, FaultInjectable {
  readonly chip: "ade7953" | "atm90e26";
  /** Current level of the chip's IRQ output pin. */
  readonly irqLevel: number;
  /** Called with the new level whenever the IRQ pin changes (the simulator wires a SimInput). */
  onIrqChange: ((level: number) => void) | null;
}

/**
 * Bus-fault state both emulators can use: call `frameStart()` on chip select, pass every MISO
 * byte through `miso()`, and ask `dropWrites` before committing a write.
 */
export class SpiFaultState {
  shifted = false;
  deadLow = false;
  deadHigh = false;
  dropWrites = false;
  private corruptPending = false;
  private previous = 0;
  /** Faults that actually changed a byte or dropped a frame (for tests and the report). */
  hits = 0;

  inject(kind: SpiFaultKind): void {
    this.set(kind, true);
  }

  clear(kind?: SpiFaultKind): void {
    if (kind === undefined) {
      this.shifted = this.deadLow = this.deadHigh = this.dropWrites = this.corruptPending = false;
      return;
    }
    this.set(kind, false);
  }

  private set(kind: SpiFaultKind, on: boolean): void {
    switch (kind) {
      case "shifted": this.shifted = on; break;
      case "dead-low": this.deadLow = on; break;
      case "dead-high": this.deadHigh = on; break;
      case "drop-write": this.dropWrites = on; break;
      case "corrupt-read": this.corruptPending = on; break;
    }
  }

  get active(): boolean {
    return this.shifted || this.deadLow || this.deadHigh || this.dropWrites || this.corruptPending;
  }

  frameStart(): void {
    this.previous = 0;
  }

  /**
   * The byte the host receives for `byte` sent by the chip. `dataIndex` is the index of the byte
   * within a read frame's data (-1 for header bytes); a corrupt-read flips one bit of data byte 0.
   */
  miso(byte: number, dataIndex: number): number {
    let out = byte;
    if (this.shifted) {
      out = ((this.previous << 7) | (byte >> 1)) & 0xff;
      this.previous = byte;
    }
    if (this.corruptPending && dataIndex === 0) {
      out ^= 0x10;
      this.corruptPending = false;
      this.hits++;
    }
    if (this.deadLow) out = 0x00;
    else if (this.deadHigh) out = 0xff;
    if (out !== byte) this.hits++;
    return out;
  }

  /** True when a write frame must be lost. */
  dropWrite(): boolean {
    if (this.dropWrites) this.hits++;
    return this.dropWrites;
  }
}
