/** `embedded:storage/flash` on `-p lin`: the journal partition, in RAM (absolute import: see instance.ts). */
import { hardware } from "firmware/platform/lin/instance";

export default hardware.flashStorage;
