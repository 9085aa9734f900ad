/**
 * Who sees and may do what in the COSEM object model: the association policies (public, reader
 * with LLS, management with HLS-GMAC and ciphering) and the access modes they give each
 * attribute and method. Split from object-model.ts, which it reads through CosemObject.
 */
import type { Aarq } from "./acse";
import type { AttributeDef, CosemObject } from "./object-model";

/**
 * Most bytes ciphering adds to an APDU: a general-glo header (tag, title length, 8-byte title,
 * a 5-byte A-XDR length), SC, IC and the 12-byte tag.
 */
export const CIPHERING_OVERHEAD = 2 + 8 + 5 + 5 + 12;

/** Result of checking an AARQ's authentication: an ACSE diagnostic (0 = accepted). */
type AuthenticationCheck = (aarq: Aarq) => number;

/**
 * Per-association security (HLS-GMAC, ciphering): created for an accepted AARQ by a policy
 * that has one. The server calls these around every APDU of that association.
 */
export interface AssociationSecurity {
  /** The plain InitiateRequest from the AARQ user-information (unwrapping glo-initiateRequest), or null = refuse. */
  initiateRequest(userInformation: Uint8Array): Uint8Array | null;
  /** The user-information of the AARE from the plain InitiateResponse (wrapping it when ciphered). */
  initiateResponse(plain: Uint8Array): Uint8Array;
  /** Extra AARE fields (responding-AP-title, server challenge) and the diagnostic to send (14 for HLS). */
  aareExtras(): { respondingApTitle?: Uint8Array; respondingAuthenticationValue?: Uint8Array; diagnostic: number };
  /** True until the client has proven itself (HLS pass 3): only ACTION 15/0.0.40.0.0.255/1 is served. */
  readonly pending: boolean;
  /**
   * Unwraps a ciphered request in place: 0, with the plain APDU at apdu[plainStart, plainEnd),
   * or an Exception-Response service-error code (5, 6).
   */
  unwrapRequest(apdu: Uint8Array, start: number, end: number): number;
  /** Where unwrapRequest left the plain APDU. */
  readonly plainStart: number;
  readonly plainEnd: number;
  /** True when plain (unciphered) GET/SET/ACTION requests are refused in this association. */
  readonly requiresCiphering: boolean;
  /**
   * Wraps the plain response APDU at bytes[at, at + length) in place (glo- or general-glo-
   * ciphering); `bytes` has CIPHERING_OVERHEAD bytes of room after it. Returns the new length.
   */
  wrapResponse(bytes: Uint8Array, at: number, length: number): number;
  /** HLS pass 3/4: checks f(StoC) and returns f(CtoS), or null when the proof is wrong. */
  replyToHlsAuthentication?(clientProof: Uint8Array): Uint8Array | null;
}

export interface AssociationPolicy {
  readonly clientSap: number;
  readonly name: string;
  /** Application context ids accepted (1 LN, 3 LN with ciphering). */
  readonly applicationContexts: readonly number[];
  /** Mechanism id required (0 none, 1 LLS, 5 HLS-GMAC). */
  readonly mechanism: number;
  /** Checks authentication of an AARQ already known to carry the right mechanism. */
  authenticate: AuthenticationCheck;
  /** For HLS/ciphered associations: builds the security state of an accepted AARQ. */
  createSecurity?(aarq: Aarq): AssociationSecurity | null;
  /** Conformance offered to this association (default: SERVER_CONFORMANCE). */
  readonly conformance?: number;
  canSee(obj: CosemObject): boolean;
  canRead(obj: CosemObject, attribute: number): boolean;
  canWrite(obj: CosemObject, attribute: number): boolean;
  canInvoke(obj: CosemObject, method: number): boolean;
  /** True when canRead and canWrite do not depend on the attribute (the object_list asks once per object). */
  readonly perObject?: boolean;
}

/** access_mode of attribute `attribute` (>= 2) of `obj` whose definition is `def`. */
export function accessMode(policy: AssociationPolicy, obj: CosemObject, def: AttributeDef | null | undefined, attribute: number): number {
  if (!def) return 0;
  return modeOf(def, !def.secret && def.get !== undefined && policy.canRead(obj, attribute), def.set !== undefined && policy.canWrite(obj, attribute));
}

/** access_mode of an attribute the policy may (`read`, `write`) read or write: what `def` allows of it. */
function modeOf(def: AttributeDef | null | undefined, read: boolean, write: boolean): number {
  if (!def) return 0;
  return (read && !def.secret && def.get !== undefined ? 1 : 0) | (write && def.set !== undefined ? 2 : 0);
}

const CURRENT_ASSOCIATION_KEY = 0x280000ff; // 0.0.40.0.0.255
const LN_CONTEXTS: readonly number[] = Object.freeze([1]);

/** What an association may touch: 0 identity, clock and its own association; 1 all but security; 2 everything. */
export const ACCESS_RIGHTS = Object.freeze({ public: 0, reader: 1, all: 2 });

/**
 * An association's rights as one small object (behaviour on the prototype): client SAP, name,
 * contexts, mechanism, what it sees, and for LLS the password.
 */
export class AccessPolicy implements AssociationPolicy {
  constructor(
    readonly clientSap: number,
    readonly name: string,
    readonly applicationContexts: readonly number[],
    readonly mechanism: number,
    /** ACCESS_RIGHTS: what the association sees; reader and public can neither write nor invoke. */
    readonly rights: number,
    private readonly password: Uint8Array | null = null,
  ) {
    this.groups = rights === ALL ? ALL_GROUPS : rights === READER ? ALL_GROUPS & ~(1 << SECURITY_GROUP) : (1 << IDENTITY_GROUP) | (1 << CLOCK_GROUP);
  }
  /** Bit n set: the association sees (and reads) the objects of access group n (ACCESS_GROUPS). */
  private readonly groups: number;
  /** canRead and canWrite do not depend on the attribute (a field: the object_list reads it per object). */
  readonly perObject = true;

  authenticate(aarq: Aarq): number {
    if (this.password === null) return 0;
    const given = aarq.callingAuthenticationValue;
    if (!given) return 14; // authentication-required
    return constantTimeEqual(given, this.password) ? 0 : 13; // authentication-failure
  }
  canSee(obj: CosemObject): boolean {
    return ((this.groups >> ((obj.info >> 8) & 15)) & 1) === 1 || obj.key === CURRENT_ASSOCIATION_KEY;
  }
  // The object_list asks this for every attribute of every object: one expression, no calls.
  canRead(obj: CosemObject, attribute: number): boolean {
    void attribute;
    return ((this.groups >> ((obj.info >> 8) & 15)) & 1) === 1 || obj.key === CURRENT_ASSOCIATION_KEY;
  }
  canWrite(obj: CosemObject, attribute: number): boolean {
    void obj;
    void attribute;
    return this.rights === ALL;
  }
  canInvoke(obj: CosemObject, method: number): boolean {
    void obj;
    void method;
    return this.rights === ALL;
  }
}

const READER = 1; // ACCESS_RIGHTS.reader
const ALL = 2; // ACCESS_RIGHTS.all
const IDENTITY_GROUP = 0;
const CLOCK_GROUP = 2;
const SECURITY_GROUP = 8;
const ALL_GROUPS = 0x3ff;

/** Public client (SAP 16): no authentication; identity objects, clock and its own association. */
export function publicPolicy(): AssociationPolicy {
  return new AccessPolicy(16, "public", LN_CONTEXTS, 0, ACCESS_RIGHTS.public);
}

/** Reader (SAP 17): LLS password; reads everything but the security setup; no writes, no methods. */
export function readerPolicy(password: Uint8Array): AssociationPolicy {
  return new AccessPolicy(17, "reader", LN_CONTEXTS, 1, ACCESS_RIGHTS.reader, password);
}

/** The HLS side of an association policy: the security layer's AARQ checks and per-association state. */
export interface PolicySecurity {
  readonly applicationContexts: readonly number[];
  readonly mechanism: number;
  authenticate(aarq: Aarq): number;
  createSecurity(aarq: Aarq): AssociationSecurity | null;
}

/** Management (SAP 1): everything, with the security layer's authentication and ciphering. */
class ManagementPolicy extends AccessPolicy {
  constructor(private readonly security: PolicySecurity) {
    super(1, "management", security.applicationContexts, security.mechanism, ACCESS_RIGHTS.all);
  }
  override authenticate(aarq: Aarq): number {
    return this.security.authenticate(aarq);
  }
  createSecurity(aarq: Aarq): AssociationSecurity | null {
    return this.security.createSecurity(aarq);
  }
}

/**
 * Management (SAP 1): everything. Its authentication (HLS-GMAC) and ciphering come from the
 * security layer (issue 8), passed in as `security`; without one this policy is not offered.
 */
export function managementPolicy(security: PolicySecurity): AssociationPolicy {
  return new ManagementPolicy(security);
}

/** Compares secrets without an early exit on the first differing byte. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
