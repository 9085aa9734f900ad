/**
 * The reference board (ESP32 DevKitC, ESP32-WROOM-32) and the build settings read from
 * `mc/config` (manifest.json `config`, each key overridable on the mcconfig command line as
 * `key=value`). mcconfig passes command-line values as strings, so every number is parsed here and
 * a bad value is a clear error at boot, never a silently wrong pin.
 */
import { type MqttConfig, mqttConfigFromSettings } from "../../comms/mqtt/config";
import type { StartSettings } from "../../app/start";
import { deepFreeze } from "../../kernel/freeze";

/** GPIO numbers of the wired signals; -1 = not fitted on this board. */
export interface PinMap {
  /** Metering IC SPI bus (VSPI) and its chip select and interrupt line. */
  spiClock: number;
  spiMiso: number;
  spiMosi: number;
  meterCs: number;
  meterIrq: number;
  /** Latching relay coils (driven through transistor stages) and auxiliary contact input. */
  relaySet: number;
  relayReset: number;
  relayContact: number;
  /** HT1621 LCD controller, bit-banged. */
  lcdCs: number;
  lcdWr: number;
  lcdData: number;
  button: number;
  terminalCover: number;
  meterCover: number;
  magnet: number;
  gasPulse: number;
  waterPulse: number;
  /** Supply comparator output: low when the mains supply is failing. */
  powerFail: number;
}

export const PIN_NAMES: readonly (keyof PinMap)[] = deepFreeze([
  "spiClock", "spiMiso", "spiMosi", "meterCs", "meterIrq", "relaySet", "relayReset", "relayContact", "lcdCs", "lcdWr", "lcdData",
  "button", "terminalCover", "meterCover", "magnet", "gasPulse", "waterPulse", "powerFail",
]);

/** Signals the board drives (the rest are inputs). */
export const OUTPUT_PINS: readonly (keyof PinMap)[] = deepFreeze(["spiClock", "spiMosi", "meterCs", "relaySet", "relayReset", "lcdCs", "lcdWr", "lcdData"]);

/**
 * The documented reference wiring (docs/readme/moddable.md has the table). Chosen to keep off the
 * flash pins (6-11), the UART0 console (1, 3) and the strapping pins that decide the boot mode or
 * flash voltage (0, 2, 12, 15); GPIO 5 (a strapping pin that only sets SDIO timing) is VSPI's own
 * CS. The input-only GPIO 34-39 have no internal pull resistors: they carry the inputs that have an
 * external pull-up on the board anyway (cover switches, magnet sensor, supply comparator).
 */
export const REFERENCE_PINS: PinMap = deepFreeze({
  spiClock: 18,
  spiMiso: 19,
  spiMosi: 23,
  meterCs: 5,
  meterIrq: 4,
  relaySet: 25,
  relayReset: 26,
  relayContact: 27,
  lcdCs: 13,
  lcdWr: 14,
  lcdData: 16,
  button: 17,
  terminalCover: 34,
  meterCover: 35,
  magnet: 36,
  gasPulse: 21,
  waterPulse: 22,
  powerFail: 39,
});

/**
 * What start-up needs (app/start.ts StartSettings: chip, DLMS port, Wi-Fi, SNTP, secrets, time
 * zone, serial, MQTT) plus what only the board needs.
 */
export interface BoardSettings extends StartSettings {
  pins: PinMap;
  /** The consumer interface (MQTT, issue 18) from the mqtt* config keys; off without mqttHost. */
  mqtt: MqttConfig;
  /** The certificate TLS connections trust (mqttCa: base64 of its DER), or null for the SDK's root certificates. */
  tlsCertificate: Uint8Array | null;
  /** SPI clock for the metering IC (ADE7953 up to 2 MHz, ATM90E26 up to 160 kHz). */
  spiHz: number;
  /** ESP-IDF SPI host number: 1 = SPI2_HOST (HSPI), 2 = SPI3_HOST (VSPI). */
  spiPort: number;
  /** Label of the data partition holding the journal (partitions/esp32-devkitc-4mb.csv). */
  flashPartition: string;
  /** Label of the data partition holding the profiles; "" = none (they share the journal's, or stay in RAM). */
  profilePartition: string;
  /** "native": the SDK's AES and gcm module; "portable": firmware/comms/crypto in TypeScript. */
  crypto: "native" | "portable";
  /** The optical port (IEC 62056-21 mode E, then DLMS over HDLC); null when opticalPort is -1. */
  optical: OpticalSettings | null;
}

/** UART and pins of the optical head, and the meter's HDLC physical address on it. */
export interface OpticalSettings {
  port: number;
  transmit: number;
  receive: number;
  physicalAddress: number;
}

export const DEFAULT_SNTP_SERVER = "162.159.200.123";

export class SettingsError extends Error {}

type ConfigValue = string | number | boolean | undefined;

const GPIO_FLASH = deepFreeze([6, 7, 8, 9, 10, 11]);
const GPIO_MAX = 39;
const GPIO_INPUT_ONLY_FROM = 34;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for ESP32 GPIOs without output drivers or internal pulls (34-39). */
export function isInputOnlyPin(pin: number): boolean {
  return pin >= GPIO_INPUT_ONLY_FROM;
}

/** Reads the board settings from an mc/config object; throws SettingsError naming the bad key. */
export function readSettings(config: Record<string, ConfigValue>): BoardSettings {
  const allowDefaultSecrets = config.allowDefaultSecrets === true || config.allowDefaultSecrets === "true" || config.allowDefaultSecrets === 1 || config.allowDefaultSecrets === "1";
  let mqtt: MqttConfig;
  try {
    // mqttHost, mqttPort, mqttTls, mqttUser, mqttPassword, mqttPrefix, mqttInterval; no host: off.
    mqtt = mqttConfigFromSettings(config, allowDefaultSecrets);
  } catch (e) {
    throw new SettingsError((e as Error).message);
  }
  const tlsCertificate = config.mqttCa === undefined || config.mqttCa === "" ? null : certificate(String(config.mqttCa), "mqttCa");
  // The build carries no bundle of root certificates (about 1 MB in the SDK): the broker's CA is given.
  if (mqtt.enabled && mqtt.tls && !tlsCertificate) throw new SettingsError("mqttTls needs mqttCa: base64 of the DER certificate that signed the broker's (this build has no root certificate bundle)");
  const pins = { ...REFERENCE_PINS };
  for (const name of PIN_NAMES) {
    const value = config[name + "Pin"];
    if (value !== undefined && value !== "") pins[name] = integer(value, `${name}Pin`, -1, GPIO_MAX);
  }
  checkPins(pins);
  const chip = config.chip ?? "ade7953";
  if (chip !== "ade7953" && chip !== "atm90e26") throw new SettingsError(`chip must be "ade7953" or "atm90e26", got ${JSON.stringify(chip)}`);
  const spiHz = config.spiHz === undefined ? (chip === "ade7953" ? 1_000_000 : 150_000) : integer(config.spiHz, "spiHz", 1, chip === "ade7953" ? 2_000_000 : 160_000);
  const sntp = config.sntp === undefined ? DEFAULT_SNTP_SERVER : String(config.sntp);
  if (sntp !== "" && !IPV4.test(sntp)) throw new SettingsError(`sntp must be a numeric IPv4 address (Moddable's UDP takes no host names) or empty, got "${sntp}"`);
  const dst = config.dst;
  if (dst !== undefined && dst !== "eu" && dst !== "none") throw new SettingsError(`dst must be "eu" or "none", got ${JSON.stringify(dst)}`);
  const readerPassword = config.readerPassword === undefined || config.readerPassword === "" ? undefined : String(config.readerPassword);
  if (readerPassword !== undefined && (readerPassword.length < 8 || readerPassword.length > 32)) throw new SettingsError("readerPassword must have 8..32 characters");
  return {
    pins,
    chip,
    spiHz,
    spiPort: config.spiPort === undefined ? 2 : integer(config.spiPort, "spiPort", 1, 2),
    flashPartition: config.flashPartition === undefined ? "meterdata" : String(config.flashPartition),
    profilePartition: config.profilePartition === undefined ? "meterprof" : String(config.profilePartition),
    dlmsPort: config.dlmsPort === undefined ? 4059 : integer(config.dlmsPort, "dlmsPort", 1, 65535),
    ssid: config.ssid === undefined ? "" : String(config.ssid),
    password: config.password === undefined ? "" : String(config.password),
    sntp,
    readerPassword,
    encryptionKey: key(config.encryptionKey, "encryptionKey"),
    authenticationKey: key(config.authenticationKey, "authenticationKey"),
    masterKey: key(config.masterKey, "masterKey"),
    allowDefaultSecrets,
    mqtt,
    tlsCertificate,
    crypto: cryptoChoice(config.crypto),
    utcOffsetMinutes: config.utcOffsetMinutes === undefined ? undefined : integer(config.utcOffsetMinutes, "utcOffsetMinutes", -840, 840),
    dst,
    serialNumber: config.serialNumber === undefined ? undefined : String(config.serialNumber),
    optical: opticalSettings(config, pins),
    imageTarget: {
      board: imageTargetName(config.imageBoard, "imageBoard", "esp32-devkitc"),
      chip: imageTargetName(config.imageChip, "imageChip", "esp32"),
    },
    imagePublicKey: publicKey(config.imagePublicKey, "imagePublicKey"),
  };
}

/** imageBoard / imageChip: what a firmware image must name to be taken (1-16 printable ASCII, as in its header). */
function imageTargetName(value: ConfigValue, name: string, fallback: string): string {
  if (value === undefined || value === "") return fallback;
  const text = String(value);
  if (!/^[\x21-\x7e]{1,16}$/.test(text)) throw new SettingsError(`${name} must be 1 to 16 printable ASCII characters, got "${text}"`);
  return text;
}

/** imagePublicKey: 130 hex digits, an uncompressed P-256 point (04 || X || Y), as npm run keygen prints it; "" = the development key. */
function publicKey(value: ConfigValue, name: string): Uint8Array | undefined {
  if (value === undefined || value === "") return undefined;
  const text = String(value);
  if (!/^04[0-9a-fA-F]{128}$/.test(text)) throw new SettingsError(`${name} must be 130 hex digits starting 04 (an uncompressed P-256 public key, as npm run keygen prints it)`);
  return hexBytes(text);
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** A DER certificate from base64 (RFC 4648; whitespace ignored): one SettingsError when it is not one. */
export function certificate(text: string, name: string): Uint8Array {
  const clean = text.replace(/\s+/g, "").replace(/=+$/, "");
  if (clean.length === 0 || clean.length % 4 === 1) throw new SettingsError(`${name} must be base64 of a DER certificate`);
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let n = 0;
  for (let i = 0; i < clean.length; i++) {
    const v = BASE64.indexOf(clean[i]);
    if (v < 0) throw new SettingsError(`${name} must be base64 of a DER certificate (bad character "${clean[i]}")`);
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (value >> bits) & 0xff;
    }
  }
  // A certificate is a DER SEQUENCE (0x30) whose long-form length covers the rest.
  if (out[0] !== 0x30 || out.length < 64) throw new SettingsError(`${name} is not a DER certificate (it must start with a SEQUENCE)`);
  return out;
}

/** opticalPort (UART 0..2, -1 = none), opticalTxPin, opticalRxPin, opticalPhysicalAddress (HDLC, 1..0x3FFF). */
function opticalSettings(config: Record<string, ConfigValue>, pins: PinMap): OpticalSettings | null {
  const port = config.opticalPort === undefined ? -1 : integer(config.opticalPort, "opticalPort", -1, 2);
  if (port === -1) return null;
  const transmit = integer(config.opticalTxPin, "opticalTxPin", 0, GPIO_MAX);
  const receive = integer(config.opticalRxPin, "opticalRxPin", 0, GPIO_MAX);
  if (isInputOnlyPin(transmit)) throw new SettingsError(`opticalTxPin: GPIO ${transmit} is input-only and cannot drive the optical head's LED`);
  if (transmit === receive) throw new SettingsError(`opticalTxPin and opticalRxPin are both GPIO ${transmit}`);
  for (const [name, pin] of [["opticalTxPin", transmit], ["opticalRxPin", receive]] as const) {
    if (GPIO_FLASH.includes(pin)) throw new SettingsError(`${name}: GPIO ${pin} is wired to the module's SPI flash`);
    const other = PIN_NAMES.find((n) => pins[n] === pin);
    if (other) throw new SettingsError(`${name}: GPIO ${pin} is already used by ${other}`);
  }
  const physicalAddress = config.opticalPhysicalAddress === undefined ? 1 : integer(config.opticalPhysicalAddress, "opticalPhysicalAddress", 1, 0x3fff);
  return { port, transmit, receive, physicalAddress };
}

/** A pin belongs to one IO instance (ECMA-419): no GPIO twice, no flash pins, no output on 34-39. */
export function checkPins(pins: PinMap): void {
  const owner = new Map<number, string>();
  for (const name of PIN_NAMES) {
    const pin = pins[name];
    if (pin === -1) continue;
    if (!Number.isInteger(pin) || pin < 0 || pin > GPIO_MAX) throw new SettingsError(`${name}Pin: GPIO ${pin} does not exist on the ESP32 (0..${GPIO_MAX})`);
    if (GPIO_FLASH.includes(pin)) throw new SettingsError(`${name}Pin: GPIO ${pin} is wired to the module's SPI flash`);
    if (OUTPUT_PINS.includes(name) && isInputOnlyPin(pin)) throw new SettingsError(`${name}Pin: GPIO ${pin} is input-only and cannot drive ${name}`);
    const other = owner.get(pin);
    if (other) throw new SettingsError(`${name}Pin: GPIO ${pin} is already used by ${other}`);
    owner.set(pin, name);
  }
  for (const name of ["spiClock", "spiMiso", "spiMosi", "meterCs"] as const) {
    if (pins[name] === -1) throw new SettingsError(`${name}Pin: the metering IC's SPI pins are required`);
  }
}

function cryptoChoice(value: ConfigValue): "native" | "portable" {
  if (value === undefined || value === "native") return "native";
  if (value === "portable") return "portable";
  throw new SettingsError(`crypto must be "native" or "portable", got ${JSON.stringify(value)}`);
}

function integer(value: ConfigValue, name: string, min: number, max: number): number {
  const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new SettingsError(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`);
  return n;
}

function key(value: ConfigValue, name: string): Uint8Array | undefined {
  if (value === undefined || value === "") return undefined;
  const text = String(value);
  if (!/^[0-9a-fA-F]{32}$/.test(text)) throw new SettingsError(`${name} must be 32 hex digits (an AES-128 key)`);
  return hexBytes(text);
}

/** Bytes of a hex string already checked to be an even number of hex digits. */
function hexBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
