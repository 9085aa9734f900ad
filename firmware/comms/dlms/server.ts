/**
 * DLMS-lite server over the TcpListener port: one Connection per TCP client, each with its own
 * association, WRAPPER reassembly, block-transfer state and idle timer. Every input gets the
 * answer docs/dlms-profile.md section 7 defines; nothing here throws out to the socket layer.
 */
import type { Clock, Log, TimerId } from "../../hal";
import { writeU32BE } from "../../kernel/bytes";
import type { Network, TcpListener, TcpSocket } from "../../hal/tcp";
import { type Aarq, ACSE_DIAGNOSTIC, ACSE_TAG, APP_CONTEXT_LN, decodeAarq, decodeRlrq, dlmsOidId, encodeAare, encodeRlre, MECHANISM_NONE } from "./acse";
import { AxdrReader, AxdrWriter, DecodeError, type DlmsData } from "./axdr";
import {
  type AssociationPolicy, type AssociationSecurity, type AssociationView, attributeDef, methodDef, type ObjectModel, type RequestContext,
} from "./object-model";
import { type ByteSource, BytesSource, PieceSource } from "./stream";
import { WRAPPER_HEADER_LENGTH, WrapperReassembler, type WrapperSink, writeWrapperHeader } from "./wrapper";
import {
  ACTION, APDU, CONFORMANCE, decodeInitiateRequest, encodeInitiateResponse, EXCEPTION_SERVICE, EXCEPTION_STATE, GET, initiateError, RESULT, SERVER_CONFORMANCE, SET,
} from "./xdlms";

export interface DlmsServerOptions {
  clock: Clock;
  log: Log;
  model: ObjectModel;
  policies: AssociationPolicy[];
  /** Largest APDU a client may send (advertised in the AARE). Default 1024. */
  serverMaxReceivePdu?: number;
  /** Cap on the APDUs the server sends, whatever the client allows. Default 65535. */
  maxSendPdu?: number;
  /** Idle time after which a connection is closed. Default 120 s. */
  idleTimeoutMs?: number;
  /** Concurrent connections; further ones are closed at once. Default 16. */
  maxConnections?: number;
  /** Largest value accepted through SET with datablocks. Default 8192 bytes. */
  maxSetBlockBytes?: number;
  /** Server (logical device) wPort. Default 1. */
  serverWPort?: number;
  /** Association outcome (communication log, authentication back-off). */
  onAssociation?(clientSap: number, accepted: boolean, diagnostic: number, socket: TcpSocket): void;
  /** Delay before sending an AARE to this peer (growing after repeated authentication failures). */
  aareDelayMs?(socket: TcpSocket): number;
}

/** Where a session's reply APDUs go when it is not the WRAPPER over TCP (the optical port's HDLC link). */
export interface ApduPort {
  /** The reply APDU `apdu[start, end)`; valid only during the call. */
  sendApdu(apdu: Uint8Array, start: number, end: number): void;
}

/** Per-connection association state. */
class Association implements AssociationView {
  status = 2;
  longGet: LongGet | null = null;
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
}

/** A GET answered in blocks: bytes already produced but not sent (`carry`), then the source. */
class LongGet {
  blockNumber = 0;
  carryPos = 0;
  constructor(readonly source: ByteSource, readonly carry: Uint8Array | null) {}
  get done(): boolean {
    return (this.carry === null || this.carryPos >= this.carry.length) && this.source.done;
  }
  read(out: Uint8Array, offset: number, max: number): number {
    let n = 0;
    if (this.carry && this.carryPos < this.carry.length) {
      n = Math.min(max, this.carry.length - this.carryPos);
      out.set(this.carry.subarray(this.carryPos, this.carryPos + n), offset);
      this.carryPos += n;
    }
    if (n < max) n += this.source.read(out, offset + n, max - n);
    return n;
  }
}

interface PendingSet {
  classId: number;
  ln: Uint8Array;
  attribute: number;
  blockNumber: number;
  data: AxdrWriter;
}

interface ListItem {
  classId: number;
  ln: Uint8Array;
  attribute: number;
  selector: number;
  parameters: DlmsData | null;
}

/** GET-with-list answer as a stream: count, then each item's Get-Data-Result read when reached. */
class ListSource extends PieceSource {
  constructor(private readonly items: ListItem[], private readonly connection: Connection) {
    super();
  }
  protected get count(): number {
    return this.items.length;
  }
  protected begin(w: AxdrWriter): void {
    w.lengthField(this.items.length);
  }
  protected piece(i: number, w: AxdrWriter): ByteSource | null {
    const item = this.items[i];
    const mark = w.length;
    w.u8(0);
    const result = this.connection.readAttribute(item.classId, item.ln, 0, item.attribute, item.selector, item.parameters, w);
    if (typeof result === "number") {
      if (result !== 0) {
        w.length = mark;
        w.u8(1);
        w.u8(result);
      }
      return null;
    }
    return result;
  }
}

const GET_NORMAL_HEADER = 4; // C4 01 invoke choice
const BLOCK_HEADER = 9; // C4 02 invoke last block-number(4) choice

export class DlmsServer {
  readonly serverMaxReceivePdu: number;
  readonly maxSendPdu: number;
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxSetBlockBytes: number;
  readonly serverWPort: number;
  readonly connections = new Set<Connection>();
  listener: TcpListener | null = null;
  private idleTimer: TimerId | undefined;

  constructor(readonly options: DlmsServerOptions) {
    this.serverMaxReceivePdu = Math.max(64, Math.min(0xffff, options.serverMaxReceivePdu ?? 1024));
    this.maxSendPdu = Math.max(64, Math.min(0xffff, options.maxSendPdu ?? 0xffff));
    this.idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
    this.maxConnections = options.maxConnections ?? 16;
    this.maxSetBlockBytes = options.maxSetBlockBytes ?? 8192;
    this.serverWPort = options.serverWPort ?? 1;
  }

  listen(network: Network, port: number, address?: string): TcpListener {
    const listener = network.listen(port, address);
    listener.onConnection((socket) => this.attach(socket));
    this.listener = listener;
    return listener;
  }

  /** Serves one connected socket (the listener calls this; tests call it with fake sockets). */
  attach(socket: TcpSocket): Connection | null {
    if (this.connections.size >= this.maxConnections) {
      this.options.log.warn(`DLMS: connection limit ${this.maxConnections} reached, refusing ${socket.remoteAddress}:${socket.remotePort}`);
      safeClose(socket);
      return null;
    }
    const connection = new Connection(this, socket);
    this.connections.add(connection);
    this.armIdleTimer();
    return connection;
  }

  /**
   * Serves a session whose APDUs come framed otherwise (HDLC): requests through
   * `Connection.receiveApdu`, replies to `port`. Not counted against `maxConnections`: the
   * optical port is a slot of its own. `socket` names the peer (authentication back-off, logs).
   */
  attachSession(socket: TcpSocket, port: ApduPort): Connection {
    const connection = new Connection(this, socket, port);
    this.connections.add(connection);
    this.armIdleTimer();
    return connection;
  }

  close(): void {
    this.listener?.close();
    this.listener = null;
    for (const c of [...this.connections]) c.close();
    this.disarmIdleTimer();
  }

  /** @internal */
  forget(connection: Connection): void {
    this.connections.delete(connection);
    if (this.connections.size === 0) this.disarmIdleTimer();
  }

  /** Closes connections idle for the timeout; runs on the Clock port, only while any is open. */
  checkIdle(): void {
    const now = this.options.clock.nowMs();
    for (const c of [...this.connections]) {
      if (now - c.lastActivityMs >= this.idleTimeoutMs) {
        this.options.log.info(`DLMS: closing idle connection ${c.socket.remoteAddress}:${c.socket.remotePort}`);
        c.close();
      }
    }
  }

  private armIdleTimer(): void {
    if (this.idleTimer !== undefined) return;
    const period = Math.max(100, Math.min(5000, Math.floor(this.idleTimeoutMs / 8)));
    this.idleTimer = this.options.clock.repeat(() => this.checkIdle(), period);
  }

  private disarmIdleTimer(): void {
    if (this.idleTimer === undefined) return;
    this.options.clock.clearTimer(this.idleTimer);
    this.idleTimer = undefined;
  }
}

function safeClose(socket: TcpSocket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}

/** One TCP client. */
export class Connection implements WrapperSink {
  association: Association | null = null;
  lastActivityMs: number;
  closed = false;
  /** Frames answered (for tests and diagnostics). */
  frames = 0;
  private readonly reassembler: WrapperReassembler;
  /** Encodes the reply in place: WRAPPER header at 0, APDU from 8. */
  private readonly w = new AxdrWriter(WRAPPER_HEADER_LENGTH + 256);
  private readonly ctx: RequestContext;
  private replySource = 0;
  private replyDestination = 0;

  constructor(private readonly server: DlmsServer, readonly socket: TcpSocket, private readonly apduPort: ApduPort | null = null) {
    this.lastActivityMs = server.options.clock.nowMs();
    this.reassembler = new WrapperReassembler(server.serverMaxReceivePdu + 16, this);
    this.ctx = { association: null as unknown as AssociationView, model: server.options.model, selector: 0, parameters: null };
    socket.onData((data) => this.receive(data));
    socket.onClose(() => this.release());
  }

  /** Bytes from the socket. */
  receive(data: Uint8Array): void {
    if (this.closed) return;
    this.lastActivityMs = this.server.options.clock.nowMs();
    let status;
    try {
      status = this.reassembler.push(data);
    } catch (e) {
      this.server.options.log.error(`DLMS: internal error, closing connection: ${(e as Error).message}`);
      this.close();
      return;
    }
    if (status !== "ok") {
      this.server.options.log.warn(`DLMS: bad WRAPPER header (${status}) from ${this.socket.remoteAddress}:${this.socket.remotePort}, closing`);
      this.close();
    }
  }

  /** A whole request APDU from another framer (HDLC), from client SAP `clientSap`. */
  receiveApdu(clientSap: number, apdu: Uint8Array, start: number, end: number): void {
    if (this.closed) return;
    this.lastActivityMs = this.server.options.clock.nowMs();
    this.onFrame(clientSap, this.server.serverWPort, apdu, start, end);
  }

  close(): void {
    if (this.closed) return;
    this.reassembler.stop();
    this.release();
    safeClose(this.socket);
  }

  private release(): void {
    this.closed = true;
    this.reassembler.stop();
    this.association = null;
    this.server.forget(this);
  }

  onFrame(source: number, destination: number, apdu: Uint8Array, start: number, end: number): void {
    this.frames++;
    if (destination !== this.server.serverWPort) {
      this.server.options.log.warn(`DLMS: frame for wPort ${destination}, not ${this.server.serverWPort}; closing`);
      this.close();
      return;
    }
    this.replySource = destination;
    this.replyDestination = source;
    try {
      this.handleApdu(source, apdu, start, end);
    } catch (e) {
      if (!(e instanceof DecodeError)) this.server.options.log.error(`DLMS: internal error: ${(e as Error).message}`);
      this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.otherReason);
    }
  }

  private handleApdu(source: number, apdu: Uint8Array, start: number, end: number): void {
    if (end <= start) {
      this.sendException(EXCEPTION_STATE.serviceUnknown, EXCEPTION_SERVICE.serviceNotSupported);
      return;
    }
    const tag = apdu[start];
    if (tag === ACSE_TAG.aarq) {
      this.handleAarq(source, apdu, start, end);
      return;
    }
    if (tag === ACSE_TAG.rlrq) {
      decodeRlrq(apdu, start, end);
      this.association = null;
      this.sendRaw(encodeRlre());
      return;
    }
    const a = this.association;
    if (a === null || a.clientSap !== source) {
      this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.operationNotPossible);
      return;
    }
    let bytes = apdu;
    let from = start;
    let to = end;
    const ciphered = tag === APDU.gloGetRequest || tag === APDU.gloSetRequest || tag === APDU.gloActionRequest || tag === APDU.generalGloCiphering;
    if (ciphered) {
      if (!a.security) {
        this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
        return;
      }
      const plain = a.security.unwrapRequest(apdu, start, end);
      if (typeof plain === "number") {
        this.sendException(EXCEPTION_STATE.serviceNotAllowed, plain);
        return;
      }
      bytes = plain;
      from = 0;
      to = plain.length;
      if (to === 0) throw new DecodeError("empty deciphered APDU");
    } else if (a.security?.requiresCiphering && (tag === APDU.getRequest || tag === APDU.setRequest || tag === APDU.actionRequest)) {
      this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.operationNotPossible);
      return;
    }
    if (to - from > this.server.serverMaxReceivePdu) {
      this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.pduTooLong);
      return;
    }
    const service = bytes[from];
    if (a.security?.pending && !isHlsReply(bytes, from, to)) {
      this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.operationNotPossible);
      return;
    }
    switch (service) {
      case APDU.getRequest:
        this.handleGet(a, bytes, from, to);
        return;
      case APDU.setRequest:
        this.handleSet(a, bytes, from, to);
        return;
      case APDU.actionRequest:
        this.handleAction(a, bytes, from, to);
        return;
      default:
        this.sendException(EXCEPTION_STATE.serviceUnknown, EXCEPTION_SERVICE.serviceNotSupported);
    }
  }

  // ---- ACSE ----

  private handleAarq(source: number, apdu: Uint8Array, start: number, end: number): void {
    this.association = null;
    let aarq: Aarq;
    try {
      aarq = decodeAarq(apdu, start, end);
    } catch {
      this.sendAare(APP_CONTEXT_LN, 1, ACSE_DIAGNOSTIC.noReasonGiven, undefined, null, source, false);
      return;
    }
    const policy = this.server.options.policies.find((p) => p.clientSap === source);
    const proposedContext = dlmsOidId(aarq.applicationContext, 1);
    const context = proposedContext === 1 || proposedContext === 3 ? proposedContext : APP_CONTEXT_LN;
    if (!policy) {
      this.sendAare(context, 1, ACSE_DIAGNOSTIC.noReasonGiven, undefined, null, source, false);
      return;
    }
    if (!policy.applicationContexts.includes(proposedContext)) {
      this.sendAare(context, 1, ACSE_DIAGNOSTIC.applicationContextNameNotSupported, undefined, null, source, false);
      return;
    }
    const mechanism = aarq.mechanismName ? dlmsOidId(aarq.mechanismName, 2) : MECHANISM_NONE;
    // The xDLMS part is negotiated first so that even a rejection carries an InitiateResponse.
    let security: AssociationSecurity | null = null;
    let userInformation: Uint8Array | undefined;
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
        clientPdu = Math.min(this.server.maxSendPdu, Math.max(64, init.clientMaxReceivePdu));
        if (init.dlmsVersion < 6) initiateProblem = 1;
        else if (conformance === 0) initiateProblem = 2;
        const plain = initiateProblem ? initiateError(initiateProblem) : encodeInitiateResponse(conformance, this.server.serverMaxReceivePdu);
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
    if (diagnostic !== 0) {
      this.sendAare(context, 1, diagnostic, undefined, userInformation ?? null, source, true);
      return;
    }
    const association = new Association(policy, source, conformance, clientPdu, this.server.serverMaxReceivePdu, proposedContext, mechanism, security);
    const extras = security ? security.aareExtras() : { diagnostic: 0 };
    if (security?.pending) association.status = 1;
    this.association = association;
    this.sendAare(context, 0, extras.diagnostic, { ...extras, mechanism }, userInformation ?? null, source, true);
  }

  private sendAare(
    context: number, result: number, diagnostic: number,
    extras: { respondingApTitle?: Uint8Array; respondingAuthenticationValue?: Uint8Array; mechanism?: number } | undefined,
    userInformation: Uint8Array | null, clientSap: number, authenticationRelevant: boolean,
  ): void {
    const aare = encodeAare({
      applicationContext: context,
      result,
      diagnostic,
      respondingApTitle: extras?.respondingApTitle,
      mechanism: extras?.respondingAuthenticationValue ? extras.mechanism : undefined,
      respondingAuthenticationValue: extras?.respondingAuthenticationValue,
      userInformation: userInformation ?? undefined,
    });
    if (authenticationRelevant) this.server.options.onAssociation?.(clientSap, result === 0, diagnostic, this.socket);
    const delay = this.server.options.aareDelayMs?.(this.socket) ?? 0;
    if (delay > 0) {
      const source = this.replySource;
      const destination = this.replyDestination;
      this.server.options.clock.schedule(() => {
        if (this.closed) return;
        this.replySource = source;
        this.replyDestination = destination;
        this.sendRaw(aare);
      }, delay);
      return;
    }
    this.sendRaw(aare);
  }

  // ---- GET ----

  private handleGet(a: Association, bytes: Uint8Array, start: number, end: number): void {
    const r = new AxdrReader(bytes, start + 1, end);
    const type = r.u8();
    const invoke = r.u8();
    if (!(a.conformance & CONFORMANCE.get)) {
      this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
      return;
    }
    if (type === GET.normal) {
      const classId = r.u16();
      const lnOffset = r.pos;
      r.need(6);
      r.pos += 6;
      const attribute = r.i8();
      let selector = 0;
      let parameters: DlmsData | null = null;
      if (r.u8() !== 0) {
        selector = r.u8();
        parameters = r.data();
      }
      if (r.remaining !== 0) throw new DecodeError("bytes after GET request");
      if (selector !== 0 && !(a.conformance & CONFORMANCE.selectiveAccess)) {
        this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
        return;
      }
      a.longGet = null; // a new GET abandons an unfinished long one
      this.getNormal(a, invoke, classId, bytes, lnOffset, attribute, selector, parameters);
      return;
    }
    if (type === GET.next) {
      const blockNumber = r.u32();
      if (r.remaining !== 0) throw new DecodeError("bytes after GET next");
      if (!(a.conformance & CONFORMANCE.blockTransferWithGet)) {
        this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
        return;
      }
      const lg = a.longGet;
      if (!lg) {
        this.sendBlockError(invoke, blockNumber, RESULT.noLongGetInProgress);
        return;
      }
      if (blockNumber !== lg.blockNumber) {
        a.longGet = null;
        this.sendBlockError(invoke, blockNumber, RESULT.dataBlockUnavailable);
        return;
      }
      this.sendNextBlock(a, lg, invoke);
      return;
    }
    if (type === GET.withList) {
      if (!(a.conformance & CONFORMANCE.multipleReferences)) {
        this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
        return;
      }
      const count = r.lengthField();
      if (count === 0 || count * 10 > r.remaining) throw new DecodeError("bad GET-with-list count");
      const items: ListItem[] = [];
      for (let i = 0; i < count; i++) {
        const classId = r.u16();
        const ln = r.bytesOf(6).slice();
        const attribute = r.i8();
        let selector = 0;
        let parameters: DlmsData | null = null;
        if (r.u8() !== 0) {
          selector = r.u8();
          parameters = r.data();
          if (!(a.conformance & CONFORMANCE.selectiveAccess)) {
            this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
            return;
          }
        }
        items.push({ classId, ln, attribute, selector, parameters });
      }
      if (r.remaining !== 0) throw new DecodeError("bytes after GET-with-list");
      a.longGet = null;
      const source = new ListSource(items, this);
      const w = this.w;
      const pdu = this.sendCapacity(a);
      w.length = WRAPPER_HEADER_LENGTH + 3;
      w.ensure(pdu);
      let n: number;
      try {
        n = source.read(w.bytes, w.length, pdu - 3);
      } catch (e) {
        this.server.options.log.error(`DLMS: GET-with-list failed: ${(e as Error).message}`);
        this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.otherReason);
        return;
      }
      if (source.done) {
        const b = w.bytes;
        b[8] = APDU.getResponse;
        b[9] = GET.withList;
        b[10] = invoke;
        this.send(3 + n);
        return;
      }
      this.startLongGet(a, invoke, source, w.bytes.slice(WRAPPER_HEADER_LENGTH + 3, WRAPPER_HEADER_LENGTH + 3 + n));
      return;
    }
    this.sendException(EXCEPTION_STATE.serviceUnknown, EXCEPTION_SERVICE.serviceNotSupported);
  }

  private getNormal(a: Association, invoke: number, classId: number, bytes: Uint8Array, lnOffset: number, attribute: number, selector: number, parameters: DlmsData | null): void {
    const w = this.w;
    const dataStart = WRAPPER_HEADER_LENGTH + GET_NORMAL_HEADER;
    const capacity = this.sendCapacity(a) - GET_NORMAL_HEADER;
    w.length = dataStart;
    const result = this.readAttribute(classId, bytes, lnOffset, attribute, selector, parameters, w);
    if (typeof result === "number") {
      if (result === 0 && w.length - dataStart <= capacity) {
        this.sendGetNormal(invoke, 0, w.length - WRAPPER_HEADER_LENGTH);
        return;
      }
      if (result !== 0) {
        w.length = dataStart;
        w.u8(result);
        this.sendGetNormal(invoke, 1, GET_NORMAL_HEADER + 1);
        return;
      }
      this.startLongGet(a, invoke, new BytesSource(w.bytes.slice(dataStart, w.length)), null);
      return;
    }
    w.ensure(capacity);
    let n: number;
    try {
      n = result.read(w.bytes, dataStart, capacity);
    } catch (e) {
      this.server.options.log.error(`DLMS: GET stream failed: ${(e as Error).message}`);
      w.length = dataStart;
      w.u8(RESULT.otherReason);
      this.sendGetNormal(invoke, 1, GET_NORMAL_HEADER + 1);
      return;
    }
    if (result.done) {
      w.length = dataStart + n;
      this.sendGetNormal(invoke, 0, GET_NORMAL_HEADER + n);
      return;
    }
    this.startLongGet(a, invoke, result, w.bytes.slice(dataStart, dataStart + n));
  }

  private sendGetNormal(invoke: number, choice: number, apduLength: number): void {
    const b = this.w.bytes;
    b[8] = APDU.getResponse;
    b[9] = GET.normal;
    b[10] = invoke;
    b[11] = choice;
    this.send(apduLength);
  }

  /** Resolves and reads one attribute into `w`: 0 (data written), an error code, or a stream. */
  readAttribute(classId: number, bytes: Uint8Array, lnOffset: number, attribute: number, selector: number, parameters: DlmsData | null, w: AxdrWriter): number | ByteSource {
    const a = this.association!;
    const obj = this.server.options.model.findAt(bytes, lnOffset);
    if (!obj || obj.classId !== classId) return RESULT.objectUndefined;
    const policy = a.policy;
    if (!policy.canSee(obj)) return RESULT.readWriteDenied;
    if (attribute === 1) {
      if (selector !== 0) return RESULT.scopeOfAccessViolated;
      w.obis(obj.ln);
      return 0;
    }
    const def = attributeDef(obj, attribute);
    if (!def) return RESULT.objectUndefined;
    if (def.secret || !def.get || !policy.canRead(obj, attribute)) return RESULT.readWriteDenied;
    if (selector !== 0 && (!def.selectors || !def.selectors.includes(selector))) return RESULT.scopeOfAccessViolated;
    const ctx = this.ctx;
    ctx.association = a;
    ctx.selector = selector;
    ctx.parameters = parameters;
    const mark = w.length;
    try {
      return def.get(ctx, w);
    } catch (e) {
      this.server.options.log.error(`DLMS: reading ${obj.obis} attribute ${attribute} failed: ${(e as Error).message}`);
      w.length = mark;
      return RESULT.otherReason;
    }
  }

  private startLongGet(a: Association, invoke: number, source: ByteSource, carry: Uint8Array | null): void {
    if (!(a.conformance & CONFORMANCE.blockTransferWithGet)) {
      // Too large for one APDU and the client did not negotiate block transfer.
      const w = this.w;
      w.length = WRAPPER_HEADER_LENGTH + GET_NORMAL_HEADER;
      w.u8(RESULT.otherReason);
      this.sendGetNormal(invoke, 1, GET_NORMAL_HEADER + 1);
      return;
    }
    const lg = new LongGet(source, carry);
    a.longGet = lg;
    this.sendNextBlock(a, lg, invoke);
  }

  private sendNextBlock(a: Association, lg: LongGet, invoke: number): void {
    const pdu = this.sendCapacity(a);
    const lengthBytes = pdu - BLOCK_HEADER - 1 < 0x80 ? 1 : pdu - BLOCK_HEADER - 2 < 0x100 ? 2 : 3;
    const maxData = pdu - BLOCK_HEADER - lengthBytes;
    const w = this.w;
    w.length = WRAPPER_HEADER_LENGTH;
    w.ensure(pdu + 4);
    const dataAt = WRAPPER_HEADER_LENGTH + BLOCK_HEADER + 3;
    let n: number;
    try {
      n = lg.read(w.bytes, dataAt, maxData);
    } catch (e) {
      this.server.options.log.error(`DLMS: block ${lg.blockNumber + 1} failed: ${(e as Error).message}`);
      a.longGet = null;
      this.sendBlockError(invoke, lg.blockNumber + 1, RESULT.longGetAborted);
      return;
    }
    const last = lg.done;
    lg.blockNumber++;
    const b = w.bytes;
    const apdu = WRAPPER_HEADER_LENGTH;
    b[apdu] = APDU.getResponse;
    b[apdu + 1] = GET.next;
    b[apdu + 2] = invoke;
    b[apdu + 3] = last ? 1 : 0;
    writeU32BE(b, apdu + 4, lg.blockNumber);
    b[apdu + 8] = 0; // raw-data
    w.length = apdu + BLOCK_HEADER;
    w.lengthField(n);
    // The length field may be shorter than reserved: move the data right behind it.
    if (w.length !== dataAt) b.copyWithin(w.length, dataAt, dataAt + n);
    w.length += n;
    if (last) a.longGet = null;
    this.send(w.length - WRAPPER_HEADER_LENGTH);
  }

  private sendBlockError(invoke: number, blockNumber: number, code: number): void {
    const w = this.w;
    const b = w.bytes;
    const apdu = WRAPPER_HEADER_LENGTH;
    b[apdu] = APDU.getResponse;
    b[apdu + 1] = GET.next;
    b[apdu + 2] = invoke;
    b[apdu + 3] = 1;
    writeU32BE(b, apdu + 4, blockNumber);
    b[apdu + 8] = 1; // data-access-result
    b[apdu + 9] = code;
    this.send(10);
  }

  // ---- SET ----

  private handleSet(a: Association, bytes: Uint8Array, start: number, end: number): void {
    const r = new AxdrReader(bytes, start + 1, end);
    const type = r.u8();
    const invoke = r.u8();
    if (!(a.conformance & CONFORMANCE.set)) {
      this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
      return;
    }
    if (type === SET.normal || type === SET.firstDatablock) {
      const classId = r.u16();
      const ln = r.bytesOf(6);
      const attribute = r.i8();
      let selector = 0;
      if (r.u8() !== 0) {
        selector = r.u8();
        r.skipData();
      }
      if (type === SET.normal) {
        let value: DlmsData | null = null;
        let result: number;
        try {
          value = r.data();
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
        if (value === null || r.remaining !== 0) result = RESULT.typeUnmatched;
        else result = this.writeAttribute(classId, ln, attribute, selector, value);
        this.sendSmall([APDU.setResponse, 1, invoke, result]);
        return;
      }
      const block = this.readSetDatablock(a, r);
      if (!block) return;
      const { last, blockNumber, chunk } = block;
      a.pendingSet = null;
      let check = this.writeAccess(classId, ln, attribute, selector);
      if (check === 0 && blockNumber !== 1) check = RESULT.dataBlockUnavailable;
      if (check !== 0) {
        this.sendSetLast(invoke, check, blockNumber);
        return;
      }
      const data = new AxdrWriter(Math.min(this.server.maxSetBlockBytes, Math.max(64, chunk.length * 2)), this.server.maxSetBlockBytes);
      const pending: PendingSet = { classId, ln: ln.slice(), attribute, blockNumber, data };
      this.continueSet(a, pending, invoke, last, blockNumber, chunk);
      return;
    }
    if (type === SET.datablock) {
      const block = this.readSetDatablock(a, r);
      if (!block) return;
      const { last, blockNumber, chunk } = block;
      const pending = a.pendingSet;
      a.pendingSet = null;
      if (!pending || blockNumber !== pending.blockNumber + 1) {
        this.sendSetLast(invoke, RESULT.dataBlockUnavailable, blockNumber);
        return;
      }
      pending.blockNumber = blockNumber;
      this.continueSet(a, pending, invoke, last, blockNumber, chunk);
      return;
    }
    this.sendException(EXCEPTION_STATE.serviceUnknown, EXCEPTION_SERVICE.serviceNotSupported);
  }

  /** The datablock of a SET with-first-datablock or with-datablock; null (answered) when block transfer was not negotiated. */
  private readSetDatablock(a: Association, r: AxdrReader): { last: boolean; blockNumber: number; chunk: Uint8Array } | null {
    if (!(a.conformance & CONFORMANCE.blockTransferWithSet)) {
      this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
      return null;
    }
    const last = r.u8() !== 0;
    const blockNumber = r.u32();
    const chunk = r.bytesOf(r.lengthField());
    if (r.remaining !== 0) throw new DecodeError("bytes after SET datablock");
    return { last, blockNumber, chunk };
  }

  private continueSet(a: Association, pending: PendingSet, invoke: number, last: boolean, blockNumber: number, chunk: Uint8Array): void {
    if (pending.data.length + chunk.length > this.server.maxSetBlockBytes) {
      this.sendSetLast(invoke, RESULT.otherReason, blockNumber);
      return;
    }
    pending.data.raw(chunk);
    if (!last) {
      a.pendingSet = pending;
      this.sendSmall([APDU.setResponse, 2, invoke, (blockNumber >>> 24) & 0xff, (blockNumber >>> 16) & 0xff, (blockNumber >>> 8) & 0xff, blockNumber & 0xff]);
      return;
    }
    let result: number;
    try {
      const r = new AxdrReader(pending.data.bytes, 0, pending.data.length);
      const value = r.data();
      result = r.remaining === 0 ? this.writeAttribute(pending.classId, pending.ln, pending.attribute, 0, value) : RESULT.typeUnmatched;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      result = RESULT.typeUnmatched;
    }
    this.sendSetLast(invoke, result, blockNumber);
  }

  private sendSetLast(invoke: number, result: number, blockNumber: number): void {
    this.sendSmall([APDU.setResponse, 3, invoke, result, (blockNumber >>> 24) & 0xff, (blockNumber >>> 16) & 0xff, (blockNumber >>> 8) & 0xff, blockNumber & 0xff]);
  }

  private writeAccess(classId: number, ln: Uint8Array, attribute: number, selector: number): number {
    const a = this.association!;
    const obj = this.server.options.model.findAt(ln, 0);
    if (!obj || obj.classId !== classId) return RESULT.objectUndefined;
    if (!a.policy.canSee(obj)) return RESULT.readWriteDenied;
    if (attribute === 1) return RESULT.readWriteDenied;
    const def = attributeDef(obj, attribute);
    if (!def) return RESULT.objectUndefined;
    if (!def.set || !a.policy.canWrite(obj, attribute)) return RESULT.readWriteDenied;
    if (selector !== 0) return RESULT.scopeOfAccessViolated;
    return 0;
  }

  private writeAttribute(classId: number, ln: Uint8Array, attribute: number, selector: number, value: DlmsData): number {
    const check = this.writeAccess(classId, ln, attribute, selector);
    if (check !== 0) return check;
    const obj = this.server.options.model.findAt(ln, 0)!;
    const def = attributeDef(obj, attribute)!;
    const ctx = this.ctx;
    ctx.association = this.association!;
    ctx.selector = 0;
    ctx.parameters = null;
    try {
      return def.set!(value, ctx);
    } catch (e) {
      this.server.options.log.error(`DLMS: writing ${obj.obis} attribute ${attribute} failed: ${(e as Error).message}`);
      return RESULT.otherReason;
    }
  }

  // ---- ACTION ----

  private handleAction(a: Association, bytes: Uint8Array, start: number, end: number): void {
    const r = new AxdrReader(bytes, start + 1, end);
    const type = r.u8();
    const invoke = r.u8();
    if (type !== ACTION.normal) {
      this.sendException(EXCEPTION_STATE.serviceUnknown, EXCEPTION_SERVICE.serviceNotSupported);
      return;
    }
    if (!(a.conformance & CONFORMANCE.action)) {
      this.sendException(EXCEPTION_STATE.serviceNotAllowed, EXCEPTION_SERVICE.serviceNotSupported);
      return;
    }
    const classId = r.u16();
    const lnOffset = r.pos;
    r.need(6);
    r.pos += 6;
    const method = r.i8();
    let parameter: DlmsData | null = null;
    let malformed = false;
    if (r.u8() !== 0) {
      try {
        parameter = r.data();
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        malformed = true;
      }
    }
    if (!malformed && r.remaining !== 0) malformed = true;
    const w = this.w;
    const apdu = WRAPPER_HEADER_LENGTH;
    const dataStart = apdu + 6; // C7 01 invoke result 01 00
    w.length = dataStart;
    let result: number = malformed ? RESULT.typeUnmatched : this.invokeMethod(a, classId, bytes, lnOffset, method, parameter, w);
    let withData = result === 0 && w.length > dataStart;
    if (withData && w.length - apdu > this.sendCapacity(a)) {
      result = RESULT.otherReason;
      withData = false;
    }
    const b = w.bytes;
    b[apdu] = APDU.actionResponse;
    b[apdu + 1] = ACTION.normal;
    b[apdu + 2] = invoke;
    b[apdu + 3] = result;
    if (withData) {
      b[apdu + 4] = 1;
      b[apdu + 5] = 0;
      this.send(w.length - apdu);
    } else {
      b[apdu + 4] = 0;
      this.send(5);
    }
  }

  private invokeMethod(a: Association, classId: number, bytes: Uint8Array, lnOffset: number, method: number, parameter: DlmsData | null, w: AxdrWriter): number {
    const obj = this.server.options.model.findAt(bytes, lnOffset);
    if (!obj || obj.classId !== classId) return RESULT.objectUndefined;
    if (!a.policy.canSee(obj)) return RESULT.readWriteDenied;
    const def = methodDef(obj, method);
    if (!def) return RESULT.objectUndefined;
    const hlsReply = a.security?.pending === true;
    if (!hlsReply && !a.policy.canInvoke(obj, method)) return RESULT.readWriteDenied;
    const ctx = this.ctx;
    ctx.association = a;
    ctx.selector = 0;
    ctx.parameters = null;
    const mark = w.length;
    try {
      const result = def.invoke(parameter, ctx, w);
      if (result !== 0) w.length = mark;
      if (hlsReply && result === 0 && !a.security!.pending) a.status = 2;
      return result;
    } catch (e) {
      this.server.options.log.error(`DLMS: method ${method} of ${obj.obis} failed: ${(e as Error).message}`);
      w.length = mark;
      return RESULT.otherReason;
    }
  }

  // ---- output ----

  /** Largest APDU this association may receive, less the ciphering overhead. */
  private sendCapacity(a: Association): number {
    return a.security ? a.clientMaxReceivePdu - 32 : a.clientMaxReceivePdu;
  }

  private sendException(stateError: number, serviceError: number): void {
    this.sendSmall([APDU.exceptionResponse, stateError, serviceError]);
  }

  private sendSmall(apdu: number[]): void {
    const w = this.w;
    w.length = WRAPPER_HEADER_LENGTH;
    for (let i = 0; i < apdu.length; i++) w.u8(apdu[i]);
    this.send(apdu.length);
  }

  private sendRaw(apdu: Uint8Array): void {
    const w = this.w;
    w.length = WRAPPER_HEADER_LENGTH;
    w.raw(apdu);
    this.sendPlainFrame(apdu.length);
  }

  /** Sends the APDU at w[8..8+length), ciphered when the association is. */
  private send(length: number): void {
    const security = this.association?.security;
    if (security && this.w.bytes[WRAPPER_HEADER_LENGTH] !== APDU.exceptionResponse) {
      const wrapped = security.wrapResponse(this.w.bytes.subarray(WRAPPER_HEADER_LENGTH, WRAPPER_HEADER_LENGTH + length), length);
      this.w.length = WRAPPER_HEADER_LENGTH;
      this.w.raw(wrapped);
      length = wrapped.length;
    }
    this.sendPlainFrame(length);
  }

  private sendPlainFrame(length: number): void {
    if (this.closed) return;
    const b = this.w.bytes;
    if (this.apduPort) {
      this.apduPort.sendApdu(b, WRAPPER_HEADER_LENGTH, WRAPPER_HEADER_LENGTH + length);
      return;
    }
    writeWrapperHeader(b, 0, this.replySource, this.replyDestination, length);
    const total = WRAPPER_HEADER_LENGTH + length;
    const accepted = this.socket.write(b.subarray(0, total));
    if (accepted < total) {
      this.server.options.log.warn("DLMS: socket did not accept a whole reply; closing");
      this.close();
    }
  }
}

/** ACTION-Request normal on class 15, 0.0.40.0.0.255, method 1 (HLS pass 3). */
function isHlsReply(b: Uint8Array, start: number, end: number): boolean {
  return end - start >= 13 && b[start] === APDU.actionRequest && b[start + 1] === ACTION.normal && b[start + 3] === 0 && b[start + 4] === 15 &&
    b[start + 5] === 0 && b[start + 6] === 0 && b[start + 7] === 40 && b[start + 8] === 0 && b[start + 9] === 0 && b[start + 10] === 255 && b[start + 11] === 1;
}
