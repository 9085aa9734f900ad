/**
 * The optical port: a serial line (IR transceiver on a UART) carrying IEC 62056-21 mode E and
 * then DLMS over HDLC, served by the same DlmsServer as TCP (one more session: associations,
 * access rights, the authentication back-off and the event log as on TCP). The port idles at
 * 300 baud 7E1 waiting for a sign-on; a frame flag (7E) instead starts HDLC at once at the
 * current speed (for links without a line format, like HDLC over TCP). When the link ends
 * (DISC, inactivity, a sign-on never acknowledged) the port returns to 300 baud 7E1.
 */
import type { Clock, Log, TimerId } from "../../hal";
import { type SerialFormat, type SerialPort, serial7E1, serial8N1 } from "../../hal/serial";
import type { DlmsServer } from "../dlms/server";
import { APDU_OFFSET, type ApduOutput, type DlmsSession } from "../dlms/session";
import { type HdlcDisconnect, HdlcLink, type HdlcLinkOptions, type HdlcUpper } from "./link";
import { identificationMessage, type ModeEIdentity, ModeEParser } from "./mode-e";

interface OpticalPortOptions {
  clock: Clock;
  log: Log;
  serial: SerialPort;
  server: DlmsServer;
  identity: ModeEIdentity;
  /** HDLC addresses, sizes and timeouts. */
  link?: Omit<HdlcLinkOptions, "clock" | "log" | "transmit">;
  /** False: no mode E, the port idles in HDLC at `directBaud` 8N1. Default true. */
  signOn?: boolean;
  /** Speed of HDLC without sign-on when `signOn` is false. Default 9600. */
  directBaud?: number;
  /** Time allowed between the identification and the acknowledgement. Default 1500 ms. */
  ackTimeoutMs?: number;
}

const IDLE = 0;
const IDENTIFIED = 1;
const HDLC = 2;

export class OpticalPort implements HdlcUpper, ApduOutput {
  readonly link: HdlcLink;
  readonly parser: ModeEParser;
  /** The DLMS session of the connected client, if any. */
  connection: DlmsSession | null = null;
  private state = IDLE;
  private readonly idleFormat: SerialFormat;
  private readonly identification: Uint8Array;
  private timer: TimerId | undefined;
  private readonly ackTimeoutMs: number;
  private readonly backToIdle = () => this.goIdle();

  constructor(private readonly options: OpticalPortOptions) {
    this.link = new HdlcLink({ ...options.link, clock: options.clock, log: options.log, transmit: (bytes) => options.serial.write(bytes) });
    this.link.upper = this;
    this.parser = new ModeEParser(options.identity);
    this.identification = identificationMessage(options.identity);
    this.ackTimeoutMs = options.ackTimeoutMs ?? 1500;
    this.idleFormat = options.signOn === false ? serial8N1(options.directBaud ?? 9600) : serial7E1(300);
    options.serial.onReadable((data) => this.receive(data));
    this.goIdle();
  }

  /** "idle", "identified" (waiting for the acknowledgement) or "hdlc". */
  get phase(): string {
    return this.state === IDLE ? "idle" : this.state === IDENTIFIED ? "identified" : "hdlc";
  }

  receive(data: Uint8Array): void {
    if (this.state === HDLC) {
      this.link.receive(data);
      return;
    }
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      if (b === 0x7e && this.state === IDLE) {
        // A frame without sign-on: HDLC at the current speed.
        this.enterHdlc(null);
        this.link.receive(data.subarray(i));
        return;
      }
      const event = this.parser.push(b);
      if (event.kind === "sign-on") {
        this.options.serial.write(this.identification);
        this.state = IDENTIFIED;
        this.arm(this.ackTimeoutMs);
      } else if (event.kind === "switch") {
        this.enterHdlc(serial8N1(event.baud));
        if (i + 1 < data.length) this.link.receive(data.subarray(i + 1));
        return;
      } else if (event.kind === "reset" && this.state === IDENTIFIED) {
        this.goIdle();
      }
    }
  }

  private enterHdlc(format: SerialFormat | null): void {
    this.disarm();
    this.parser.clear();
    if (format) {
      this.options.serial.configure(format);
      this.options.log.info(`optical port: ${format.baud} baud 8N1, HDLC`);
    }
    this.state = HDLC;
    this.link.start();
  }

  private goIdle(): void {
    this.disarm();
    this.state = IDLE;
    this.link.stop();
    this.parser.clear();
    if (this.options.signOn === false) this.state = HDLC;
    const f = this.options.serial.format;
    const i = this.idleFormat;
    if (f.baud !== i.baud || f.dataBits !== i.dataBits || f.parity !== i.parity || f.stopBits !== i.stopBits) {
      this.options.serial.configure(i);
      this.options.log.info(`optical port: ${i.baud} baud ${i.dataBits}${i.parity[0].toUpperCase()}${i.stopBits}, waiting for sign-on`);
    }
    if (this.state === HDLC) this.link.start();
  }

  private arm(ms: number): void {
    this.disarm();
    this.timer = this.options.clock.schedule(this.backToIdle, ms);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Shutdown (power down): the session released, timers stopped, no more bytes taken. */
  close(): void {
    this.disarm();
    this.link.stop();
    const c = this.connection;
    this.connection = null;
    c?.release();
    this.options.serial.onReadable(() => {});
  }

  // ---- HdlcUpper ----

  connected(): void {
    this.link.start();
    this.connection?.release();
    this.connection = this.options.server.attachSession(this);
  }

  apdu(clientSap: number, bytes: Uint8Array, start: number, end: number): void {
    this.connection?.handleApdu(clientSap, bytes, start, end);
  }

  disconnected(reason: HdlcDisconnect): void {
    const c = this.connection;
    this.connection = null;
    c?.release();
    if (reason === "snrm") return;
    // Back to the opening speed once the last frame (UA to DISC) has left the line.
    if (this.state === HDLC && this.options.signOn !== false) this.arm(reason === "disc" ? this.drainMs(32) : 0);
  }

  // ---- ApduOutput ----

  sendApdu(buffer: Uint8Array, length: number): void {
    this.link.sendApdu(buffer, APDU_OFFSET, APDU_OFFSET + length);
  }

  /** Time to send `bytes` at the current speed, plus a margin. */
  private drainMs(bytes: number): number {
    return Math.ceil((bytes * 10 * 1000) / this.options.serial.format.baud) + 50;
  }
}
