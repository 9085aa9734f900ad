/**
 * The ESP32's OTA slots (manifest.json maps the module name firmware/platform/target-slots here
 * for `-p esp32`): the inactive app partition through `embedded:storage/flash` ("nextota") and
 * `embedded:update`, and ESP-IDF's rollback calls through the manifest's "ffi" section (`mc/ffi`,
 * ota.c). NOT RUN ON A BOARD YET (docs/readme/firmware-update.md).
 */
import Flash from "embedded:storage/flash";
import Update from "embedded:update";
import FFI from "mc/ffi";
// Bare module names: on the esp32 this file's module name is firmware/platform/target-slots, so a
// relative specifier would resolve against that name in XS and against the file's folder in tsc.
import type { FirmwareSlots } from "firmware/hal/firmware-slots";
import type { FlashIo } from "firmware/platform/moddable/ecma419";
import { ModdableFirmwareSlots, type OtaNatives, type UpdateModule } from "firmware/platform/moddable/firmware-slots";

function openNextOta(): FlashIo {
  return Flash.open({ path: "nextota", mode: "r+" }) as unknown as FlashIo;
}

export function targetFirmwareSlots(): FirmwareSlots | undefined {
  return new ModdableFirmwareSlots(openNextOta, Update as unknown as UpdateModule, new FFI() as unknown as OtaNatives);
}
