import { devImagePublicKey } from "./dev-key";
import type { ImageTarget } from "./image-format";

/** Firmware update settings (part of MeterConfig; docs/readme/firmware-update.md). */
export interface FirmwareUpdateConfig {
  /** The manufacturer's image-signing public key provisioned on first start (uncompressed P-256, 65 bytes). */
  publicKey: Uint8Array;
  /** This meter's board and chip: images for another target are refused. */
  target: ImageTarget;
  /** image_block_size, bytes. */
  blockSize: number;
  /** Image bytes hashed per verification step (the rest on a 50 ms timer; ~230,000 computrons per KiB in XS). */
  verifyChunkBytes: number;
  /** A new image confirms itself once it has run this long with a working metering IC. */
  confirmAfterMs: number;
  /** Not confirmed by then: back to the previous image. */
  rollbackAfterMs: number;
  /** Delay between the activation's answer and the restart (the answer must leave first). */
  restartDelayMs: number;
}

/** The simulator's target; a device build names its own (platform settings). */
export const SIMULATOR_TARGET: ImageTarget = Object.freeze({ board: "host-sim", chip: "emulated" });

export function defaultFirmwareUpdateConfig(): FirmwareUpdateConfig {
  return {
    publicKey: devImagePublicKey(),
    target: { ...SIMULATOR_TARGET },
    blockSize: 200,
    verifyChunkBytes: 1024,
    confirmAfterMs: 60_000,
    rollbackAfterMs: 600_000,
    restartDelayMs: 1000,
  };
}
