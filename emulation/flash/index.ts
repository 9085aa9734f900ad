export { FlashViolation, NorFlashEmulator, type PowerCutRecord } from "./emulator";
export { FlashPartition } from "./partition";
