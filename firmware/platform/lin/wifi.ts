/** `embedded:network/interface/wifi` on `-p lin`: the host's network as a station interface (absolute import: see instance.ts). */
import { hardware } from "firmware/platform/lin/instance";

export default hardware.WiFi;
