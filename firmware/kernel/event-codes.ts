/**
 * The one table of event codes (per event log) and alarm register bits. Every module that logs
 * an event or raises an alarm takes its code from here, so two features cannot pick the same
 * number and a reader finds every code in one place (docs/metering.md section 4).
 *
 * IDIS codes where one exists. Manufacturer-specific codes (IDIS leaves 230..255 to the
 * manufacturer): 230..239 fraud, power quality and measuring range (docs/readme/faults.md), 240..249
 * communication, 250 standard.
 */
import { deepFreeze } from "./freeze";
export const EVENT = deepFreeze({
  standard: {
    powerDown: 1,
    powerUp: 2,
    dstChange: 3,
    clockAdjustedOld: 4,
    clockAdjustedNew: 5,
    clockInvalid: 6,
    touActivated: 9,
    nvMemoryError: 14,
    watchdog: 15,
    measurementSystemError: 16,
    /** Firmware update (docs/readme/firmware-update.md): image verified, ready for activation / new image started. */
    firmwareReadyForActivation: 17,
    firmwareActivated: 18,
    passiveTouProgrammed: 19,
    parametersChanged: 47,
    keysChanged: 48,
    missingNeutral: 89,
    /** Manufacturer-specific: the power went without a final save (sudden reset). */
    powerDownWithoutSave: 250,
    /** Manufacturer-specific: image verification failed: a block missing or the length wrong (truncated). */
    imageIncomplete: 251,
    /** Manufacturer-specific: image verification failed: payload hash differs from the header's. */
    imageHashMismatch: 252,
    /** Manufacturer-specific: image verification failed: signature wrong (or made with another key). */
    imageSignatureInvalid: 253,
    /** Manufacturer-specific: image refused: another target, or older than the running firmware without the signed override. */
    imageRefused: 254,
    /** Manufacturer-specific: the new firmware did not start or confirm itself: the previous one runs again. */
    firmwareRolledBack: 255,
    /** Manufacturer-specific: phase or neutral current above Imax (outside the measuring range) / back below. */
    currentAboveImax: 238,
    currentBelowImax: 239,
  },
  fraud: {
    terminalCoverRemoved: 40,
    terminalCoverClosed: 41,
    magneticFieldDetected: 42,
    magneticFieldGone: 43,
    meterCoverRemoved: 44,
    meterCoverClosed: 45,
    associationAuthFailures: 46,
    replayAttack: 50,
    /** Manufacturer-specific: sustained export on an import-only meter started / ended. */
    reverseEnergyStart: 230,
    reverseEnergyEnd: 231,
    /** Manufacturer-specific: phase/neutral current mismatch started (bill-the-larger on) / ended. */
    currentMismatchStart: 232,
    currentMismatchEnd: 233,
    /** Manufacturer-specific: the ATM90E26 switched its metering line to neutral (N) / back to phase (L). */
    meteringLineToNeutral: 234,
    meteringLineToPhase: 235,
  },
  disconnector: {
    readyForManualReconnection: 59,
    manualDisconnect: 60,
    manualConnect: 61,
    remoteDisconnect: 62,
    remoteConnect: 63,
    localDisconnect: 64,
    limiterThresholdExceeded: 65,
    limiterThresholdOk: 66,
    limiterThresholdChanged: 67,
    disconnectReconnectFailure: 68,
    localReconnect: 69,
  },
  powerQuality: {
    underVoltage: 76,
    overVoltage: 79,
    missingVoltage: 82,
    voltageNormal: 85,
    /** Manufacturer-specific: frequency outside its window / back inside. */
    frequencyOutOfRange: 236,
    frequencyNormal: 237,
    /** Manufacturer-specific: voltage outside the measuring range (above it, or below it but not missing) / back inside. */
    voltageOutOfMeasuringRange: 238,
    voltageInMeasuringRange: 239,
  },
  communication: {
    /** Manufacturer-specific: Wi-Fi link up / down. */
    wifiConnected: 240,
    wifiDisconnected: 241,
    /** Manufacturer-specific: a DLMS association was opened / refused. */
    associationOpened: 242,
    associationRejected: 243,
    /** Manufacturer-specific: a push was delivered / failed / dropped from a full queue. */
    pushDelivered: 246,
    pushFailed: 247,
    pushDropped: 248,
  },
} as const);

/** Bit numbers of the alarm register (0.0.97.98.0.255; docs/metering.md section 4). */
export const ALARM = deepFreeze({
  clockInvalid: 0,
  nvMemoryError: 10,
  measurementSystemError: 11,
  watchdog: 12,
  fraudAttempt: 13,
  /** Manufacturer use of a reserved bit: current above Imax or voltage outside the measuring range (docs/readme/faults.md). */
  measuringRangeExceeded: 14,
} as const);

/** The five event logs. */
export type EventLogName = keyof typeof EVENT;
