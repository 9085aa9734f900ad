/**
 * `npm start` side of issue 8: the management association's keys and the push destination from
 * the command line (--key, --auth-key, --master-key, --push HOST:PORT), a network for the push
 * client, and a banner line. Runs before live-dlms opens the port. The keys given here are
 * provisioned only into a fresh store; they never appear in the log, the banner or a report.
 */
import "../firmware/app/security-push";
import { securityFor } from "../firmware/app/security-push";
import { parseDestination } from "../firmware/comms/push/push-setup";
import { ScenarioError } from "../emulation/scenario/duration";
import { liveHooks } from "./live-hooks";
import { NodeNetwork } from "./node-network";

function key(raw: unknown, option: string): Uint8Array | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).replace(/[\s:]/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(text)) throw new ScenarioError(`${option} needs 16 bytes as 32 hex digits`);
  return new Uint8Array(Buffer.from(text, "hex"));
}

liveHooks.started.push((sim, options) => {
  if (options.speed === "max") return;
  const raw = options.raw;
  const security = sim.config.security;
  // The simulator's keys are documented defaults (like its reader password): accepted here.
  security.allowDefaultKeys = true;
  const keys = security.initialKeys;
  security.initialKeys = {
    encryptionKey: key(raw.key, "--key") ?? keys.encryptionKey,
    authenticationKey: key(raw["auth-key"], "--auth-key") ?? keys.authenticationKey,
    masterKey: key(raw["master-key"], "--master-key") ?? keys.masterKey,
  };
  if (raw.push !== undefined) {
    if (!parseDestination(String(raw.push))) throw new ScenarioError(`--push needs HOST:PORT, got "${raw.push}"`);
    security.push = { ...security.push, destination: String(raw.push) };
  }
  sim.board.network ??= new NodeNetwork();
  const s = securityFor(sim.meter);
  const title = Buffer.from(s.security.serverSystemTitle).toString("hex").toUpperCase();
  process.stderr.write(
    `management client 1: HLS-GMAC, server system title ${title}, ${s.security.keyStore.describe()}; pushes to ${s.push.setup.destination}\n`,
  );
});
