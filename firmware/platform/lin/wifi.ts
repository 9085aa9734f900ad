/** `embedded:network/interface/wifi` on `-p lin`: the host's network as a station interface (absolute imports: see instance.ts). */
import { LinWifi } from "firmware/platform/lin/hardware";
import { linHardware } from "firmware/platform/lin/instance";

/** Preloaded: the board is found when the interface is made. */
export default class WiFi extends LinWifi {
  static override get machine() {
    return linHardware().simulation;
  }
}
