/**
 * One TCP client framed by the IEC 62056-47 WRAPPER: bytes from the socket are reassembled into
 * APDUs for the client's DlmsSession, and the session's answers go out with a WRAPPER header
 * written into the headroom before them. The connection also keeps the times the server's
 * connection policy looks at (connect, last activity, start of an unfinished frame).
 */
import type { TcpSocket } from "../../hal/tcp";
import { ACSE_TAG } from "./acse";
import type { Association } from "./association";
import type { DlmsServer } from "./server";
import { type ApduOutput, DlmsSession } from "./session";
import { WRAPPER_HEADER_LENGTH, WrapperReassembler, type WrapperSink, writeWrapperHeader } from "./wrapper";

export function safeClose(socket: TcpSocket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}

export class Connection implements WrapperSink, ApduOutput {
  readonly headroom = WRAPPER_HEADER_LENGTH;
  readonly session: DlmsSession;
  readonly connectedMs: number;
  lastActivityMs: number;
  /** When the unfinished frame in the reassembler began (-1: none). */
  frameStartedMs = -1;
  /** A complete AARQ has arrived on this connection. */
  aarqReceived = false;
  closed = false;
  /** Frames answered (for tests and diagnostics). */
  frames = 0;
  private readonly reassembler: WrapperReassembler;
  private replySource = 0;
  private replyDestination = 0;

  constructor(private readonly server: DlmsServer, readonly socket: TcpSocket) {
    this.connectedMs = server.options.clock.nowMs();
    this.lastActivityMs = this.connectedMs;
    this.reassembler = new WrapperReassembler(server.serverMaxReceivePdu + 16, this);
    this.session = new DlmsSession(server, this);
    socket.onData((data) => this.receive(data));
    socket.onClose(() => this.release());
  }

  get association(): Association | null {
    return this.session.association;
  }

  /** Bytes from the socket. */
  receive(data: Uint8Array): void {
    if (this.closed) return;
    const now = this.server.options.clock.nowMs();
    this.lastActivityMs = now;
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
    if (this.reassembler.pending === 0) this.frameStartedMs = -1;
    else if (this.frameStartedMs < 0) this.frameStartedMs = now;
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
    if (end > start && apdu[start] === ACSE_TAG.aarq) this.aarqReceived = true;
    this.replySource = destination;
    this.replyDestination = source;
    this.session.handleApdu(source, apdu, start, end);
  }

  /** The session's answer at buffer[8, 8 + length): WRAPPER header in front, then out. */
  sendApdu(buffer: Uint8Array, length: number): void {
    if (this.closed) return;
    writeWrapperHeader(buffer, 0, this.replySource, this.replyDestination, length);
    const total = WRAPPER_HEADER_LENGTH + length;
    const accepted = this.socket.write(buffer.subarray(0, total));
    if (accepted < total) {
      // The peer does not read (or reads too slowly): nothing is queued beyond the socket's bound.
      this.server.options.log.warn(`DLMS: ${this.socket.remoteAddress}:${this.socket.remotePort} does not take its replies; closing`);
      this.close();
    }
  }
}
