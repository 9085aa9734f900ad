import type { AuthThrottle } from "../auth-throttle";
import { ACSE_DIAGNOSTIC, APP_CONTEXT_LN_CIPHERED, MECHANISM_HLS_GMAC, type Aarq } from "../acse";
import type { AssociationSecurity, PolicySecurity } from "../access-policy";
import { EXCEPTION_SERVICE } from "../xdlms";
import { DECIPHERED, INVOCATION_COUNTER_ERROR, MeterSecurity } from "./meter-security";
import { SYSTEM_TITLE_LENGTH } from "./security-header";

const GLO_INITIATE_REQUEST = 0x21;
const INITIATE_REQUEST = 0x01;

/**
 * The management association (client SAP 1) as the DLMS server sees it: HLS-GMAC (mechanism 5),
 * LN referencing with ciphering, security suite 0, everything after the AARQ authenticated and
 * encrypted. One instance per accepted AARQ; the meter-wide state lives in MeterSecurity.
 */
class ManagementAssociationSecurity implements AssociationSecurity {
  readonly requiresCiphering = true;
  private proven = false;
  private failed = false;
  private readonly serverChallenge: Uint8Array;
  /** Answer in the style of the latest request (glo or general-glo). */
  private responseGeneralGlo = false;
  plainStart = 0;
  plainEnd = 0;
  private initiateCiphered = false;
  /** The glo-initiateRequest did not authenticate (wrong keys): the AARQ fails authentication. */
  initiateRejected = false;

  constructor(
    private readonly security: MeterSecurity,
    readonly clientTitle: Uint8Array,
    private readonly clientChallenge: Uint8Array,
  ) {
    this.serverChallenge = security.newChallenge();
  }

  get pending(): boolean {
    return !this.proven;
  }

  initiateRequest(userInformation: Uint8Array): Uint8Array | null {
    if (userInformation.length === 0) return null;
    if (userInformation[0] === INITIATE_REQUEST) return userInformation;
    if (userInformation[0] !== GLO_INITIATE_REQUEST) return null;
    const opened = this.security.decipher(userInformation, this.clientTitle);
    if (typeof opened === "string") {
      this.initiateRejected = opened === "deciphering-error";
      return null;
    }
    this.initiateCiphered = true;
    return opened.apdu;
  }

  initiateResponse(plain: Uint8Array): Uint8Array {
    if (!this.initiateCiphered) return plain;
    return this.security.encipher(plain, "glo") ?? plain;
  }

  aareExtras(): { respondingApTitle?: Uint8Array; respondingAuthenticationValue?: Uint8Array; diagnostic: number } {
    return {
      respondingApTitle: this.security.serverSystemTitle,
      respondingAuthenticationValue: this.serverChallenge,
      diagnostic: ACSE_DIAGNOSTIC.authenticationRequired,
    };
  }

  unwrapRequest(apdu: Uint8Array, start: number, end: number): number {
    const security = this.security;
    const opened = security.decipherInPlace(apdu, start, end, this.clientTitle);
    if (opened === INVOCATION_COUNTER_ERROR) return EXCEPTION_SERVICE.invocationCounterError;
    if (opened !== DECIPHERED) return EXCEPTION_SERVICE.decipheringError;
    this.responseGeneralGlo = security.openedGeneralGlo;
    this.plainStart = security.openedStart;
    this.plainEnd = security.openedEnd;
    return 0;
  }

  wrapResponse(bytes: Uint8Array, at: number, length: number): number {
    let n = this.security.encipherInPlace(bytes, at, length, this.responseGeneralGlo);
    // A key transfer answered by this response takes effect now: the answer went out under the old keys.
    if (this.security.hasPendingKeys) this.security.applyPendingKeys();
    if (n < 0) {
      // Only when the meter's counter is exhausted (2^32 - 1 APDUs): no ciphered answer is possible.
      bytes[at] = 0xd8;
      bytes[at + 1] = 0x01;
      bytes[at + 2] = EXCEPTION_SERVICE.operationNotPossible;
      n = 3;
    }
    return n;
  }

  /** Pass 3 -> 4. One try per association: a wrong proof leaves it pending for good. */
  replyToHlsAuthentication(clientProof: Uint8Array): Uint8Array | null {
    if (this.proven || this.failed) return null;
    if (!this.security.verifyClientProof(this.clientTitle, this.serverChallenge, clientProof)) {
      this.failed = true;
      return null;
    }
    const proof = this.security.serverProof(this.clientChallenge);
    if (!proof) return null;
    this.proven = true;
    return proof;
  }
}

const CIPHERED_LN_CONTEXTS: readonly number[] = Object.freeze([APP_CONTEXT_LN_CIPHERED]);

/**
 * What `managementPolicy()` needs from the security layer: the HLS-GMAC checks of the AARQ and
 * the per-association state.
 */
export class ManagementAuthentication implements PolicySecurity {
  readonly applicationContexts = CIPHERED_LN_CONTEXTS;
  readonly mechanism = MECHANISM_HLS_GMAC;
  /** The security the server built for the AARQ being checked (its glo-initiateRequest result). */
  private lastCreated: ManagementAssociationSecurity | null = null;

  constructor(private readonly security: MeterSecurity) {}

  authenticate(aarq: Aarq): number {
    if (!this.security.managementAvailable) return ACSE_DIAGNOSTIC.noReasonGiven;
    // The server builds the association's security (and opens its glo-initiateRequest) first.
    const rejected = this.lastCreated?.initiateRejected === true;
    this.lastCreated = null;
    if (rejected) return ACSE_DIAGNOSTIC.authenticationFailure;
    if (!aarq.callingApTitle || aarq.callingApTitle.length !== SYSTEM_TITLE_LENGTH) return ACSE_DIAGNOSTIC.authenticationFailure;
    if (!aarq.callingAuthenticationValue) return ACSE_DIAGNOSTIC.authenticationRequired;
    if (!MeterSecurity.acceptableClientChallenge(aarq.callingAuthenticationValue)) return ACSE_DIAGNOSTIC.authenticationFailure;
    return 0;
  }

  createSecurity(aarq: Aarq): AssociationSecurity | null {
    this.lastCreated = null;
    const security = this.security;
    if (!security.managementAvailable) return null;
    const title = aarq.callingApTitle;
    const challenge = aarq.callingAuthenticationValue;
    if (!title || title.length !== SYSTEM_TITLE_LENGTH || !MeterSecurity.acceptableClientChallenge(challenge ?? undefined)) return null;
    // decodeAarq's fields are the AARQ's own copies (never views of the receive buffer): kept as they are.
    security.clientSystemTitle = title;
    const created = new ManagementAssociationSecurity(security, title, challenge!);
    this.lastCreated = created;
    return created;
  }
}

/**
 * DlmsServer options of the security layer: the meter's authentication throttle, so the LLS
 * checks of the server and the HLS checks here share one back-off (and one persisted count).
 */
export function securityServerHooks(security: MeterSecurity): { throttle: AuthThrottle } {
  return { throttle: security.authThrottle };
}
