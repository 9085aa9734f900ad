/**
 * `npm start -- --optical-port N`: the optical port's byte stream on 127.0.0.1:N (one client at
 * a time), served by the same DLMS server as the TCP port, so an HDLC session and TCP sessions
 * run side by side. Line format changes (mode E switching to 9600 baud) go to stderr.
 */
import { OpticalPort } from "../firmware/comms/hdlc/optical-port";
import { meterIdentity } from "../firmware/comms/hdlc/mode-e";
import type { CliOptions } from "./options";
import { OpticalTcpBridge, SimSerialPort } from "./optical";
import type { Simulation } from "./simulation";

/** Opens the optical port when --optical-port is given; null otherwise. */
export function startOpticalPort(sim: Simulation, options: CliOptions): { close(): void } | null {
  const text = options.raw["optical-port"];
  if (typeof text !== "string" || options.speed === "max") return null;
  const server = sim.app.dlms;
  if (!server) return null;
  const serial = new SimSerialPort();
  serial.onFormat = (f) => process.stderr.write(`\noptical port: ${f.baud} baud ${f.dataBits}${f.parity[0].toUpperCase()}${f.stopBits}\n`);
  const port = new OpticalPort({
    clock: sim.clock,
    log: sim.meter.board.log,
    serial,
    server,
    identity: meterIdentity(sim.meter.config.serialNumber),
    // Bytes cross TCP and the virtual clock advances in 50 ms steps: a wider inter-octet gap.
    link: { interOctetTimeoutMs: 500, maxInfoLength: 512, maxApduLength: server.serverMaxReceivePdu + 16 },
  });
  const bridge = new OpticalTcpBridge(serial, Number(text), (data) => serial.deliver(data, null));
  bridge.ready.then(
    (p) => process.stderr.write(`optical port (IEC 62056-21 mode E / HDLC) on 127.0.0.1:${p}, HDLC address: logical device ${port.link.logicalDevice}, physical ${port.link.physicalAddress}\n`),
    (e: Error) => process.stderr.write(`optical port: cannot listen on 127.0.0.1:${text}: ${e.message}\n`),
  );
  return bridge;
}
