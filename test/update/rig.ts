import { readFileSync } from "node:fs";
import { MeterApp } from "../../firmware/app/meter-app";
import { createMeterDlmsServer, defaultDlmsConfig } from "../../firmware/app/meter-server";
import { defaultMeterConfig, type MeterConfig } from "../../firmware/app/config";
import type { FirmwareUpdate } from "../../firmware/app/firmware-update";
import { SecureDlmsClient, SIMULATOR_KEYS, parseHexKey } from "../../host-sim/client/secure";
import { DlmsClient, StreamTransport } from "../../host-sim/client/session";
import { parseScenario } from "../../host-sim/event-types";
import { signImage, type SignOptions } from "../../host-sim/image-tools";
import { transferImage, type TransferOptions, type TransferReport } from "../../host-sim/client/image";
import { Simulation } from "../../host-sim/simulation";
import { FakeSocket } from "../comms/dlms/helpers";
import type { Crypto } from "../../firmware/hal/crypto";

export const DEV_KEY_PEM = readFileSync(`${__dirname}/../../host-sim/keys/dev-image-key.pem`, "utf8");

/** A meter with OTA slots of 16 x 4 KiB at a constant 10 A load, the whole app, DLMS secrets allowed; `crypto` as the board's crypto port. */
export function updateSim(change: (c: MeterConfig) => void = () => {}, crypto?: Crypto): Simulation {
  const scenario = { start: "2026-03-02T10:00:00", utcOffsetMinutes: 60, dst: "eu", chip: "ade7953", load: [{ at: "0s", voltage: 230, current: 10, angle: 0, frequency: 50 }] };
  const config = defaultMeterConfig();
  config.dlms = { ...defaultDlmsConfig(), refuseDefaultSecrets: false };
  config.tickMs = 10_000;
  change(config);
  const sim = new Simulation(parseScenario(scenario), { config, firmware: (board, c) => {
      if (crypto) board.crypto = crypto;
      return new MeterApp(board, c);
    }, power: { otaSlotSectors: 16 } });
  sim.runFor(60_000);
  return sim;
}

export function appOf(sim: Simulation): MeterApp {
  return sim.app as MeterApp;
}

export function updateOf(sim: Simulation): FirmwareUpdate {
  return appOf(sim).firmwareUpdate!;
}

/** Invocation counters of the test clients: each connection starts above the last (the meter refuses replays). */
let invocationCounter = 1;

/** A client on the running firmware's DLMS server (in process): management (SAP 1, HLS-GMAC) unless `sap` says otherwise. */
export async function connect(sim: Simulation, sap = 1): Promise<DlmsClient> {
  const app = appOf(sim);
  const server = createMeterDlmsServer(app.meter, app.meter.config.dlms, { security: app.security, firmwareUpdate: app.firmwareUpdate ?? undefined });
  const socket = new FakeSocket();
  const transport = new StreamTransport((b) => socket.feed(b), () => socket.hangUp());
  socket.sink = (d) => transport.deliver(d);
  server.attach(socket);
  const client =
    sap === 1
      ? new SecureDlmsClient(transport, { clientSap: 1 }, { key: parseHexKey(SIMULATOR_KEYS.key, "key"), authKey: parseHexKey(SIMULATOR_KEYS.authKey, "auth"), systemTitle: parseHexKey("4D4D4D0000000001", "title", 8), invocationCounter: (invocationCounter += 100_000) })
      : new DlmsClient(transport, { clientSap: sap, password: sap === 17 ? "12345678" : undefined });
  const aare = await client.associate();
  if (aare.result !== 0) throw new Error(`association refused: ${aare.diagnostic}`);
  return client;
}

/** A payload of `length` bytes that differs per `seed`. */
export function payload(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function image(version: string, length = 3000, more: Partial<SignOptions> = {}): Uint8Array {
  return signImage({ keyPem: DEV_KEY_PEM, version, payload: payload(length, length + version.length), ...more });
}

export function standardCodes(sim: Simulation): number[] {
  const log = sim.meter.events.standard;
  return Array.from({ length: log.count }, (_, i) => log.codeAt(i));
}

/** transferImage with the meter's virtual time moving while it polls a verification in progress. */
export function transfer(sim: Simulation, client: DlmsClient, img: Uint8Array, options: TransferOptions = {}): Promise<TransferReport> {
  return transferImage(client, img, { wait: async () => sim.runFor(100), ...options });
}
