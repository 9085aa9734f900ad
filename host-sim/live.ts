/**
 * `npm start` (real-time speed): the parts of the running simulator that need Node. DLMS is served
 * on 127.0.0.1:<--dlms-port> (default 4059) by the running meter: the firmware opens the port at
 * every boot through its composition root; a power cut closes it with every socket (connections
 * while the meter is off are closed at once), and the next meter listens again. The server runs on
 * the simulation's virtual clock, so idle timeouts follow simulated time. The simulator's reader
 * password and management keys are documented defaults (`--reader-password`, --key, --auth-key,
 * --master-key), so the default-secrets refusal of a device build is off here. Keys given on the
 * command line are provisioned only into a fresh store; they never appear in the log or a report.
 */
import { PoweredNetwork } from "./powered-network";
import { simulatorNetwork } from "./mqtt-sim";
import { MeterApp } from "../firmware/app/meter-app";
import type { MeterConfig } from "../firmware/app/config";
import type { DlmsConfig } from "../firmware/comms/dlms/dlms-config";
import type { CliOptions } from "./options";
import { NodeNetwork } from "./node-network";
import type { Simulation, SimulationOptions } from "./simulation";

/**
 * The simulation options of a live run: the security layer with the keys and push destination
 * from the command line, a Node network behind the board's power supply, and the DLMS port.
 */
export function liveSimulationOptions(options: CliOptions, config: MeterConfig, changes: Partial<MeterConfig>): SimulationOptions {
  const base = changes.security ?? config.security;
  const keys = base.initialKeys;
  const security = {
    ...base,
    // The simulator's keys are documented defaults (like its reader password): accepted here.
    allowDefaultKeys: true,
    // Checked in options.ts; provisioned only into a fresh store.
    initialKeys: {
      encryptionKey: options.keys.encryptionKey ?? keys.encryptionKey,
      authenticationKey: options.keys.authenticationKey ?? keys.authenticationKey,
      masterKey: options.keys.masterKey ?? keys.masterKey,
    },
    // No push without --push: without a destination the push client keeps its notifications queued.
    push: { ...base.push, destination: options.push ?? "" },
  };
  const dlms: DlmsConfig = {
    ...(changes.dlms ?? config.dlms),
    port: options.dlmsPort,
    address: "127.0.0.1",
    readerPassword: options.readerPassword,
    refuseDefaultSecrets: false,
    maxSendPdu: 0xffff,
  };
  const mqtt = options.mqtt ? { mqtt: options.mqtt.config } : {};
  // --mqtt: the ESP32-like bounded send buffer and TLS (mqtt-sim.ts); either way a power cut closes the sockets.
  const network = options.mqtt ? simulatorNetwork(options.mqtt.ca) : new PoweredNetwork(new NodeNetwork());
  // OTA slots of 64 x 4 KiB: the live meter takes firmware updates (npm run client -- --client 1 image FILE).
  return { config: { ...changes, ...mqtt, security, dlms }, firmware: (board, config) => new MeterApp(board, config), network, dlms, power: { otaSlotSectors: 64 } };
}

/** The banner lines once the port is bound (or why it is not). */
export function liveBanner(sim: Simulation, options: CliOptions): void {
  const s = sim.app.security;
  if (s) {
    const title = Buffer.from(s.security.serverSystemTitle).toString("hex").toUpperCase();
    process.stderr.write(
      `management client 1: HLS-GMAC, server system title ${title}, ${s.security.keyStore.describe()}; ${options.push ? `pushes to ${s.push.setup.destination}` : "no pushes (--push HOST:PORT to send them)"}\n`,
    );
  }
  const ready = (sim.app.dlms?.listener as { ready?: Promise<number> } | null | undefined)?.ready;
  ready?.then(
    (port) => process.stderr.write(`DLMS on 127.0.0.1:${port} (public client 16; reader client 17, password ${options.readerPassword === "12345678" ? "12345678 (simulator default)" : "as given"})\n`),
    (e: Error) => {
      // A meter without its DLMS port would leave a client talking to another meter: stop.
      process.stderr.write(`error: --dlms-port ${options.dlmsPort}: cannot listen on 127.0.0.1 (${e.message})\n`);
      process.exit(2);
    },
  );
}

/** `npm start` status line: the LCD as decoded from the HT1621 emulator's RAM, and the relay. */
export function liveStatus(sim: Simulation): string {
  const t = new Date(sim.clock.wallClockMs()).toISOString().slice(11, 19);
  return `${t}Z LCD [ ${sim.panel.lcdText()} ] relay ${sim.panel.relay.closed ? "closed" : "OPEN"}${sim.power.on ? "" : "  POWER OFF"}`;
}

/** The end of a live run: the firmware's port and the host's listeners closed. */
export function liveStop(sim: Simulation): void {
  if (sim.power.on) sim.app.stop();
  sim.power.network?.shutdown();
}
