export { FlashViolation, NorFlashEmulator, type PowerCutRecord } from "./emulator";
export { FlashPartition } from "./partition";
export { EmulatedOtaSlots, OTA_STATE } from "./ota-slots";
