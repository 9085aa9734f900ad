/**
 * A simulated week of the meter on the real engine: the lin debug build in mcsim (the firmware's
 * XS machine at the manifest's fixed lin creation, the emulated board in its worker machine),
 * driven through the simulator's control port: each simulated hour runs flat out, then the clock
 * stands while a reader (client 17, LLS) reads the clock and A+; once a simulated day the
 * management client (1, HLS-GMAC, ciphered) reads the whole load profile. The scenario's three
 * power cuts fall inside the week. Prints peak chunk and slot use from the SDK's instrumentation
 * (1 Hz samples of the firmware's machine), garbage collections per simulated minute, and fails on
 * any abort, exception or break in the trace.
 *
 * `--release` runs the instrumented release build instead (mcconfig -i: the SDK's samples without
 * the debugger, printed by mcsim; no break detection). The debug build makes a socket call per
 * executed line to poll the debugger and is compiled -O0: about five times slower.
 *
 * `--profile-every H` reads the load profile every H hours instead of 24 (0: never).
 *
 *   npm run mcsim:week -- [--hours N] [--profile-every H] [--release] [--no-build]
 */
import { parseArgs } from "node:util";
import { findSdk, main, SdkError } from "./sdk";
import { buildLin, existingBuild, startMcsim, traceProblems } from "./mcsim";
import { connectTcp, DlmsClient } from "../client/session";
import { secureClientFor } from "../client/secure";
import { createConnection } from "node:net";

const DLMS_PORT = 14459;
const CONTROL_PORT = 14460;

/** One line command on the control port; resolves with the reply line. */
function control(command: string, timeoutMs = 30 * 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(CONTROL_PORT, "127.0.0.1");
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SdkError(`control port: no answer to "${command}"`));
    }, timeoutMs);
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on("data", (d) => {
      text += d.toString();
      const nl = text.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        socket.destroy();
        resolve(text.slice(0, nl));
      }
    });
    socket.write(`${command}\n`);
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 240; i++) {
    try {
      (await connectTcp("127.0.0.1", port, 1000)).socket.destroy();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new SdkError(`mcsim never listened on ${port}`);
}

async function readHour(): Promise<{ aPlusWh: number }> {
  const transport = await connectTcp("127.0.0.1", DLMS_PORT, 5000);
  try {
    const client = new DlmsClient(transport, { clientSap: 17, password: "12345678" });
    await client.associate();
    await client.get(8, "0.0.1.0.0.255", 2);
    const aPlus = await client.get(3, "1.0.1.8.0.255", 2);
    await client.release();
    return { aPlusWh: aPlus.kind === "int" ? Number(aPlus.value) / 1000 : NaN };
  } finally {
    transport.socket.destroy();
  }
}

async function readProfile(): Promise<number> {
  const transport = await connectTcp("127.0.0.1", DLMS_PORT, 5000);
  try {
    const client = await secureClientFor("127.0.0.1", DLMS_PORT, transport, { clientSap: 1, maxReceivePdu: 1024 }, {});
    await client.associate();
    const rows = await client.get(7, "1.0.99.1.0.255", 2);
    await client.release();
    return rows.kind === "array" ? rows.items.length : -1;
  } finally {
    transport.socket.destroy();
  }
}

if (require.main === module) {
  main(async () => {
    const { values } = parseArgs({ options: { hours: { type: "string", default: "168" }, "profile-every": { type: "string", default: "24" }, release: { type: "boolean", default: false }, "no-build": { type: "boolean", default: false } }, strict: true });
    const hours = Number(values.hours);
    const profileEvery = Number(values["profile-every"]);
    if (!Number.isInteger(profileEvery) || profileEvery < 0) throw new SdkError(`--profile-every must be a whole number of hours (0: never), got "${values["profile-every"]}"`);
    if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 42) throw new SdkError(`--hours must be 1..1008, got "${values.hours}"`);
    const sdk = findSdk();
    const debug = !values.release;
    const build = values["no-build"] ? existingBuild(debug, !debug) : buildLin(sdk, { debug, instrument: !debug, config: { simSpeed: 0, dlmsPort: DLMS_PORT, simControlPort: CONTROL_PORT }, quiet: true });
    let gcs = 0;
    let gcsAfterFirstHour = 0;
    let hour = 0;
    let peakChunk = 0;
    let peakSlot = 0;
    /** Lowest "Slot used" sample within the current hour: about the live set after a collection. */
    let floorSlot = Infinity;
    const sim = await startMcsim(sdk, build, {
      onLog: (t) => {
        if (!t.startsWith("LCD")) process.stdout.write(t);
      },
      onSample: (v) => {
        peakChunk = Math.max(peakChunk, v["Chunk used"] ?? 0);
        peakSlot = Math.max(peakSlot, v["Slot used"] ?? 0);
        floorSlot = Math.min(floorSlot, v["Slot used"] ?? Infinity);
        const n = v["Garbage collections"] ?? 0;
        gcs += n;
        // Hour 1 holds the boot and the first fill of the heap: steady state is from hour 2 on.
        if (hour >= 2) gcsAfterFirstHour += n;
      },
    });
    const started = Date.now();
    try {
      await waitForPort(DLMS_PORT);
      await waitForPort(CONTROL_PORT);
      let profileRows = 0;
      let last = { aPlusWh: 0 };
      for (hour = 1; hour <= hours; hour++) {
        const status = await control("run 3600");
        if (!status.startsWith("t=")) throw new SdkError(`control port: ${status}`);
        // During an outage the meter is off: nothing answers, as on a real meter.
        if (status.includes("powered=1")) {
          last = await readHour();
          if (profileEvery > 0 && hour % profileEvery === 0) profileRows = await readProfile();
        }
        process.stderr.write(`hour ${hour}: ${status}; A+ ${last.aPlusWh.toFixed(1)} Wh; ${Math.round((Date.now() - started) / 1000)} s real; peak chunk ${peakChunk} B, peak slot ${peakSlot} B, lowest slot sample this hour ${floorSlot} B, ${gcs} GCs\n`);
        floorSlot = Infinity;
        if (sim.child.exitCode !== null) throw new SdkError(`mcsim exited with ${sim.child.exitCode}`);
      }
      const problems = traceProblems(sim.trace);
      const minutes = (hours - 1) * 60;
      process.stdout.write(
        [
          `simulated ${hours} h in ${Math.round((Date.now() - started) / 1000)} s real (${debug ? "debug" : "instrumented release"} build)`,
          `A+ ${last.aPlusWh.toFixed(3)} Wh; load profile rows at the last daily read ${profileRows}`,
          `peak chunk used ${peakChunk} bytes, peak slot used ${peakSlot} bytes (1 Hz samples of the firmware's machine)`,
          `garbage collections ${gcs}; after the first hour ${gcsAfterFirstHour} in ${minutes} simulated minutes = ${(gcsAfterFirstHour / Math.max(1, minutes)).toFixed(3)} per simulated minute`,
          `power cuts seen: ${sim.trace.join("").split("power down:").length - 1}`,
          problems.length ? `PROBLEMS:\n${problems.join("\n")}` : "no abort, exception or break in the trace",
        ].join("\n") + "\n",
      );
      return problems.length ? 1 : 0;
    } finally {
      await sim.stop();
    }
  });
}
