import type { Clock } from "./clock";
import type { Crypto } from "./crypto";
import type { DigitalIn, DigitalOut } from "./digital";
import type { Flash } from "./flash";
import type { FirmwareSlots } from "./firmware-slots";
import type { Log } from "./log";
import type { Random } from "./random";
import type { Spi } from "./spi";
import type { Network } from "./tcp";

/**
 * Everything the meter core touches, as ports. The device build fills it from ECMA-419 IO,
 * the host simulator from the emulators. Optional members are absent when not wired.
 */
export interface Board {
  clock: Clock;
  log: Log;
  random: Random;
  /** AES/GCM engine (native on the device); absent = the portable TypeScript one. */
  crypto?: Crypto;
  /** The metering IC's SPI device (its own chip select). */
  meteringSpi: Spi;
  /** Metering IC interrupt line (active low on the ADE7953, active high on the ATM90E26). */
  meteringIrq?: DigitalIn;
  /** The journal partition: state and event journals (64 KiB on the ESP32). */
  flash?: Flash;
  /** The profiles' partition (load, daily, billing profiles, power failure log); absent: they share `flash`. */
  profileFlash?: Flash;
  network?: Network;
  /** The OTA application slots (firmware update, issue 16); absent: the meter cannot update itself. */
  firmwareSlots?: FirmwareSlots;
  /** Supply comparator: 0 when the mains supply is failing. */
  powerFail?: DigitalIn;
  relaySetCoil?: DigitalOut;
  relayResetCoil?: DigitalOut;
  /** Monostable relay drive (used instead of the two coils). */
  relayOutput?: DigitalOut;
  relayContact?: DigitalIn;
  lcdCs?: DigitalOut;
  lcdWr?: DigitalOut;
  lcdData?: DigitalOut;
  button?: DigitalIn;
  terminalCover?: DigitalIn;
  meterCover?: DigitalIn;
  magnet?: DigitalIn;
  gasPulse?: DigitalIn;
  waterPulse?: DigitalIn;
}
