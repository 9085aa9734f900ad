/**
 * One TCP client framed by the IEC 62056-47 WRAPPER: bytes from the socket are reassembled into
 * APDUs for the client's DlmsSession, and the session's answers go out with a WRAPPER header
 * written into the room before them (APDU_OFFSET). The connection also keeps the times the server's
 * connection policy looks at (connect, last activity, start of an unfinished frame).
 */
import type { TcpSocket } from "../../hal/tcp";
import type { Association } from "./association";
import type { DlmsServer } from "./server";
import { APDU_OFFSET, type ApduOutput, DlmsSession } from "./session";
import { WRAPPER_HEADER_LENGTH, WrapperReassembler, type WrapperSink, writeWrapperHeader } from "./wrapper";

/** Where the WRAPPER header goes in the session's reply buffer: right before the APDU. */
const FRAME_START = APDU_OFFSET - WRAPPER_HEADER_LENGTH;

export function safeClose(socket: TcpSocket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}

export class Connection implements WrapperSink, ApduOutput {
  // XS looks properties up in declaration order: the per-frame ones come first.
  closed = false;
  private readonly reassembler: WrapperReassembler;
  readonly session: DlmsSession;
  lastActivityMs: number;
  private replySource = 0;
  private replyDestination = 0;
  /** Frames answered (for tests and diagnostics). */
  frames = 0;
  readonly connectedMs: number;
  /**
   * When the server's policy check first saw an unfinished frame (-1: none), and how many frames
   * had been answered then: the frame deadline is checked there, not per read.
   */
  frameStartedMs = -1;
  private framesAtStart = 0;

  constructor(private readonly server: DlmsServer, readonly socket: TcpSocket) {
    this.connectedMs = server.clock.nowMs();
    this.lastActivityMs = this.connectedMs;
    this.reassembler = new WrapperReassembler(server.serverMaxReceivePdu + 16, this);
    this.session = new DlmsSession(server, this);
    if (socket.setHandler) socket.setHandler(this);
    else {
      socket.onData((data) => this.receive(data));
      socket.onClose(() => this.release());
    }
  }

  /** TcpHandler: the socket's events as method calls (no closures per connection). */
  tcpData(data: Uint8Array): void {
    this.receive(data);
  }

  tcpClosed(): void {
    this.release();
  }

  get association(): Association | null {
    return this.session.association;
  }

  /** A complete AARQ has arrived on this connection. */
  get aarqReceived(): boolean {
    return this.session.aarqs > 0;
  }

  /**
   * The frame deadline: true when a frame has been unfinished since `frameTimeoutMs` ago (the
   * same frame: none was answered since the check first saw it). Called by the policy timer.
   */
  frameOverdue(now: number, frameTimeoutMs: number): boolean {
    if (this.reassembler.filled === 0) {
      this.frameStartedMs = -1;
      return false;
    }
    if (this.frameStartedMs < 0 || this.frames !== this.framesAtStart) {
      this.frameStartedMs = now;
      this.framesAtStart = this.frames;
      return false;
    }
    return now - this.frameStartedMs >= frameTimeoutMs;
  }

  /** Bytes from the socket. */
  receive(data: Uint8Array): void {
    if (this.closed) return;
    this.lastActivityMs = this.server.clock.nowMs();
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
      return;
    }
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
    this.session.release();
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
    this.session.handleApdu(source, apdu, start, end);
  }

  /** The session's answer at buffer[APDU_OFFSET, APDU_OFFSET + length): WRAPPER header in front, then out. */
  sendApdu(buffer: Uint8Array, length: number): void {
    if (this.closed) return;
    writeWrapperHeader(buffer, FRAME_START, this.replySource, this.replyDestination, length);
    const total = WRAPPER_HEADER_LENGTH + length;
    const accepted = this.socket.write(buffer.subarray(FRAME_START, FRAME_START + total));
    if (accepted < total) {
      // The peer does not read (or reads too slowly): nothing is queued beyond the socket's bound.
      this.server.options.log.warn(`DLMS: ${this.socket.remoteAddress}:${this.socket.remotePort} does not take its replies; closing`);
      this.close();
    }
  }
}
