import type { FirmwareSlots } from "../hal/firmware-slots";

/**
 * The board's own OTA slots, for builds whose board has them natively. This default (lin, where
 * the simulated board's provider supplies the emulated slots instead) has none; the esp32 build
 * maps this module name to moddable/esp32/target-slots.ts (manifest.json, platforms.esp32).
 */
export function targetFirmwareSlots(): FirmwareSlots | undefined {
  return undefined;
}
