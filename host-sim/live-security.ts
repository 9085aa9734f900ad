/**
 * `npm start` side of issue 8: the management association's keys and the push destination from
 * the command line (--key, --auth-key, --master-key, --push HOST:PORT; checked in options.ts), a
 * network for the push client only when --push is given, and a banner line. Runs before live-dlms opens the port. The keys given here are
 * provisioned only into a fresh store; they never appear in the log, the banner or a report.
 */
import "../firmware/app/security-push";
import { securityFor } from "../firmware/app/security-push";
import { liveHooks } from "./live-hooks";
import { NodeNetwork } from "./node-network";

liveHooks.started.push((sim, options) => {
  if (options.speed === "max") return;
  const security = sim.config.security;
  // The simulator's keys are documented defaults (like its reader password): accepted here.
  security.allowDefaultKeys = true;
  const keys = security.initialKeys;
  security.initialKeys = {
    encryptionKey: options.keys.encryptionKey ?? keys.encryptionKey,
    authenticationKey: options.keys.authenticationKey ?? keys.authenticationKey,
    masterKey: options.keys.masterKey ?? keys.masterKey,
  };
  // No push without --push: without a network the push client keeps its notifications queued.
  if (options.push !== undefined) {
    security.push = { ...security.push, destination: options.push };
    sim.board.network ??= new NodeNetwork();
  }
  const s = securityFor(sim.meter);
  const title = Buffer.from(s.security.serverSystemTitle).toString("hex").toUpperCase();
  process.stderr.write(
    `management client 1: HLS-GMAC, server system title ${title}, ${s.security.keyStore.describe()}; ${options.push ? `pushes to ${s.push.setup.destination}` : "no pushes (--push HOST:PORT to send them)"}\n`,
  );
});
