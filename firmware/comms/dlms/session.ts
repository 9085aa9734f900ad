/**
 * One DLMS session, independent of framing: APDUs in (`handleApdu`), APDUs out through an
 * ApduOutput. The session owns the association, dispatches to the service modules (ACSE in
 * association.ts, GET, SET, ACTION, block transfer) and applies the association's ciphering
 * around them. The TCP WRAPPER (connection.ts) is one framer; an HDLC framer plugs in the same
 * way: it calls `handleApdu` with whole APDUs and sends what `sendApdu` hands it.
 */
import type { Log } from "../../hal/log";
import { ACSE_TAG, decodeRlrq, encodeRlre } from "./acse";
import { CIPHERING_OVERHEAD } from "./access-policy";
import { type AarqOutcome, type AcseSettings, type Association, isHlsReply, openAssociation } from "./association";
import { AxdrWriter, DecodeError } from "./axdr";
import { handleAction } from "./action-service";
import { handleGet } from "./get-service";
import { type AssociationView, type CosemObject, type ObjectModel, type RequestContext, scratchObject } from "./object-model";
import { handleSet } from "./set-service";
import { APDU, EXCEPTION_SERVICE, EXCEPTION_STATE } from "./xdlms";
import { DescriptorFields } from "./xdlms-pdu";

/**
 * Where an APDU starts in the session's reply buffer: room before it for the largest framing
 * header (WRAPPER 8 bytes; HDLC up to 14 with the LLC bytes), so a framer writes its header in
 * place. A constant, so the services' offsets fold at build time.
 */
export const APDU_OFFSET = 16;

/** Where a session's answers go: the framer. */
export interface ApduOutput {
  /** Sends the APDU at `buffer[APDU_OFFSET, APDU_OFFSET + length)`; the framer may write its header before it. */
  sendApdu(buffer: Uint8Array, length: number): void;
}

/** What a session needs from its server. */
export interface SessionSettings extends AcseSettings {
  readonly log: Log;
  readonly model: ObjectModel;
  /** Largest value accepted through SET with datablocks. */
  readonly maxSetBlockBytes: number;
  /** An AARQ outcome, for the owner's logs. */
  associationOutcome(outcome: AarqOutcome, clientSap: number): void;
}

const NO_ASSOCIATION = null as AssociationView | null;
/** The RLRE (reason normal) answering every RLRQ: built once, copied into the reply buffer by sendRaw. */
const RLRE_NORMAL = encodeRlre();

export class DlmsSession {
  association: Association | null = null;
  /** AARQs received (the connection policy wants one soon after connect). */
  aarqs = 0;
  /** The reply buffer: room for the framer's header, then the APDU at APDU_OFFSET. */
  readonly w: AxdrWriter;
  readonly ctx: RequestContext;
  /** The request's attribute or method descriptor, read in place by the GET, SET and ACTION services. */
  readonly request = new DescriptorFields();

  constructor(readonly settings: SessionSettings, private readonly output: ApduOutput) {
    this.w = new AxdrWriter(APDU_OFFSET + 256);
    this.ctx = { association: NO_ASSOCIATION!, model: settings.model, object: scratchObject(), selector: 0, parameters: null };
  }

  /** Handles one whole APDU from client SAP `source`; every input gets an answer. */
  handleApdu(source: number, apdu: Uint8Array, start: number, end: number): void {
    try {
      if (end <= start) {
        this.sendException(EXCEPTION_STATE.serviceUnknown, EXCEPTION_SERVICE.serviceNotSupported);
        return;
      }
      const tag = apdu[start];
      if (tag === ACSE_TAG.aarq) {
        this.aarqs++;
        this.association = null;
        const outcome = openAssociation(this.settings, source, apdu, start, end);
        this.association = outcome.association;
        this.settings.associationOutcome(outcome, source);
        this.sendRaw(outcome.aare);
        return;
      }
      if (tag === ACSE_TAG.rlrq) {
        decodeRlrq(apdu, start, end);
        this.association = null;
        this.sendRaw(RLRE_NORMAL);
        return;
      }
      const a = this.association;
      if (a === null || a.clientSap !== source) {
        this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.operationNotPossible);
        return;
      }
      const bytes = apdu;
      let from = start;
      let to = end;
      const ciphered = tag === APDU.gloGetRequest || tag === APDU.gloSetRequest || tag === APDU.gloActionRequest || tag === APDU.generalGloCiphering;
      if (ciphered) {
        if (!a.security) {
          this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
          return;
        }
        const failure = a.security.unwrapRequest(apdu, start, end);
        if (failure !== 0) {
          this.sendException(EXCEPTION_STATE.serviceNotAllowed, failure);
          return;
        }
        from = a.security.plainStart;
        to = a.security.plainEnd;
        if (to === 0) throw new DecodeError("empty deciphered APDU");
      } else if (a.security?.requiresCiphering && (tag === APDU.getRequest || tag === APDU.setRequest || tag === APDU.actionRequest)) {
        this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.operationNotPossible);
        return;
      }
      if (to - from > this.settings.serverMaxReceivePdu) {
        this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.pduTooLong);
        return;
      }
      if (a.security?.pending && !isHlsReply(bytes, from, to)) {
        this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.operationNotPossible);
        return;
      }
      switch (bytes[from]) {
        case APDU.getRequest:
          handleGet(this, a, bytes, from, to);
          return;
        case APDU.setRequest:
          handleSet(this, a, bytes, from, to);
          return;
        case APDU.actionRequest:
          handleAction(this, a, bytes, from, to);
          return;
        default:
          this.sendException(EXCEPTION_STATE.serviceUnknown, EXCEPTION_SERVICE.serviceNotSupported);
      }
  
    } catch (e) {
      if (!(e instanceof DecodeError)) this.settings.log.error(`DLMS: internal error: ${(e as Error).message}`);
      this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.otherReason);
    }
  }

  /** Drops the association (connection closing). */
  release(): void {
    this.association = null;
  }

  // ---- output (used by the service modules) ----

  /** Largest APDU this association may receive, less the ciphering overhead. */
  sendCapacity(a: Association): number {
    return a.security ? a.clientMaxReceivePdu - CIPHERING_OVERHEAD : a.clientMaxReceivePdu;
  }

  /** Object `index` of the model in the session's scratch object (valid until the next request). */
  object(index: number): CosemObject {
    return this.settings.model.load(index, this.ctx.object);
  }

  /** Fills the request context for an attribute or method of association `a`. */
  context(a: Association, object: CosemObject, selector: number, parameters: RequestContext["parameters"]): RequestContext {
    const ctx = this.ctx;
    ctx.association = a;
    ctx.object = object;
    ctx.selector = selector;
    ctx.parameters = parameters;
    return ctx;
  }

  sendException(stateError: number, serviceError: number): void {
    const w = this.w;
    w.length = APDU_OFFSET;
    w.u8(APDU.exceptionResponse);
    w.u8(stateError);
    w.u8(serviceError);
    this.send(3);
  }

  /** Sends a short APDU given as its bytes. */
  sendSmall(apdu: readonly number[]): void {
    const w = this.w;
    w.length = APDU_OFFSET;
    for (let i = 0; i < apdu.length; i++) w.u8(apdu[i]);
    this.send(apdu.length);
  }

  /** Sends an APDU as is (ACSE: never ciphered). */
  sendRaw(apdu: Uint8Array): void {
    const w = this.w;
    w.length = APDU_OFFSET;
    w.raw(apdu);
    this.output.sendApdu(w.bytes, apdu.length);
  }

  /** Sends the APDU at w[at, at + length), ciphered when the association is. */
  send(length: number): void {
    const security = this.association?.security;
    const w = this.w;
    if (security && w.bytes[APDU_OFFSET] !== APDU.exceptionResponse) {
      w.length = APDU_OFFSET + length;
      w.ensure(CIPHERING_OVERHEAD);
      length = security.wrapResponse(w.bytes, APDU_OFFSET, length);
    }
    this.output.sendApdu(w.bytes, length);
  }
}
