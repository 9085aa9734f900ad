import { OpticalPort } from "../../../firmware/comms/hdlc/optical-port";
import { meterIdentity } from "../../../firmware/comms/hdlc/mode-e";
import type { DlmsServer } from "../../../firmware/comms/dlms";
import type { SerialFormat } from "../../../firmware/hal/serial";
import { HdlcTransport } from "../../../host-sim/client/hdlc";
import { DlmsClient } from "../../../host-sim/client/session";
import { SimSerialPort } from "../../../host-sim/optical";
import type { Simulation } from "../../../host-sim/simulation";
import { makeServer, READER_PASSWORD } from "../dlms/helpers";

export interface OpticalRig {
  sim: Simulation;
  server: DlmsServer;
  serial: SimSerialPort;
  port: OpticalPort;
  hdlc: HdlcTransport;
  client: DlmsClient;
  /** The client's line format (null: raw bytes, as over TCP). */
  clientFormat: SerialFormat | null;
  /** Frames (writes) to drop: the n-th write from the meter / from the client, counted from 1. */
  dropToClient: Set<number>;
  dropToMeter: Set<number>;
  toClient: Uint8Array[];
  writesToClient: number;
  writesToMeter: number;
}

/** A meter's optical port wired in-process to the project's client over a simulated line. */
export function opticalRig(sim: Simulation, options: { maxInfo?: number; clientSap?: number; server?: DlmsServer; serverMaxInfo?: number; maxPdu?: number } = {}): OpticalRig {
  const server = options.server ?? makeServer(sim);
  const serial = new SimSerialPort();
  const rig = { sim, server, serial, clientFormat: null, dropToClient: new Set<number>(), dropToMeter: new Set<number>(), toClient: [], writesToClient: 0, writesToMeter: 0 } as unknown as OpticalRig;
  rig.port = new OpticalPort({
    clock: sim.clock, log: sim.log, serial, server, identity: meterIdentity("00000001"),
    link: { maxInfoLength: options.serverMaxInfo ?? 512, maxApduLength: server.serverMaxReceivePdu + 16 },
  });
  serial.peerFormat = () => rig.clientFormat;
  serial.peer = (bytes) => {
    rig.writesToClient++;
    if (rig.dropToClient.has(rig.writesToClient)) return;
    rig.toClient.push(bytes);
    rig.hdlc.deliver(bytes);
  };
  const clientSap = options.clientSap ?? 17;
  rig.hdlc = new HdlcTransport({
    write: (bytes) => {
      rig.writesToMeter++;
      if (rig.dropToMeter.has(rig.writesToMeter)) return;
      serial.deliver(bytes, rig.clientFormat);
    },
    setFormat: (f) => {
      rig.clientFormat = f;
    },
    close: () => {},
  }, { clientSap, server: { upper: 1, lower: 1, size: 1 }, maxInfo: options.maxInfo ?? 128, timeoutMs: 40 });
  rig.client = new DlmsClient(rig.hdlc, { clientSap, password: clientSap === 17 ? READER_PASSWORD : undefined, maxReceivePdu: options.maxPdu ?? 0xffff });
  return rig;
}
