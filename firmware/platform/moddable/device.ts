import { startMeter } from "../../app/start";
import type { FirmwareSlots } from "../../hal/firmware-slots";
import type { Crypto } from "../../hal/crypto";
import { createModdableBoard, type FlashStorage, type ModdableIo, type SpiClass } from "./board";
import type { DigitalClass, ListenerClass, TcpClass, TimeModule, TimerModule } from "./ecma419";
import type { BoardSettings } from "./settings";
import type { Ecma419Serial } from "./serial";
import type { UdpSntpTransport } from "./sntp-udp";
import type { WifiClass } from "./wifi";

/**
 * The device's IO as one object whose methods live in flash (this module is preloaded): main.ts
 * used to hand over arrow functions, each a closure in the fixed heap. The lin simulator adds
 * its virtual wall clock and OTA slots through `simulator`.
 */
export interface DeviceSimulator {
  clock?: { wallClockMs(): number };
  firmwareSlots?: () => FirmwareSlots | undefined;
}

export interface DeviceModules {
  SPI: SpiClass;
  Digital: DigitalClass;
  Listener: ListenerClass;
  TCP: TcpClass;
  flash?: FlashStorage;
  WiFi?: WifiClass;
  Timer: TimerModule;
  Time: TimeModule;
  TLSSocket?: TcpClass;
  rng: { get(count: number): ArrayBuffer };
  crypto?: Crypto;
}

export class DeviceIo implements ModdableIo {
  readonly SPI: SpiClass;
  readonly Digital: DigitalClass;
  readonly Listener: ListenerClass;
  readonly TCP: TcpClass;
  readonly flash?: FlashStorage;
  readonly WiFi?: WifiClass;
  readonly Timer: TimerModule;
  readonly Time: TimeModule;
  readonly TLSSocket?: TcpClass;
  readonly crypto?: Crypto;
  private readonly rng: { get(count: number): ArrayBuffer };

  constructor(m: DeviceModules, private readonly simulator: DeviceSimulator) {
    this.SPI = m.SPI;
    this.Digital = m.Digital;
    this.Listener = m.Listener;
    this.TCP = m.TCP;
    this.flash = m.flash;
    this.WiFi = m.WiFi;
    this.Timer = m.Timer;
    this.Time = m.Time;
    this.TLSSocket = m.TLSSocket;
    this.crypto = m.crypto;
    this.rng = m.rng;
  }

  systemTimeMs(): number {
    const virtual = this.simulator.clock;
    return virtual ? virtual.wallClockMs() : Date.now();
  }

  randomBytes(count: number): ArrayBuffer {
    return this.rng.get(count);
  }

  trace(text: string): void {
    trace(text);
  }

  firmwareSlots(): FirmwareSlots | undefined {
    const simulator = this.simulator;
    return simulator.firmwareSlots ? simulator.firmwareSlots() : undefined;
  }
}

export interface DeviceExtras {
  sntp: UdpSntpTransport;
  clockTrusted: boolean;
  optical?: { serial: Ecma419Serial; physicalAddress: number };
}

/**
 * Boots the meter, and again after a power cut or a restart: the stopped meter is dropped
 * before the next boot, as a reset empties the ESP32's RAM (two meters at once do not fit the
 * ESP32's creation the lin build runs in). Its `down` and `up` are the power hooks.
 */
export class DeviceRunner {
  private running: ReturnType<typeof startMeter> | null = null;

  constructor(private readonly io: DeviceIo, private readonly settings: BoardSettings, private readonly extras: DeviceExtras) {}

  up(): void {
    this.running = startMeter(createModdableBoard(this.io, this.settings), this.settings, this.extras);
  }

  down(): void {
    this.running?.stop();
    this.running = null;
  }
}
