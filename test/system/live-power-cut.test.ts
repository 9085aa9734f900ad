/**
 * Issue 14 finding 1: the live simulator (`npm start`) must not keep serving a dead meter. A power
 * cut ends the old firmware — its timers, its sockets and its flash handles — so nothing it does
 * afterwards reaches the flash; while the meter is off no association is answered (connections
 * are closed at once); after the restore the same DLMS port serves the new meter.
 */
import { PoweredNetwork } from "../../host-sim/powered-network";
import { MeterApp } from "../../firmware/app/meter-app";
import { defaultDlmsConfig, DEFAULT_READER_PASSWORD } from "../../firmware/comms/dlms/dlms-config";
import { connectTcp, DlmsClient } from "../../host-sim/client/session";
import { parseScenario } from "../../host-sim/event-types";
import { NodeNetwork } from "../../host-sim/node-network";
import { losePower, restorePower } from "../../host-sim/power";
import { Simulation } from "../../host-sim/simulation";

const MIN = 60_000;
const A_PLUS = "1.0.1.8.0.255";

function liveSim(): Simulation {
  const dlms = { ...defaultDlmsConfig(), port: 0, address: "127.0.0.1", refuseDefaultSecrets: false, maxSendPdu: 0xffff };
  const scenario = parseScenario({ start: "2026-03-02T10:00:00", load: [{ at: "0s", voltage: 230, current: 10, angle: 0 }] });
  return new Simulation(scenario, { config: { dlms }, network: new PoweredNetwork(new NodeNetwork()), dlms, firmware: (board, config) => new MeterApp(board, config) });
}

async function portOf(sim: Simulation): Promise<number> {
  const ready = (sim.app.dlms?.listener as { ready?: Promise<number> } | null | undefined)?.ready;
  if (!ready) throw new Error("the meter opened no DLMS port");
  return ready;
}

async function reader(port: number): Promise<DlmsClient> {
  const client = new DlmsClient(await connectTcp("127.0.0.1", port), { clientSap: 17, password: DEFAULT_READER_PASSWORD, maxReceivePdu: 0xffff });
  await client.associate();
  return client;
}

async function readAPlus(client: DlmsClient): Promise<number> {
  const r = await client.getResult(3, A_PLUS, 2);
  if (r.error !== undefined || !r.data || r.data.kind !== "int") throw new Error(`A+ not read: ${JSON.stringify(r)}`);
  return Number(r.data.value);
}

/** Lets the host's sockets work (the meter's answers are synchronous; closes take a turn or two). */
const settle = () => new Promise((r) => setTimeout(r, 50));

describe("live simulator across a power cut", () => {
  let sim: Simulation;
  afterEach(() => {
    if (sim.power.on) sim.app.stop();
    sim.power.network?.shutdown();
  });

  test.each([true, false])("A+ over DLMS after the restore is the new meter's register (signal %s); nothing answers while off", async (signal) => {
    sim = liveSim();
    const port = await portOf(sim);
    sim.runFor(10 * MIN);
    const before = await reader(port);
    expect(await readAPlus(before)).toBe(sim.meter.energy.activeImport);
    const old = sim.app;

    losePower(sim, signal);
    await settle();
    // The connection the dead meter had is gone, and a new one is closed without an answer.
    await expect(readAPlus(before)).rejects.toThrow();
    await expect(reader(port)).rejects.toThrow();
    sim.runFor(MIN);

    restorePower(sim);
    expect(sim.app).not.toBe(old);
    sim.runFor(10 * MIN);
    const after = await reader(port);
    const aPlus = await readAPlus(after);
    expect(aPlus).toBe(sim.meter.energy.activeImport);
    // 10 A at 230 V: the new meter counted on from the restored registers; the old one stopped.
    expect(aPlus).toBeGreaterThan(old.meter.energy.activeImport + 350_000);
    expect(old.meter.energy.activeImport).toBeGreaterThan(350_000);
    if (signal) expect(sim.meter.energy.activeImport - old.meter.energy.activeImport).toBeLessThan(400_000);
    after.transport.close();
    // The dead meter's server logged no association after its death; the new one logged this one.
    expect(sim.power.writesAfterDeath).toBe(0);
  });

  test("no flash write from the dead meter: its flash handles are closed, the new meter's journal stays whole", async () => {
    sim = liveSim();
    sim.runFor(5 * MIN);
    const old = sim.app;
    losePower(sim, false);
    sim.runFor(MIN);
    restorePower(sim);
    sim.runFor(MIN);
    const journal = new Uint8Array(sim.power.journal.size);
    sim.power.journal.read(0, journal);
    // Whatever of the dead firmware still runs on the host (a late callback) cannot reach the flash.
    old.meter.events.record("standard", 99);
    old.meter.persistence.savePeriodic();
    expect(sim.power.writesAfterDeath).toBeGreaterThan(0);
    const again = new Uint8Array(sim.power.journal.size);
    sim.power.journal.read(0, again);
    expect(Buffer.from(again).equals(Buffer.from(journal))).toBe(true);
    // The new meter logged the sudden outage (1, 250, 2) and keeps its journal: a power cycle restores it.
    const codes = Array.from({ length: sim.meter.events.standard.count }, (_, i) => sim.meter.events.standard.codeAt(i));
    expect(codes).toEqual(expect.arrayContaining([1, 250, 2]));
    const energy = sim.meter.energy.activeImport;
    losePower(sim, true);
    restorePower(sim);
    expect(sim.meter.energy.activeImport).toBe(energy);
    expect(sim.meter.events.standard.count).toBeGreaterThanOrEqual(codes.length);
  });
});
