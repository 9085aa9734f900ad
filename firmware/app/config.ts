import { type Ade7953Calibration, DEFAULT_ADE7953_CALIBRATION } from "../drivers/ade7953/driver";
import { type Atm90e26Calibration, DEFAULT_ATM90E26_CALIBRATION } from "../drivers/atm90e26/calibration";
import { DEFAULT_RATING, type MeterRating } from "../kernel/calibration";
import { type ButtonOptions, DEFAULT_BUTTON_OPTIONS } from "../drivers/button/button";
import { defaultRelayConfig, type RelayConfig } from "../drivers/relay/index";
import { defaultDisplayConfig, type DisplayConfig } from "../display/display";
import { defaultDisconnectorConfig, type DisconnectorConfig } from "../control/disconnector";
import { defaultLimiterConfig, type LimiterConfig } from "../control/limiter";
import { defaultMonitoringConfig, type MonitoringConfig } from "../monitoring/monitoring-config";
import { defaultPersistenceConfig, type PersistenceConfig } from "../storage/persistence-types";
import { defaultDlmsConfig, type DlmsConfig } from "../comms/dlms/dlms-config";
import { defaultSecurityPushConfig, type SecurityPushConfig } from "./security-push-config";
import { defaultMqttConfig, type MqttConfig } from "../comms/mqtt/config";
import { defaultFirmwareUpdateConfig, type FirmwareUpdateConfig } from "../update/update-config";

/** Everything that differs between meters without a code change. */
export interface MeterConfig {
  chip: "ade7953" | "atm90e26";
  /** Metrology tick period. Must stay well inside the chip's energy-register wrap time. */
  tickMs: number;
  ade7953: Ade7953Calibration;
  /** ATM90E26 board constants and calibration (used when chip is "atm90e26"). */
  atm90e26: Atm90e26Calibration;
  /** Ib, Imax, Un, fn: test points of the calibration and the chip's no-load threshold follow from it. */
  rating: MeterRating;
  /** Standard time offset from UTC, minutes (DLMS clock time_zone is its negation). */
  utcOffsetMinutes: number;
  /** DST rule: "eu" (last Sunday of March to last Sunday of October, 01:00 UTC) or "none". */
  dst: "eu" | "none";
  serialNumber: string;
  firmwareId: string;
  /** Disconnect relay kind and timings, class 70/71 defaults, display lists, button timing (issue 5). */
  relay: RelayConfig;
  disconnector: DisconnectorConfig;
  limiter: LimiterConfig;
  display: DisplayConfig;
  button: ButtonOptions;
  /** Profiles, power quality, tamper and pulse inputs. */
  monitoring: MonitoringConfig;
  /** Register save period and state journal size (issue 6). */
  persistence: PersistenceConfig;
  /** DLMS server: port, reader password, limits; `refuseDefaultSecrets` keeps a device from serving with shipped secrets (issue 7). */
  dlms: DlmsConfig;
  /** Management association keys (first-start provisioning), system title, auth back-off, push setup (issue 8). */
  security: SecurityPushConfig;
  /** Consumer interface: MQTT telemetry with Home Assistant discovery (issue 18, docs/readme/mqtt.md). */
  mqtt: MqttConfig;
  /** Signed firmware update over DLMS: signing key, target, block size, confirmation and rollback (issue 16). */
  update: FirmwareUpdateConfig;
}

export function defaultMeterConfig(): MeterConfig {
  return {
    chip: "ade7953",
    tickMs: 1000,
    ade7953: { ...DEFAULT_ADE7953_CALIBRATION },
    atm90e26: { ...DEFAULT_ATM90E26_CALIBRATION },
    rating: { ...DEFAULT_RATING },
    utcOffsetMinutes: 60,
    dst: "eu",
    serialNumber: "00000001",
    firmwareId: "DLMSLITE-0.1.0",
    relay: defaultRelayConfig(),
    disconnector: defaultDisconnectorConfig(),
    limiter: defaultLimiterConfig(),
    display: defaultDisplayConfig(),
    button: { ...DEFAULT_BUTTON_OPTIONS },
    monitoring: defaultMonitoringConfig(),
    persistence: defaultPersistenceConfig(),
    dlms: defaultDlmsConfig(),
    security: defaultSecurityPushConfig(),
    mqtt: defaultMqttConfig(),
    update: defaultFirmwareUpdateConfig(),
  };
}

/**
 * The defaults that are plain data, deep-frozen once at module level: the XS linker preloads them
 * into flash, so the booted meter's configuration shares them instead of holding copies in RAM.
 * The parts with byte arrays (security keys, the update signing key) are not in it.
 */
const SHARED_DEFAULTS: Readonly<Omit<MeterConfig, "security" | "update">> = deepFreeze(sharedDefaults());

function sharedDefaults(): Omit<MeterConfig, "security" | "update"> {
  const { security: _security, update: _update, ...plain } = defaultMeterConfig();
  return plain;
}

/**
 * The default configuration as the boot uses it: a new top-level object sharing the frozen
 * default parts (change a part by replacing it, `config.dlms = { ...config.dlms, port }`), with its
 * own security, update and MQTT parts (the MQTT part is written at run time).
 */
export function bootMeterConfig(): MeterConfig {
  return { ...SHARED_DEFAULTS, mqtt: { ...SHARED_DEFAULTS.mqtt }, security: defaultSecurityPushConfig(), update: defaultFirmwareUpdateConfig() } as MeterConfig;
}

/** Freezes a plain-data tree (objects and arrays; typed arrays are not expected here and refused). */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (ArrayBuffer.isView(value)) throw new TypeError("configuration defaults: a byte array cannot be frozen");
  for (const v of Object.values(value as object)) deepFreeze(v);
  return Object.freeze(value);
}
