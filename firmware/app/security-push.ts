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
import { type ObjectModel } from "../comms/dlms/object-model";
import { managementPolicy, type AssociationPolicy } from "../comms/dlms/access-policy";
import {
  INVOCATION_COUNTER_CLASS, INVOCATION_COUNTER_OBIS, ManagementAuthentication, MemoryRecord, MeterSecurity, SECURITY_SETUP_CLASS, SECURITY_SETUP_OBIS, securityServerHooks,
  serverSystemTitle, type PersistentRecord,
} from "../comms/dlms/security/index";
import type { AxdrWriter } from "../comms/dlms/axdr";
import { ModelValueReader, PUSH_SETUP_CLASS, PUSH_SETUP_OBIS, PushClient, type PushDeps, type PushObjectRef, type PushSetupTarget } from "../comms/push/index";
import { type PushSetupRecord, pushSetupRecord, restorePushSetup } from "../comms/push/push-persistence";

/** What the push client needs of the meter, as one object with its behaviour on the prototype. */
class MeterPushDeps implements PushDeps {
  constructor(private readonly owner: SecurityAndPush) {}
  get clock(): PushDeps["clock"] {
    return this.owner.meter.board.clock;
  }
  get network(): PushDeps["network"] {
    return this.owner.meter.board.network;
  }
  get random(): PushDeps["random"] {
    return this.owner.meter.board.random;
  }
  get log(): PushDeps["log"] {
    return this.owner.meter.board.log;
  }
  get events(): PushDeps["events"] {
    return this.owner.meter.events;
  }
  nowUtcMs(): number {
    return this.owner.meter.clock.nowUtcMs();
  }
  localMs(utcMs: number): number {
    return this.owner.meter.clock.localMs(utcMs);
  }
  dateTime(utcMs: number, out: Uint8Array): void {
    const clock = this.owner.meter.clock;
    encodeDateTime(utcToDateTime(utcMs, clock.deviationAt(utcMs), clock.statusAt(utcMs), newDateTimeFields()), out, 0);
  }
  readValue(ref: PushObjectRef, w: AxdrWriter): void {
    this.owner.readPushValue(ref, w);
  }
}

/** The push setup in the state journal ("push"): methods on a prototype (flash), no closures in RAM. */
class PushSetupState {
  readonly id = "push";
  readonly essential = false;
  readonly save = "immediate";
  constructor(private readonly push: PushClient) {}
  snapshot(): PushSetupRecord {
    return pushSetupRecord(this.push.setup);
  }
  restore(x: PushSetupRecord): void {
    restorePushSetup(this.push.setup, x);
    this.push.armInterval();
  }
}

export class SecurityAndPush implements PushSetupTarget {
  readonly security: MeterSecurity;
  readonly push: PushClient;
  /** The object model the push reads from (set when the DLMS server's model is built). */
  model: ObjectModel | null = null;
  private reader: ModelValueReader | null = null;
  /** The push setup's persistent record (persistence registry, "push"). */
  private readonly pushRecord: { save(): void; readonly restoredFrom: string };

  constructor(readonly meter: Meter) {
    const board = meter.board;
    // Not kept: what the parts need is copied into them (the fixed heap keeps no second config).
    const config: SecurityPushConfig = { ...defaultSecurityPushConfig(), ...meter.config.security };
    const allowDefaultKeys = config.allowDefaultKeys ?? !meter.config.dlms.refuseDefaultSecrets;
    const record = (id: string): PersistentRecord => (meter.persistence ? meter.persistence.bytes(id, true) : new MemoryRecord());
    this.security = new MeterSecurity(
      board.crypto ?? new PortableCrypto(),
      board.random,
      meter.events,
      board.log,
      board.clock,
      { keys: record("sec.keys"), serverInvocationCounter: record("sec.ic.server"), clientInvocationCounter: record("sec.ic.client"), authThrottle: record("sec.auth") },
      {
        serverSystemTitle: serverSystemTitle(config.manufacturerId, meter.config.serialNumber),
        initialKeys: config.initialKeys,
        allowDefaultKeys,
        challengeLength: config.challengeLength,
        counterBlockSize: config.counterBlockSize,
        authFailures: config.authFailures,
      },
    );
    this.push = new PushClient({ ...config.push, objectList: config.push.objectList.slice(), windows: config.push.windows.slice() }, new MeterPushDeps(this));
    // The push setup a head end wrote survives power cuts (restored at once when the meter already started).
    this.pushRecord = meter.persistence.register(new PushSetupState(this.push));
    meter.events.addAlarmListener(() => this.push.trigger("alarm"));
    this.push.start();
  }

  /** Writes the current value of one push_object_list entry (null-data before the model exists). */
  readPushValue(ref: PushObjectRef, w: AxdrWriter): void {
    if (!this.reader) {
      w.nullData();
      return;
    }
    this.reader.read(ref, w);
  }

  /** Saves the push setup to flash after a DLMS write. */
  pushSetupChanged(): void {
    try {
      if (this.pushRecord.restoredFrom !== "pending") this.pushRecord.save();
    } catch (e) {
      this.meter.board.log.error(`push setup not stored: ${(e as Error).message}`);
    }
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
    this.reader = new ModelValueReader(model);
    model.replaceWith(SECURITY_SETUP_CLASS, SECURITY_SETUP_OBIS, this.security);
    model.replaceWith(INVOCATION_COUNTER_CLASS, INVOCATION_COUNTER_OBIS, this.security);
    model.replaceWith(PUSH_SETUP_CLASS, PUSH_SETUP_OBIS, this);
  }

  /** The management association (client SAP 1), or null when it cannot be offered. */
  managementPolicy(): AssociationPolicy {
    return managementPolicy(new ManagementAuthentication(this.security));
  }

  /** DlmsServer options of the security layer (the shared authentication throttle). */
  serverHooks(): ReturnType<typeof securityServerHooks> {
    return securityServerHooks(this.security);
  }
}

export { defaultSecurityPushConfig, type SecurityPushConfig };
