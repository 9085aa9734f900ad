/**
 * The emulated hardware's own XS machine on lin (a Moddable worker): instance.ts starts it and
 * posts the shared channel and the flash chip's shared memory; from then on this machine only
 * serves the board link (link.ts), sleeping in Atomics.wait between requests. The firmware's
 * machine thus holds exactly what the ESP32 would, and the emulators' memory is their own.
 */
import { parseScenario } from "../../../emulation/scenario/scenario";
import { REFERENCE_PINS } from "../moddable/settings";
import { DEFAULT_SCENARIO, MCSIM_OTA_SLOT_SECTORS, MCSIM_OUTAGES, outageWindows } from "./default-scenario";
import { EmulatedBoard } from "./emulated-board";
import { serveBoard } from "./link";

/** What instance.ts posts to the worker. */
export interface WorkerStart {
  channel: SharedArrayBuffer;
  flash: SharedArrayBuffer;
  /** The OTA chip's bytes (otaChipSectors(MCSIM_OTA_SLOT_SECTORS) sectors of 4 KiB). */
  ota: SharedArrayBuffer;
}

export default function emulatorWorker(): void {
  self.onmessage = (message: WorkerStart) => {
    const board = new EmulatedBoard({
      // The mcsim scenario has a load and no events: no event type is offered.
      scenario: parseScenario(DEFAULT_SCENARIO, "mcsim scenario", {}),
      pins: REFERENCE_PINS,
      trace: (text) => trace(text),
      flashBytes: new Uint8Array(message.flash),
      outages: outageWindows(MCSIM_OUTAGES),
      otaSlotSectors: MCSIM_OTA_SLOT_SECTORS,
      otaBytes: new Uint8Array(message.ota),
    });
    trace(`mcsim board: ${DEFAULT_SCENARIO.chip} emulator on SPI, latching relay, HT1621 LCD, ${board.flash.size / 1024} KiB flash and two OTA slots of ${(MCSIM_OTA_SLOT_SECTORS * 4) | 0} KiB in shared memory, ${MCSIM_OUTAGES.length} power cuts in the scenario\n`);
    serveBoard(board, message.channel);
  };
}
