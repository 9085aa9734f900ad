/**
 * Bundled into xsnap by host-sim/bench/hdlc.ts: the optical port (HDLC link + DLMS server) fed
 * frames through a bench serial port. Only the meter's handling of a frame is metered (frame
 * parsing, HCS/FCS, the DLMS work, the reply frame); building the client's frames is not.
 */
import { asciiToBytes, DlmsServer, publicPolicy, readerPolicy } from "../../../firmware/comms/dlms";
import { buildMeterObjectModel } from "../../../firmware/app/meter-objects";
import { encodeFrame } from "../../../firmware/comms/hdlc/frame";
import { meterIdentity } from "../../../firmware/comms/hdlc/mode-e";
import { OpticalPort } from "../../../firmware/comms/hdlc/optical-port";
import type { SerialFormat, SerialPort } from "../../../firmware/hal/serial";
import { parseScenario } from "../../event-types";
import { Simulation } from "../../simulation";
import { swapMeter } from "../../xs/metering";

class BenchSerial implements SerialPort {
  format: SerialFormat = { baud: 9600, dataBits: 8, parity: "none", stopBits: 1 };
  last = new Uint8Array(0);
  bytesOut = 0;
  handler: ((d: Uint8Array) => void) | null = null;
  configure(f: SerialFormat): void {
    this.format = f;
  }
  write(data: Uint8Array): number {
    this.last = data.slice();
    this.bytesOut += data.length;
    return data.length;
  }
  onReadable(h: (d: Uint8Array) => void): void {
    this.handler = h;
  }
}

const METER = { upper: 1, lower: 0, size: 1 };
const CLIENT = { upper: 17, lower: 0, size: 1 };

export class HdlcXsBench {
  sim!: Simulation;
  serial = new BenchSerial();
  port!: OpticalPort;
  vs = 0;
  vr = 0;
  bytesIn = 0;
  private readonly out = new Uint8Array(2100);

  boot(scenarioJson: string, loadProfileRows: number, maxInfo: number): void {
    this.sim = new Simulation(parseScenario(JSON.parse(scenarioJson)), { config: { tickMs: 10_000 } });
    this.sim.runFor(3_600_000);
    const buffer = this.sim.meter.profiles.load.buffer;
    const row = new Float64Array(buffer.columns.length);
    let t = this.sim.clock.wallClockMs();
    for (let i = 0; i < loadProfileRows; i++) {
      t += 900_000;
      row[0] = t;
      // Column 1 is the AMR profile status (unsigned): a real status value, not a number it cannot hold.
      row[1] = i & 0x80;
      for (let c = 2; c < row.length; c++) row[c] = 1_000_000 * c + i * 137;
      buffer.append(row);
    }
    const server = new DlmsServer({ clock: this.sim.clock, log: this.sim.log, model: buildMeterObjectModel(this.sim.meter), policies: [publicPolicy(), readerPolicy(asciiToBytes("12345678"))], maxSendPdu: 0xffff });
    this.port = new OpticalPort({ clock: this.sim.clock, log: this.sim.log, serial: this.serial, server, identity: meterIdentity("00000001"), signOn: false, link: { maxInfoLength: 2030, maxApduLength: 1040 } });
    const params = [0x81, 0x80, 0x12, 0x05, 0x02, maxInfo >> 8, maxInfo & 0xff, 0x06, 0x02, maxInfo >> 8, maxInfo & 0xff, 0x07, 0x04, 0, 0, 0, 1, 0x08, 0x04, 0, 0, 0, 1];
    params[2] = params.length - 3;
    this.feed(this.frame(0x93, params, false));
    const pw = Array.from("12345678", (c) => c.charCodeAt(0));
    const body = [0xa1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0x8a, 0x02, 0x07, 0x80, 0x8b, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x01,
      0xac, pw.length + 2, 0x80, pw.length, ...pw, 0xbe, 0x10, 0x04, 0x0e, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5f, 0x1f, 0x04, 0x00, 0x40, 0x1e, 0x5d, 0xff, 0xff];
    this.request([0x60, body.length, ...body]);
  }

  frame(control: number, info: number[] | null, segmented: boolean): Uint8Array {
    const i = info ? Uint8Array.from(info) : null;
    return this.out.slice(0, encodeFrame(this.out, METER, CLIENT, control, segmented, i, 0, i ? i.length : 0));
  }

  /** Computrons of the meter handling one frame (in, work, out). */
  feed(bytes: Uint8Array): number {
    this.bytesIn += bytes.length;
    swapMeter(0);
    this.serial.handler!(bytes);
    return swapMeter(0);
  }

  /** Sends an APDU in one I-frame, then RR until the reply's last segment: computrons, frames, bytes both ways. */
  request(apdu: number[]): { computrons: number; frames: number; bytesIn: number; bytesOut: number; first: number; reply: number[] } {
    const in0 = this.bytesIn;
    const out0 = this.serial.bytesOut;
    const first = this.feed(this.frame((this.vr << 5) | 0x10 | (this.vs << 1), [0xe6, 0xe6, 0x00, ...apdu], false));
    let computrons = first;
    let frames = 1;
    this.vs = (this.vs + 1) & 7;
    for (;;) {
      const r = this.serial.last;
      if ((r[5] & 1) !== 0) break; // not an I-frame
      this.vr = (this.vr + 1) & 7;
      if ((r[1] & 0x08) === 0) break; // last segment
      computrons += this.feed(this.frame((this.vr << 5) | 0x11, null, false));
      frames++;
    }
    return { computrons, frames, bytesIn: this.bytesIn - in0, bytesOut: this.serial.bytesOut - out0, first, reply: Array.from(this.serial.last) };
  }

  /** Mean computrons per GET of 1.0.1.8.0.255 attribute 2 over `n` requests (I-frame in, I-frame out). */
  registerGet(n: number): { mean: number; max: number; reply: number[] } {
    let sum = 0;
    let max = 0;
    let reply: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = this.request([0xc0, 0x01, 0xc1, 0x00, 0x03, 1, 0, 1, 8, 0, 255, 2, 0]);
      sum += r.computrons;
      if (r.computrons > max) max = r.computrons;
      reply = r.reply;
    }
    return { mean: sum / n, max, reply };
  }

  /** Computrons of the link alone: an RR poll in, RR out (no reply pending), mean of `n`. */
  rrPoll(n: number): number {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.feed(this.frame((this.vr << 5) | 0x11, null, false));
    return sum / n;
  }

  /** A one-day load profile (whole buffer), RR per segment. */
  profile(): { computrons: number; frames: number; bytesIn: number; bytesOut: number; first: number; reply: number[] } {
    return this.request([0xc0, 0x01, 0xc1, 0x00, 0x07, 1, 0, 99, 1, 0, 255, 2, 0]);
  }
}

(globalThis as unknown as { hdlcBench: HdlcXsBench }).hdlcBench = new HdlcXsBench();
