/** `embedded:storage/flash` on `-p lin`: the simulated board's partitions (absolute import: see instance.ts). */
import { linHardware } from "firmware/platform/lin/instance";

/** Preloaded (frozen): the board is found at the first open. */
const FlashStorage = Object.freeze({
  open(o: { path: string; mode?: "r" | "r+" }) {
    return linHardware().flashStorage.open(o);
  },
});
export default FlashStorage;
