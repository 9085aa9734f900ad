import type { Flash } from "./flash";

/** How this start came about, as the boot loader tells it. */
export type BootState = "normal" | "trial" | "rolled-back";

/**
 * The two application slots of an OTA flash layout (ESP-IDF: ota_0, ota_1 and otadata). The meter
 * stages a new image in the slot it does not run from, asks the boot loader to start it once in
 * trial, and confirms it (or rolls back) after the restart. Implementations: the ESP32 through the
 * Moddable SDK (firmware/platform/moddable/firmware-slots.ts), the simulator's emulated partitions
 * (emulation/flash/ota-slots.ts) with torn-write injection.
 */
export interface FirmwareSlots {
  /** The inactive slot as raw NOR flash: the payload goes at offset 0 (where the boot loader looks). */
  readonly staging: Flash;
  /** "trial": first start of a newly selected image (confirm or roll back); "rolled-back": the trial image was given up. */
  readonly bootState: BootState;
  /**
   * Makes the staged payload (`payloadLength` bytes at offset 0 of `staging`) the image to start
   * next, in trial. Throws with a one-line reason when the platform refuses the image; then nothing changed.
   */
  selectStaged(payloadLength: number): void;
  /** Keeps the running trial image for good. */
  confirm(): void;
  /** Gives up the running trial image: the previous one starts again (restarts the MCU). */
  rollback(): void;
  /** Restarts the MCU (the caller saved its state first). */
  restart(): void;
}
