import { Ecma419Serial, type SerialIo } from "../../firmware/platform/moddable/serial";
import { serial7E1, serial8N1 } from "../../firmware/hal/serial";

/** A fake `embedded:io/serial` instance recording what was opened and written. */
class FakeSerial implements SerialIo {
  static opened: FakeSerial[] = [];
  written: number[] = [];
  closed = false;
  pending: ArrayBuffer | undefined;
  constructor(readonly options: Record<string, unknown>) {
    FakeSerial.opened.push(this);
  }
  read(): ArrayBuffer | undefined {
    const p = this.pending;
    this.pending = undefined;
    return p;
  }
  write(value: ArrayBufferView): void {
    this.written.push(...new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }
  close(): void {
    this.closed = true;
  }
  arrive(bytes: number[]): void {
    this.pending = Uint8Array.from(bytes).buffer;
    (this.options.onReadable as () => void)();
  }
}

describe("Moddable serial adapter for the optical head", () => {
  it("7E1 carried in 8N1: even parity set on send, checked on receive; a speed change reopens the UART", () => {
    FakeSerial.opened = [];
    const port = new Ecma419Serial(FakeSerial, { port: 1, transmit: 32, receive: 33 }, serial7E1(300));
    const io = FakeSerial.opened[0];
    expect(io.options).toMatchObject({ port: 1, transmit: 32, receive: 33, baud: 300, format: "buffer" });
    port.write(Uint8Array.from(Buffer.from("/?!\r\n")));
    // '/' 0x2F has 5 ones -> parity 1; '?' 0x3F 6 -> 0; '!' 0x21 2 -> 0; CR 0x0D 3 -> 1; LF 0x0A 2 -> 0.
    expect(io.written).toEqual([0xaf, 0x3f, 0x21, 0x8d, 0x0a]);
    const got: number[] = [];
    port.onReadable((d) => got.push(...d));
    io.arrive([0xaf, 0x2f, 0x06, 0x8d]); // second byte has a parity error
    expect(got).toEqual([0x2f, 0x06, 0x0d]);
    port.configure(serial8N1(9600));
    expect(io.closed).toBe(true);
    const io2 = FakeSerial.opened[1];
    expect(io2.options.baud).toBe(9600);
    port.write(Uint8Array.from([0x7e, 0xa0, 0xff]));
    expect(io2.written).toEqual([0x7e, 0xa0, 0xff]);
    io2.arrive([0x7e, 0xff]);
    expect(got.slice(3)).toEqual([0x7e, 0xff]);
  });
});
