import { readFileSync } from "node:fs";
import { AccessPolicy, ACCESS_RIGHTS, asciiToBytes, DlmsServer, type DlmsServerOptions, type ObjectModel, publicPolicy, readerPolicy, type AssociationPolicy } from "../../../firmware/comms/dlms";
import { buildMeterObjectModel } from "../../../firmware/app/meter-objects";
import type { TcpSocket } from "../../../firmware/hal/tcp";
import { DEFAULT_SCENARIO } from "../../../host-sim/cli";
import { DlmsClient, StreamTransport } from "../../../host-sim/client/session";
import { parseScenario } from "../../../host-sim/event-types";
import { Simulation } from "../../../host-sim/simulation";

export const READER_PASSWORD = "12345678";

export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/[\s|]/g, ""), "hex"));
}

export function toHex(bytes: ArrayLike<number>): string {
  return Buffer.from(Array.from(bytes)).toString("hex").toUpperCase().replace(/(..)(?!$)/g, "$1 ");
}

/**
 * A simulated meter that has run `hours` of the default household scenario. The tick is 10 s
 * (well inside the chip's register wrap time) to keep the tests fast; these tests are about
 * the protocol, the metrology tests use 1 s.
 */
export function meterSim(hours = 2, tickMs = 10_000): Simulation {
  const sim = new Simulation(parseScenario(JSON.parse(readFileSync(DEFAULT_SCENARIO, "utf8"))), { config: { tickMs } });
  sim.runFor(hours * 3_600_000);
  return sim;
}

/** Appends `rows` synthetic 15-minute rows to the load profile (for transfer tests of long buffers). */
export function growLoadProfile(sim: Simulation, rows: number): void {
  const buffer = sim.meter.profiles.load.buffer;
  const row = new Float64Array(buffer.columns.length);
  let t = sim.clock.wallClockMs();
  if (buffer.entriesInUse() > 0) {
    buffer.readEntry(buffer.entriesInUse() - 1, row);
    t = row[0];
  }
  for (let i = 0; i < rows; i++) {
    t += 900_000;
    row[0] = t;
    row[1] = i % 3 === 0 ? 8 : 0;
    for (let c = 2; c < row.length; c++) row[c] = 1_000_000 * c + i * 137;
    buffer.append(row);
  }
}

/**
 * A test association on client SAP 48 with LLS password "writer": may write and invoke
 * everything, standing in for the management association (whose HLS layer is issue 8).
 */
export function writerPolicy(): AssociationPolicy {
  return new AccessPolicy(48, "test-writer", [1], 1, ACCESS_RIGHTS.all, asciiToBytes("writer"));
}

export function makeServer(sim: Simulation, options: Partial<DlmsServerOptions> = {}, model?: ObjectModel): DlmsServer {
  return new DlmsServer({
    clock: sim.clock,
    log: sim.log,
    model: model ?? buildMeterObjectModel(sim.meter),
    policies: [publicPolicy(), readerPolicy(asciiToBytes(READER_PASSWORD)), writerPolicy()],
    ...options,
  });
}

/** A socket the test drives: bytes in with `feed`, everything written collected in `out`. */
export class FakeSocket implements TcpSocket {
  readonly remoteAddress = "192.0.2.1";
  remotePort = 40000;
  readonly out: Uint8Array[] = [];
  closed = false;
  private dataHandler: ((d: Uint8Array) => void) | null = null;
  private closeHandler: (() => void) | null = null;
  /** Extra consumer of written bytes (a client transport). */
  sink: ((d: Uint8Array) => void) | null = null;

  write(data: Uint8Array): number {
    const copy = data.slice();
    this.out.push(copy);
    this.sink?.(copy);
    return data.length;
  }
  onData(handler: (data: Uint8Array) => void): void {
    this.dataHandler = handler;
  }
  onClose(handler: () => void): void {
    this.closeHandler = handler;
  }
  close(): void {
    this.closed = true;
  }
  feed(bytes: Uint8Array): void {
    this.dataHandler?.(bytes);
  }
  /** The peer hangs up. */
  hangUp(): void {
    this.closed = true;
    this.closeHandler?.();
  }
  /** Everything written since the last call, concatenated. */
  take(): Uint8Array {
    const all = Buffer.concat(this.out.splice(0));
    return new Uint8Array(all);
  }
}

/** A DLMS client (the independent one in host-sim/client) wired to the server through a FakeSocket. */
export function fakeClient(server: DlmsServer, clientSap: number, password?: string, maxReceivePdu = 0xffff): { client: DlmsClient; socket: FakeSocket } {
  const socket = new FakeSocket();
  const transport = new StreamTransport((b) => socket.feed(b), () => socket.hangUp());
  socket.sink = (d) => transport.deliver(d);
  server.attach(socket);
  return { client: new DlmsClient(transport, { clientSap, password, maxReceivePdu }), socket };
}

/** Sends one frame and returns the APDU of the single reply (hex). */
export function roundTrip(socket: FakeSocket, frame: Uint8Array): string {
  socket.out.length = 0;
  socket.feed(frame);
  const reply = socket.take();
  return toHex(reply.subarray(8));
}
