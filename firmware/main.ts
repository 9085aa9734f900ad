/**
 * Moddable entry (creation.main = "firmware/main"). Thin on purpose: it gathers the SDK modules,
 * reads mc/config and hands over to firmware/platform/moddable (board.ts builds the Board from
 * ECMA-419 IO, start.ts starts the meter, DLMS, Wi-Fi and SNTP), which the tests run on fakes.
 *
 * The same file serves both targets. On `-p esp32` every import below is the SDK's. On `-p lin`
 * (mcsim) the manifest maps `embedded:io/spi`, `embedded:io/digital`, `embedded:storage/flash` and
 * `embedded:network/interface/wifi` to firmware/platform/lin, whose provider backs them with the
 * emulators, and the provider also supplies a virtual Timer/Time (`device.clock`) so the scenario
 * can run faster than real time.
 */
import SPI from "embedded:io/spi";
import Digital from "embedded:io/digital";
import Listener from "embedded:io/socket/listener";
import TCP from "embedded:io/socket/tcp";
import UDP from "embedded:io/socket/udp";
import FlashStorage from "embedded:storage/flash";
import Serial from "embedded:io/serial";
import WiFi from "embedded:network/interface/wifi";
import device from "embedded:provider/builtin";
import Timer from "timer";
import Time from "time";
import RNG from "rng";
import FFI from "mc/ffi";
import config from "mc/config";
import { DeviceIo, DeviceRunner } from "./platform/moddable/device";
import { ModdableCrypto } from "./platform/moddable/crypto";
import { NativeTlsHost, nativeTlsClass } from "./platform/moddable/native-tls";
import type { DigitalClass, ListenerClass, TcpClass, TimeModule, TimerModule } from "./platform/moddable/ecma419";
import { readSettings } from "./platform/moddable/settings";
import { UdpSntpTransport, type UdpClass } from "./platform/moddable/sntp-udp";
import type { WifiClass } from "./platform/moddable/wifi";
import { Ecma419Network } from "./platform/moddable/tcp";
import { Ecma419Serial, type SerialClass } from "./platform/moddable/serial";
import { serial7E1 } from "./hal/serial";
import type { FirmwareSlots } from "./hal/firmware-slots";
import { targetFirmwareSlots } from "./platform/target-slots";

/**
 * What a provider may add besides `io` and `pin` (the lin provider only): virtual time, the
 * simulated supply (stop the meter at a power cut, boot it again when the supply returns, as a
 * reset does on the ESP32; a restart after a firmware update does the same), the emulated OTA
 * slots and the simulator's control port.
 *
 * The ESP32's own OTA slots come from platform/target-slots, which the esp32 build maps to
 * platform/moddable/esp32/target-slots (the lin default has none: its provider brings them).
 */
interface SimulatorExtension {
  clock?: { Timer: TimerModule; Time: TimeModule; wallClockMs(): number };
  power?: { attach(hooks: { down(): void; up(): void }): void };
  firmwareSlots?: () => FirmwareSlots | undefined;
  serveControl?: (network: Ecma419Network, port: number) => void;
}

export default function main(): void {
  const settings = readSettings(config as Record<string, string | number | boolean | undefined>);
  const simulator = device as unknown as SimulatorExtension;
  const virtual = simulator.clock;
  const io = new DeviceIo(
    {
      SPI,
      Digital: Digital as unknown as DigitalClass,
      Listener: Listener as unknown as ListenerClass,
      TCP: TCP as unknown as TcpClass,
      flash: FlashStorage,
      WiFi: WiFi as unknown as WifiClass,
      Timer: virtual?.Timer ?? Timer,
      Time: virtual?.Time ?? Time,
      // TLS through the meter's C client (platform/moddable/tls/tls.c), polled on the board's timers.
      TLSSocket: nativeTlsClass(new NativeTlsHost(FFI as unknown as new () => unknown, virtual?.Timer ?? Timer)),
      rng: RNG,
      crypto: settings.crypto === "native" ? new ModdableCrypto() : undefined,
    },
    simulator.firmwareSlots ? simulator : { firmwareSlots: targetFirmwareSlots },
  );
  const optical = settings.optical;
  const runner = new DeviceRunner(io, settings, {
    sntp: new UdpSntpTransport(UDP as unknown as UdpClass),
    clockTrusted: virtual !== undefined,
    // The optical head's UART opens at 300 baud 7E1 for the mode E sign-on.
    optical: optical ? { serial: new Ecma419Serial(Serial as unknown as SerialClass, optical, serial7E1(300)), physicalAddress: optical.physicalAddress } : undefined,
  });
  runner.up();
  simulator.power?.attach(runner);
  const controlPort = Number((config as Record<string, unknown>).simControlPort ?? 0);
  if (simulator.serveControl && controlPort > 0) simulator.serveControl(new Ecma419Network(io.Listener, io.TCP), controlPort);
}
