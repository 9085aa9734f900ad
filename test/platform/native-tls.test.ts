/**
 * The TLS socket over the meter's C client (firmware/platform/moddable/native-tls.ts) on a model
 * of tls.c's contract (rings of 2 KiB, states 0 connecting / 1 open / 2 closed / negative failed),
 * through the same Ecma419Network the board uses. The C client itself runs in mcsim against a real
 * Mosquitto (test/system/mcsim.test.ts).
 */
import { VirtualClock } from "../../emulation/virtual-clock";
import { NativeTlsHost, nativeTlsClass, POLL_MS, type TlsNatives } from "../../firmware/platform/moddable/native-tls";
import { Ecma419Network } from "../../firmware/platform/moddable/tcp";
import type { ListenerClass, TcpClass } from "../../firmware/platform/moddable/ecma419";
import { fakeTimerModule } from "./fakes";

const RING = 2048;

/** tls.c as JavaScript sees it: what the thread would have done is set by the test. */
class ModelTls implements TlsNatives {
  state = 0;
  rx: number[] = [];
  /** Bytes the thread has not sent yet (room = RING - tx.length). */
  tx: number[] = [];
  sent: number[] = [];
  opened: { host: string; port: number; ca: number[]; serverName: string }[] = [];
  closed: number[] = [];
  meter_tls_open(host: string, port: number, ca: ArrayBuffer, caLength: number, serverName: string): number {
    this.opened.push({ host, port, ca: [...new Uint8Array(ca, 0, caLength)], serverName });
    return this.opened.length - 1;
  }
  meter_tls_state(): number {
    return this.state === 2 && this.rx.length > 0 ? 1 : this.state;
  }
  meter_tls_readable(): number {
    return this.rx.length;
  }
  meter_tls_read(_h: number, buffer: ArrayBuffer, offset: number, length: number): number {
    const n = Math.min(length, this.rx.length);
    new Uint8Array(buffer, offset, n).set(this.rx.splice(0, n));
    return n;
  }
  meter_tls_writable(): number {
    return this.state === 1 ? RING - this.tx.length : 0;
  }
  meter_tls_write(_h: number, buffer: ArrayBuffer, offset: number, length: number): number {
    const n = Math.min(length, this.meter_tls_writable());
    this.tx.push(...new Uint8Array(buffer, offset, n));
    return n;
  }
  meter_tls_close(h: number): void {
    this.closed.push(h);
  }
  /** The thread sends what waits. */
  drain(): void {
    this.sent.push(...this.tx.splice(0));
  }
}

function setup() {
  const clock = new VirtualClock(0);
  const model = new ModelTls();
  let made = 0;
  const FFI = function () {
    made++;
    return model;
  } as unknown as new () => unknown;
  const TLS = nativeTlsClass(new NativeTlsHost(FFI, fakeTimerModule(clock)));
  const network = new Ecma419Network(class {} as unknown as ListenerClass, class {} as unknown as TcpClass, { TLSSocket: TLS, certificate: new Uint8Array([0x30, 0x82, 1, 2]).buffer });
  return { clock, model, network, made: () => made, run: (ms: number) => clock.runUntil(clock.nowMs() + ms) };
}

describe("TLS socket over the C client (native-tls.ts)", () => {
  it("binds mc/ffi at the first connection only, and opens with the address, port, CA and server name", () => {
    const t = setup();
    expect(t.made()).toBe(0);
    t.network.connectTls!("192.0.2.7", 8883, "broker.local");
    t.network.connectTls!("192.0.2.7", 8884, "192.0.2.7");
    expect(t.made()).toBe(1);
    expect(t.model.opened).toEqual([
      { host: "192.0.2.7", port: 8883, ca: [0x30, 0x82, 1, 2], serverName: "broker.local" },
      { host: "192.0.2.7", port: 8884, ca: [0x30, 0x82, 1, 2], serverName: "192.0.2.7" },
    ]);
  });

  it("connects when the handshake is done, delivers what arrives, and sends all of a write or none of it", () => {
    const t = setup();
    const socket = t.network.connectTls!("192.0.2.7", 8883, "192.0.2.7");
    const events: string[] = [];
    const data: number[] = [];
    socket.onConnect!(() => events.push("connect"));
    socket.onData((d) => data.push(...d));
    socket.onClose(() => events.push("close"));
    // Before the handshake ends, a write waits in the socket's own queue.
    expect(socket.write(new Uint8Array([0x10, 0x02]))).toBe(2);
    t.run(POLL_MS * 3);
    expect(events).toEqual([]);
    expect(t.model.tx).toEqual([]);
    t.model.state = 1;
    t.run(POLL_MS);
    expect(events).toEqual(["connect"]);
    expect(t.model.tx).toEqual([0x10, 0x02]);
    // Bytes the thread received arrive at the next poll, in order.
    t.model.rx.push(0x20, 0x02, 0x00, 0x00);
    t.run(POLL_MS);
    expect(data).toEqual([0x20, 0x02, 0x00, 0x00]);
    // A write larger than the ring's room is not taken (a socket that would block): the room the
    // next poll reports takes a piece, the rest follows as the thread sends; nothing is lost or doubled.
    t.model.drain();
    t.model.sent.length = 0;
    t.model.tx.push(...new Array(RING - 10).fill(0));
    const big = new Uint8Array(100).map((_, i) => i + 1);
    expect(socket.write(big)).toBe(100);
    expect(t.model.tx.length).toBe(RING - 10);
    t.run(POLL_MS);
    expect(t.model.tx.length).toBe(RING);
    for (let i = 0; i < 3; i++) {
      t.model.drain();
      t.run(POLL_MS);
    }
    t.model.drain();
    expect(t.model.sent).toEqual([...new Array(RING - 10).fill(0), ...big]);
  });

  it("a failed handshake or a closed connection closes the socket once and frees the C side", () => {
    const t = setup();
    const failed = t.network.connectTls!("192.0.2.7", 8883, "192.0.2.7");
    const closes: string[] = [];
    failed.onClose(() => closes.push("failed"));
    t.model.state = -0x2700; // certificate verification failed
    t.run(POLL_MS * 4);
    expect(closes).toEqual(["failed"]);
    expect(t.model.closed).toEqual([0]);
    // Bytes received before the peer closed are delivered first.
    t.model.state = 1;
    const socket = t.network.connectTls!("192.0.2.7", 8883, "192.0.2.7");
    const data: number[] = [];
    socket.onData((d) => data.push(...d));
    socket.onClose(() => closes.push("peer"));
    t.run(POLL_MS);
    t.model.rx.push(1, 2, 3);
    t.model.state = 2;
    t.run(POLL_MS * 4);
    expect(data).toEqual([1, 2, 3]);
    expect(closes).toEqual(["failed", "peer"]);
    expect(t.model.closed).toEqual([0, 1]);
    // Closed sockets poll no more: no timer left.
    expect(t.clock.nextDue()).toBe(Infinity);
  });

  it("refuses to start without the broker's CA (this build has no root certificates)", () => {
    const clock = new VirtualClock(0);
    const TLS = nativeTlsClass(new NativeTlsHost(ModelTls, fakeTimerModule(clock)));
    const network = new Ecma419Network(class {} as unknown as ListenerClass, class {} as unknown as TcpClass, { TLSSocket: TLS, certificate: null });
    const connect = network.connectTls!;
    expect(() => connect("192.0.2.7", 8883, "192.0.2.7")).toThrow("TLS needs the broker's CA certificate (mqttCa)");
  });
});
