/** `embedded:io/spi` on `-p lin`: the simulated board's SPI (absolute imports: see instance.ts). */
import { LinSpi } from "firmware/platform/lin/hardware";
import { linHardware } from "firmware/platform/lin/instance";

/** Preloaded: the board is found when the first SPI is made. */
export default class SPI extends LinSpi {
  static override get machine() {
    return linHardware().simulation;
  }
}
