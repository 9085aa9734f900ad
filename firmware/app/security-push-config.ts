import { DEFAULT_SIMULATOR_KEYS, type SecurityKeySet } from "../comms/dlms/security/keys";
import type { AuthThrottleOptions } from "../comms/dlms/auth-throttle";
import { defaultPushSetup, type PushSetupConfig } from "../comms/push/push-setup";

/** Management association security and push settings (part of MeterConfig, issue 8). */
export interface SecurityPushConfig {
  /** FLAG manufacturer id (3 capital letters): the first 3 bytes of the server system title. */
  manufacturerId: string;
  /** Keys provisioned into the store on first start (it keeps them from then on). */
  initialKeys: SecurityKeySet;
  /** Length of the meter's HLS challenge, 16..64. */
  challengeLength: number;
  /**
   * Accept the simulator default keys in the management association. Unset: as the DLMS server
   * decides for its secrets (`!dlms.refuseDefaultSecrets`, so a device build refuses them).
   */
  allowDefaultKeys?: boolean;
  /** Invocation counter values reserved per flash write. */
  counterBlockSize: number;
  authFailures: Partial<AuthThrottleOptions>;
  push: PushSetupConfig;
}

export function defaultSecurityPushConfig(): SecurityPushConfig {
  return {
    manufacturerId: "DLM",
    initialKeys: {
      encryptionKey: DEFAULT_SIMULATOR_KEYS.encryptionKey.slice(),
      authenticationKey: DEFAULT_SIMULATOR_KEYS.authenticationKey.slice(),
      masterKey: DEFAULT_SIMULATOR_KEYS.masterKey.slice(),
    },
    challengeLength: 32,
    counterBlockSize: 256,
    authFailures: {},
    push: defaultPushSetup(),
  };
}

