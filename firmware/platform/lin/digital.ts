/** `embedded:io/digital` on `-p lin`: the simulated board's GPIO (absolute import: see instance.ts). */
import { hardware } from "firmware/platform/lin/instance";

export default hardware.Digital;
