import type { Crypto } from "../../../hal/crypto";
import type { Log } from "../../../hal/log";
import type { Random } from "../../../hal/random";
import { CIPHERING_OVERHEAD } from "../access-policy";
import { AuthThrottle, type AuthThrottleOptions, type BurstSink, type NowSource } from "../auth-throttle";
import {
  CipherScratch,
  GENERAL_GLO_CIPHERING,
  OPEN_MALFORMED,
  cipheredContentStart,
  gloTagFor,
  openContent,
  plainTagFor,
  sealContent,
  wrapHeaderLength,
  writeWrapHeader,
  type CipherKeys,
} from "./ciphering";
import { MAX_CHALLENGE, MIN_CHALLENGE, hlsGmacProof, verifyHlsGmacProof } from "./hls-gmac";
import { IncomingInvocationCounter, OutgoingInvocationCounter } from "./invocation-counter";
import { KeyStore, SECURITY_POLICY, type SecurityKeySet } from "./keys";
import { MemoryRecord, type PersistentRecord } from "./persistence";
import { GCM_TAG_LENGTH, SC_AUTHENTICATED_ENCRYPTED, SECURITY_HEADER_LENGTH, SYSTEM_TITLE_LENGTH } from "./security-header";
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

/** decipherInPlace's answers; on DECIPHERED the plaintext is at [openedStart, openedEnd). */
export const DECIPHERED = 0;
export const DECIPHER_MALFORMED = 1;
export const DECIPHERING_ERROR = 2;
export const INVOCATION_COUNTER_ERROR = 3;
const DECIPHER_ERROR_NAME: readonly DecipherError[] = Object.freeze(["malformed", "malformed", "deciphering-error", "invocation-counter-error"] as DecipherError[]);


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
export class MeterSecurity implements BurstSink {
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
  private lastReplayEventMs = -Infinity;
  /** IV and AAD of the in-place ciphering, made at the first ciphered APDU. */
  private scratchBuffers: CipherScratch | null = null;
  /** Set by decipherInPlace: the plaintext range and whether the request came general-glo. */
  openedStart = 0;
  openedEnd = 0;
  openedGeneralGlo = false;
  /** From the options (the options object itself is not kept). */
  private readonly allowDefaultKeys: boolean;
  private readonly replayEventGapMs: number;

  constructor(
    readonly crypto: Crypto,
    private readonly random: Random,
    private readonly events: SecurityEventSink,
    private readonly log: Log,
    private readonly clock: NowSource,
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
    this.authThrottle = new AuthThrottle(clock, records.authThrottle ?? new MemoryRecord(), this, log, options.authFailures);
    if (!this.managementAvailable) {
      this.log.error(`management association disabled: ${this.keyStore.provisioned ? "default keys refused by this build" : "no keys provisioned"}`);
    }
  }

  /** A burst of authentication failures: event 46 in the fraud log and the fraud alarm. */
  authenticationBurst(): void {
    this.events.record("fraud", SECURITY_EVENT.authenticationFailures);
    this.events.raiseAlarm(FRAUD_ATTEMPT_ALARM);
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
   * Opens a glo or general-glo APDU from the management client at apdu[start, end), in place:
   * authenticity first (a forged or altered frame is a deciphering error and does not touch the
   * counter), then freshness (an authentic frame whose counter is not above the last accepted is
   * a replay: event 50). On DECIPHERED the plaintext is at [openedStart, openedEnd).
   */
  decipherInPlace(apdu: Uint8Array, start: number, end: number, clientTitle: Uint8Array): number {
    const at = cipheredContentStart(apdu, start, end);
    if (at < 0) return DECIPHER_MALFORMED;
    const tag = apdu[start];
    const general = tag === GENERAL_GLO_CIPHERING;
    if (general && !sameRange(apdu, start + 2, clientTitle)) {
      this.decipherFailures++;
      return DECIPHERING_ERROR;
    }
    const opened = openContent(this.crypto, this.cipherKeys, clientTitle, apdu, at, end, this.scratch());
    if (opened !== 0) {
      this.decipherFailures++;
      return opened === OPEN_MALFORMED ? DECIPHER_MALFORMED : DECIPHERING_ERROR;
    }
    const from = at + SECURITY_HEADER_LENGTH;
    const to = end - GCM_TAG_LENGTH;
    if (apdu[at] !== SC_AUTHENTICATED_ENCRYPTED && this.keyStore.policy === SECURITY_POLICY.authenticatedAndEncrypted) {
      this.decipherFailures++;
      return DECIPHERING_ERROR;
    }
    if (!general && (from >= to || apdu[from] !== plainTagFor(tag))) {
      this.decipherFailures++;
      return DECIPHERING_ERROR;
    }
    const ic = readIc(apdu, at + 1);
    if (!this.clientCounter.accept(ic)) {
      this.replaysRejected++;
      // One fraud-log entry per burst of replays: a flood of replayed frames neither wears the
      // flash nor pushes older evidence out of the log (the count stays in replaysRejected).
      const now = this.clock.nowMs();
      const first = now - this.lastReplayEventMs > this.replayEventGapMs;
      this.lastReplayEventMs = now;
      if (first) {
        this.events.record("fraud", SECURITY_EVENT.replayAttack);
        this.events.raiseAlarm(FRAUD_ATTEMPT_ALARM);
      } else {
        this.log.warn(`DLMS: replayed frame rejected (${this.replaysRejected} so far), not journalled again`);
      }
      return INVOCATION_COUNTER_ERROR;
    }
    this.openedStart = from;
    this.openedEnd = to;
    this.openedGeneralGlo = general;
    return DECIPHERED;
  }

  private scratch(): CipherScratch {
    return this.scratchBuffers ?? (this.scratchBuffers = new CipherScratch());
  }

  /** decipherInPlace on a copy, answering a new array (the glo-initiateRequest of an AARQ). */
  decipher(apdu: Uint8Array, clientTitle: Uint8Array): Deciphered | DecipherError {
    const copy = apdu.slice();
    const r = this.decipherInPlace(copy, 0, copy.length, clientTitle);
    if (r !== DECIPHERED) return DECIPHER_ERROR_NAME[r];
    const ic = readIc(copy, this.openedStart - SECURITY_HEADER_LENGTH + 1);
    return { apdu: copy.subarray(this.openedStart, this.openedEnd), style: this.openedGeneralGlo ? "general-glo" : "glo", ic };
  }

  /**
   * Ciphers, in place, the plain APDU at bytes[at, at + length) (authenticated and encrypted) in
   * the request's style: the plaintext moves up by the header and is sealed where it lands, the
   * tag follows. `bytes` must have CIPHERING_OVERHEAD bytes of room after the APDU. Returns the
   * ciphered APDU's length, or -1 when the counter is exhausted (nothing changed then).
   */
  encipherInPlace(bytes: Uint8Array, at: number, length: number, generalGlo: boolean): number {
    const gloTag = gloTagFor(bytes[at]);
    const general = generalGlo || gloTag === undefined;
    const contentLength = SECURITY_HEADER_LENGTH + length + GCM_TAG_LENGTH;
    const header = wrapHeaderLength(general, contentLength);
    if (at + header + contentLength > bytes.length) throw new RangeError("no room to cipher the APDU in place");
    const ic = this.serverCounter.next();
    if (ic === null) return -1;
    bytes.copyWithin(at + header + SECURITY_HEADER_LENGTH, at, at + length);
    writeWrapHeader(bytes, at, gloTag ?? 0, general ? this.serverSystemTitle : null, contentLength);
    sealContent(this.crypto, this.cipherKeys, this.serverSystemTitle, SC_AUTHENTICATED_ENCRYPTED, ic, bytes, at + header, length, this.scratch());
    return header + contentLength;
  }

  /** encipherInPlace into a new array (the glo-initiateResponse of an AARE); null when the counter is exhausted. */
  encipher(plainApdu: Uint8Array, style: "glo" | "general-glo"): Uint8Array | null {
    const out = new Uint8Array(plainApdu.length + CIPHERING_OVERHEAD);
    out.set(plainApdu);
    const n = this.encipherInPlace(out, 0, plainApdu.length, style === "general-glo");
    return n < 0 ? null : out.subarray(0, n);
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

function readIc(bytes: Uint8Array, at: number): number {
  return bytes[at] * 0x1000000 + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
}

function sameRange(bytes: Uint8Array, at: number, expected: Uint8Array): boolean {
  for (let i = 0; i < expected.length; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

