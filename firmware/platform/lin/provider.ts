/**
 * `embedded:provider/builtin` for `-p lin` (mcsim), where the SDK has none: the ESP32 provider's
 * shape (`device.io.SPI`, `device.io.Digital`, `device.pin`) on the emulated board, plus
 * `device.clock` (virtual Timer/Time) that main.ts uses when present. Preloaded and frozen: each
 * property is the board's, found at first use (instance.ts).
 */
import type { FirmwareSlots } from "firmware/hal/firmware-slots";
import type { Network } from "firmware/hal/tcp";
import { linHardware } from "firmware/platform/lin/instance";

const device = Object.freeze({
  get io() {
    return linHardware().device.io;
  },
  get pin() {
    return linHardware().device.pin;
  },
  get clock() {
    return linHardware().device.clock;
  },
  get power() {
    return linHardware().device.power;
  },
  firmwareSlots(): FirmwareSlots | undefined {
    return linHardware().device.firmwareSlots();
  },
  serveControl(network: Network, port: number): void {
    linHardware().device.serveControl(network, port);
  },
});
export default device;
