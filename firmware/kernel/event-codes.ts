/**
 * Event codes per log (IDIS, metering.md section 4). Codes 230..239 are this meter's
 * manufacturer-specific codes (IDIS reserves 230..255 for manufacturers); 240..249 are left for
 * other features (communication log).
 */
export const EVENT = {
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
    passiveTouProgrammed: 19,
    parametersChanged: 47,
    keysChanged: 48,
    missingNeutral: 89,
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
  powerQuality: {
    underVoltage: 76,
    overVoltage: 79,
    missingVoltage: 82,
    voltageNormal: 85,
    /** Manufacturer-specific: frequency outside its window / back inside. */
    frequencyOutOfRange: 236,
    frequencyNormal: 237,
  },
} as const;
