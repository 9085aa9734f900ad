import type { Board } from "../../hal/board";
import type { Crypto } from "../../hal/crypto";
import type { DigitalIn, DigitalOut } from "../../hal/digital";
import type { FirmwareSlots } from "../../hal/firmware-slots";
import type { WifiPort } from "../../hal/wifi";
import { ModdableClock } from "./clock";
import { Ecma419DigitalIn, Ecma419DigitalOut } from "./digital";
import type { DigitalClass, FlashIo, ListenerClass, SpiIo, TcpClass, TimeModule, TimerModule } from "./ecma419";
import { Ecma419Flash } from "./flash";
import { RngRandom, TraceLog } from "./log";
import { isInputOnlyPin, type BoardSettings, type PinMap } from "./settings";
import { Ecma419Spi } from "./spi";
import { Ecma419Network } from "./tcp";
import { Ecma419Wifi, type WifiClass } from "./wifi";

/** `embedded:io/spi` as the board builder uses it. */
export interface SpiClass {
  new (options: { clock: number; in: number; out: number; select: number; active: 0 | 1; hz: number; mode: number; port: number }): SpiIo;
}

/** `embedded:storage/flash` default export. */
export interface FlashStorage {
  open(options: { path: string; mode: "r" | "r+" }): FlashIo;
}

/**
 * Everything the board is built from. main.ts fills it with the real Moddable modules (or, on
 * `-p lin`, with the simulated ones of firmware/platform/lin); tests fill it with fakes.
 */
export interface ModdableIo {
  SPI: SpiClass;
  Digital: DigitalClass;
  Listener: ListenerClass;
  TCP: TcpClass;
  /** Absent: no journal (RAM only). */
  flash?: FlashStorage;
  WiFi?: WifiClass;
  Timer: TimerModule;
  Time: TimeModule;
  /** The system time at boot (Date.now()). */
  systemTimeMs(): number;
  randomBytes(count: number): ArrayBuffer;
  trace(text: string): void;
  crypto?: Crypto;
  /** The TLS socket class (ECMA-419 shaped: the meter's C client, native-tls.ts), when the build has TLS. */
  TLSSocket?: TcpClass;
  /** The OTA slots for this boot (absent, or undefined: the meter cannot update itself). Called at every boot. */
  firmwareSlots?(): FirmwareSlots | undefined;
}

export interface ModdableBoard {
  board: Board;
  /** The station interface, when the build has Wi-Fi. */
  wifi: WifiPort | null;
  /** Why the journal partition could not be opened (the meter then runs RAM only). */
  flashError: string | null;
}

/** SPI mode 3 (CPOL 1, CPHA 1) is what both the ADE7953 and the ATM90E26 use. */
const METERING_SPI_MODE = 3;

/**
 * Builds the Board from ECMA-419 IO on the pins of `settings`: one SPI instance for the metering
 * IC with its own chip select (the Spi port releases it with flush(true) after each register
 * transaction), one Digital instance per pin (a pin belongs to one IO instance), the flash
 * partition opened read-write, TCP, the clock, RNG and trace log.
 */
export function createModdableBoard(io: ModdableIo, settings: BoardSettings): ModdableBoard {
  const pins = settings.pins;
  const log = new TraceLog(io);
  const spi = new io.SPI({
    clock: pins.spiClock,
    in: pins.spiMiso,
    out: pins.spiMosi,
    select: pins.meterCs,
    active: 0,
    hz: settings.spiHz,
    mode: METERING_SPI_MODE,
    port: settings.spiPort,
  });
  const board: Board = {
    clock: new ModdableClock(io.Timer, io.Time, () => io.systemTimeMs()),
    log,
    random: new RngRandom(io),
    meteringSpi: new Ecma419Spi(spi),
    network: new Ecma419Network(io.Listener, io.TCP, io.TLSSocket ? { TLSSocket: io.TLSSocket, certificate: settings.tlsCertificate ? copyBuffer(settings.tlsCertificate) : null } : undefined),
  };
  if (io.crypto) board.crypto = io.crypto;
  const input = (name: keyof PinMap): DigitalIn | undefined => (pins[name] === -1 ? undefined : new Ecma419DigitalIn(io.Digital, pins[name], !isInputOnlyPin(pins[name])));
  const output = (name: keyof PinMap, initial: 0 | 1): DigitalOut | undefined => (pins[name] === -1 ? undefined : new Ecma419DigitalOut(io.Digital, pins[name], initial));
  assign(board, "meteringIrq", input("meterIrq"));
  assign(board, "powerFail", input("powerFail"));
  // Coils off; the HT1621 idles with CS and WR high.
  assign(board, "relaySetCoil", output("relaySet", 0));
  assign(board, "relayResetCoil", output("relayReset", 0));
  assign(board, "relayContact", input("relayContact"));
  assign(board, "lcdCs", output("lcdCs", 1));
  assign(board, "lcdWr", output("lcdWr", 1));
  assign(board, "lcdData", output("lcdData", 0));
  assign(board, "button", input("button"));
  assign(board, "terminalCover", input("terminalCover"));
  assign(board, "meterCover", input("meterCover"));
  assign(board, "magnet", input("magnet"));
  assign(board, "gasPulse", input("gasPulse"));
  assign(board, "waterPulse", input("waterPulse"));

  let flashError: string | null = null;
  if (io.flash) {
    try {
      board.flash = new Ecma419Flash(io.flash.open({ path: settings.flashPartition, mode: "r+" }));
    } catch (e) {
      flashError = `flash partition "${settings.flashPartition}": ${(e as Error).message}`;
      log.error(`${flashError}; the meter keeps its state in RAM only`);
    }
    if (board.flash && settings.profilePartition !== "") {
      try {
        board.profileFlash = new Ecma419Flash(io.flash.open({ path: settings.profilePartition, mode: "r+" }));
      } catch (e) {
        log.warn(`profiles partition "${settings.profilePartition}": ${(e as Error).message}; the profiles share the journal partition (RAM where it is too small)`);
      }
    }
  } else {
    flashError = "no flash storage in this build";
  }
  if (io.firmwareSlots) {
    try {
      const slots = io.firmwareSlots();
      if (slots) assign(board, "firmwareSlots", slots);
    } catch (e) {
      log.error(`OTA slots: ${(e as Error).message}; no firmware update`);
    }
  }
  const wifi = io.WiFi ? new Ecma419Wifi(io.WiFi) : null;
  return { board, wifi, flashError };
}

function assign<K extends keyof Board>(board: Board, key: K, value: Board[K] | undefined): void {
  if (value !== undefined) board[key] = value;
}

/** The bytes in an ArrayBuffer of their own (the SDK's TLS takes a whole buffer). */
function copyBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}
