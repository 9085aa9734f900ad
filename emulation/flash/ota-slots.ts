import type { BootState, FirmwareSlots, Flash } from "../../firmware/hal";
import { NorFlashEmulator } from "./emulator";
import { FlashPartition } from "./partition";

/** Slot states in an otadata entry (modelled on ESP-IDF's esp_ota_img_states_t). */
export const OTA_STATE = Object.freeze({ new: 0, pendingVerify: 1, valid: 2, invalid: 3, aborted: 4 });

const ENTRY_LENGTH = 20;

/** Sectors of the OTA chip: otadata (2) and the two slots. */
export function otaChipSectors(slotSectors: number): number {
  return 2 + 2 * slotSectors;
}
const BLANK_SEQ = 0xffffffff;

interface OtaEntry {
  seq: number;
  /** Copies of one selection: a state change writes the next copy into the other sector. */
  gen: number;
  state: number;
  length: number;
  sum: number;
}

/** FNV-1a over bytes: the emulated image check (the real boot loader checks the app image's own checksum). */
function fnv(bytes: Uint8Array, start: number, end: number, h = 0x811c9dc5): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h >>> 0;
}

/**
 * Two OTA application slots and the otadata partition, on their own emulated NOR chip, with a boot
 * loader modelled on ESP-IDF's with rollback enabled: `selectStaged` writes a new otadata entry
 * (state new) for the other slot; the boot loader starts a new entry once in trial (pending
 * verify); a start that finds the trial still unconfirmed gives it up (aborted) and starts the
 * previous slot. Every write (a new selection or a state change) goes into the sector that does
 * not hold the newest entry, and entries carry a check word, so a torn write is ignored and the
 * entry before it wins: one slot or the other always starts, and a slot is only started through
 * an entry whose image checks out.
 *
 * Power cuts and torn writes come from the chip (`chip.armPowerCut...`). "Restart" is the
 * simulator's (`onRestart`). Pure TypeScript; also runs in XS.
 */
export class EmulatedOtaSlots {
  readonly chip: NorFlashEmulator;
  readonly otadata: FlashPartition;
  readonly slots: readonly [FlashPartition, FlashPartition];
  /** The slot the boot loader started (0 at first: the factory image). */
  running = 0;
  bootState: BootState = "normal";
  /** Starts counted per slot (tests). */
  readonly starts = [0, 0];
  /** The simulator restarts the MCU. */
  onRestart: (() => void) | null = null;
  private readonly entryBytes = new Uint8Array(ENTRY_LENGTH);

  /** `bytes`: the chip's storage (the lin board passes shared memory, outside the worker's heap); default a new array. */
  constructor(readonly slotSectors = 64, sectorSize = 4096, bytes?: Uint8Array) {
    this.chip = new NorFlashEmulator(sectorSize, otaChipSectors(slotSectors), 0x0a7a5eed, bytes);
    this.otadata = new FlashPartition(this.chip, "otadata", 0, 2);
    this.slots = [new FlashPartition(this.chip, "ota_0", 2, slotSectors), new FlashPartition(this.chip, "ota_1", 2 + slotSectors, slotSectors)];
  }

  get stagingSlot(): number {
    return 1 - this.running;
  }

  /** The boot loader at power up: picks the slot to start and the boot state. */
  bootLoader(): void {
    const active = this.activeEntry();
    this.bootState = "normal";
    if (!active) {
      this.running = 0;
    } else {
      const { index, entry } = active;
      const slot = (entry.seq - 1) % 2;
      if (entry.state === OTA_STATE.new && this.imageIntact(slot, entry)) {
        this.writeEntry(1 - index, { ...entry, gen: entry.gen + 1, state: OTA_STATE.pendingVerify });
        this.running = slot;
        this.bootState = "trial";
      } else if (entry.state === OTA_STATE.new || entry.state === OTA_STATE.pendingVerify) {
        // A trial that restarted before it confirmed itself, or an image the boot loader rejects.
        this.writeEntry(1 - index, { ...entry, gen: entry.gen + 1, state: OTA_STATE.aborted });
        this.running = 1 - slot;
        this.bootState = "rolled-back";
      } else if (entry.state === OTA_STATE.invalid || entry.state === OTA_STATE.aborted) {
        this.running = 1 - slot;
      } else {
        this.running = slot;
      }
    }
    this.starts[this.running]++;
  }

  /** The firmware's view for one power-on life; `staging` is its handle on the inactive slot. */
  port(staging: Flash): FirmwareSlots {
    return {
      staging,
      bootState: this.bootState,
      selectStaged: (length) => this.selectStaged(length),
      confirm: () => this.setRunningState(OTA_STATE.valid),
      rollback: () => {
        this.setRunningState(OTA_STATE.invalid);
        this.onRestart?.();
      },
      restart: () => this.onRestart?.(),
    };
  }

  /** The newest valid otadata entry and its sector, or null (blank otadata: the factory slot). */
  activeEntry(): { index: number; entry: OtaEntry } | null {
    let best: { index: number; entry: OtaEntry } | null = null;
    for (let i = 0; i < 2; i++) {
      const e = this.readEntry(i);
      if (e && (!best || e.seq > best.entry.seq || (e.seq === best.entry.seq && e.gen > best.entry.gen))) best = { index: i, entry: e };
    }
    return best;
  }

  /** The boot state as a number (the lin board link): 0 normal, 1 trial, 2 rolled back. */
  get bootStateCode(): number {
    return this.bootState === "trial" ? 1 : this.bootState === "rolled-back" ? 2 : 0;
  }

  /** Makes the staged payload the image to start next, in trial (throws when it does not fit). */
  selectStaged(length: number): void {
    const slot = this.stagingSlot;
    const size = this.slots[slot].size;
    if (!Number.isInteger(length) || length <= 0 || length > size - this.chip.sectorSize) throw new Error(`image of ${length} bytes does not fit slot ota_${slot}`);
    const active = this.activeEntry();
    let seq = active ? active.entry.seq + 1 : 1;
    if ((seq - 1) % 2 !== slot) seq++;
    const sum = this.checksum(slot, length);
    this.writeEntry(active ? 1 - active.index : 0, { seq, gen: 0, state: OTA_STATE.new, length, sum });
  }

  /** Marks the running slot's selection (OTA_STATE.valid: confirmed; invalid: given up). */
  setRunningState(state: number): void {
    const active = this.activeEntry();
    if (!active || (active.entry.seq - 1) % 2 !== this.running) return;
    this.writeEntry(1 - active.index, { ...active.entry, gen: active.entry.gen + 1, state });
  }

  private imageIntact(slot: number, entry: OtaEntry): boolean {
    return entry.length > 0 && entry.length <= this.slots[slot].size && this.checksum(slot, entry.length) === entry.sum;
  }

  private checksum(slot: number, length: number): number {
    const part = this.slots[slot];
    const chunk = new Uint8Array(Math.min(4096, length));
    let h = 0x811c9dc5;
    for (let at = 0; at < length; at += chunk.length) {
      const n = Math.min(chunk.length, length - at);
      part.read(at, chunk.subarray(0, n));
      h = fnv(chunk, 0, n, h);
    }
    return h;
  }

  private readEntry(index: number): OtaEntry | null {
    const b = this.entryBytes;
    this.otadata.read(index * this.chip.sectorSize, b);
    const v = new DataView(b.buffer, b.byteOffset, b.length);
    const seq = v.getUint32(0, true);
    if (seq === BLANK_SEQ || seq === 0) return null;
    if (v.getUint32(16, true) !== fnv(b, 0, 16)) return null;
    return { seq, gen: v.getUint16(5, true), state: b[4], length: v.getUint32(8, true), sum: v.getUint32(12, true) };
  }

  private writeEntry(index: number, e: OtaEntry): void {
    const b = new Uint8Array(ENTRY_LENGTH);
    const v = new DataView(b.buffer);
    v.setUint32(0, e.seq, true);
    b[4] = e.state;
    v.setUint16(5, e.gen & 0xffff, true);
    b[7] = 0xff;
    v.setUint32(8, e.length, true);
    v.setUint32(12, e.sum, true);
    v.setUint32(16, fnv(b, 0, 16), true);
    this.otadata.eraseSector(index);
    this.otadata.write(index * this.chip.sectorSize, b);
  }
}
