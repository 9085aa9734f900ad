/**
 * The one simulated board of an mcsim run, created when first imported (by the provider or by
 * one of the `embedded:io/*` stand-ins). The scenario is the embedded default; `simSpeed=<n>` on
 * the mcconfig line runs it n times faster than real time.
 *
 * The modules that use it are mapped under "embedded:..." names, so they import it by its
 * absolute name "firmware/platform/lin/instance" (a relative specifier would resolve against
 * "embedded:io/"); tsconfig.json `paths` gives the type checker the same names.
 */
import Timer from "timer";
import config from "mc/config";
import { parseScenario } from "emulation/scenario/scenario";
import { createLinHardware } from "firmware/platform/lin/hardware";
import { DEFAULT_SCENARIO } from "firmware/platform/lin/default-scenario";

const requested = Number((config as Record<string, unknown>).simSpeed ?? 1);
const speed = Number.isFinite(requested) && requested > 0 ? requested : 1;

export const hardware = createLinHardware({
  // The mcsim scenario has a load and no events: no event type is offered.
  scenario: parseScenario(DEFAULT_SCENARIO, "mcsim scenario", {}),
  timer: Timer,
  trace: (text) => trace(text),
  speed,
});

trace(`mcsim: ${DEFAULT_SCENARIO.chip} emulator on SPI, latching relay, HT1621 LCD, ${hardware.flash.size / 1024} KiB flash in RAM; time x${speed}\n`);
