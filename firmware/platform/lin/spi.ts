/** `embedded:io/spi` on `-p lin`: the simulated board's SPI (absolute import: see instance.ts). */
import { hardware } from "firmware/platform/lin/instance";

export default hardware.SPI;
