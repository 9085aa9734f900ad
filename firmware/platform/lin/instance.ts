/**
 * The one simulated board of an mcsim run, created when first imported (by the provider or by
 * one of the `embedded:io/*` stand-ins). The emulated hardware runs in its own XS machine (the
 * emulator worker), so this machine, the firmware's, holds what the ESP32's would; the two share
 * a channel and the flash chip's memory (SharedArrayBuffer, outside both heaps). The scenario is
 * the embedded default with its power cuts; `simSpeed=<n>` on the mcconfig line runs it n times
 * faster than real time (`max`: as fast as the firmware keeps up), and `simControlPort=<port>`
 * opens the control port (main.ts) that changes speed and runs spans of simulated time.
 *
 * The modules that use it are mapped under "embedded:..." names, so they import it by its
 * absolute name "firmware/platform/lin/instance" (a relative specifier would resolve against
 * "embedded:io/"); tsconfig.json `paths` gives the type checker the same names.
 */
import Timer from "timer";
import Worker from "worker";
import config from "mc/config";
import { parseScenario } from "emulation/scenario/scenario";
import { createLinHardware } from "firmware/platform/lin/hardware";
import { CHANNEL_BYTES, SharedBoardLink } from "firmware/platform/lin/link";
import { DEFAULT_SCENARIO, MCSIM_OTA_SLOT_SECTORS } from "firmware/platform/lin/default-scenario";
import { otaChipSectors } from "emulation/flash/ota-slots";

/** 16 + 64 sectors of 4 KiB: the ESP32's two data partitions (partitions/esp32-devkitc-4mb.csv). */
const FLASH_BYTES = 80 * 4096;

const requested = (config as Record<string, unknown>).simSpeed;
const speed = requested === "max" ? Infinity : Number(requested ?? 1);

const channel = new SharedArrayBuffer(CHANNEL_BYTES);
const flash = new SharedArrayBuffer(FLASH_BYTES);
/** The OTA chip (otadata and two application slots of 256 KiB), also in shared memory. */
const ota = new SharedArrayBuffer(otaChipSectors(MCSIM_OTA_SLOT_SECTORS) * 4096);
/**
 * The emulated board's machine gets a creation of its own, fixed and larger than the firmware's
 * (the emulators are not on the ESP32): the firmware's machine keeps the manifest's lin creation.
 */
const WORKER_CREATION = { static: 0, chunk: { initial: 393_216, incremental: 0 }, heap: { initial: 32_768, incremental: 0 }, stack: 512 };
const worker = new Worker("firmware/platform/lin/emulator-worker", WORKER_CREATION);
worker.postMessage({ channel, flash, ota });

export const hardware = createLinHardware({
  scenario: parseScenario(DEFAULT_SCENARIO, "mcsim scenario", {}),
  timer: Timer,
  trace: (text) => trace(text),
  speed: speed === Infinity || (Number.isFinite(speed) && speed >= 0) ? speed : 1,
  link: new SharedBoardLink(channel),
});

trace(`mcsim: firmware machine; emulated board in a worker machine; time x${speed}\n`);
