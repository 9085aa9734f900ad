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
import { MeterApp } from "../firmware/app/meter-app";
import type { MeterConfig } from "../firmware/app/config";
import type { DlmsConfig } from "../firmware/comms/dlms/dlms-config";
import { parseDestination } from "../firmware/comms/push/push-setup";
import { ScenarioError } from "../emulation/scenario/duration";
import type { CliOptions } from "./cli";
import { NodeNetwork } from "./node-network";
import type { Simulation, SimulationOptions } from "./simulation";

function key(raw: unknown, option: string): Uint8Array | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).replace(/[\s:]/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(text)) throw new ScenarioError(`${option} needs 16 bytes as 32 hex digits`);
  return new Uint8Array(Buffer.from(text, "hex"));
}

/**
 * The simulation options of a live run: the security layer with the keys and push destination
 * from the command line, a Node network behind the board's power supply, and the DLMS port.
 */
export function liveSimulationOptions(options: CliOptions, config: MeterConfig, changes: Partial<MeterConfig>): SimulationOptions {
  const raw = options.raw;
  const base = changes.security ?? config.security;
  const keys = base.initialKeys;
  const security = {
    ...base,
    // The simulator's keys are documented defaults (like its reader password): accepted here.
    allowDefaultKeys: true,
    initialKeys: {
      encryptionKey: key(raw.key, "--key") ?? keys.encryptionKey,
      authenticationKey: key(raw["auth-key"], "--auth-key") ?? keys.authenticationKey,
      masterKey: key(raw["master-key"], "--master-key") ?? keys.masterKey,
    },
    push: { ...base.push },
  };
  if (raw.push !== undefined) {
    if (!parseDestination(String(raw.push))) throw new ScenarioError(`--push needs HOST:PORT, got "${raw.push}"`);
    security.push.destination = String(raw.push);
  }
  const dlms: DlmsConfig = {
    ...(changes.dlms ?? config.dlms),
    port: options.dlmsPort,
    address: "127.0.0.1",
    readerPassword: options.readerPassword,
    refuseDefaultSecrets: false,
    maxConnections: 16,
    maxSendPdu: 0xffff,
  };
  return { config: { ...changes, security, dlms }, firmware: (board, config) => new MeterApp(board, config), network: new PoweredNetwork(new NodeNetwork()), dlms };
}

/** The banner lines once the port is bound (or why it is not). */
export function liveBanner(sim: Simulation, options: CliOptions): void {
  const s = sim.app.security;
  if (s) {
    const title = Buffer.from(s.security.serverSystemTitle).toString("hex").toUpperCase();
    process.stderr.write(`management client 1: HLS-GMAC, server system title ${title}, ${s.security.keyStore.describe()}; pushes to ${s.push.setup.destination}\n`);
  }
  const ready = (sim.app.dlms?.listener as { ready?: Promise<number> } | null | undefined)?.ready;
  ready?.then(
    (port) => process.stderr.write(`DLMS on 127.0.0.1:${port} (public client 16; reader client 17, password ${options.readerPassword === "12345678" ? "12345678 (simulator default)" : "as given"})\n`),
    (e: Error) => process.stderr.write(`DLMS: cannot listen on 127.0.0.1:${options.dlmsPort}: ${e.message}\n`),
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
