/**
 * The client's HDLC (IEC 62056-46) and mode E (IEC 62056-21) side, as a Transport: the DLMS
 * session hands it WRAPPER frames, it sends their APDUs in I-frames (segmented to the
 * negotiated information field, LLC E6 E6 00) and returns the meter's reassembled replies.
 * Window 1, polls every frame; a frame not answered in time is sent again (up to 3 times).
 */
import {
  decodeFrame, decodeParameters, encodeFrame, encodeParameters, HDLC_CONTROL, HDLC_DEFAULT_INFO, HDLC_FLAG, HDLC_OVERHEAD, HDLC_PF,
  type HdlcAddress, HdlcFrameFields, type HdlcParameters, iControl, sControl,
} from "../../firmware/comms/hdlc/frame";
import { ACK, MODE_E_BAUD } from "../../firmware/comms/hdlc/mode-e";
import { type SerialFormat, serial7E1, serial8N1 } from "../../firmware/hal/serial";
import { createConnection } from "node:net";
import { ProtocolError } from "./codec";
import type { Frame, Transport } from "./session";

/** A byte pipe to the meter: TCP (no format) or a simulated line (formats matter). */
export interface ByteLink {
  write(bytes: Uint8Array): void;
  setFormat(format: SerialFormat): void;
  close(): void;
}

export interface HdlcClientOptions {
  clientSap: number;
  /** The meter's address: logical device, physical address, size 1, 2 or 4. */
  server: HdlcAddress;
  /** Largest information field proposed both ways (default 128). */
  maxInfo?: number;
  /** Answer wait before a frame is repeated (default 2000 ms). */
  timeoutMs?: number;
  trace?: (line: string) => void;
}

interface RxFrame {
  control: number;
  segmented: boolean;
  info: Uint8Array;
}

const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase().replace(/(..)(?!$)/g, "$1 ");

export function describeControl(c: number): string {
  const pf = c & HDLC_PF ? " P/F" : "";
  if (!(c & 1)) return `I N(S)=${(c >>> 1) & 7} N(R)=${c >>> 5}${pf}`;
  const k = c & 0x0f;
  if (k === HDLC_CONTROL.rr) return `RR N(R)=${c >>> 5}${pf}`;
  if (k === HDLC_CONTROL.rnr) return `RNR N(R)=${c >>> 5}${pf}`;
  const names: Record<number, string> = { 0x83: "SNRM", 0x43: "DISC", 0x63: "UA", 0x0f: "DM", 0x87: "FRMR", 0x03: "UI" };
  return `${names[c & ~HDLC_PF] ?? `control ${c.toString(16)}`}${pf}`;
}

export class HdlcTransport implements Transport {
  readonly parameters: HdlcParameters = { maxInfoTransmit: HDLC_DEFAULT_INFO, maxInfoReceive: HDLC_DEFAULT_INFO, windowTransmit: 1, windowReceive: 1 };
  /** Frames each way (for tests and the trace). */
  framesSent = 0;
  framesReceived = 0;
  private readonly self: HdlcAddress;
  private vs = 0;
  private vr = 0;
  private rx = new Uint8Array(0);
  private readonly frames: RxFrame[] = [];
  private frameWaiter: (() => void) | null = null;
  private readonly replies: Frame[] = [];
  private replyWaiter: { resolve: (f: Frame) => void; reject: (e: Error) => void } | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private readonly fields = new HdlcFrameFields();
  private readonly timeoutMs: number;
  /** Mode E: characters received before HDLC. */
  private text = "";
  private textMode = false;

  constructor(readonly link: ByteLink, readonly options: HdlcClientOptions) {
    this.self = { upper: options.clientSap, lower: 0, size: 1 };
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  /** Bytes from the meter. */
  deliver(chunk: Uint8Array): void {
    if (this.textMode) {
      for (const b of chunk) this.text += String.fromCharCode(b & 0x7f);
      this.wake();
      return;
    }
    const merged = new Uint8Array(this.rx.length + chunk.length);
    merged.set(this.rx);
    merged.set(chunk, this.rx.length);
    let p = 0;
    while (p < merged.length) {
      if (merged[p] !== HDLC_FLAG || p + 3 > merged.length) {
        if (merged[p] !== HDLC_FLAG) p++;
        else break;
        continue;
      }
      if ((merged[p + 1] & 0xf0) !== 0xa0) {
        p++;
        continue;
      }
      const len = ((merged[p + 1] & 7) << 8) | merged[p + 2];
      if (p + len + 2 > merged.length) break;
      const body = merged.subarray(p + 1, p + 1 + len);
      if (merged[p + 1 + len] === HDLC_FLAG && decodeFrame(body, 0, len, this.fields)) {
        const f = this.fields;
        const frame = { control: f.control, segmented: f.segmented, info: body.slice(f.infoStart, f.infoEnd) };
        this.options.trace?.(`<- ${describeControl(frame.control)}${frame.segmented ? " S" : ""}  ${hexOf(merged.subarray(p, p + len + 2))}`);
        this.framesReceived++;
        this.frames.push(frame);
        p += len + 1; // the closing flag may open the next frame
      } else {
        p++;
      }
    }
    this.rx = merged.slice(p);
    this.wake();
  }

  /** Forgets frames received but not taken (after frames a test sent by hand). */
  discardFrames(): void {
    this.frames.length = 0;
  }

  fail(e: Error): void {
    this.failure = e;
    this.wake();
    if (this.replyWaiter) {
      const w = this.replyWaiter;
      this.replyWaiter = null;
      w.reject(e);
    }
  }

  private wake(): void {
    const w = this.frameWaiter;
    this.frameWaiter = null;
    w?.();
  }

  private async waitFor<T>(take: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = take();
      if (v !== undefined) return v;
      if (this.failure) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.frameWaiter = null;
          resolve();
        }, left);
        this.frameWaiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** IEC 62056-21 mode E: sign-on at 300 baud 7E1, then the switch to HDLC at `baudCode` (default: the meter's highest). */
  async signOn(baudCode?: number): Promise<{ identification: string; baud: number }> {
    this.textMode = true;
    this.text = "";
    this.link.setFormat(serial7E1(300));
    this.options.trace?.("-> /?!<CR><LF> (300 baud 7E1)");
    this.link.write(Uint8Array.from(Buffer.from("/?!\r\n", "latin1")));
    const line = await this.waitFor(() => {
      const i = this.text.indexOf("\r\n");
      return i >= 0 ? this.text.slice(0, i) : undefined;
    }, this.timeoutMs);
    if (line === undefined) throw new ProtocolError("no identification from the meter (mode E sign-on unanswered)");
    this.options.trace?.(`<- ${JSON.stringify(line + "\r\n")}`);
    const m = /^\/(...)(\d)\\2(.*)$/.exec(line);
    if (!m) throw new ProtocolError(`not a mode E identification: ${JSON.stringify(line)}`);
    const z = Math.min(Number(m[2]), baudCode ?? 9);
    const ack = Uint8Array.from([ACK, 0x32, 0x30 + z, 0x32, 0x0d, 0x0a]);
    this.options.trace?.(`-> <ACK>2${z}2<CR><LF>, then ${MODE_E_BAUD[z]} baud 8N1`);
    this.link.write(ack);
    this.textMode = false;
    // The meter switches once the acknowledgement is in; so does the client after sending it.
    await new Promise((r) => setTimeout(r, 20));
    this.link.setFormat(serial8N1(MODE_E_BAUD[z]));
    return { identification: `${m[1]} ${m[3]}`, baud: MODE_E_BAUD[z] };
  }

  private sendFrame(control: number, segmented: boolean, info: Uint8Array | null): Uint8Array {
    const out = new Uint8Array((info?.length ?? 0) + HDLC_OVERHEAD);
    const n = encodeFrame(out, this.options.server, this.self, control, segmented, info, 0, info?.length ?? 0);
    const frame = out.slice(0, n);
    this.options.trace?.(`-> ${describeControl(control)}${segmented ? " S" : ""}  ${hexOf(frame)}`);
    this.framesSent++;
    this.link.write(frame);
    return frame;
  }

  /** Sends a frame and waits for the answer, repeating it when none comes. */
  private async command(control: number, segmented: boolean, info: Uint8Array | null): Promise<RxFrame> {
    const frame = this.sendFrame(control, segmented, info);
    for (let attempt = 0; attempt < 4; attempt++) {
      const answer = await this.waitFor(() => this.frames.shift(), this.timeoutMs);
      if (answer) return answer;
      if (attempt === 3) break;
      this.options.trace?.("   (no answer: repeating)");
      this.framesSent++;
      this.link.write(frame);
    }
    throw new ProtocolError(`no answer from the meter to ${describeControl(control)}`);
  }

  /** SNRM with our proposal; the UA's parameters are the meter's. */
  async connect(): Promise<HdlcParameters> {
    const max = this.options.maxInfo ?? HDLC_DEFAULT_INFO;
    this.discardFrames(); // answers to anything before do not answer this SNRM
    const info = new Uint8Array(32);
    const n = encodeParameters(info, 0, { maxInfoTransmit: max, maxInfoReceive: max, windowTransmit: 1, windowReceive: 1 });
    const ua = await this.command(HDLC_CONTROL.snrm | HDLC_PF, false, info.subarray(0, n));
    if ((ua.control & ~HDLC_PF) !== HDLC_CONTROL.ua) throw new ProtocolError(`SNRM answered with ${describeControl(ua.control)}`);
    const p = this.parameters;
    p.maxInfoTransmit = p.maxInfoReceive = HDLC_DEFAULT_INFO;
    if (!decodeParameters(ua.info, 0, ua.info.length, p)) throw new ProtocolError("malformed UA parameters");
    this.vs = this.vr = 0;
    return p;
  }

  async disconnect(): Promise<void> {
    const r = await this.command(HDLC_CONTROL.disc | HDLC_PF, false, null);
    const c = r.control & ~HDLC_PF;
    if (c !== HDLC_CONTROL.ua && c !== HDLC_CONTROL.dm) throw new ProtocolError(`DISC answered with ${describeControl(r.control)}`);
  }

  /** One APDU out (segmented), the reply APDU back (RR for each segment). */
  async exchangeApdu(apdu: Uint8Array): Promise<Uint8Array> {
    const data = new Uint8Array(3 + apdu.length);
    data.set([0xe6, 0xe6, 0x00]);
    data.set(apdu, 3);
    // The meter transmits at most maxInfoTransmit; we send at most its maxInfoReceive.
    const max = this.parameters.maxInfoReceive;
    let answer: RxFrame | null = null;
    let pos = 0;
    while (pos < data.length) {
      const end = Math.min(data.length, pos + max);
      const more = end < data.length;
      answer = await this.command(iControl(this.vs, this.vr, true), more, data.subarray(pos, end));
      const iFrame = (answer.control & 1) === 0;
      if (!iFrame && (answer.control & 0x0f) !== HDLC_CONTROL.rr) throw new ProtocolError(`I-frame answered with ${describeControl(answer.control)}`);
      if ((answer.control >>> 5) !== ((this.vs + 1) & 7)) continue; // not acknowledged: the same again
      this.vs = (this.vs + 1) & 7;
      pos = end;
      if (more && iFrame) throw new ProtocolError("I-frame before the last segment was sent");
    }
    const parts: Uint8Array[] = [];
    for (;;) {
      if (!answer) throw new ProtocolError("no reply");
      if ((answer.control & 1) === 0) {
        const ns = (answer.control >>> 1) & 7;
        if (ns === this.vr) {
          this.vr = (this.vr + 1) & 7;
          parts.push(answer.info);
          if (!answer.segmented) break;
        }
      } else if ((answer.control & 0x0f) !== HDLC_CONTROL.rr) throw new ProtocolError(`unexpected ${describeControl(answer.control)}`);
      else await new Promise((r) => setTimeout(r, 20)); // reply not ready yet: poll again shortly
      answer = await this.command(sControl(HDLC_CONTROL.rr, this.vr, true), false, null);
    }
    const all = Buffer.concat(parts);
    if (all.length < 3 || all[0] !== 0xe6 || all[1] !== 0xe7 || all[2] !== 0) throw new ProtocolError("reply without the LLC header E6 E7 00");
    return new Uint8Array(all.subarray(3));
  }

  // ---- Transport ----

  send(frame: Uint8Array): void {
    const apdu = frame.slice(8);
    this.chain = this.chain.then(async () => {
      try {
        const reply = await this.exchangeApdu(apdu);
        const f = { source: 1, destination: this.options.clientSap, apdu: reply };
        if (this.replyWaiter) {
          const w = this.replyWaiter;
          this.replyWaiter = null;
          w.resolve(f);
        } else {
          this.replies.push(f);
        }
      } catch (e) {
        this.fail(e as Error);
      }
    });
  }

  receive(): Promise<Frame> {
    const next = this.replies.shift();
    if (next) return Promise.resolve(next);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.replyWaiter = { resolve, reject };
    });
  }

  close(): void {
    this.link.close();
  }
}

/** HDLC over TCP to the simulator's optical port (raw bytes; the formats are only traced). */
export function connectHdlc(host: string, port: number, options: HdlcClientOptions, timeoutMs = 5000): Promise<HdlcTransport> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    socket.setNoDelay(true);
    const transport = new HdlcTransport({
      write: (b) => socket.write(b),
      setFormat: (f) => options.trace?.(`   line: ${f.baud} baud ${f.dataBits}${f.parity[0].toUpperCase()}${f.stopBits}`),
      close: () => socket.destroy(),
    }, options);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ProtocolError(`cannot connect to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(transport);
    });
    socket.on("data", (chunk) => transport.deliver(new Uint8Array(chunk)));
    socket.on("error", (e) => {
      clearTimeout(timer);
      transport.fail(e);
      reject(new ProtocolError(`cannot connect to ${host}:${port}: ${e.message}`));
    });
    socket.on("close", () => transport.fail(new ProtocolError("the optical port closed the connection")));
  });
}
