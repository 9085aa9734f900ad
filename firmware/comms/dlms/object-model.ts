/**
 * The COSEM object model: objects addressed by (class id, OBIS), each attribute and method a
 * small function over the meter's own API (no copies of meter state live here), and the access
 * policy of each association. `meter-objects.ts` fills the model from a Meter.
 */
import type { AxdrWriter, DlmsData } from "./axdr";
import type { Aarq } from "./acse";
import type { ByteSource } from "./stream";
import { obisKeyAt, parseObis } from "./xdlms";

/** What an object is about; association policies grant access by group. */
export type AccessGroup = "identity" | "association" | "clock" | "metering" | "profile" | "log" | "status" | "config" | "security" | "control";

/** What an attribute or method sees of the association asking. */
export interface AssociationView {
  readonly policy: AssociationPolicy;
  readonly clientSap: number;
  readonly conformance: number;
  readonly clientMaxReceivePdu: number;
  readonly serverMaxReceivePdu: number;
  readonly applicationContext: number;
  readonly mechanism: number;
  /** 0 non-associated, 1 association-pending (HLS pass 3 not done), 2 associated. */
  readonly status: number;
  /** The association's security (HLS, ciphering), or null for a plain association. */
  readonly security: AssociationSecurity | null;
}

export interface RequestContext {
  association: AssociationView;
  model: ObjectModel;
  /** Selective access selector (0 = none) and its parameters. */
  selector: number;
  parameters: DlmsData | null;
}

export interface AttributeDef {
  /** Writes the value into `w` and returns 0, or returns a stream, or a data-access-result code. */
  get?(ctx: RequestContext, w: AxdrWriter): number | ByteSource;
  /** Applies a value; returns a data-access-result code (0 success). */
  set?(value: DlmsData, ctx: RequestContext): number;
  /** Selective-access selectors accepted (profile buffers: 1 range, 2 entry). */
  selectors?: readonly number[];
  /** Never readable (the LLS secret). */
  secret?: boolean;
}

export interface MethodDef {
  /** Runs the method; may write return data into `w`. Returns an action-result code. */
  invoke(parameter: DlmsData | null, ctx: RequestContext, w: AxdrWriter): number;
}

export interface ObjectDef {
  classId: number;
  version: number;
  obis: string;
  name: string;
  group: AccessGroup;
  /** Attributes 2..n (attribute 1, logical_name, is served by the model). Index 0 = attribute 2. */
  attributes: readonly (AttributeDef | null)[];
  /** Methods 1..n. Index 0 = method 1. */
  methods?: readonly (MethodDef | null)[];
  /**
   * For objects profiles capture: the writer of a captured number of attribute `attribute`,
   * encoded as this object would encode the attribute (a profile read resolves it once per column).
   */
  capturedWriter?(attribute: number): CapturedWriter;
}

/** Writes one captured number (a profile row's column). */
export type CapturedWriter = (w: AxdrWriter, value: number) => void;

export interface CosemObject extends ObjectDef {
  readonly ln: Uint8Array;
  readonly key: number;
}

export class ObjectModel {
  /** In object_list order. */
  readonly objects: CosemObject[] = [];
  private readonly byKey = new Map<number, CosemObject>();

  add(def: ObjectDef): CosemObject {
    const ln = parseObis(def.obis);
    const key = obisKeyAt(ln, 0);
    if (this.byKey.has(key)) throw new Error(`COSEM object ${def.obis} defined twice`);
    checkSelectors(def);
    const obj: CosemObject = { ...def, ln, key };
    this.objects.push(obj);
    this.byKey.set(key, obj);
    return obj;
  }

  /** Replaces (or adds) the object at `def.obis`: a feature landing later takes its place. */
  replace(def: ObjectDef): CosemObject {
    const key = obisKeyAt(parseObis(def.obis), 0);
    const old = this.byKey.get(key);
    if (!old) return this.add(def);
    checkSelectors(def);
    const obj: CosemObject = { ...def, ln: old.ln, key };
    this.objects[this.objects.indexOf(old)] = obj;
    this.byKey.set(key, obj);
    return obj;
  }

  remove(obis: string): void {
    const key = obisKeyAt(parseObis(obis), 0);
    const old = this.byKey.get(key);
    if (!old) return;
    this.byKey.delete(key);
    this.objects.splice(this.objects.indexOf(old), 1);
  }

  /** The object at the OBIS in `bytes[offset..offset+6)`, whatever its class. */
  findAt(bytes: Uint8Array, offset: number): CosemObject | undefined {
    return this.byKey.get(obisKeyAt(bytes, offset));
  }

  find(obis: string): CosemObject | undefined {
    return this.byKey.get(obisKeyAt(parseObis(obis), 0));
  }
}

/** Number of attributes including logical_name. */
/** Selective-access selectors an attribute may list (the object_list writer reserves room for that many). */
export const MAX_SELECTORS = 8;

function checkSelectors(def: ObjectDef): void {
  for (const a of def.attributes) {
    if (a?.selectors && a.selectors.length > MAX_SELECTORS) throw new RangeError(`COSEM object ${def.obis}: more than ${MAX_SELECTORS} selectors`);
  }
}

export function attributeCount(obj: ObjectDef): number {
  return obj.attributes.length + 1;
}

export function attributeDef(obj: ObjectDef, attribute: number): AttributeDef | null {
  if (attribute < 2) return null;
  return obj.attributes[attribute - 2] ?? null;
}

export function methodDef(obj: ObjectDef, method: number): MethodDef | null {
  if (method < 1 || !obj.methods) return null;
  return obj.methods[method - 1] ?? null;
}

/** Result of checking an AARQ's authentication: an ACSE diagnostic (0 = accepted). */
export type AuthenticationCheck = (aarq: Aarq) => number;

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
  /** Unwraps a ciphered request: the plain APDU, or an Exception-Response service-error code (5, 6). */
  unwrapRequest(apdu: Uint8Array, start: number, end: number): Uint8Array | number;
  /** True when plain (unciphered) GET/SET/ACTION requests are refused in this association. */
  readonly requiresCiphering: boolean;
  /** Wraps a plain response APDU for sending (glo- or general-glo-ciphering). */
  wrapResponse(plain: Uint8Array, length: number): Uint8Array;
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
}

/** access_mode of an attribute for object_list: 0 none, 1 read, 2 write, 3 read-write. */
export function attributeAccessMode(policy: AssociationPolicy, obj: CosemObject, attribute: number): number {
  if (attribute < 2) return attribute === 1 ? 1 : 0;
  const def = obj.attributes[attribute - 2];
  if (!def) return 0;
  const read = !def.secret && def.get !== undefined && policy.canRead(obj, attribute);
  const write = def.set !== undefined && policy.canWrite(obj, attribute);
  return (read ? 1 : 0) | (write ? 2 : 0);
}

const CURRENT_ASSOCIATION = "0.0.40.0.0.255";

/** Public client (SAP 16): no authentication; identity objects, clock and its own association. */
export function publicPolicy(): AssociationPolicy {
  const sees = (obj: CosemObject) => obj.group === "identity" || obj.group === "clock" || obj.obis === CURRENT_ASSOCIATION;
  return {
    clientSap: 16,
    name: "public",
    applicationContexts: [1],
    mechanism: 0,
    authenticate: () => 0,
    canSee: sees,
    canRead: sees,
    canWrite: () => false,
    canInvoke: () => false,
  };
}

/** Reader (SAP 17): LLS password; reads everything but the security setup; no writes, no methods. */
export function readerPolicy(password: Uint8Array): AssociationPolicy {
  const sees = (obj: CosemObject) => obj.group !== "security";
  return {
    clientSap: 17,
    name: "reader",
    applicationContexts: [1],
    mechanism: 1,
    authenticate: (aarq) => {
      const given = aarq.callingAuthenticationValue;
      if (!given) return 14; // authentication-required
      return constantTimeEqual(given, password) ? 0 : 13; // authentication-failure
    },
    canSee: sees,
    canRead: sees,
    canWrite: () => false,
    canInvoke: () => false,
  };
}

/**
 * Management (SAP 1): everything. Its authentication (HLS-GMAC) and ciphering come from the
 * security layer (issue 8), passed in as `security`; without one this policy is not offered.
 */
export function managementPolicy(security: Pick<AssociationPolicy, "authenticate" | "createSecurity" | "applicationContexts" | "mechanism">): AssociationPolicy {
  return {
    clientSap: 1,
    name: "management",
    ...security,
    canSee: () => true,
    canRead: () => true,
    canWrite: () => true,
    canInvoke: () => true,
  };
}

/** Compares secrets without an early exit on the first differing byte. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
