/**
 * `embedded:provider/builtin` for `-p lin` (mcsim), where the SDK has none: the ESP32 provider's
 * shape (`device.io.SPI`, `device.io.Digital`, `device.pin`) on the emulated board, plus
 * `device.clock` (virtual Timer/Time) that main.ts uses when present.
 */
import { hardware } from "firmware/platform/lin/instance";

const device = hardware.device;
export default device;
