/**
 * DLMS server over the TcpListener port: one Connection (WRAPPER framing) and DlmsSession per
 * TCP client, and the connection policy that keeps the port usable under abuse (issue 14):
 *
 * - at most `maxConnections` sessions (4 on the device and the simulator); when all are taken a
 *   newcomer closes the oldest connection that has not authenticated (first those that have
 *   not associated at all, then public ones); only when every slot holds an authenticated
 *   association is the newcomer refused. When the one to close has not associated and is in its
 *   first NEWCOMER_GRACE_MS (its AARQ is probably on its way), the newcomer is held instead, with
 *   no session, until it sends its first bytes (then it takes a slot the same way) or a slot
 *   frees; at most MAX_HELD are held (the oldest is closed) and for at most `aarqTimeoutMs`;
 * - a complete AARQ within `aarqTimeoutMs` (5 s) of connect, a started frame complete within
 *   `frameTimeoutMs` (2 s), and some traffic every `idleTimeoutMs` (120 s), else the socket is
 *   closed (checked every 500 ms, so a deadline may run up to 0.5 s longer);
 * - one reply in flight per request: a socket that does not accept a whole reply (its bounded
 *   queue is full because the peer does not read) is closed;
 * - credentials are checked only when the shared AuthThrottle allows (see auth-throttle.ts);
 * - association outcomes of unauthenticated traffic (public associations, refused logins) reach
 *   the owner's journal at most once per `unauthenticatedEventIntervalMs` (60 s); the rest are
 *   counted and summed up in the text log.
 */
import type { Clock, Log, TimerId } from "../../hal";
import type { Network, TcpListener, TcpSocket } from "../../hal/tcp";
import { ACSE_DIAGNOSTIC } from "./acse";
import type { AarqOutcome } from "./association";
import { AuthThrottle } from "./auth-throttle";
import { Connection, safeClose } from "./connection";
import type { ObjectModel } from "./object-model";
import type { AssociationPolicy } from "./access-policy";
import { type ApduOutput, DlmsSession, type SessionSettings } from "./session";

export { Connection } from "./connection";

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
  /** A complete AARQ must arrive this soon after connect. Default 5 s. */
  aarqTimeoutMs?: number;
  /** A frame once started must be complete this soon. Default 2 s. */
  frameTimeoutMs?: number;
  /** Concurrent sessions. Default 4. */
  maxConnections?: number;
  /** Largest value accepted through SET with datablocks. Default 8192 bytes. */
  maxSetBlockBytes?: number;
  /** Server (logical device) wPort. Default 1. */
  serverWPort?: number;
  /** The meter's authentication throttle (shared with HLS); default: one held in RAM only. */
  throttle?: AuthThrottle;
  /** Least time between two journalled outcomes of unauthenticated traffic. Default 60 s. */
  unauthenticatedEventIntervalMs?: number;
  /**
   * An association outcome worth journalling: every authenticated login at once, the outcomes of
   * unauthenticated traffic at most once per `unauthenticatedEventIntervalMs`.
   */
  onAssociation?(clientSap: number, accepted: boolean, diagnostic: number): void;
}

/**
 * A connection this young that has not associated is not closed for a newcomer that has sent
 * nothing yet: its AARQ is normally on its way (one round trip). The newcomer is held instead.
 */
const NEWCOMER_GRACE_MS = 1_000;
/** Newcomers held at most (each is a socket and a small record, no session). */
const MAX_HELD = 8;

/** A newcomer held while all slots are taken: no session until it sends something or a slot frees. */
class HeldSocket {
  readonly sinceMs: number;
  constructor(private readonly server: DlmsServer, readonly socket: TcpSocket) {
    this.sinceMs = server.clock.nowMs();
    socket.onData((data) => server.promote(this, data));
    socket.onClose(() => server.unhold(this));
  }
}

export class DlmsServer implements SessionSettings {
  // XS looks properties up in declaration order: the per-frame ones come first.
  readonly clock: Clock;
  readonly serverWPort: number;
  readonly model: ObjectModel;
  readonly log: Log;
  readonly policies: readonly AssociationPolicy[];
  readonly serverMaxReceivePdu: number;
  readonly maxSendPdu: number;
  readonly idleTimeoutMs: number;
  readonly aarqTimeoutMs: number;
  readonly frameTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxSetBlockBytes: number;
  readonly throttle: AuthThrottle;
  readonly unauthenticatedEventIntervalMs: number;
  readonly connections = new Set<Connection>();
  /** Newcomers waiting for a slot (see attach). */
  private readonly held: HeldSocket[] = [];
  listener: TcpListener | null = null;
  /** Outcomes of unauthenticated traffic counted instead of journalled, since the last summary. */
  suppressedEvents = 0;
  /** Connections closed by the policy, by reason (diagnostics, tests, the abuse bench). */
  readonly closedBy = { idle: 0, aarqTimeout: 0, frameTimeout: 0, evicted: 0, refused: 0 };
  private lastUnauthenticatedEventMs = -Infinity;
  private policyTimer: TimerId | undefined;

  constructor(readonly options: DlmsServerOptions) {
    this.clock = options.clock;
    this.log = options.log;
    this.model = options.model;
    this.policies = options.policies;
    this.serverMaxReceivePdu = Math.max(64, Math.min(0xffff, options.serverMaxReceivePdu ?? 1024));
    this.maxSendPdu = Math.max(64, Math.min(0xffff, options.maxSendPdu ?? 0xffff));
    this.idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
    this.aarqTimeoutMs = options.aarqTimeoutMs ?? 5000;
    this.frameTimeoutMs = options.frameTimeoutMs ?? 2000;
    this.maxConnections = Math.max(1, options.maxConnections ?? 4);
    this.maxSetBlockBytes = options.maxSetBlockBytes ?? 8192;
    this.serverWPort = options.serverWPort ?? 1;
    this.unauthenticatedEventIntervalMs = options.unauthenticatedEventIntervalMs ?? 60_000;
    this.throttle = options.throttle ?? new AuthThrottle(this.clock, undefined, null, options.log);
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
      const victim = this.evictionCandidate();
      if (!victim) return this.refuse(socket);
      if (victim.association === null && this.clock.nowMs() - victim.connectedMs < NEWCOMER_GRACE_MS) {
        this.hold(socket);
        return null;
      }
      this.evict(victim);
    }
    return this.admit(socket);
  }

  /** @internal A held newcomer sent its first bytes: it takes a slot (closing one if it must) and they are served. */
  promote(held: HeldSocket, data: Uint8Array): void {
    if (!this.unhold(held)) return;
    if (this.connections.size >= this.maxConnections) {
      const victim = this.evictionCandidate();
      if (!victim) return void this.refuse(held.socket);
      this.evict(victim);
    }
    this.admit(held.socket).receive(data);
  }

  /** @internal A held newcomer went away (or was promoted): true when it was held. */
  unhold(held: HeldSocket): boolean {
    const i = this.held.indexOf(held);
    if (i < 0) return false;
    this.held.splice(i, 1);
    return true;
  }

  private admit(socket: TcpSocket): Connection {
    const connection = new Connection(this, socket);
    this.connections.add(connection);
    this.armPolicyTimer();
    return connection;
  }

  private refuse(socket: TcpSocket): null {
    this.closedBy.refused++;
    this.log.warn(`DLMS: ${this.maxConnections} authenticated sessions open, refusing ${socket.remoteAddress}:${socket.remotePort}`);
    safeClose(socket);
    return null;
  }

  private evict(victim: Connection): void {
    this.closedBy.evicted++;
    this.log.info(`DLMS: all ${this.maxConnections} sessions taken; closing unauthenticated ${victim.socket.remoteAddress}:${victim.socket.remotePort}`);
    victim.close();
  }

  private hold(socket: TcpSocket): void {
    this.held.push(new HeldSocket(this, socket));
    if (this.held.length > MAX_HELD) this.dropHeld(this.held.shift()!, "evicted");
  }

  private dropHeld(held: HeldSocket, reason: "evicted" | "aarqTimeout"): void {
    this.closedBy[reason]++;
    safeClose(held.socket);
  }

  /**
   * A session that is not a TCP connection (the optical port's HDLC link): its replies go to
   * `output` and it does not take one of the `maxConnections` slots. Associations, access rights,
   * the authentication throttle and event logging are the server's, exactly as on TCP.
   */
  attachSession(output: ApduOutput): DlmsSession {
    return new DlmsSession(this, output);
  }

  close(): void {
    this.listener?.close();
    this.listener = null;
    for (const c of [...this.connections]) c.close();
    for (const h of this.held.splice(0)) safeClose(h.socket);
    this.disarmPolicyTimer();
  }

  /** @internal */
  forget(connection: Connection): void {
    this.connections.delete(connection);
    // A freed slot goes to the oldest held newcomer.
    const next = this.held.shift();
    if (next) this.admit(next.socket);
    if (this.connections.size === 0) this.disarmPolicyTimer();
  }

  /** Closes connections past a deadline; runs on the Clock port while any is open. */
  checkIdle(): void {
    const now = this.clock.nowMs();
    while (this.held.length > 0 && now - this.held[0].sinceMs >= this.aarqTimeoutMs) this.dropHeld(this.held.shift()!, "aarqTimeout");
    for (const c of [...this.connections]) {
      let reason: keyof DlmsServer["closedBy"] | null = null;
      if (now - c.lastActivityMs >= this.idleTimeoutMs) reason = "idle";
      else if (!c.aarqReceived && now - c.connectedMs >= this.aarqTimeoutMs) reason = "aarqTimeout";
      else if (c.frameOverdue(now, this.frameTimeoutMs)) reason = "frameTimeout";
      if (reason === null) continue;
      this.closedBy[reason]++;
      this.log.info(`DLMS: closing ${c.socket.remoteAddress}:${c.socket.remotePort} (${reason})`);
      c.close();
    }
  }

  /** SessionSettings: an AARQ was answered. */
  associationOutcome(outcome: AarqOutcome, clientSap: number): void {
    if (!outcome.reported) return;
    const accepted = outcome.association !== null;
    if (outcome.credentialChecked && !outcome.throttled) {
      if (!accepted && outcome.diagnostic === ACSE_DIAGNOSTIC.authenticationFailure) this.throttle.recordFailure();
      else if (accepted && outcome.diagnostic === 0) this.throttle.recordSuccess();
    }
    const authenticated = accepted && outcome.credentialChecked && outcome.diagnostic === 0;
    if (!authenticated) {
      const now = this.clock.nowMs();
      if (now - this.lastUnauthenticatedEventMs < this.unauthenticatedEventIntervalMs) {
        this.suppressedEvents++;
        return;
      }
      this.lastUnauthenticatedEventMs = now;
      if (this.suppressedEvents > 0) {
        this.log.info(`DLMS: ${this.suppressedEvents} unauthenticated association outcomes counted, not journalled, since the last one`);
        this.suppressedEvents = 0;
      }
    }
    this.options.onAssociation?.(clientSap, accepted, outcome.diagnostic);
  }

  /** The connection to close for a newcomer: never associated first, then unauthenticated; oldest first. */
  private evictionCandidate(): Connection | null {
    let best: Connection | null = null;
    let bestRank = 2;
    for (const c of this.connections) {
      const a = c.association;
      const rank = a === null ? 0 : a.authenticated ? 2 : 1;
      if (rank < bestRank || (rank === bestRank && best !== null && c.connectedMs < best.connectedMs)) {
        best = rank < 2 ? c : null;
        bestRank = rank;
      }
    }
    return best;
  }

  private armPolicyTimer(): void {
    if (this.policyTimer !== undefined) return;
    const period = Math.max(100, Math.min(500, Math.floor(this.idleTimeoutMs / 8)));
    this.policyTimer = this.clock.repeat(() => this.checkIdle(), period);
  }

  private disarmPolicyTimer(): void {
    if (this.policyTimer === undefined) return;
    this.clock.clearTimer(this.policyTimer);
    this.policyTimer = undefined;
  }
}
