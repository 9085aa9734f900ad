/**
 * The one simulated board of an mcsim run, created when first asked for (`linHardware()`, by the
 * provider or one of the `embedded:io/*` stand-ins, when main() first uses them): nothing runs
 * when the module loads, so this module and the stand-ins are preloaded like the rest of the
 * firmware (their code in flash, not in the firmware machine's heap, as the SDK's own modules
 * are on the ESP32). The emulated hardware runs in its own XS machine (the
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
import Debug from "debug";
import Instrumentation from "instrumentation";
import config from "mc/config";
import { parseScenario } from "emulation/scenario/scenario";
import { createLinHardware, type LinHardware } from "firmware/platform/lin/hardware";
import { CHANNEL_BYTES, SharedBoardLink } from "firmware/platform/lin/link";
import { DEFAULT_SCENARIO, MCSIM_OTA_SLOT_SECTORS } from "firmware/platform/lin/default-scenario";
import { otaChipSectors } from "emulation/flash/ota-slots";

/** 16 + 64 sectors of 4 KiB: the ESP32's two data partitions (partitions/esp32-devkitc-4mb.csv). */
const FLASH_BYTES = 80 * 4096;

/**
 * The emulated board's machine gets a creation of its own, fixed and larger than the firmware's
 * (the emulators are not on the ESP32): the firmware's machine keeps the manifest's lin creation.
 */
const WORKER_CREATION = Object.freeze({ static: 0, chunk: Object.freeze({ initial: 393_216, incremental: 0 }), heap: Object.freeze({ initial: 32_768, incremental: 0 }), stack: 512 });

/** Bytes of a slot on the lin build's 64-bit machine (16 on the ESP32's 32-bit one). */
const SLOT_BYTES = 32;

/**
 * The control port's `heap`: a full collection, then what the firmware machine keeps alive. The
 * SDK's instrumentation exists in debug (-d) and instrumented (-i) builds only.
 */
function heap(): string {
  Debug.gc();
  const slots = Instrumentation.get(Instrumentation.map("XS Slot Heap Used"));
  const chunk = Instrumentation.get(Instrumentation.map("XS Chunk Heap Used"));
  if (slots === undefined || chunk === undefined) return "error: this build has no instrumentation (build with -d or -i)";
  return `slots=${slots / SLOT_BYTES} chunk=${chunk}`;
}

/** Made by the first linHardware() (module variables of a preloaded module: written in RAM). */
let built: LinHardware | null = null;
/** Kept: a collected Worker would end the emulated board. */
let emulator: Worker | null = null;

/** The simulated board, made on first use: the emulator worker, the shared memories and the stand-ins' machine. */
export function linHardware(): LinHardware {
  if (built !== null) return built;
  const requested = (config as Record<string, unknown>).simSpeed;
  const speed = requested === "max" ? Infinity : Number(requested ?? 1);
  const channel = new SharedArrayBuffer(CHANNEL_BYTES);
  const flash = new SharedArrayBuffer(FLASH_BYTES);
  // The OTA chip (otadata and two application slots of 256 KiB), also in shared memory.
  const ota = new SharedArrayBuffer(otaChipSectors(MCSIM_OTA_SLOT_SECTORS) * 4096);
  emulator = new Worker("firmware/platform/lin/emulator-worker", WORKER_CREATION);
  emulator.postMessage({ channel, flash, ota });
  built = createLinHardware({
    scenario: parseScenario(DEFAULT_SCENARIO, "mcsim scenario", {}),
    timer: Timer,
    trace: (text) => trace(text),
    speed: speed === Infinity || (Number.isFinite(speed) && speed >= 0) ? speed : 1,
    link: new SharedBoardLink(channel),
    heap,
  });
  trace(`mcsim: firmware machine; emulated board in a worker machine; time x${speed}\n`);
  return built;
}
