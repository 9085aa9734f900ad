/**
 * Issue 8 wired into the meter: the management association (HLS-GMAC, ciphering, key transfer,
 * authentication back-off) and push. The composition root (app/meter-app.ts) builds one per
 * Meter and hands it to the DLMS server it creates (meter-server.ts `security` option), which
 * then offers the management association, its objects and the default-key check.
 */
import type { Meter } from "./meter";
import { encodeDateTime, newDateTimeFields, utcToDateTime } from "../time/dlms-datetime";
import { PortableCrypto } from "../comms/crypto/portable";
import { defaultSecurityPushConfig, type SecurityPushConfig } from "./security-push-config";
import { managementPolicy, type AssociationPolicy, type ObjectModel } from "../comms/dlms/object-model";
import {
  MemoryRecord, MeterSecurity, invocationCounterObject, managementSecurity, securityServerHooks, securitySetupObject, serverSystemTitle,
  type PersistentRecord,
} from "../comms/dlms/security/index";
import type { AxdrWriter } from "../comms/dlms/axdr";
import { PushClient, modelValueReader, pushSetupObject, type PushObjectRef } from "../comms/push/index";
import { type PushSetupRecord, pushSetupRecord, restorePushSetup } from "../comms/push/push-persistence";

export class SecurityAndPush {
  readonly security: MeterSecurity;
  readonly push: PushClient;
  readonly config: SecurityPushConfig;
  /** The object model the push reads from (set when the DLMS server's model is built). */
  model: ObjectModel | null = null;
  private readValue: ((ref: PushObjectRef, w: AxdrWriter) => void) | null = null;
  /** Saves the push setup to flash after a DLMS write (persistence registry, "push"). */
  private readonly savePush: () => void;

  constructor(readonly meter: Meter) {
    const board = meter.board;
    this.config = { ...defaultSecurityPushConfig(), ...meter.config.security };
    const allowDefaultKeys = this.config.allowDefaultKeys ?? !meter.config.dlms.refuseDefaultSecrets;
    const record = (id: string): PersistentRecord => (meter.persistence ? meter.persistence.bytes(id, true) : new MemoryRecord());
    this.security = new MeterSecurity(
      board.crypto ?? new PortableCrypto(),
      board.random,
      meter.events,
      board.log,
      () => board.clock.nowMs(),
      { keys: record("sec.keys"), serverInvocationCounter: record("sec.ic.server"), clientInvocationCounter: record("sec.ic.client"), authThrottle: record("sec.auth") },
      {
        serverSystemTitle: serverSystemTitle(this.config.manufacturerId, meter.config.serialNumber),
        initialKeys: this.config.initialKeys,
        allowDefaultKeys,
        challengeLength: this.config.challengeLength,
        counterBlockSize: this.config.counterBlockSize,
        authFailures: this.config.authFailures,
      },
    );
    const fields = newDateTimeFields();
    const clock = meter.clock;
    this.push = new PushClient({ ...this.config.push, objectList: this.config.push.objectList.slice(), windows: this.config.push.windows.slice() }, {
      clock: board.clock,
      network: board.network,
      random: board.random,
      log: board.log,
      events: meter.events,
      nowUtcMs: () => clock.nowUtcMs(),
      localMs: (utc) => clock.localMs(utc),
      dateTime: (utc, out) => encodeDateTime(utcToDateTime(utc, clock.deviationAt(utc), clock.statusAt(utc), fields), out, 0),
      readValue: (ref, w) => {
        if (!this.readValue) {
          w.nullData();
          return;
        }
        this.readValue(ref, w);
      },
    });
    // The push setup a head end wrote survives power cuts (restored at once when the meter already started).
    const pushRecord = meter.persistence.register<PushSetupRecord>({
      id: "push",
      essential: false,
      save: "immediate",
      snapshot: () => pushSetupRecord(this.push.setup),
      restore: (x) => {
        restorePushSetup(this.push.setup, x);
        this.push.armInterval();
      },
    });
    this.savePush = () => {
      try {
        if (pushRecord.restoredFrom !== "pending") pushRecord.save();
      } catch (e) {
        board.log.error(`push setup not stored: ${(e as Error).message}`);
      }
    };
    meter.events.addAlarmListener(() => this.push.trigger("alarm"));
    this.push.start();
  }

  /** The name of a secret that still has its shipped default value, or null. */
  defaultSecret(): string | null {
    return this.security.keyStore.usesDefaultKeys() ? "management keys (simulator defaults)" : null;
  }

  /** Power down or shutdown: the push's timers and socket. */
  stop(): void {
    this.push.stop();
  }

  /** Adds the security setup, the frame counter and the push setup to a DLMS object model. */
  contribute(model: ObjectModel): void {
    this.model = model;
    this.readValue = modelValueReader(model);
    model.replace(securitySetupObject(this.security));
    model.replace(invocationCounterObject(this.security));
    model.replace(pushSetupObject(this.push, this.savePush));
  }

  /** The management association (client SAP 1), or null when it cannot be offered. */
  managementPolicy(): AssociationPolicy {
    return managementPolicy(managementSecurity(this.security));
  }

  /** DlmsServer options of the security layer (the shared authentication throttle). */
  serverHooks(): ReturnType<typeof securityServerHooks> {
    return securityServerHooks(this.security);
  }
}

export { defaultSecurityPushConfig, type SecurityPushConfig };
