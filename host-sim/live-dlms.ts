/**
 * `npm start` serves DLMS on 127.0.0.1:<--dlms-port> (default 4059). The server runs on the
 * simulation's virtual clock, which the CLI advances every 50 ms scaled to real time, so idle
 * timeouts follow simulated time. The simulator's reader password is a documented default
 * (`--reader-password`), so the default-secrets refusal of a device build is off here.
 */
import { openMeterDlms, type DlmsServer } from "../firmware/comms/dlms";
import { securityFor } from "../firmware/app/security-push";
import { liveHooks } from "./live-hooks";
import { NodeNetwork, type NodeTcpListener } from "./node-network";

let server: DlmsServer | null = null;

liveHooks.started.push((sim, options) => {
  if (options.speed === "max") return; // a batch run ends before anyone could connect
  const config = { ...sim.config.dlms, port: options.dlmsPort, address: "127.0.0.1", readerPassword: options.readerPassword, refuseDefaultSecrets: false, maxSendPdu: 0xffff };
  const network = new NodeNetwork();
  // Management association (issue 8): authentication back-off per connection source.
  server = openMeterDlms(sim.meter, network, config, securityFor(sim.meter).serverHooks());
  const listener = server?.listener as NodeTcpListener | null | undefined;
  listener?.ready.then(
    (port) => process.stderr.write(`DLMS on 127.0.0.1:${port} (public client 16; reader client 17, password ${options.readerPassword === "12345678" ? "12345678 (simulator default)" : "as given"})\n`),
    (e: Error) => process.stderr.write(`DLMS: cannot listen on 127.0.0.1:${options.dlmsPort}: ${e.message}\n`),
  );
});

liveHooks.stopping.push(() => {
  server?.close();
  server = null;
});
