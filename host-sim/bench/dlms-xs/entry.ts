/**
 * Bundled into xsnap by host-sim/bench/dlms.ts: the meter's DLMS server fed WRAPPER frames
 * through a fake socket. Only the server's handling of a frame (parse, object lookup, reading the
 * meter, encoding, writing the reply) is metered; building frames and reading replies is not.
 * As in the tick figures (host-sim/xs/entry.ts), the flash port's work is set aside: on the ESP32
 * that is the SDK's SPI flash driver and the NOR chip, here the emulated flash in JavaScript; so
 * is the TCP port's write (the network stack there, the harness copying the reply here). The
 * firmware's own flash work (finding records, CRC checks, decoding rows) stays in the figure; the
 * calibrated cost of each wrapped port call is subtracted.
 */
import { asciiToBytes, DlmsServer, publicPolicy, readerPolicy } from "../../../firmware/comms/dlms";
import { buildMeterObjectModel } from "../../../firmware/app/meter-objects";
import { parseScenario } from "../../event-types";
import { Simulation } from "../../simulation";
import { BenchSocket } from "../../xs/bench-socket";
import { type AnyFunction, PortExclusion, swapMeter } from "../../xs/metering";

function frame(source: number, apdu: number[]): Uint8Array {
  return Uint8Array.from([0, 1, 0, source, 0, 1, apdu.length >> 8, apdu.length & 0xff, ...apdu]);
}

function aarqReader(password: string, pdu: number): Uint8Array {
  const pw = Array.from(password, (c) => c.charCodeAt(0));
  const body = [0xa1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0x8a, 0x02, 0x07, 0x80, 0x8b, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x01,
    0xac, pw.length + 2, 0x80, pw.length, ...pw, 0xbe, 0x10, 0x04, 0x0e, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5f, 0x1f, 0x04, 0x00, 0x40, 0x1e, 0x5d, pdu >> 8, pdu & 0xff];
  return frame(17, [0x60, body.length, ...body]);
}

export class DlmsXsBench {
  sim!: Simulation;
  socket = new BenchSocket();
  /** The flash ports set aside, and the calibrated cost of a wrapped call. */
  readonly ports = new PortExclusion();

  boot(scenarioJson: string, loadProfileRows: number, pdu: number): void {
    this.sim = new Simulation(parseScenario(JSON.parse(scenarioJson)), { config: { tickMs: 10_000 } });
    this.sim.runFor(3_600_000);
    // A day of load profile (rows appended to the meter's buffer: this measures reading, not metering).
    const buffer = this.sim.meter.profiles.load.buffer;
    const row = new Float64Array(buffer.columns.length);
    let t = this.sim.clock.wallClockMs();
    for (let i = 0; i < loadProfileRows; i++) {
      t += 900_000;
      row[0] = t;
      // Column 1 is the AMR profile status (unsigned): a real status value, not a number it cannot hold.
      row[1] = i % 3 === 0 ? 8 : 0;
      for (let c = 2; c < row.length; c++) row[c] = 1_000_000 * c + i * 137;
      buffer.append(row);
    }
    const server = new DlmsServer({ clock: this.sim.clock, log: this.sim.log, model: buildMeterObjectModel(this.sim.meter), policies: [publicPolicy(), readerPolicy(asciiToBytes("12345678"))] });
    server.attach(this.socket);
    this.ports.calibrate();
    const board = this.sim.board as unknown as Record<string, Record<string, AnyFunction> | undefined>;
    for (const partition of ["flash", "profileFlash"]) {
      const port = board[partition];
      if (port) for (const name of ["read", "write", "eraseSector"]) this.ports.exclude(port, name);
    }
    // The TCP port's write is the network stack's work (lwIP on the ESP32), here the harness copying
    // the reply (about 2 computrons a byte): set aside like the flash.
    this.ports.exclude(this.socket as unknown as Record<string, AnyFunction>, "write");
    this.socket.handler!(aarqReader("12345678", pdu));
  }

  /** Computrons of the server handling one frame (flash port work and its wrappers taken out). */
  private feed(bytes: Uint8Array): number {
    const calls = this.ports.calls;
    const cost = this.ports.cost;
    swapMeter(0);
    this.socket.handler!(bytes);
    const raw = swapMeter(0);
    this.portCalls += this.ports.calls - calls;
    this.portCost += this.ports.cost - cost;
    return raw - (this.ports.calls - calls) * this.ports.overhead;
  }

  /** Port calls set aside (flash, socket write) and the computrons in them since the last longGet started. */
  portCalls = 0;
  portCost = 0;

  /** Mean computrons per GET of 1.0.1.8.0.255 attribute 2 over `n` requests. */
  registerGet(n: number): { mean: number; max: number; reply: number[] } {
    const get = frame(17, [0xc0, 0x01, 0xc1, 0x00, 0x03, 1, 0, 1, 8, 0, 255, 2, 0]);
    let sum = 0;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const c = this.feed(get);
      sum += c;
      if (c > max) max = c;
    }
    return { mean: sum / n, max, reply: Array.from(this.socket.last) };
  }

  /** Total computrons for a whole GET with its block transfer; returns blocks and bytes too. */
  longGet(classId: number, obis: number[], attribute: number): { computrons: number; blocks: number; bytes: number; rows: number; portCalls: number; portCost: number } {
    this.portCalls = 0;
    this.portCost = 0;
    const rows = classId === 7 ? this.rowsOf(obis) : 0;
    let computrons = this.feed(frame(17, [0xc0, 0x01, 0xc1, 0x00, classId, ...obis, attribute, 0]));
    let blocks = 0;
    let bytes = 0;
    for (;;) {
      const r = this.socket.last;
      bytes += r.length;
      if (r[9] !== 2) break; // normal response: one APDU
      blocks++;
      if (r[11] === 1) break; // last block
      const n = blocks;
      computrons += this.feed(frame(17, [0xc0, 0x02, 0xc1, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]));
    }
    return { computrons: Math.round(computrons), blocks, bytes, rows, portCalls: this.portCalls, portCost: this.portCost };
  }

  /**
   * Where a load-profile row's computrons go on the storage side: taking every row of the flash
   * store in order as the DLMS read does (its reader's rowWords: the record read, its header
   * checked by words and its CRC-32; a row of another layout read into numbers), per row, flash
   * port work and wrappers taken out. Also the same rows by readEntry (billing, the range search:
   * the record found and checked, the row decoded into numbers), for comparison.
   */
  profileStorageBreakdown(): { rowWords: number; rows: number; plainReadEntry: number } {
    const buffer = this.sim.meter.profiles.load.buffer;
    const rows = buffer.entriesInUse();
    const row = new Float64Array(buffer.columns.length);
    const timed = (read: (i: number, out: Float64Array) => void): number => {
      const calls = this.ports.calls;
      swapMeter(0);
      for (let i = 0; i < rows; i++) read(i, row);
      return (swapMeter(0) - (this.ports.calls - calls) * this.ports.overhead) / rows;
    };
    const plainReadEntry = timed((i, out) => buffer.readEntry(i, out));
    const reader = buffer.openReader ? buffer.openReader() : buffer;
    const rowWords = "rowWords" in reader && reader.rowWords ? reader.rowWords.bind(reader) : (i: number, out: Float64Array) => reader.readEntry(i, out);
    return { rowWords: timed(rowWords), rows, plainReadEntry };
  }

  private rowsOf(obis: number[]): number {
    const key = obis.join(".");
    const p = this.sim.meter.profiles;
    const buffer = key === "1.0.99.1.0.255" ? p.load.buffer : key === "1.0.99.2.0.255" ? p.daily.buffer : null;
    return buffer ? buffer.entriesInUse() : 0;
  }
}

(globalThis as unknown as { dlmsBench: DlmsXsBench }).dlmsBench = new DlmsXsBench();
