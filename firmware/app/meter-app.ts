/**
 * The composition root: builds every part of the meter from a Board and a configuration by
 * constructor arguments — the metering core (Meter: drivers, metrology, records, monitoring,
 * control, display, persistence), the security and push layer, and the DLMS server when a network
 * is there. Nothing is registered by importing a module; what a part needs is handed to it here.
 */
import type { Board } from "../hal";
import type { Network } from "../hal/tcp";
import type { DlmsServer } from "../comms/dlms/server";
import type { DlmsConfig } from "../comms/dlms/dlms-config";
import type { MeterConfig } from "./config";
import { Meter } from "./meter";
import { openMeterDlms, type MeterDlmsOptions } from "./meter-server";
import { SecurityAndPush } from "./security-push";
import { FirmwareUpdate } from "./firmware-update";

export class MeterApp {
  readonly meter: Meter;
  /** Management association, ciphering, key transfer, authentication back-off and push (issue 8). */
  readonly security: SecurityAndPush;
  /** Signed firmware update over DLMS (issue 16), when the board has OTA slots. */
  readonly firmwareUpdate: FirmwareUpdate | null;
  /** The DLMS server once `openDlms` opened the port. */
  dlms: DlmsServer | null = null;

  constructor(readonly board: Board, readonly config: MeterConfig) {
    // A copy: the running firmware's identifier comes from the update record (the caller's config stays as built).
    this.meter = new Meter(board, { ...config });
    this.security = new SecurityAndPush(this.meter);
    this.firmwareUpdate = board.firmwareSlots ? new FirmwareUpdate(this.meter, board.firmwareSlots) : null;
  }

  /** Power up: state back from flash, the IC initialised, the tick running; a new firmware confirms itself. */
  start(): void {
    this.meter.start();
    this.firmwareUpdate?.start();
  }

  /**
   * Opens the DLMS port on `network` with the management association; null (and logged) when the
   * configuration refuses default secrets that are still in use.
   */
  openDlms(network: Network, config: DlmsConfig = this.config.dlms, options: Omit<MeterDlmsOptions, "security"> = {}): DlmsServer | null {
    this.dlms?.close();
    this.dlms = openMeterDlms(this.meter, network, config, { ...options, security: this.security, firmwareUpdate: this.firmwareUpdate ?? undefined });
    return this.dlms;
  }

  /** Shutdown: the DLMS port and its connections, the push, every timer of the meter. */
  stop(): void {
    this.dlms?.close();
    this.dlms = null;
    this.security.stop();
    this.firmwareUpdate?.stop();
    this.meter.stop();
  }
}
