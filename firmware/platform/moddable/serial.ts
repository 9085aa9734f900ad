/**
 * The SerialPort over ECMA-419 `embedded:io/serial`, for the optical head (a UART wired to an IR
 * transceiver; pins from the manifest config: opticalPort, opticalTxPin, opticalRxPin).
 * The ESP32 serial driver opens 8N1 only and has no way to change the speed of an open
 * instance, so: a format change closes and reopens at the new baud; 7E1 is carried in 8N1
 * frames (both are 10 bits on the line: start, 8 bits, stop), the 8th bit being the parity,
 * computed on send and checked on receive (bytes with wrong parity are dropped).
 */
import type { SerialFormat, SerialPort } from "../../hal/serial";
import type { Bytes } from "./ecma419";

export interface SerialIo {
  read(): ArrayBuffer | number | undefined;
  write(value: Bytes): void;
  close(): void;
}

export interface SerialClass {
  new (options: Record<string, unknown>): SerialIo;
}

export interface OpticalPins {
  port: number;
  transmit: number;
  receive: number;
}

function evenParityBit(c: number): number {
  c &= 0x7f;
  c ^= c >> 4;
  c ^= c >> 2;
  c ^= c >> 1;
  return (c & 1) << 7;
}

export class Ecma419Serial implements SerialPort {
  format: SerialFormat;
  private io: SerialIo | null = null;
  private handler: ((data: Uint8Array) => void) | null = null;
  private readonly out = new Uint8Array(256);

  constructor(private readonly Serial: SerialClass, private readonly pins: OpticalPins, format: SerialFormat) {
    this.format = format;
    this.open();
  }

  configure(format: SerialFormat): void {
    this.format = { baud: format.baud, dataBits: format.dataBits, parity: format.parity, stopBits: format.stopBits };
    this.open();
  }

  write(data: Uint8Array): number {
    const io = this.io;
    if (!io) return 0;
    if (this.format.dataBits === 8) {
      io.write(data);
      return data.length;
    }
    for (let p = 0; p < data.length; p += this.out.length) {
      const n = Math.min(this.out.length, data.length - p);
      for (let i = 0; i < n; i++) this.out[i] = (data[p + i] & 0x7f) | evenParityBit(data[p + i]);
      io.write(this.out.subarray(0, n));
    }
    return data.length;
  }

  onReadable(handler: (data: Uint8Array) => void): void {
    this.handler = handler;
  }

  /** Releases the UART and its pins (the meter stops, or a reboot opens it again). */
  close(): void {
    this.io?.close();
    this.io = null;
    this.handler = null;
  }

  private open(): void {
    this.io?.close();
    this.io = new this.Serial({
      port: this.pins.port,
      transmit: this.pins.transmit,
      receive: this.pins.receive,
      baud: this.format.baud,
      format: "buffer",
      onReadable: () => this.readable(),
    });
  }

  private readable(): void {
    const io = this.io;
    if (!io) return;
    const data = io.read();
    if (!(data instanceof ArrayBuffer) || data.byteLength === 0) return;
    const bytes = new Uint8Array(data);
    if (this.format.dataBits === 7) {
      let n = 0;
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i];
        if ((b & 0x80) === evenParityBit(b)) bytes[n++] = b & 0x7f;
      }
      if (n === 0) return;
      this.handler?.(bytes.subarray(0, n));
      return;
    }
    this.handler?.(bytes);
  }
}
