/**
 * Bundled into xsnap by host-sim/bench/update.ts: the meter with OTA slots receives a signed image
 * block by block through the IC 18 methods (parameters decoded from A-XDR as the server does), then
 * verifies it. Flash operations stand for silicon and are not metered; their bytes are counted.
 */
import { MeterApp } from "../../../firmware/app/meter-app";
import { defaultDlmsConfig } from "../../../firmware/comms/dlms";
import { AxdrReader, AxdrWriter } from "../../../firmware/comms/dlms/axdr";
import { IMAGE_TRANSFER_OBIS } from "../../../firmware/app/firmware-update";
import { defaultFirmwareUpdateConfig } from "../../../firmware/update/update-config";
import { Sha256 } from "../../../firmware/comms/crypto/sha256";
import { verifyP256 } from "../../../firmware/comms/crypto/p256";
import { DigestSha256, type DigestObject } from "../../../firmware/platform/moddable/digest-sha256";
import { ObjectModel, type RequestContext } from "../../../firmware/comms/dlms/object-model";
import { parseScenario } from "../../event-types";
import { Simulation } from "../../simulation";
import { swapMeter } from "../../xs/metering";

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

export class UpdateXsBench {
  sim!: Simulation;
  private model!: ObjectModel;

  boot(scenarioJson: string): void {
    this.sim = new Simulation(parseScenario(JSON.parse(scenarioJson)), {
      // The whole image verified in one call (the meter does it in steps on a timer): the total is the figure.
      config: { tickMs: 10_000, dlms: { ...defaultDlmsConfig(), refuseDefaultSecrets: false }, update: { ...defaultFirmwareUpdateConfig(), verifyChunkBytes: 1 << 24 } },
      firmware: (board, config) => new MeterApp(board, config),
      power: { otaSlotSectors: 16 },
    });
    this.sim.runFor(60_000);
    const staging = this.sim.board.firmwareSlots!.staging as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const name of ["read", "write", "eraseSector"]) {
      const original = staging[name].bind(staging);
      staging[name] = (...a: unknown[]) => {
        const firmware = swapMeter(0);
        const r = original(...a);
        swapMeter(firmware);
        return r;
      };
    }
    // The objects the update contributes, in a model of their own.
    const real = (this.sim.app as MeterApp).firmwareUpdate!;
    this.model = new ObjectModel();
    real.contribute(this.model);
  }

  private invoke(method: number, parameterBytes: Uint8Array, w: AxdrWriter): number {
    const obj = this.model.find(IMAGE_TRANSFER_OBIS)!;
    const parameter = new AxdrReader(parameterBytes).data();
    return obj.methods![method - 1]!.invoke(parameter, { model: this.model, object: obj } as RequestContext, w);
  }

  /** Sends the image (hex) in blocks: computrons per block (mean, max), flash bytes and erases per block. */
  transfer(imageHex: string, identifier: string): { mean: number; max: number; blocks: number; flashBytesPerBlock: number; erases: number; writeOps: number; results: number[] } {
    const image = hex(imageHex);
    const w = new AxdrWriter(64);
    const id = Uint8Array.from(identifier, (c) => c.charCodeAt(0));
    const init = new AxdrWriter(64);
    init.structure(2);
    init.octetString(id);
    init.doubleLongUnsigned(image.length);
    const results = [this.invoke(1, init.toBytes(), w)];
    const chip = this.sim.power.ota!.chip;
    chip.resetCounters();
    const blocks = Math.ceil(image.length / 200);
    let sum = 0;
    let max = 0;
    const p = new AxdrWriter(256);
    for (let n = 0; n < blocks; n++) {
      p.reset();
      p.structure(2);
      p.doubleLongUnsigned(n);
      p.octetString(image.subarray(n * 200, Math.min(image.length, n * 200 + 200)));
      const bytes = p.toBytes();
      swapMeter(0);
      const r = this.invoke(2, bytes, w);
      const c = swapMeter(0);
      if (r !== 0) results.push(r);
      sum += c;
      if (c > max) max = c;
    }
    return { mean: sum / blocks, max, blocks, flashBytesPerBlock: chip.bytesWritten / blocks, erases: chip.eraseOps, writeOps: chip.writeOps / blocks, results };
  }

  /** What verification spends per 200-byte block: the payload hash and the header ‖ payload hash over it, mean over n. */
  hashPerBlock(n: number): number {
    const payload = new Sha256();
    const whole = new Sha256();
    const data = new Uint8Array(200 * n);
    swapMeter(0);
    for (let i = 0; i < n; i++) {
      payload.update(data, i * 200, i * 200 + 200);
      whole.update(data, i * 200, i * 200 + 200);
    }
    payload.digest();
    whole.digest();
    return swapMeter(0) / n;
  }

  /**
   * The XS share of the same two hashes through the Moddable port's DigestSha256: the native
   * Digest (C on the device) is played by the portable hash with the meter set aside, as flash is.
   */
  digestPortPerBlock(n: number): { perBlock: number; digest: Uint8Array } {
    const native = (): DigestObject => {
      const h = new Sha256();
      const outside = <T>(f: () => T): T => {
        const firmware = swapMeter(0);
        const r = f();
        swapMeter(firmware);
        return r;
      };
      return {
        write: (b) => outside(() => void h.update(new Uint8Array(b))),
        close: () => outside(() => h.digest().buffer as ArrayBuffer),
        reset: () => outside(() => void h.reset()),
      };
    };
    const payload = new DigestSha256(native());
    const whole = new DigestSha256(native());
    const data = new Uint8Array(200 * n).map((_, i) => i & 0xff);
    const out = new Uint8Array(32);
    swapMeter(0);
    for (let i = 0; i < n; i++) {
      payload.update(data, i * 200, i * 200 + 200);
      whole.update(data, i * 200, i * 200 + 200);
    }
    payload.digest(out);
    whole.digest(out);
    return { perBlock: swapMeter(0) / n, digest: out };
  }

  /** image_verify on the transferred image: total computrons and the status; the ECDSA check alone. */
  verify(publicKeyHex: string, digestHex: string, signatureHex: string): { total: number; status: number; ecdsa: number; ecdsaOk: boolean } {
    const w = new AxdrWriter(16);
    swapMeter(0);
    const r = this.invoke(3, Uint8Array.of(15, 0), w);
    const total = swapMeter(0);
    swapMeter(0);
    const ok = verifyP256(hex(publicKeyHex), hex(digestHex), hex(signatureHex));
    const ecdsa = swapMeter(0);
    return { total, status: r, ecdsa, ecdsaOk: ok };
  }
}

(globalThis as unknown as { updateBench: UpdateXsBench }).updateBench = new UpdateXsBench();
