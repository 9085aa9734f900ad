/**
 * Signed firmware update through the meter's DLMS server with the project's client (issue 16
 * section 1): transfer, verification, activation, restart into the new image, rollback.
 */
import { createHash } from "node:crypto";
import { IMAGE_TRANSFER, IMAGE_ACTIVATION_SCHEDULE } from "../../host-sim/client/image";
import { int, octets, struct } from "../../host-sim/client/codec";
import { generateImageKey, publicKeyBytes } from "../../host-sim/image-tools";
import { UPDATE_EVENT } from "../../firmware/app/firmware-update";
import { OTA_STATE } from "../../emulation/flash/ota-slots";
import { NodeCrypto } from "../../host-sim/node-crypto";
import { connect, DEV_KEY_PEM, image, standardCodes, transfer, updateOf, updateSim } from "./rig";

const text = (d: { kind: string; bytes?: number[] }) => Buffer.from(d.bytes ?? []).toString("latin1");

describe("firmware update over DLMS (IC 18)", () => {
  it("transfers, verifies and activates an image: after the restart 1.0.0.2.0.255 / 1.0.0.2.8.255 report it, events 17 and 18 are logged", async () => {
    const sim = updateSim();
    const img = image("0.2.0", 3000);
    let client = await connect(sim);
    expect(text(await client.get(1, "1.0.0.2.0.255", 2) as never)).toBe("DLMSLITE-0.1.0");
    const progress: number[] = [];
    const report = await transfer(sim, client, img, { activate: "now", onProgress: (sent) => progress.push(sent) });
    expect(report.blocks).toBe(Math.ceil(img.length / 200));
    expect(report.sent).toBe(report.blocks);
    expect(progress.at(-1)).toBe(report.blocks);
    expect(report.status).toBe(5); // activation initiated
    const energyBefore = sim.meter.register("1.0.1.8.0.255")!.read();
    // The restart (1 s later): the new image boots in trial.
    sim.runFor(2_000);
    const ota = sim.power.ota!;
    expect(ota.running).toBe(1);
    expect(ota.bootState).toBe("trial");
    client = await connect(sim);
    expect(text(await client.get(1, "1.0.0.2.0.255", 2) as never)).toBe("DLMSLITE-0.2.0");
    // On trial the other slot is the way back: no new transfer may start there.
    expect((await client.action(18, IMAGE_TRANSFER, 1, struct(octets(Buffer.from("X")), int(6, 1000)))).result).toBe(2);
    const signature = img.subarray(img.length - 64);
    expect(text(await client.get(1, "1.0.0.2.8.255", 2) as never)).toBe(Buffer.from(signature).toString("latin1"));
    expect(await client.get(18, IMAGE_TRANSFER, 6)).toEqual({ kind: "enum", value: 6 });
    const codes = standardCodes(sim);
    expect(codes).toContain(UPDATE_EVENT.readyForActivation);
    expect(codes.indexOf(UPDATE_EVENT.activated)).toBeGreaterThan(codes.indexOf(UPDATE_EVENT.readyForActivation));
    // Nothing lost across the switch: the emergency save kept the energy.
    expect(sim.meter.register("1.0.1.8.0.255")!.read()).toBeGreaterThanOrEqual(energyBefore);
    // The payload is in the slot at offset 0 where the boot loader looks.
    const payloadLength = img.length - 176;
    const inSlot = ota.slots[1].chip.bytes.subarray(ota.slots[1].firstSector * 4096, ota.slots[1].firstSector * 4096 + payloadLength);
    expect(createHash("sha256").update(inSlot).digest("hex")).toBe(createHash("sha256").update(img.subarray(112, 112 + payloadLength)).digest("hex"));
    // It confirms itself after a minute of metering.
    sim.runFor(70_000);
    expect(ota.activeEntry()!.entry.state).toBe(OTA_STATE.valid);
    sim.runFor(10_000);
    // A later restart keeps the new image.
    sim.power.ota!.onRestart!();
    sim.runFor(1_000);
    expect(updateOf(sim).runningId).toBe("DLMSLITE-0.2.0");
    expect(ota.running).toBe(1);
  });

  it("a meter that restarts before the client reads the status after image_activate: the client reports activation initiated, not an error", async () => {
    const sim = updateSim();
    const real = await connect(sim);
    let activated = false;
    // As in mcsim at x10: the restart closes the connection before the status GET is answered.
    const client = new Proxy(real, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key === "action") return async (...a: Parameters<typeof real.action>) => {
          const r = await real.action(...a);
          if (a[2] === 4) activated = true;
          return r;
        };
        if (key === "get") return (...a: Parameters<typeof real.get>) => (activated ? Promise.reject(new Error("read ECONNRESET")) : real.get(...a));
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const report = await transfer(sim, client, image("0.2.0", 1000), { activate: "now" });
    expect(report.status).toBe(5);
  });

  it("blocks out of order and repeated give the same image", async () => {
    const sim = updateSim();
    const img = image("0.3.0", 2450);
    const client = await connect(sim);
    const report = await transfer(sim, client, img, { order: (m) => [...m.reverse(), m[0], m[3], m[5]] });
    expect(report.status).toBe(3);
    expect(await client.get(18, IMAGE_TRANSFER, 4)).toEqual(int(6, report.blocks));
    // image_to_activate_info: size, identifier, signature.
    const info = await client.get(18, IMAGE_TRANSFER, 7);
    expect(info).toEqual({ kind: "array", items: [struct(int(6, img.length), octets(Buffer.from("DLMSLITE-0.3.0")), octets(img.subarray(img.length - 64)))] });
  });

  it("a power cut mid-transfer: the meter resumes from image_first_not_transferred_block_number", async () => {
    const sim = updateSim();
    const img = image("0.2.1", 4000);
    let client = await connect(sim);
    await client.action(18, IMAGE_TRANSFER, 1, struct(octets(Buffer.from("DLMSLITE-0.2.1")), int(6, img.length)));
    for (let n = 0; n < 7; n++) expect((await client.action(18, IMAGE_TRANSFER, 2, struct(int(6, n), octets(img.subarray(n * 200, n * 200 + 200))))).result).toBe(0);
    // The 8th block's write is torn by the power cut.
    const chip = sim.power.ota!.chip;
    chip.armPowerCutInNextOperation("write");
    await client.action(18, IMAGE_TRANSFER, 2, struct(int(6, 7), octets(img.subarray(1400, 1600))));
    expect(chip.lastCut).not.toBeNull();
    const { losePower, restorePower } = await import("../../host-sim/power");
    losePower(sim, true);
    sim.runFor(5_000);
    restorePower(sim);
    sim.runFor(2_000);
    client = await connect(sim);
    expect(await client.get(18, IMAGE_TRANSFER, 6)).toEqual({ kind: "enum", value: 1 });
    expect(await client.get(18, IMAGE_TRANSFER, 4)).toEqual(int(6, 7));
    const progress: number[] = [];
    const report = await transfer(sim, client, img, { onProgress: (s) => progress.push(s) });
    expect(progress[0]).toBe(7);
    expect(report.sent).toBe(report.blocks - 7);
    expect(report.status).toBe(3);
  });

  it("scheduled activation through 0.0.15.0.2.255 switches at the set time", async () => {
    const sim = updateSim();
    const img = image("0.4.0", 1000);
    const client = await connect(sim);
    const at = sim.clock.wallClockMs() + 10 * 60_000;
    await transfer(sim, client, img, { activate: at, utcOffsetMinutesAt: () => 60 });
    const schedule = await client.get(22, IMAGE_ACTIVATION_SCHEDULE, 4);
    expect(schedule.kind).toBe("array");
    expect(updateOf(sim).scheduledUtcMs).toBe(Math.floor(at / 1000) * 1000);
    sim.runFor(9 * 60_000);
    expect(sim.power.ota!.running).toBe(0);
    sim.runFor(2 * 60_000);
    expect(sim.power.ota!.running).toBe(1);
    expect(updateOf(sim).runningId).toBe("DLMSLITE-0.4.0");
  });

  it("image_activate on an image not verified yet: temporary-failure, the check runs in steps, then the switch", async () => {
    const sim = updateSim();
    const img = image("0.6.0", 5000);
    const client = await connect(sim);
    await client.action(18, IMAGE_TRANSFER, 1, struct(octets(Buffer.from("DLMSLITE-0.6.0")), int(6, img.length)));
    for (let n = 0; n * 200 < img.length; n++) await client.action(18, IMAGE_TRANSFER, 2, struct(int(6, n), octets(img.subarray(n * 200, n * 200 + 200))));
    expect((await client.action(18, IMAGE_TRANSFER, 4, int(15, 0))).result).toBe(2);
    expect(await client.get(18, IMAGE_TRANSFER, 6)).toEqual({ kind: "enum", value: 2 });
    sim.runFor(10_000);
    expect(sim.power.ota!.running).toBe(1);
    expect(updateOf(sim).runningId).toBe("DLMSLITE-0.6.0");
  });

  it("a new image that does not confirm itself is rolled back (event 255)", async () => {
    const sim = updateSim((c) => {
      c.update.rollbackAfterMs = 120_000;
    });
    const client = await connect(sim);
    await transfer(sim, client, image("0.5.0", 1500), { activate: "now" });
    sim.runFor(2_000);
    expect(updateOf(sim).runningId).toBe("DLMSLITE-0.5.0");
    // The metering IC stops answering: the new firmware cannot show that it meters.
    sim.chip.injectFault("dead-high");
    sim.runFor(130_000);
    expect(sim.power.ota!.running).toBe(0);
    expect(updateOf(sim).runningId).toBe("DLMSLITE-0.1.0");
    expect(standardCodes(sim)).toContain(UPDATE_EVENT.rolledBack);
  });
});

describe("the image hash through the board's crypto port (the SDK's native Digest on a device)", () => {
  /** NodeCrypto whose SHA-256 counts the bytes it hashed, or (broken) answers a wrong digest. */
  function countingCrypto(broken = false) {
    const node = new NodeCrypto();
    const seen = { hashes: 0, bytes: 0 };
    const crypto = Object.assign(Object.create(node) as NodeCrypto, {
      createSha256: () => {
        seen.hashes++;
        const h = node.createSha256();
        return {
          reset: () => h.reset(),
          update: (d: Uint8Array, start = 0, end = d.length) => {
            seen.bytes += end - start;
            return h.update(d, start, end);
          },
          digest: (out: Uint8Array, offset = 0) => (broken ? out.fill(0, offset, offset + 32) : h.digest(out, offset)),
        };
      },
    });
    return { crypto, seen };
  }

  it("the port's hash checks the image: header + payload for the signature, the payload for its hash", async () => {
    const { crypto, seen } = countingCrypto();
    const sim = updateSim(undefined, crypto);
    const client = await connect(sim);
    const img = image("0.2.0", 3000);
    expect((await transfer(sim, client, img)).status).toBe(3);
    expect(seen.hashes).toBe(2);
    // 112-byte header + 3,000-byte payload into one hash, the payload alone into the other.
    expect(seen.bytes).toBe(112 + 3000 + 3000);
  });

  it("a port hash that disagrees fails the check with the hash event, and nothing is activated", async () => {
    const { crypto } = countingCrypto(true);
    const sim = updateSim(undefined, crypto);
    const client = await connect(sim);
    await expect(transfer(sim, client, image("0.2.0"), { activate: "now" })).rejects.toMatchObject({ result: 250 });
    expect(standardCodes(sim)).toContain(UPDATE_EVENT.hashMismatch);
    expect(updateOf(sim).runningId).toBe("DLMSLITE-0.1.0");
  });
});

describe("refused images: a defined status, nothing changed", () => {
  const cases: [string, () => Uint8Array, number, number, number][] = [
    ["wrong signature", () => {
      const img = image("0.2.0");
      img[img.length - 5] ^= 0x40;
      return img;
    }, 250, UPDATE_EVENT.signatureInvalid, 4],
    ["wrong key", () => image("0.2.0", 3000, { keyPem: generateImageKey().privatePem }), 250, UPDATE_EVENT.signatureInvalid, 4],
    ["payload changed after signing", () => {
      const img = image("0.2.0");
      img[500] ^= 1;
      return img;
    }, 250, UPDATE_EVENT.hashMismatch, 3],
    ["truncated image (header length disagrees)", () => {
      const img = image("0.2.0");
      return Uint8Array.from([...img.subarray(0, 1000), ...img.subarray(img.length - 64)]);
    }, 250, UPDATE_EVENT.incomplete, 2],
    ["wrong target", () => image("0.2.0", 3000, { target: { board: "esp32-devkitc", chip: "esp32" } }), 250, UPDATE_EVENT.refused, 5],
    ["older version", () => image("0.0.9"), 250, UPDATE_EVENT.refused, 6],
  ];
  for (const [name, make, result, event, reason] of cases) {
    it(name, async () => {
      const sim = updateSim();
      const client = await connect(sim);
      const img = make();
      await expect(transfer(sim, client, img, { activate: "now" })).rejects.toMatchObject({ result });
      expect(await client.get(18, IMAGE_TRANSFER, 6)).toEqual({ kind: "enum", value: 4 });
      expect(await client.get(1, "0.0.44.128.1.255", 2)).toEqual({ kind: "enum", value: reason });
      expect(standardCodes(sim)).toContain(event);
      expect(standardCodes(sim)).not.toContain(UPDATE_EVENT.readyForActivation);
      // Activation is refused too; the slot switch never happened.
      expect((await client.action(18, IMAGE_TRANSFER, 4, int(15, 0))).result).toBe(result);
      sim.runFor(5_000);
      expect(sim.power.ota!.running).toBe(0);
      expect(sim.power.ota!.activeEntry()).toBeNull();
      expect(updateOf(sim).runningId).toBe("DLMSLITE-0.1.0");
    });
  }

  it("an older version with the signed override is accepted", async () => {
    const sim = updateSim();
    const client = await connect(sim);
    const report = await transfer(sim, client, image("0.0.9", 3000, { allowOlder: true }));
    expect(report.status).toBe(3);
  });

  it("a missing block: image_verify answers data-block-unavailable (14)", async () => {
    const sim = updateSim();
    const client = await connect(sim);
    const img = image("0.2.0", 1000);
    await client.action(18, IMAGE_TRANSFER, 1, struct(octets(Buffer.from("X")), int(6, img.length)));
    await client.action(18, IMAGE_TRANSFER, 2, struct(int(6, 0), octets(img.subarray(0, 200))));
    expect((await client.action(18, IMAGE_TRANSFER, 3, int(15, 0))).result).toBe(14);
  });

  it("the reader and public clients cannot see or invoke the image transfer", async () => {
    const sim = updateSim();
    for (const sap of [16, 17]) {
      const client = await connect(sim, sap);
      const r = await client.action(18, IMAGE_TRANSFER, 1, struct(octets(Buffer.from("X")), int(6, 1000)));
      expect(r.result).toBe(3);
      await expect(client.get(1, "0.0.44.128.0.255", 2)).rejects.toThrow(/data-access-result 3/);
    }
    expect(sim.power.ota!.chip.writeOps).toBe(0);
  });

  it("the signing key is changed by the management client only, and images of the old key are then refused", async () => {
    const sim = updateSim();
    const client = await connect(sim);
    const fresh = generateImageKey();
    expect(await client.set(1, "0.0.44.128.0.255", 2, octets(fresh.publicKey))).toBe(0);
    expect(await client.set(1, "0.0.44.128.0.255", 2, octets(new Uint8Array(65)))).toBe(250);
    await expect(transfer(sim, client, image("0.2.0"))).rejects.toMatchObject({ result: 250 });
    const report = await transfer(sim, client, image("0.2.0", 3000, { keyPem: fresh.privatePem }));
    expect(report.status).toBe(3);
    expect(Buffer.from(publicKeyBytes(DEV_KEY_PEM)).equals(Buffer.from(updateOf(sim).publicKey))).toBe(false);
  });
});
