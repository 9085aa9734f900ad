/**
 * ACSE for one session: an AARQ in, the AARE out, and the Association it opens. The xDLMS
 * InitiateRequest in the user-information is negotiated first, so that even a refusal carries
 * an InitiateResponse (or the initiate error) as dlms-lite section 7 defines. Credentials are
 * checked only when the authentication throttle allows it (issue 14): during a back-off window
 * an AARQ that needs a credential is refused without looking at it.
 */
import { type Aarq, ACSE_DIAGNOSTIC, APP_CONTEXT_LN, decodeAarq, dlmsOidId, encodeAare, MECHANISM_NONE } from "./acse";
import type { AuthThrottle } from "./auth-throttle";
import type { LongGet, PendingSet } from "./block-transfer";
import type { AssociationView } from "./object-model";
import type { AssociationPolicy, AssociationSecurity } from "./access-policy";
import { ACTION, APDU, decodeInitiateRequest, encodeInitiateResponse, initiateError, SERVER_CONFORMANCE } from "./xdlms";
import { deepFreeze } from "../../kernel/freeze";

/** association_status of the current association (class 15 attribute 8). */
export const ASSOCIATION_STATUS = deepFreeze({ nonAssociated: 0, pending: 1, associated: 2 } as const);

/** AARE result field. */
const AARE_RESULT = deepFreeze({ accepted: 0, rejectedPermanent: 1, rejectedTransient: 2 } as const);

/** Per-session association state: what the services see through AssociationView, plus transfer state. */
export class Association implements AssociationView {
  status: number = ASSOCIATION_STATUS.associated;
  /** A GET answered in blocks, until its last block has gone out. */
  longGet: LongGet | null = null;
  /** A SET with datablocks being received. */
  pendingSet: PendingSet | null = null;
  constructor(
    readonly policy: AssociationPolicy,
    readonly clientSap: number,
    readonly conformance: number,
    readonly clientMaxReceivePdu: number,
    readonly serverMaxReceivePdu: number,
    readonly applicationContext: number,
    readonly mechanism: number,
    readonly security: AssociationSecurity | null,
  ) {}

  /** True once a credential (LLS password or HLS proof) has been checked and accepted. */
  get authenticated(): boolean {
    return this.policy.mechanism !== MECHANISM_NONE && this.status === ASSOCIATION_STATUS.associated;
  }
}

/** What the server offers every association. */
export interface AcseSettings {
  readonly policies: readonly AssociationPolicy[];
  readonly serverMaxReceivePdu: number;
  readonly maxSendPdu: number;
  readonly throttle: AuthThrottle;
}

/** Outcome of an AARQ: the AARE to send and, when accepted, the association. */
export interface AarqOutcome {
  aare: Uint8Array;
  association: Association | null;
  /** ACSE diagnostic sent (0 accepted without further authentication). */
  diagnostic: number;
  /** The outcome is reported to the owner (communication log, back-off): false for malformed or unknown-client AARQs. */
  reported: boolean;
  /** A credential (LLS password, HLS keys) was evaluated. */
  credentialChecked: boolean;
  /** Refused without a check because the throttle's back-off window is running. */
  throttled: boolean;
}

function refusal(context: number, diagnostic: number, userInformation: Uint8Array | null, reported: boolean, credentialChecked = false, result: number = AARE_RESULT.rejectedPermanent): AarqOutcome {
  const aare = encodeAare({ applicationContext: context, result, diagnostic, userInformation: userInformation ?? undefined });
  return { aare, association: null, diagnostic, reported, credentialChecked, throttled: result === AARE_RESULT.rejectedTransient };
}

/** Handles an AARQ at `apdu[start, end)` from client SAP `source`. */
export function openAssociation(settings: AcseSettings, source: number, apdu: Uint8Array, start: number, end: number): AarqOutcome {
  let aarq: Aarq;
  try {
    aarq = decodeAarq(apdu, start, end);
  } catch {
    return refusal(APP_CONTEXT_LN, ACSE_DIAGNOSTIC.noReasonGiven, null, false);
  }
  const policy = settings.policies.find((p) => p.clientSap === source);
  const proposedContext = dlmsOidId(aarq.applicationContext, 1);
  const context = proposedContext === 1 || proposedContext === 3 ? proposedContext : APP_CONTEXT_LN;
  if (!policy) return refusal(context, ACSE_DIAGNOSTIC.noReasonGiven, null, false);
  if (!policy.applicationContexts.includes(proposedContext)) return refusal(context, ACSE_DIAGNOSTIC.applicationContextNameNotSupported, null, false);
  const mechanism = aarq.mechanismName ? dlmsOidId(aarq.mechanismName, 2) : MECHANISM_NONE;
  const checks = mechanism === policy.mechanism && policy.mechanism !== MECHANISM_NONE;
  // The throttle gates every credential: during back-off nothing is evaluated, not even the
  // ciphered InitiateRequest of the management association (whose tag proves the keys).
  if (checks && !settings.throttle.mayCheck()) {
    return refusal(context, ACSE_DIAGNOSTIC.authenticationFailure, null, true, false, AARE_RESULT.rejectedTransient);
  }
  // The xDLMS part is negotiated first so that even a rejection carries an InitiateResponse.
  let security: AssociationSecurity | null = null;
  let userInformation: Uint8Array | null = null;
  let conformance = 0;
  let clientPdu = 0;
  let initiateProblem = 0;
  let ui: Uint8Array | null = aarq.userInformation;
  if (ui && mechanism === policy.mechanism && policy.createSecurity) {
    security = policy.createSecurity(aarq);
    ui = security ? security.initiateRequest(ui) : null;
  }
  if (!ui) {
    initiateProblem = -1;
  } else {
    try {
      const init = decodeInitiateRequest(ui);
      conformance = init.conformance & (policy.conformance ?? SERVER_CONFORMANCE);
      clientPdu = Math.min(settings.maxSendPdu, Math.max(64, init.clientMaxReceivePdu));
      if (init.dlmsVersion < 6) initiateProblem = 1;
      else if (conformance === 0) initiateProblem = 2;
      const plain = initiateProblem ? initiateError(initiateProblem) : encodeInitiateResponse(conformance, settings.serverMaxReceivePdu);
      userInformation = security && !initiateProblem ? security.initiateResponse(plain) : plain;
    } catch {
      initiateProblem = -1;
    }
  }
  let diagnostic: number;
  if (mechanism !== policy.mechanism) {
    diagnostic = policy.mechanism !== MECHANISM_NONE && mechanism === MECHANISM_NONE ? ACSE_DIAGNOSTIC.mechanismNameRequired : ACSE_DIAGNOSTIC.mechanismNameNotRecognised;
  } else {
    diagnostic = policy.authenticate(aarq);
    if (diagnostic === 0 && policy.createSecurity && !security) diagnostic = ACSE_DIAGNOSTIC.authenticationFailure;
  }
  if (diagnostic === 0 && initiateProblem !== 0) diagnostic = ACSE_DIAGNOSTIC.noReasonGiven;
  if (diagnostic !== 0) return refusal(context, diagnostic, userInformation, true, checks);
  const association = new Association(policy, source, conformance, clientPdu, settings.serverMaxReceivePdu, proposedContext, mechanism, security);
  const extras = security ? security.aareExtras() : { diagnostic: 0 };
  if (security?.pending) association.status = ASSOCIATION_STATUS.pending;
  const aare = encodeAare({
    applicationContext: context,
    result: AARE_RESULT.accepted,
    diagnostic: extras.diagnostic,
    respondingApTitle: extras.respondingApTitle,
    mechanism: extras.respondingAuthenticationValue ? mechanism : undefined,
    respondingAuthenticationValue: extras.respondingAuthenticationValue,
    userInformation: userInformation ?? undefined,
  });
  return { aare, association, diagnostic: extras.diagnostic, reported: true, credentialChecked: checks, throttled: false };
}

/** ACTION-Request normal on class 15, 0.0.40.0.0.255, method 1 (HLS pass 3). */
export function isHlsReply(b: Uint8Array, start: number, end: number): boolean {
  return end - start >= 13 && b[start] === APDU.actionRequest && b[start + 1] === ACTION.normal && b[start + 3] === 0 && b[start + 4] === 15 &&
    b[start + 5] === 0 && b[start + 6] === 0 && b[start + 7] === 40 && b[start + 8] === 0 && b[start + 9] === 0 && b[start + 10] === 255 && b[start + 11] === 1;
}
