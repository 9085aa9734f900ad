/**
 * The start-up policy: configuration from the settings, the meter (app/meter-app.ts), the DLMS
 * server (refused while secrets are defaults, unless the build allows them), Wi-Fi supervision
 * with the signal bars on the LCD, and SNTP time sync while online. Ports only (no Moddable
 * module): platform/moddable builds the Board and the settings and calls `startMeter`, and the
 * system test runs exactly this on fakes.
 */
import type { Board } from "../hal";
import type { WifiPort } from "../hal/wifi";
import type { DlmsServer } from "../comms/dlms/server";
import { TimeSync, type SntpTransport } from "../comms/net/time-sync";
import { WIFI_CONNECTED, WifiSupervisor } from "../comms/net/wifi-supervisor";
import { bootMeterConfig, type MeterConfig } from "./config";
import type { TimerId } from "../hal/clock";
import type { Meter } from "./meter";
import { MeterApp } from "./meter-app";
import type { MqttConfig } from "../comms/mqtt/config";
import type { ImageTarget } from "../update/image-format";
import type { SerialPort } from "../hal/serial";
import { OpticalPort } from "../comms/hdlc/optical-port";
import { meterIdentity } from "../comms/hdlc/mode-e";

/** The built board: the ports, and the station interface when the build has Wi-Fi. */
interface StartBoard {
  board: Board;
  wifi: WifiPort | null;
}

/** What the start-up policy reads from the build's settings (platform/moddable/settings.ts has them all). */
export interface StartSettings {
  chip: "ade7953" | "atm90e26";
  dlmsPort: number;
  ssid: string;
  password: string;
  /** SNTP server, numeric IPv4 (Moddable's sockets take no host names); "" = no SNTP. */
  sntp: string;
  readerPassword: string | undefined;
  /** Management keys to provision on first start (16 bytes each), when given. */
  encryptionKey: Uint8Array | undefined;
  authenticationKey: Uint8Array | undefined;
  masterKey: Uint8Array | undefined;
  /** True only on the simulator build: the shipped default secrets may serve DLMS. */
  allowDefaultSecrets: boolean;
  utcOffsetMinutes: number | undefined;
  dst: "eu" | "none" | undefined;
  serialNumber: string | undefined;
  /** The consumer interface (MQTT); absent: off. */
  mqtt?: MqttConfig;
  /** The board and chip firmware images must name (absent: the simulator's host-sim/emulated). */
  imageTarget?: ImageTarget;
  /** The image-signing public key provisioned on first start (absent: the development key, a default secret). */
  imagePublicKey?: Uint8Array;
}

/** Wall-clock readings before this are an unset system clock (the ESP32 boots at 1970). */
const EARLIEST_PLAUSIBLE_UTC_MS = Date.UTC(2024, 0, 1);

/** How often the signal bars follow the RSSI while connected. */
const SIGNAL_REFRESH_MS = 10_000;

interface StartOptions {
  /** The SNTP transport (absent: no SNTP in this build). */
  sntp?: SntpTransport;
  /** The platform's wall clock is right at boot (the simulator's scenario time). */
  clockTrusted: boolean;
  /** The optical head's UART and the meter's HDLC physical address (absent: no optical port). */
  optical?: { serial: SerialPort & { close?(): void }; physicalAddress: number };
}

export interface RunningMeter {
  app: MeterApp;
  meter: Meter;
  dlms: DlmsServer | null;
  wifi: WifiSupervisor | null;
  timeSync: TimeSync | null;
  /** The optical port (mode E, then DLMS over HDLC) on the same DLMS server, when the build has one. */
  optical: OpticalPort | null;
  /** Stops every timer the runtime started (tests). */
  stop(): void;
}

/** The meter configuration the settings select (chip, DLMS, provisioned keys, time zone). */
export function meterConfigFor(settings: StartSettings): MeterConfig {
  const config = bootMeterConfig();
  config.chip = settings.chip;
  if (settings.utcOffsetMinutes !== undefined) config.utcOffsetMinutes = settings.utcOffsetMinutes;
  if (settings.dst !== undefined) config.dst = settings.dst;
  if (settings.serialNumber !== undefined) config.serialNumber = settings.serialNumber;
  config.dlms = {
    ...config.dlms,
    port: settings.dlmsPort,
    readerPassword: settings.readerPassword ?? config.dlms.readerPassword,
    refuseDefaultSecrets: !settings.allowDefaultSecrets,
  };
  const keys = config.security.initialKeys;
  config.security = {
    ...config.security,
    initialKeys: {
      encryptionKey: settings.encryptionKey ?? keys.encryptionKey,
      authenticationKey: settings.authenticationKey ?? keys.authenticationKey,
      masterKey: settings.masterKey ?? keys.masterKey,
    },
  };
  if (settings.mqtt) config.mqtt = settings.mqtt;
  if (settings.imageTarget) config.update = { ...config.update, target: { ...settings.imageTarget } };
  if (settings.imagePublicKey) config.update = { ...config.update, publicKey: settings.imagePublicKey.slice() };
  return config;
}

/** LCD bars (Display.signalBars): -1 no Wi-Fi configured, 0 offline, 1..3 from RSSI. */
export function lcdSignalBars(configured: boolean, connected: boolean, rssi: number | undefined): number {
  if (!configured) return -1;
  if (!connected || rssi === undefined) return 0;
  return rssi >= -60 ? 3 : rssi >= -70 ? 2 : 1;
}

export function startMeter(built: StartBoard, settings: StartSettings, options: StartOptions): RunningMeter {
  const { board, wifi } = built;
  const app = new MeterApp(board, meterConfigFor(settings));
  const meter = app.meter;
  app.start();
  if (!options.clockTrusted && meter.clock.nowUtcMs() < EARLIEST_PLAUSIBLE_UTC_MS && !meter.clock.invalid) {
    // No RTC kept the time across the power loss: invalid until SNTP or a DLMS clock write.
    // (Already invalid: the restore found the clock behind the last save, or it never was set.)
    meter.clock.markInvalidAfterPowerLoss();
    meter.display.refresh();
    board.log.warn("clock invalid until set by SNTP or DLMS");
  }

  let dlms: DlmsServer | null = null;
  if (board.network) {
    try {
      dlms = app.openDlms(board.network);
    } catch (e) {
      board.log.error(`DLMS port ${settings.dlmsPort} not opened: ${(e as Error).message}`);
    }
  }

  // The optical port shares the DLMS server (and its refusal of default secrets).
  let optical: OpticalPort | null = null;
  if (options.optical && dlms) {
    optical = new OpticalPort({
      clock: board.clock,
      log: board.log,
      serial: options.optical.serial,
      server: dlms,
      identity: meterIdentity(meter.config.serialNumber),
      link: { physicalAddress: options.optical.physicalAddress, maxApduLength: dlms.serverMaxReceivePdu + 16 },
    });
    board.log.info(`optical port: IEC 62056-21 mode E at 300 baud, then HDLC (physical address ${options.optical.physicalAddress})`);
  } else if (options.optical) {
    options.optical.serial.close?.();
  }

  const configured = wifi !== null && settings.ssid !== "";
  const supervisor = wifi && configured ? new WifiSupervisor(wifi, board.clock, meter.events, settings.ssid, settings.password) : null;
  const timeSync = options.sntp && settings.sntp ? new TimeSync(options.sntp, settings.sntp, meter.clock, board.clock, board.log) : null;
  const showSignal = (): void => {
    meter.display.signalBars = lcdSignalBars(configured, supervisor?.state === WIFI_CONNECTED, wifi?.rssi);
  };
  showSignal();
  let signalTimer: TimerId | undefined;
  if (supervisor && wifi) {
    supervisor.onStateChange = (state) => {
      const up = state === "connected";
      board.log.info(up ? `Wi-Fi "${settings.ssid}" up, address ${wifi.address}` : `Wi-Fi ${state}`);
      showSignal();
      timeSync?.setOnline(up);
    };
    supervisor.start();
    signalTimer = board.clock.repeat(showSignal, SIGNAL_REFRESH_MS);
  } else if (wifi) {
    board.log.info("no Wi-Fi SSID configured (mcconfig ... ssid=<name> password=<secret>)");
  } else {
    // No Wi-Fi interface in this build: the network is whatever the host has (the simulator).
    timeSync?.setOnline(true);
  }

  return {
    app,
    meter,
    dlms,
    wifi: supervisor,
    timeSync,
    optical,
    stop() {
      if (signalTimer !== undefined) board.clock.clearTimer(signalTimer);
      optical?.close();
      options.optical?.serial.close?.();
      timeSync?.stop();
      app.stop();
    },
  };
}
