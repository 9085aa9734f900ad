/**
 * The FirmwareSlots port on the lin board (mcsim): the two OTA application slots and otadata of
 * the emulated board (emulated-board.ts, on a NOR chip of their own with the boot loader of
 * emulation/flash/ota-slots.ts), reached through the board link like the rest of the hardware.
 *
 * - Staging: the slot the firmware does not run from, opened as the ESP32 adapter opens it
 *   (`embedded:storage/flash`, path "nextota") at its first use: raw flash, each block a link
 *   write of its bytes (copied element by element into the shared channel: nothing allocated per
 *   block).
 * - Select, confirm, give up, and how this boot came about: one small request each (`otaControl`).
 * - Restart: the firmware stops as at a power cut (main.ts's `down()`), the board's boot loader
 *   picks the slot, and the firmware boots again (`up()`) from flash.
 */
import type { BootState, FirmwareSlots } from "../../hal/firmware-slots";
import type { Flash } from "../../hal/flash";
import type { FlashIo } from "../moddable/ecma419";
import { Ecma419Flash } from "../moddable/flash";
import type { VirtualClock } from "../../../emulation/virtual-clock";
import { OTA_OP } from "./emulated-board";
import type { BoardLink } from "./link";

/** What the slots use of the firmware side of the board (LinMachine). */
export interface LinSlotsHost {
  readonly link: BoardLink;
  readonly virtual: VirtualClock;
  readonly powered: boolean;
  nowMs(): number;
  /** The firmware stops as at a power cut (main.ts's `down()`), and boots again (`up()`). */
  powerDown(): void;
  powerUp(): void;
}

/** `embedded:storage/flash` as the slots open the staging slot. */
export interface LinFlashOpener {
  open(o: { path: string; mode?: "r" | "r+" }): FlashIo;
}

const BOOT_STATES: readonly BootState[] = Object.freeze(["normal", "trial", "rolled-back"] as BootState[]);

/** Decodes the board's answer to OTA_OP.state (boot state code + 4 x running slot); null: no slots. */
export function decodeOtaState(state: number): { bootState: BootState; runningSlot: number } | null {
  if (state < 0) return null;
  return { bootState: BOOT_STATES[state & 3] ?? "normal", runningSlot: state >> 2 };
}

/** The board's OTA slots for this boot, or undefined when it has none (the staging slot opened as "nextota"). */
export function openLinFirmwareSlots(host: LinSlotsHost, storage: LinFlashOpener): FirmwareSlots | undefined {
  const state = host.link.otaControl(host.nowMs(), OTA_OP.state, 0);
  return state < 0 ? undefined : new LinFirmwareSlots(host, storage, state);
}

export class LinFirmwareSlots implements FirmwareSlots {
  readonly bootState: BootState;
  /** The slot the boot loader started for this boot: 0 ota_0 (the factory image), 1 ota_1. */
  readonly runningSlot: number;

  private opened: Flash | null = null;

  /** `state`: the board's answer to OTA_OP.state at this boot (not negative). */
  constructor(private readonly host: LinSlotsHost, private readonly storage: LinFlashOpener, state: number) {
    const decoded = decodeOtaState(state);
    if (!decoded) throw new Error("no OTA slots on this board");
    this.bootState = decoded.bootState;
    this.runningSlot = decoded.runningSlot;
  }

  /** The slot not running, opened at its first use (as on the ESP32: "nextota"). */
  get staging(): Flash {
    return (this.opened ??= new Ecma419Flash(this.storage.open({ path: "nextota", mode: "r+" })));
  }

  selectStaged(payloadLength: number): void {
    const host = this.host;
    host.link.otaControl(host.nowMs(), OTA_OP.select, payloadLength);
  }

  confirm(): void {
    const host = this.host;
    host.link.otaControl(host.nowMs(), OTA_OP.confirm, 0);
  }

  rollback(): void {
    const host = this.host;
    host.link.otaControl(host.nowMs(), OTA_OP.invalidate, 0);
    this.restart();
  }

  /**
   * After the caller returns (on the ESP32 esp_restart does not return at all): the firmware
   * stops as at a power cut, the board's boot loader runs, and the firmware boots again.
   */
  restart(): void {
    const host = this.host;
    host.virtual.schedule(() => {
      if (!host.powered) return;
      host.powerDown();
      host.link.otaControl(host.nowMs(), OTA_OP.restart, 0);
      host.powerUp();
    }, 0);
  }
}
