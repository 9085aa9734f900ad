/**
 * The FirmwareSlots port on the ESP32 through the Moddable SDK (docs/readme/firmware-update.md).
 * NOT RUN ON A BOARD YET: written from the SDK's sources (modules/io/update/esp32, ESP-IDF's
 * esp_ota_ops); tested here on fakes, its graph linked by xsl, its C checked against ESP-IDF's
 * headers only (no ESP-IDF toolchain on the build machines).
 *
 * - Staging: the inactive app partition ("nextota" of `embedded:storage/flash`) as raw flash, so
 *   blocks land in any order and survive a power cut (the SDK's OTA session would not: its
 *   esp_ota_begin erases, and the session lives in RAM).
 * - Selecting the staged image: `embedded:update` in scatter mode ("w") with a byteLength of one
 *   sector erases only sector 0; the adapter first reads that sector (4 KiB, the one RAM buffer of
 *   the update) and writes it back, then `complete()` has ESP-IDF check the whole image in the
 *   partition and set it as the boot partition. A cut in between leaves the boot partition as it
 *   was (the old image starts; the staged one then fails its hash and is sent again).
 * - Confirm, rollback, restart, and whether this start is a trial: ESP-IDF calls the SDK has no
 *   module for, reached through the manifest's "ffi" section (`OtaNatives`, esp32/ota.c); the
 *   build enables CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE (partitions/sdkconfig.defaults) for the
 *   boot loader's part of the rollback, and `ota.autosplit` makes ota_0, ota_1 and otadata of the
 *   factory app partition.
 */
import type { BootState, FirmwareSlots } from "../../hal/firmware-slots";
import type { Flash } from "../../hal/flash";
import type { FlashIo } from "./ecma419";
import { Ecma419Flash } from "./flash";

/** `embedded:update` (modules/io/update): an OTA writer on an app partition. */
export interface UpdateModule {
  open(options: { partition: FlashIo; mode: "w"; byteLength: number }): { write(buffer: Uint8Array, byteOffset: number): void; complete(): void; close(): void };
}

/**
 * ESP-IDF's rollback calls, as the manifest's "ffi" section binds them (platforms.esp32; `mc/ffi`
 * has one method per function, named as in C). Only the first is ours (esp32/ota.c).
 */
export interface OtaNatives {
  /** 1: the running image is on trial (esp_ota_get_state_partition(running) == ESP_OTA_IMG_PENDING_VERIFY). */
  meter_ota_pending_verify(): number;
  esp_ota_mark_app_valid_cancel_rollback(): number;
  /** Restarts into the previous image; returns (an error) only when there is none. */
  esp_ota_mark_app_invalid_rollback_and_reboot(): number;
  esp_restart(): void;
}

export class ModdableFirmwareSlots implements FirmwareSlots {
  readonly staging: Flash;
  readonly bootState: BootState;

  constructor(private readonly openPartition: () => FlashIo, private readonly update: UpdateModule, private readonly natives: OtaNatives) {
    this.staging = new Ecma419Flash(openPartition());
    // "rolled-back" is never reported here: after the boot loader gave up a trial image the old
    // one starts as "normal", and the update record (saved with trial set before the switch)
    // tells the meter that the trial did not last (firmware/app/firmware-update.ts start()).
    this.bootState = natives.meter_ota_pending_verify() === 1 ? "trial" : "normal";
  }

  selectStaged(payloadLength: number): void {
    const sector = this.staging.sectorSize;
    if (payloadLength <= 0 || payloadLength > sector * (this.staging.sectorCount - 1)) throw new Error(`image of ${payloadLength} bytes does not fit the OTA partition`);
    const first = new Uint8Array(sector);
    this.staging.read(0, first);
    const writer = this.update.open({ partition: this.openPartition(), mode: "w", byteLength: sector });
    try {
      writer.write(first, 0);
      writer.complete();
    } finally {
      writer.close();
    }
  }

  confirm(): void {
    const err = this.natives.esp_ota_mark_app_valid_cancel_rollback();
    if (err !== 0) throw new Error(`esp_ota_mark_app_valid_cancel_rollback: error ${err}`);
  }

  rollback(): void {
    this.natives.esp_ota_mark_app_invalid_rollback_and_reboot();
    // Returns only when there is no other image to go back to.
    this.natives.esp_restart();
  }

  restart(): void {
    this.natives.esp_restart();
  }
}
