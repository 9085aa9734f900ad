export { FlashViolation, NorFlashEmulator, type PowerCutRecord } from "./emulator";
