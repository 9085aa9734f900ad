import type { Crypto } from "../../../hal/crypto";
import { aesKeyUnwrap } from "../../crypto/key-wrap";
import type { PersistentRecord } from "./persistence";
import { deepFreeze } from "../../../kernel/freeze";

/** The management association's keys (security suite 0: all AES-128). */
export interface SecurityKeySet {
  /** Global unicast encryption key (EK). */
  encryptionKey: Uint8Array;
  /** Authentication key (AK). */
  authenticationKey: Uint8Array;
  /** Master key (KEK): wraps the other two on key transfer. */
  masterKey: Uint8Array;
}

const hex = (s: string): Uint8Array => {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
};

/**
 * Simulator defaults (the widely used DLMS test keys; the master key is Gurux's default KEK).
 * A device build refuses to run the management association with any of them.
 */
export const DEFAULT_SIMULATOR_KEYS: Readonly<SecurityKeySet> = Object.freeze({
  encryptionKey: hex("000102030405060708090A0B0C0D0E0F"),
  authenticationKey: hex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"),
  masterKey: hex("000102030405060708090A0B0C0D0E0F"),
});

/** Key ids of the security setup's global_key_transfer method (IC 64). */
const KEY_ID = deepFreeze({ globalUnicastEncryption: 0, globalBroadcastEncryption: 1, authentication: 2, master: 3 } as const);

/** Security policy values of IC 64 version 0. */
export const SECURITY_POLICY = deepFreeze({ none: 0, authenticated: 1, encrypted: 2, authenticatedAndEncrypted: 3 } as const);

const RECORD_VERSION = 1;
const KEY_LENGTH = 16;

/**
 * Keys and security policy, persisted as one record: version, policy, EK, AK, KEK. Keys never go
 * to a log or a report: nothing here formats them, and `describe()` says only whether they are
 * the simulator defaults.
 */
export class KeyStore {
  private current: SecurityKeySet;
  policy: number = SECURITY_POLICY.authenticatedAndEncrypted;

  constructor(private readonly record: PersistentRecord, initial: SecurityKeySet | null) {
    const stored = record.read();
    if (stored && stored.length === 2 + 3 * KEY_LENGTH && stored[0] === RECORD_VERSION) {
      this.policy = stored[1];
      this.current = {
        encryptionKey: stored.slice(2, 18),
        authenticationKey: stored.slice(18, 34),
        masterKey: stored.slice(34, 50),
      };
    } else if (initial) {
      this.current = copyKeys(initial);
      this.persist();
    } else {
      // Nothing provisioned: all-zero placeholders, and `provisioned` stays false.
      this.current = { encryptionKey: new Uint8Array(16), authenticationKey: new Uint8Array(16), masterKey: new Uint8Array(16) };
    }
  }

  get keys(): Readonly<SecurityKeySet> {
    return this.current;
  }

  /** False until keys were provisioned (stored or handed to the constructor). */
  get provisioned(): boolean {
    return !isZero(this.current.encryptionKey) || !isZero(this.current.authenticationKey);
  }

  /** True when any key equals a simulator default. */
  usesDefaultKeys(): boolean {
    const d = DEFAULT_SIMULATOR_KEYS;
    const k = this.current;
    return equal(k.encryptionKey, d.encryptionKey) || equal(k.authenticationKey, d.authenticationKey) || equal(k.masterKey, d.masterKey);
  }

  describe(): string {
    return this.usesDefaultKeys() ? "simulator default keys" : this.provisioned ? "provisioned keys" : "no keys";
  }

  /**
   * Unwraps every key (RFC 3394 with the master key) before changing any: all or nothing.
   * Returns the resulting key set (not yet installed), or null when an entry is malformed, names
   * a key this meter does not use, or fails its integrity check.
   */
  unwrapTransfer(crypto: Crypto, entries: readonly { keyId: number; wrapped: Uint8Array }[]): SecurityKeySet | null {
    if (entries.length === 0) return null;
    const next = copyKeys(this.current);
    for (const { keyId, wrapped } of entries) {
      const key = aesKeyUnwrap(crypto, this.current.masterKey, wrapped);
      if (!key || key.length !== KEY_LENGTH) return null;
      if (keyId === KEY_ID.globalUnicastEncryption) next.encryptionKey = key;
      else if (keyId === KEY_ID.authentication) next.authenticationKey = key;
      else if (keyId === KEY_ID.master) next.masterKey = key;
      else return null; // broadcast keys are not used by this meter
    }
    return next;
  }

  /** Installs and persists a key set (after the response under the old keys has gone out). */
  install(keys: SecurityKeySet): void {
    this.current = copyKeys(keys);
    this.persist();
  }

  setPolicy(policy: number): void {
    this.policy = policy;
    this.persist();
  }

  private persist(): void {
    const data = new Uint8Array(2 + 3 * KEY_LENGTH);
    data[0] = RECORD_VERSION;
    data[1] = this.policy;
    data.set(this.current.encryptionKey, 2);
    data.set(this.current.authenticationKey, 18);
    data.set(this.current.masterKey, 34);
    this.record.write(data);
  }
}

function copyKeys(k: SecurityKeySet): SecurityKeySet {
  for (const key of [k.encryptionKey, k.authenticationKey, k.masterKey]) {
    if (key.length !== KEY_LENGTH) throw new RangeError(`security suite 0 keys are 16 bytes, not ${key.length}`);
  }
  return { encryptionKey: k.encryptionKey.slice(), authenticationKey: k.authenticationKey.slice(), masterKey: k.masterKey.slice() };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function isZero(a: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}
