/**
 * The signed firmware update on the mcsim board (platform lin), in Node: the emulated board's OTA
 * slots behind the board link (firmware/platform/lin/firmware-slots.ts), the Board built by
 * createModdableBoard with the provider's `firmwareSlots` as main.ts passes it, startMeter, and
 * the restart as main.ts's power hooks do it (down, then up). The client is the project's
 * (management association, HLS-GMAC, ciphered) over the ECMA-419 TCP fakes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createModdableBoard, type ModdableIo } from "../../firmware/platform/moddable/board";
import type { DigitalClass, ListenerClass, TcpClass } from "../../firmware/platform/moddable/ecma419";
import { readSettings } from "../../firmware/platform/moddable/settings";
import { startMeter, type RunningMeter } from "../../firmware/app/start";
import type { WifiClass } from "../../firmware/platform/moddable/wifi";
import { createLinHardware } from "../../firmware/platform/lin/hardware";
import { DEFAULT_SCENARIO } from "../../firmware/platform/lin/default-scenario";
import { LinFirmwareSlots } from "../../firmware/platform/lin/firmware-slots";
import { OTA_STATE } from "../../emulation/flash/ota-slots";
import { StreamTransport } from "../../host-sim/client/session";
import { SecureDlmsClient, SIMULATOR_KEYS, parseHexKey } from "../../host-sim/client/secure";
import { transferImage } from "../../host-sim/client/image";
import { parseScenario } from "../../host-sim/event-types";
import { FakeListener, FakeTcp } from "./fakes";
import { image } from "../update/rig";
import { IMAGE_STATUS } from "../../firmware/update/image-transfer";

const manifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "manifest.json"), "utf8"));
const linConfig = { ...manifest.config, ...manifest.platforms.lin.config };
const NO_TIMER = { set: () => ({}), schedule: () => {} };
const FACTORY_ID = "DLMSLITE-0.1.0";

/** The lin board with OTA slots of 16 sectors, booted as main.ts boots it (and again at each power-up or restart). */
function linMeter() {
  const traced: string[] = [];
  const hw = createLinHardware({ scenario: parseScenario(DEFAULT_SCENARIO), timer: NO_TIMER, trace: (t) => traced.push(t), otaSlotSectors: 16 });
  const clock = hw.device.clock;
  const io: ModdableIo = {
    SPI: hw.SPI,
    Digital: hw.Digital as unknown as DigitalClass,
    Listener: FakeListener as unknown as ListenerClass,
    TCP: FakeTcp as unknown as TcpClass,
    flash: hw.flashStorage,
    WiFi: hw.WiFi as unknown as WifiClass,
    Timer: clock.Timer,
    Time: clock.Time,
    systemTimeMs: () => clock.wallClockMs(),
    randomBytes: (n) => Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) & 0xff).buffer,
    trace: (t) => traced.push(t),
    firmwareSlots: () => hw.device.firmwareSlots(),
  };
  const settings = readSettings(linConfig);
  const boot = (): RunningMeter => startMeter(createModdableBoard(io, settings), settings, { clockTrusted: true });
  const device = { hw, traced, boots: 1, running: null as RunningMeter | null };
  device.running = boot();
  hw.device.power.attach({
    down: () => {
      device.running?.stop();
      device.running = null;
    },
    up: () => {
      device.running = boot();
      device.boots++;
    },
  });
  const running = () => device.running!;
  const ota = hw.board!.ota!;
  const standardCodes = () => {
    const log = running().meter.events.standard;
    return Array.from({ length: log.count }, (_, i) => log.codeAt(i));
  };
  return { hw, traced, device, running, ota, standardCodes, run: (ms: number) => hw.runUntil(hw.virtual.nowMs() + ms) };
}

let invocationCounter = 1;

/** The management client (SAP 1, HLS-GMAC, ciphered) on the listener the running meter opened. */
async function management(): Promise<SecureDlmsClient> {
  const raw = new FakeTcp({});
  FakeListener.last!.connectFrom(raw);
  const conn = raw.adoptedBy!;
  const transport: StreamTransport = new StreamTransport(
    (bytes) => {
      conn.arrive(Array.from(bytes));
      conn.drain(1 << 20);
      const out = conn.sent.splice(0);
      if (out.length > 0) transport.deliver(Uint8Array.from(out));
    },
    () => conn.fail(),
  );
  const client = new SecureDlmsClient(transport, { clientSap: 1, maxReceivePdu: 0xffff }, { key: parseHexKey(SIMULATOR_KEYS.key, "key"), authKey: parseHexKey(SIMULATOR_KEYS.authKey, "auth"), systemTitle: parseHexKey("4D4D4D0000000001", "title", 8), invocationCounter: (invocationCounter += 100_000) });
  const aare = await client.associate();
  if (aare.result !== 0) throw new Error(`association refused: ${aare.diagnostic}`);
  return client;
}

async function firmwareId(client: SecureDlmsClient): Promise<[string, number]> {
  const id = await client.get(1, "1.0.0.2.0.255", 2);
  const signature = await client.get(1, "1.0.0.2.8.255", 2);
  if (id.kind !== "octet-string" || signature.kind !== "octet-string") throw new Error("identifier: octet strings expected");
  return [Buffer.from(id.bytes).toString("latin1"), signature.bytes.length];
}

/** Transfers and activates `img` at once; returns when the meter has restarted. */
async function updateTo(m: ReturnType<typeof linMeter>, img: Uint8Array): Promise<void> {
  const client = await management();
  const report = await transferImage(client, img, { activate: "now", wait: async () => m.run(100) });
  expect(report.status).toBe(IMAGE_STATUS.activationInitiated);
  m.run(1500);
}

describe("the firmware update on the mcsim board (lin): emulated OTA slots behind the board link", () => {
  it("transfers a signed image with the client, restarts into ota_1 the way a power cut does, reports the new identifier and signature, and confirms it after 60 s", async () => {
    const m = linMeter();
    m.run(10_000);
    expect(m.running().app.firmwareUpdate).not.toBeNull();
    expect(m.ota.running).toBe(0);
    const before = await management();
    expect(await firmwareId(before)).toEqual([FACTORY_ID, 0]);
    const energyBefore = m.running().meter.energy.activeImport;
    const img = image("0.2.0", 3000);
    await updateTo(m, img);

    // One restart: the firmware stopped (down) and booted again (up) from ota_1, on trial.
    expect(m.device.boots).toBe(2);
    expect([m.ota.running, m.ota.bootState]).toEqual([1, "trial"]);
    const slots = m.running().meter.board.firmwareSlots as LinFirmwareSlots;
    expect([slots.runningSlot, slots.bootState]).toEqual([1, "trial"]);
    expect(m.traced.join("")).toMatch(/restart: the boot loader starts ota_1 \(trial\)/);
    const after = await management();
    expect(await firmwareId(after)).toEqual(["DLMSLITE-0.2.0", 64]);
    const signature = await after.get(1, "1.0.0.2.8.255", 2);
    expect(signature.kind === "octet-string" && Buffer.from(signature.bytes).equals(Buffer.from(img.subarray(img.length - 64)))).toBe(true);
    expect(m.standardCodes()).toEqual(expect.arrayContaining([17, 18]));

    // Confirmed after 60 s of metering: the otadata entry of ota_1 is valid; a power cut keeps it.
    m.run(70_000);
    expect(m.ota.activeEntry()!.entry.state).toBe(OTA_STATE.valid);
    expect(m.traced.join("")).toMatch(/firmware DLMSLITE-0\.2\.0 confirmed/);
    m.hw.board!.suddenOutage(3000);
    m.run(5000);
    expect(m.device.boots).toBe(3);
    expect([m.ota.running, m.ota.bootState]).toEqual([1, "normal"]);
    expect(await firmwareId(await management())).toEqual(["DLMSLITE-0.2.0", 64]);
    expect(m.running().meter.energy.activeImport).toBeGreaterThan(energyBefore);
  });

  it("a power cut while the new image is on trial: the boot loader gives it up, ota_0 runs and the meter reports the factory firmware and event 255", async () => {
    const m = linMeter();
    m.run(10_000);
    await updateTo(m, image("0.3.0", 2500));
    expect([m.ota.running, m.ota.bootState]).toEqual([1, "trial"]);
    m.hw.board!.suddenOutage(2000);
    m.run(4000);
    expect([m.ota.running, m.ota.bootState]).toEqual([0, "rolled-back"]);
    expect(m.ota.activeEntry()!.entry.state).toBe(OTA_STATE.aborted);
    expect(await firmwareId(await management())).toEqual([FACTORY_ID, 0]);
    expect(m.standardCodes()).toContain(255);
  });

  it("rollback through the lin port: the trial slot is marked invalid, the MCU restarts into the previous slot and the meter reports it", async () => {
    const m = linMeter();
    m.run(10_000);
    await updateTo(m, image("0.4.0", 2000));
    const boots = m.device.boots;
    m.running().meter.board.firmwareSlots!.rollback();
    m.run(100);
    expect(m.device.boots).toBe(boots + 1);
    expect([m.ota.running, m.ota.bootState]).toEqual([0, "normal"]);
    expect(m.ota.activeEntry()!.entry.state).toBe(OTA_STATE.invalid);
    expect(await firmwareId(await management())).toEqual([FACTORY_ID, 0]);
    expect(m.standardCodes()).toContain(255);
  });

  it("a torn write into the staging slot cuts the supply; after it returns the transfer resumes from the first missing block and the image verifies", async () => {
    const m = linMeter();
    m.run(10_000);
    const img = image("0.5.0", 4000);
    // After 8 blocks, the next write of the OTA chip is torn at a random byte.
    const client = await management();
    const onProgress = (sent: number) => sent === 8 && m.ota.chip.armPowerCutInNextOperation("write");
    await expect(transferImage(client, img, { wait: async () => m.run(100), onProgress })).rejects.toThrow();
    m.run(5000);
    expect(m.device.boots).toBe(2);
    expect(m.ota.chip.lastCut?.operation).toBe("write");
    const resumed = await transferImage(await management(), img, { wait: async () => m.run(100) });
    expect(resumed.sent).toBeLessThan(resumed.blocks);
    expect(resumed.status).toBe(IMAGE_STATUS.verificationSuccessful);
    expect(m.ota.running).toBe(0);
  });

  it("a board without OTA slots offers none: the meter has no image transfer", () => {
    const hw = createLinHardware({ scenario: parseScenario(DEFAULT_SCENARIO), timer: NO_TIMER, trace: () => {} });
    expect(hw.device.firmwareSlots()).toBeUndefined();
    expect(() => hw.flashStorage.open({ path: "nextota", mode: "r+" })).toThrow("can't find partition");
  });
});
