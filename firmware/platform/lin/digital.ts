/** `embedded:io/digital` on `-p lin`: the simulated board's GPIO (absolute imports: see instance.ts). */
import { LinDigital } from "firmware/platform/lin/hardware";
import { linHardware } from "firmware/platform/lin/instance";

/** Preloaded: the board is found when the first pin is opened. */
export default class Digital extends LinDigital {
  static override get machine() {
    return linHardware().simulation;
  }
}
