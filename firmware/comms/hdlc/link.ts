/**
 * The meter's side of the IEC 62056-46 HDLC link (a secondary station in normal response mode,
 * window 1): byte stream to frames, SNRM/UA with parameter negotiation, I-frames with N(S)/N(R),
 * RR/RNR, segmentation both ways, DISC/UA, DM, FRMR, the LLC header, the inactivity and
 * inter-octet timeouts. Frames with a bad HCS/FCS, a wrong format or for another address are
 * discarded silently. The APDUs go to an `HdlcUpper` (the DLMS session); its replies come back
 * through `sendApdu`, at once or later (a delayed AARE is sent at the client's next poll).
 * Its buffers are allocated once, at construction (the transmit buffer grows to the largest reply).
 */
import type { Clock, Log, TimerId } from "../../hal";
import {
  decodeFrame, decodeParameters, encodeFrame, encodeParameters, HDLC_CONTROL, HDLC_DEFAULT_INFO, HDLC_FLAG, HDLC_FORMAT, HDLC_MIN_FRAME, HDLC_OVERHEAD, HDLC_PF,
  type HdlcAddress, HdlcFrameFields, type HdlcParameters, iControl, LLC_REQUEST, LLC_RESPONSE, sControl,
} from "./frame";

export interface HdlcUpper {
  /** SNRM accepted from this client (its SAP). */
  connected(clientSap: number): void;
  /** A whole APDU, LLC header removed; valid during the call. Answer with `link.sendApdu`. */
  apdu(clientSap: number, bytes: Uint8Array, start: number, end: number): void;
  /** The link is gone (DISC, a new SNRM, the inactivity timeout or `disconnect`). */
  disconnected(reason: HdlcDisconnect): void;
}

export type HdlcDisconnect = "disc" | "snrm" | "inactivity" | "local";

export interface HdlcLinkOptions {
  clock: Clock;
  log: Log;
  /** Bytes out (to the serial line). The buffer is reused after the call. */
  transmit(bytes: Uint8Array): void;
  /** Upper HDLC address: the logical device. Default 1 (management logical device). */
  logicalDevice?: number;
  /** Lower HDLC address: the physical device. Default 1. */
  physicalAddress?: number;
  /** Largest information field the meter sends and receives. Default 128; at most 2030. */
  maxInfoLength?: number;
  /** Largest APDU the meter reassembles from segments. Default 1024. */
  maxApduLength?: number;
  /** No valid frame for this long ends the connection. Default 120 s. */
  inactivityTimeoutMs?: number;
  /** A gap this long inside a frame discards it. Default 25 ms. */
  interOctetTimeoutMs?: number;
}

/** Receiver states: hunting for a flag, after a flag, inside a frame, expecting the closing flag. */
const RX_HUNT = 0;
const RX_FLAG = 1;
const RX_FRAME = 2;
const RX_END = 3;
/** Link modes: NDM, NRM, NRM after a frame reject. */
const DISCONNECTED = 0;
const CONNECTED = 1;
const FRAME_REJECT = 2;

/** FRMR reasons (the W, X, Y, Z bits of its information field). */
const FRMR_W = 1;
const FRMR_Y = 4;
const FRMR_Z = 8;

export class HdlcLink {
  readonly logicalDevice: number;
  readonly physicalAddress: number;
  readonly maxInfoLength: number;
  readonly maxApduLength: number;
  readonly inactivityTimeoutMs: number;
  readonly interOctetTimeoutMs: number;
  /** Negotiated at SNRM (defaults until then). */
  readonly parameters: HdlcParameters = { maxInfoTransmit: HDLC_DEFAULT_INFO, maxInfoReceive: HDLC_DEFAULT_INFO, windowTransmit: 1, windowReceive: 1 };
  /** Counters for tests and diagnostics. */
  readonly stats = { framesIn: 0, framesOut: 0, discarded: 0, retransmitted: 0, frmr: 0 };
  upper: HdlcUpper | null = null;

  private mode = DISCONNECTED;
  private readonly frameIn: Uint8Array;
  private rxState = RX_HUNT;
  private rxLength = 0;
  private rxExpected = 0;
  private lastByteMs = 0;
  private readonly fields = new HdlcFrameFields();
  /** The client's address and our address as the client wrote it (replies use the same sizes). */
  private readonly client: HdlcAddress = { upper: 0, lower: 0, size: 1 };
  private readonly self: HdlcAddress = { upper: 0, lower: 0, size: 1 };
  private vs = 0;
  private vr = 0;
  /** Reassembly of a received APDU, LLC included. */
  private readonly apduIn: Uint8Array;
  private apduInLength = 0;
  private apduInOverflow = false;
  /** The reply being sent: LLC + APDU, sent from `txPos`; `txSegmentEnd` is the end of the unacknowledged segment. */
  private tx: Uint8Array;
  private txLength = 0;
  private txPos = 0;
  private txSegmentEnd = 0;
  private awaitingAck = false;
  /** The last frame sent, kept for retransmission. */
  private readonly frameOut: Uint8Array;
  private frameOutLength = 0;
  private readonly frmrInfo = new Uint8Array(3);
  private lastFrameMs = 0;
  /** The last frame sent answered an I-frame (so a repeated I-frame gets it again). */
  private answered = false;
  private timer: TimerId | undefined;
  private readonly params = new Uint8Array(32);

  constructor(private readonly options: HdlcLinkOptions) {
    this.logicalDevice = options.logicalDevice ?? 1;
    this.physicalAddress = options.physicalAddress ?? 1;
    this.maxInfoLength = Math.max(32, Math.min(2030, options.maxInfoLength ?? HDLC_DEFAULT_INFO));
    this.maxApduLength = Math.max(64, options.maxApduLength ?? 1024);
    this.inactivityTimeoutMs = options.inactivityTimeoutMs ?? 120_000;
    this.interOctetTimeoutMs = options.interOctetTimeoutMs ?? 25;
    this.frameIn = new Uint8Array(this.maxInfoLength + HDLC_OVERHEAD);
    this.frameOut = new Uint8Array(this.maxInfoLength + HDLC_OVERHEAD);
    this.apduIn = new Uint8Array(this.maxApduLength + 3);
    this.tx = new Uint8Array(3 + 256);
  }

  get connected(): boolean {
    return this.mode !== DISCONNECTED;
  }

  /** Starts the inactivity timer (the optical port calls this when it switches to HDLC). */
  start(): void {
    this.lastFrameMs = this.options.clock.nowMs();
    if (this.timer !== undefined) return;
    const period = Math.max(100, Math.min(5000, Math.floor(this.inactivityTimeoutMs / 8)));
    this.timer = this.options.clock.repeat(() => this.checkInactivity(), period);
  }

  /** Stops the timer and drops any connection without a frame (the port goes back to idle). */
  stop(): void {
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.rxState = RX_HUNT;
    if (this.mode !== DISCONNECTED) this.drop("local");
  }

  /** Called by the timer: the connection (or a port switched to HDLC but never connected) ends. */
  checkInactivity(): void {
    if (this.options.clock.nowMs() - this.lastFrameMs < this.inactivityTimeoutMs) return;
    this.options.log.info("HDLC: inactivity timeout");
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.rxState = RX_HUNT;
    if (this.mode !== DISCONNECTED) this.drop("inactivity");
    else this.upper?.disconnected("inactivity");
  }

  /** Bytes from the line, in any chunking. */
  receive(data: Uint8Array): void {
    const now = this.options.clock.nowMs();
    if (this.rxState === RX_FRAME || this.rxState === RX_END) {
      if (now - this.lastByteMs > this.interOctetTimeoutMs) {
        this.stats.discarded++;
        this.rxState = RX_HUNT;
      }
    }
    this.lastByteMs = now;
    const buf = this.frameIn;
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      switch (this.rxState) {
        case RX_HUNT:
          if (b === HDLC_FLAG) this.rxState = RX_FLAG;
          break;
        case RX_FLAG:
          if (b === HDLC_FLAG) break;
          if ((b & 0xf0) !== HDLC_FORMAT) {
            this.rxState = RX_HUNT;
            break;
          }
          buf[0] = b;
          this.rxLength = 1;
          this.rxState = RX_FRAME;
          break;
        case RX_FRAME:
          buf[this.rxLength++] = b;
          if (this.rxLength === 2) {
            this.rxExpected = ((buf[0] & 7) << 8) | b;
            if (this.rxExpected < HDLC_MIN_FRAME || this.rxExpected > buf.length) {
              this.stats.discarded++;
              this.rxState = b === HDLC_FLAG ? RX_FLAG : RX_HUNT;
            }
          } else if (this.rxLength === this.rxExpected) {
            this.rxState = RX_END;
          }
          break;
        case RX_END:
          if (b === HDLC_FLAG) {
            this.rxState = RX_FLAG;
            this.frame(buf, this.rxLength);
          } else {
            this.stats.discarded++;
            this.rxState = RX_HUNT;
          }
          break;
      }
    }
  }

  /** The reply APDU to the last request (copied; sent in segments as the client polls). */
  sendApdu(apdu: Uint8Array, start: number, end: number): void {
    if (this.mode !== CONNECTED) return;
    const need = 3 + end - start;
    if (this.tx.length < need) this.tx = new Uint8Array(need);
    this.tx[0] = LLC_RESPONSE[0];
    this.tx[1] = LLC_RESPONSE[1];
    this.tx[2] = LLC_RESPONSE[2];
    this.tx.set(apdu.subarray(start, end), 3);
    this.txLength = need;
    this.txPos = 0;
    this.txSegmentEnd = 0;
  }

  /** Ends the connection from the meter's side (the DLMS session closed it): the next frame gets DM. */
  disconnect(): void {
    if (this.mode !== DISCONNECTED) this.drop("local");
  }

  // ---- frames ----

  private frame(buf: Uint8Array, length: number): void {
    const f = this.fields;
    if (!decodeFrame(buf, 0, length, f)) {
      this.stats.discarded++;
      return;
    }
    const d = f.destination;
    if (d.upper !== this.logicalDevice || (d.size > 1 && d.lower !== this.physicalAddress) || f.source.size !== 1) {
      this.stats.discarded++;
      return;
    }
    this.stats.framesIn++;
    this.lastFrameMs = this.options.clock.nowMs();
    const control = f.control;
    const command = control & ~HDLC_PF;
    if (command === HDLC_CONTROL.snrm) {
      this.snrm(buf, f);
      return;
    }
    if (this.mode === DISCONNECTED || f.source.upper !== this.client.upper) {
      // Not connected with this client: DM to commands, UI ignored.
      if (command !== HDLC_CONTROL.ui) this.sendControl(f.source, d, HDLC_CONTROL.dm | HDLC_PF);
      return;
    }
    if (command === HDLC_CONTROL.disc) {
      this.sendControl(this.client, this.self, HDLC_CONTROL.ua | HDLC_PF);
      this.drop("disc");
      return;
    }
    if (this.mode === FRAME_REJECT) {
      this.sendFrmr(this.frmrInfo[0], this.frmrInfo[2]);
      return;
    }
    if ((control & 1) === 0) {
      this.iFrame(buf, f);
      return;
    }
    const kind = control & 0x0f;
    if (kind === HDLC_CONTROL.rr || kind === HDLC_CONTROL.rnr) {
      if (!this.acknowledge(control >>> 5, control)) return;
      this.answered = false;
      if (kind === HDLC_CONTROL.rr) this.respond();
      else this.sendControl(this.client, this.self, sControl(HDLC_CONTROL.rr, this.vr, true));
      return;
    }
    if (command === HDLC_CONTROL.ui) return;
    this.sendFrmr(control, FRMR_W);
  }

  private snrm(buf: Uint8Array, f: HdlcFrameFields): void {
    const p = this.parameters;
    const proposed: HdlcParameters = { maxInfoTransmit: HDLC_DEFAULT_INFO, maxInfoReceive: HDLC_DEFAULT_INFO, windowTransmit: 1, windowReceive: 1 };
    if (!decodeParameters(buf, f.infoStart, f.infoEnd, proposed) || proposed.maxInfoTransmit < 1 || proposed.maxInfoReceive < 1) {
      this.stats.discarded++;
      return;
    }
    if (this.mode !== DISCONNECTED) this.drop("snrm");
    // Our transmit is bounded by what the client receives, and the other way round; window 1.
    p.maxInfoTransmit = Math.min(this.maxInfoLength, proposed.maxInfoReceive);
    p.maxInfoReceive = Math.min(this.maxInfoLength, proposed.maxInfoTransmit);
    p.windowTransmit = 1;
    p.windowReceive = 1;
    this.client.upper = f.source.upper;
    this.self.upper = f.destination.upper;
    this.self.lower = f.destination.lower;
    this.self.size = f.destination.size;
    this.vs = 0;
    this.vr = 0;
    this.apduInLength = 0;
    this.apduInOverflow = false;
    this.txLength = this.txPos = this.txSegmentEnd = 0;
    this.awaitingAck = false;
    this.answered = false;
    this.mode = CONNECTED;
    const end = encodeParameters(this.params, 0, p);
    this.send(encodeFrame(this.frameOut, this.client, this.self, HDLC_CONTROL.ua | HDLC_PF, false, this.params, 0, end));
    this.upper?.connected(this.client.upper);
  }

  /** Takes N(R) from the client; false (and FRMR sent) when it acknowledges nothing we sent. */
  private acknowledge(nr: number, control: number): boolean {
    if (nr === this.vs) {
      if (this.awaitingAck) {
        this.awaitingAck = false;
        this.txPos = this.txSegmentEnd;
        if (this.txPos >= this.txLength) this.txLength = this.txPos = this.txSegmentEnd = 0;
      }
      return true;
    }
    if (this.awaitingAck && nr === ((this.vs - 1) & 7)) return true; // our last I-frame is not acknowledged
    this.sendFrmr(control, FRMR_Z);
    return false;
  }

  private iFrame(buf: Uint8Array, f: HdlcFrameFields): void {
    const control = f.control;
    const ns = (control >>> 1) & 7;
    if (ns === ((this.vr - 1) & 7) && this.answered) {
      // The client repeats its last frame: our answer was lost. Send it again.
      this.stats.retransmitted++;
      this.send(this.frameOutLength);
      return;
    }
    if (!this.acknowledge(control >>> 5, control)) return;
    const infoLength = f.infoEnd - f.infoStart;
    if (infoLength > this.parameters.maxInfoReceive) {
      this.sendFrmr(control, FRMR_Y);
      return;
    }
    if (ns !== this.vr) {
      this.sendControl(this.client, this.self, sControl(HDLC_CONTROL.rr, this.vr, true));
      return;
    }
    this.vr = (this.vr + 1) & 7;
    this.answered = false;
    // A new request abandons the rest of an unfinished reply.
    this.txLength = this.txPos = this.txSegmentEnd = 0;
    this.awaitingAck = false;
    if (this.apduInLength + infoLength > this.apduIn.length) this.apduInOverflow = true;
    else {
      this.apduIn.set(buf.subarray(f.infoStart, f.infoEnd), this.apduInLength);
      this.apduInLength += infoLength;
    }
    if (f.segmented) {
      this.sendControl(this.client, this.self, sControl(HDLC_CONTROL.rr, this.vr, true));
      this.answered = true;
      return;
    }
    const length = this.apduInLength;
    const overflow = this.apduInOverflow;
    this.apduInLength = 0;
    this.apduInOverflow = false;
    const a = this.apduIn;
    if (overflow) {
      this.options.log.warn(`HDLC: APDU above ${this.maxApduLength} bytes discarded`);
    } else if (length > 3 && a[0] === LLC_REQUEST[0] && a[1] === LLC_REQUEST[1] && a[2] === LLC_REQUEST[2]) {
      this.upper?.apdu(this.client.upper, a, 3, length);
    } else {
      this.stats.discarded++;
    }
    if (this.mode !== CONNECTED) return; // the upper layer disconnected
    this.respond();
    this.answered = true;
  }

  /** Answers a poll: the next segment of the reply if there is one, else RR. */
  private respond(): void {
    if (this.txLength > 0 && this.awaitingAck) {
      // RR repeating N(R) of our last I-frame: it was lost.
      this.stats.retransmitted++;
      this.send(this.frameOutLength);
      return;
    }
    if (this.txLength === 0 || this.txPos >= this.txLength) {
      this.sendControl(this.client, this.self, sControl(HDLC_CONTROL.rr, this.vr, true));
      return;
    }
    const end = Math.min(this.txLength, this.txPos + this.parameters.maxInfoTransmit);
    const more = end < this.txLength;
    this.txSegmentEnd = end;
    this.awaitingAck = true;
    this.send(encodeFrame(this.frameOut, this.client, this.self, iControl(this.vs, this.vr, true), more, this.tx, this.txPos, end));
    this.vs = (this.vs + 1) & 7;
  }

  private sendFrmr(rejected: number, reason: number): void {
    this.stats.frmr++;
    this.mode = FRAME_REJECT;
    const info = this.frmrInfo;
    info[0] = rejected;
    info[1] = (this.vr << 5) | (this.vs << 1);
    info[2] = reason;
    this.send(encodeFrame(this.frameOut, this.client, this.self, HDLC_CONTROL.frmr | HDLC_PF, false, info, 0, 3));
  }

  private sendControl(destination: HdlcAddress, source: HdlcAddress, control: number): void {
    this.send(encodeFrame(this.frameOut, destination, source, control, false, null, 0, 0));
  }

  private send(length: number): void {
    this.frameOutLength = length;
    this.stats.framesOut++;
    this.options.transmit(this.frameOut.subarray(0, length));
  }

  private drop(reason: HdlcDisconnect): void {
    this.mode = DISCONNECTED;
    this.txLength = this.txPos = this.txSegmentEnd = 0;
    this.awaitingAck = false;
    this.apduInLength = 0;
    this.frameOutLength = 0;
    this.answered = false;
    this.upper?.disconnected(reason);
  }
}
