import type { Crypto } from "../../../hal/crypto";
import type { Log } from "../../../hal/log";
import type { Random } from "../../../hal/random";
import { AuthThrottle, type AuthThrottleOptions } from "../auth-throttle";
import {
  gloTagFor,
  parseCipheredApdu,
  plainTagFor,
  protectContent,
  unprotectContent,
  wrapGeneralGlo,
  wrapGlo,
  type CipherKeys,
} from "./ciphering";
import { MAX_CHALLENGE, MIN_CHALLENGE, hlsGmacProof, verifyHlsGmacProof } from "./hls-gmac";
import { IncomingInvocationCounter, OutgoingInvocationCounter } from "./invocation-counter";
import { KeyStore, SECURITY_POLICY, type SecurityKeySet } from "./keys";
import { MemoryRecord, type PersistentRecord } from "./persistence";
import { SC_AUTHENTICATED_ENCRYPTED, SYSTEM_TITLE_LENGTH } from "./security-header";
import { ALARM, EVENT } from "../../../kernel/event-codes";
import { deepFreeze } from "../../../kernel/freeze";

/** IDIS event codes this module logs. */
const SECURITY_EVENT = deepFreeze({
  /** fraud log: repeated association authentication failure */
  authenticationFailures: EVENT.fraud.associationAuthFailures,
  /** standard log: keys changed */
  keysChanged: EVENT.standard.keysChanged,
  /** fraud log: replay attack */
  replayAttack: EVENT.fraud.replayAttack,
} as const);

/** Alarm register bit raised with the fraud events. */
const FRAUD_ATTEMPT_ALARM = ALARM.fraudAttempt;

/** What the security code records into (the meter's EventLogs fits). */
export interface SecurityEventSink {
  record(log: "standard" | "fraud", code: number): void;
  raiseAlarm(bit: number): void;
}

interface SecurityRecords {
  keys: PersistentRecord;
  serverInvocationCounter: PersistentRecord;
  clientInvocationCounter: PersistentRecord;
  /** The authentication throttle's failure count (kept across reboots). */
  authThrottle?: PersistentRecord;
}

interface MeterSecurityOptions {
  serverSystemTitle: Uint8Array;
  /** Keys to provision when the store holds none (simulator defaults, or factory keys). */
  initialKeys: SecurityKeySet | null;
  /** False in a device build: the management association stays closed with default keys. */
  allowDefaultKeys: boolean;
  /** Length of the meter's HLS challenge, 16..64 (default 32). */
  challengeLength?: number;
  /** Invocation counter values reserved per persisted block (default 256). */
  counterBlockSize?: number;
  authFailures?: Partial<AuthThrottleOptions>;
  /** Replay events closer together than this are counted, not journalled again (24 h). */
  replayEventGapMs?: number;
}

type DecipherError = "malformed" | "deciphering-error" | "invocation-counter-error";

interface Deciphered {
  apdu: Uint8Array;
  style: "glo" | "general-glo";
  ic: number;
}

/**
 * The meter's security state for the management association: keys, system titles, both
 * invocation counters, HLS-GMAC proofs, ciphering of APDUs, key transfer and authentication
 * failure tracking. One instance per meter; associations keep only their challenges.
 */
export class MeterSecurity {
  readonly keyStore: KeyStore;
  readonly serverCounter: OutgoingInvocationCounter;
  readonly clientCounter: IncomingInvocationCounter;
  /** Gates every credential check of the meter (LLS in the server, HLS here). */
  readonly authThrottle: AuthThrottle;
  readonly serverSystemTitle: Uint8Array;
  /** The management client's system title from its latest AARQ (security setup attribute 4). */
  clientSystemTitle: Uint8Array = new Uint8Array(SYSTEM_TITLE_LENGTH);
  replaysRejected = 0;
  decipherFailures = 0;
  private pendingKeys: SecurityKeySet | null = null;
  private readonly challengeLength: number;
  private readonly nowMs: () => number;
  private lastReplayEventMs = -Infinity;
  /** From the options (the options object itself is not kept). */
  private readonly allowDefaultKeys: boolean;
  private readonly replayEventGapMs: number;

  constructor(
    readonly crypto: Crypto,
    private readonly random: Random,
    private readonly events: SecurityEventSink,
    private readonly log: Log,
    nowMs: () => number,
    records: SecurityRecords,
    options: MeterSecurityOptions,
  ) {
    if (options.serverSystemTitle.length !== SYSTEM_TITLE_LENGTH) throw new RangeError("server system title must be 8 bytes");
    this.serverSystemTitle = options.serverSystemTitle.slice();
    this.allowDefaultKeys = options.allowDefaultKeys;
    this.replayEventGapMs = options.replayEventGapMs ?? 24 * 3_600_000;
    this.challengeLength = options.challengeLength ?? 32;
    if (this.challengeLength < 16 || this.challengeLength > MAX_CHALLENGE) throw new RangeError("meter challenge must be 16..64 bytes");
    this.keyStore = new KeyStore(records.keys, options.initialKeys);
    this.serverCounter = new OutgoingInvocationCounter(records.serverInvocationCounter, options.counterBlockSize ?? 256);
    this.clientCounter = new IncomingInvocationCounter(records.clientInvocationCounter);
    this.nowMs = nowMs;
    this.authThrottle = new AuthThrottle(
      nowMs,
      records.authThrottle ?? new MemoryRecord(),
      () => {
        this.events.record("fraud", SECURITY_EVENT.authenticationFailures);
        this.events.raiseAlarm(FRAUD_ATTEMPT_ALARM);
      },
      log,
      options.authFailures,
    );
    if (!this.managementAvailable) {
      this.log.error(`management association disabled: ${this.keyStore.provisioned ? "default keys refused by this build" : "no keys provisioned"}`);
    }
  }

  /** False when no keys are provisioned, or when a device build finds the simulator defaults. */
  get managementAvailable(): boolean {
    return this.keyStore.provisioned && (this.allowDefaultKeys || !this.keyStore.usesDefaultKeys());
  }

  get cipherKeys(): CipherKeys {
    return this.keyStore.keys;
  }

  /** A fresh server-to-client challenge from the board's random source. */
  newChallenge(): Uint8Array {
    const challenge = new Uint8Array(this.challengeLength);
    this.random.fill(challenge);
    return challenge;
  }

  static acceptableClientChallenge(challenge: Uint8Array | undefined): boolean {
    return challenge !== undefined && challenge.length >= MIN_CHALLENGE && challenge.length <= MAX_CHALLENGE;
  }

  /**
   * Pass 3: checks f(StoC) from the client, when the throttle allows a check at all (during a
   * back-off window the proof is refused unread). A wrong proof counts as a failure.
   */
  verifyClientProof(clientTitle: Uint8Array, serverChallenge: Uint8Array, proof: Uint8Array): boolean {
    if (!this.authThrottle.mayCheck()) return false;
    const ic = verifyHlsGmacProof(this.crypto, this.cipherKeys, clientTitle, serverChallenge, proof);
    if (ic === null) {
      this.authThrottle.recordFailure();
      return false;
    }
    this.authThrottle.recordSuccess();
    return true;
  }

  /** Pass 4: f(CtoS) under the meter's title and next invocation counter; null when the counter is exhausted. */
  serverProof(clientChallenge: Uint8Array): Uint8Array | null {
    const ic = this.serverCounter.next();
    return ic === null ? null : hlsGmacProof(this.crypto, this.cipherKeys, this.serverSystemTitle, ic, clientChallenge);
  }

  /**
   * Opens a glo or general-glo APDU from the management client: authenticity first (a forged
   * or altered frame is a deciphering error and does not touch the counter), then freshness
   * (an authentic frame whose counter is not above the last accepted is a replay: event 50).
   */
  decipher(apdu: Uint8Array, clientTitle: Uint8Array): Deciphered | DecipherError {
    const parsed = parseCipheredApdu(apdu);
    if (!parsed) return "malformed";
    if (parsed.systemTitle && !sameBytes(parsed.systemTitle, clientTitle)) {
      this.decipherFailures++;
      return "deciphering-error";
    }
    const opened = unprotectContent(this.crypto, this.cipherKeys, clientTitle, parsed.content);
    if (typeof opened === "string") {
      this.decipherFailures++;
      return opened === "malformed" ? "malformed" : "deciphering-error";
    }
    if (opened.sc !== SC_AUTHENTICATED_ENCRYPTED && this.keyStore.policy === SECURITY_POLICY.authenticatedAndEncrypted) {
      this.decipherFailures++;
      return "deciphering-error";
    }
    if (parsed.kind === "glo" && opened.apdu[0] !== plainTagFor(parsed.tag)) {
      this.decipherFailures++;
      return "deciphering-error";
    }
    if (!this.clientCounter.accept(opened.ic)) {
      this.replaysRejected++;
      // One fraud-log entry per burst of replays: a flood of replayed frames neither wears the
      // flash nor pushes older evidence out of the log (the count stays in replaysRejected).
      const now = this.nowMs();
      const first = now - this.lastReplayEventMs > this.replayEventGapMs;
      this.lastReplayEventMs = now;
      if (first) {
        this.events.record("fraud", SECURITY_EVENT.replayAttack);
        this.events.raiseAlarm(FRAUD_ATTEMPT_ALARM);
      } else {
        this.log.warn(`DLMS: replayed frame rejected (${this.replaysRejected} so far), not journalled again`);
      }
      return "invocation-counter-error";
    }
    return { apdu: opened.apdu, style: parsed.kind, ic: opened.ic };
  }

  /** Ciphers a response (authenticated and encrypted) in the request's style; null when the counter is exhausted. */
  encipher(plainApdu: Uint8Array, style: "glo" | "general-glo"): Uint8Array | null {
    const ic = this.serverCounter.next();
    if (ic === null) return null;
    const content = protectContent(this.crypto, this.cipherKeys, this.serverSystemTitle, SC_AUTHENTICATED_ENCRYPTED, ic, plainApdu);
    return style === "general-glo" || gloTagFor(plainApdu[0]) === undefined
      ? wrapGeneralGlo(this.serverSystemTitle, content)
      : wrapGlo(plainApdu[0], content);
  }

  /**
   * Security setup method global_key_transfer: unwraps the keys with the master key and stages
   * them; they take effect after the response (protected with the old keys) has gone out.
   */
  stageKeyTransfer(entries: readonly { keyId: number; wrapped: Uint8Array }[]): boolean {
    const next = this.keyStore.unwrapTransfer(this.crypto, entries);
    if (!next) return false;
    this.pendingKeys = next;
    return true;
  }

  get hasPendingKeys(): boolean {
    return this.pendingKeys !== null;
  }

  /** Installs staged keys (event 48). A new unicast or authentication key restarts the client's counter. */
  applyPendingKeys(): boolean {
    const next = this.pendingKeys;
    if (!next) return false;
    this.pendingKeys = null;
    const old = this.keyStore.keys;
    const clientMustRestart = !sameBytes(old.encryptionKey, next.encryptionKey) || !sameBytes(old.authenticationKey, next.authenticationKey);
    this.keyStore.install(next);
    if (clientMustRestart) this.clientCounter.reset();
    this.events.record("standard", SECURITY_EVENT.keysChanged);
    this.log.info(`security keys changed (${this.keyStore.describe()})`);
    return true;
  }

  /** Security setup method security_activate: the policy may only get stronger. */
  activate(policy: number): boolean {
    if (!(policy >= this.keyStore.policy && policy <= SECURITY_POLICY.authenticatedAndEncrypted)) return false;
    if (policy !== this.keyStore.policy) this.keyStore.setPolicy(policy);
    return true;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

