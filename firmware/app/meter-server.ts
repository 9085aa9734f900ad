/**
 * The meter's DLMS server as one unit: its object model, the associations (public, reader, and
 * management when the meter's security is given), the server options from the configuration, and
 * the rule that a device does not open the port while its secrets are the shipped defaults.
 */
import type { Network } from "../hal/tcp";
import type { Meter } from "./meter";
import { asciiToBytes } from "../comms/dlms/axdr";
import { buildMeterObjectModel } from "./meter-objects";
import type { SecurityAndPush } from "./security-push";
import type { FirmwareUpdate } from "./firmware-update";
import { type ObjectModel } from "../comms/dlms/object-model";
import { type AssociationPolicy, publicPolicy, readerPolicy } from "../comms/dlms/access-policy";
import { DlmsServer, type DlmsServerOptions } from "../comms/dlms/server";
import { DEFAULT_READER_PASSWORD, type DlmsConfig } from "../comms/dlms/dlms-config";
import { EVENT } from "../kernel/event-codes";
import { deepFreeze } from "../kernel/freeze";

export { DEFAULT_READER_PASSWORD, defaultDlmsConfig, type DlmsConfig } from "../comms/dlms/dlms-config";

/** Communication log codes (manufacturer-specific range, next to Wi-Fi 240/241 and push 246..248). */
export const DLMS_EVENT = deepFreeze({ associationOpened: EVENT.communication.associationOpened, associationRejected: EVENT.communication.associationRejected } as const);

/** Names of the secrets that still have their default value. */
export function defaultSecretsInUse(meter: Meter, config: DlmsConfig, security?: SecurityAndPush, firmwareUpdate?: FirmwareUpdate): string[] {
  void meter;
  const out: string[] = [];
  if (config.readerPassword === DEFAULT_READER_PASSWORD) out.push("reader password");
  const keys = security?.defaultSecret();
  if (keys) out.push(keys);
  const signing = firmwareUpdate?.defaultSecret();
  if (signing) out.push(signing);
  return out;
}

export interface MeterDlmsOptions {
  model?: ObjectModel;
  /**
   * The meter's security and push (issue 8): the management association, its objects (security
   * setup, frame counter, push setup), the authentication back-off and the default-key check.
   * Without it the server offers the public and reader associations only.
   */
  security?: SecurityAndPush;
  /** The firmware update (issue 16): its objects and the development-key check. */
  firmwareUpdate?: FirmwareUpdate;
  /** More associations besides public, reader and management. */
  policies?: AssociationPolicy[];
  onAssociation?: DlmsServerOptions["onAssociation"];
  /** The meter's authentication throttle (the security layer's, shared with HLS). */
  throttle?: DlmsServerOptions["throttle"];
}

export function createMeterDlmsServer(meter: Meter, config: DlmsConfig, options: MeterDlmsOptions = {}): DlmsServer {
  const security = options.security;
  const policies: AssociationPolicy[] = [publicPolicy(), readerPolicy(asciiToBytes(config.readerPassword))];
  if (security) policies.push(security.managementPolicy());
  if (options.policies) policies.push(...options.policies);
  const events = meter.events;
  const hooks = security?.serverHooks();
  return new DlmsServer({
    clock: meter.board.clock,
    log: meter.board.log,
    model: options.model ?? buildMeterObjectModel(meter, { security, firmwareUpdate: options.firmwareUpdate }),
    policies,
    serverMaxReceivePdu: config.serverMaxReceivePdu,
    maxSendPdu: config.maxSendPdu,
    idleTimeoutMs: config.idleTimeoutMs,
    maxConnections: config.maxConnections,
    // The server calls this for every authenticated login and at most once a minute for
    // unauthenticated traffic (public associations, refused logins), so the journal is not worn.
    onAssociation: (sap, accepted, diagnostic) => {
      events.record("communication", accepted ? DLMS_EVENT.associationOpened : DLMS_EVENT.associationRejected);
      options.onAssociation?.(sap, accepted, diagnostic);
    },
    throttle: options.throttle ?? hooks?.throttle,
  });
}

/**
 * Opens the DLMS port, or refuses (returns null and logs why) when `refuseDefaultSecrets` is set
 * and a secret is still its default.
 */
export function openMeterDlms(meter: Meter, network: Network, config: DlmsConfig, options: MeterDlmsOptions = {}): DlmsServer | null {
  if (config.refuseDefaultSecrets) {
    const defaults = defaultSecretsInUse(meter, config, options.security, options.firmwareUpdate);
    if (defaults.length > 0) {
      meter.board.log.error(`DLMS port not opened: default secrets in use (${defaults.join(", ")}); set them first`);
      return null;
    }
  }
  const server = createMeterDlmsServer(meter, config, options);
  server.listen(network, config.port, config.address);
  meter.board.log.info(`DLMS listening on ${config.address ?? "*"}:${config.port}`);
  return server;
}
