/**
 * The ESP32's FirmwareSlots adapter (firmware/platform/moddable/firmware-slots.ts) on fakes of the
 * SDK's `embedded:storage/flash` partition, `embedded:update` and the ffi-bound ESP-IDF calls:
 * what it asks of ESP-IDF for each step of an update. The ESP-IDF side itself runs only on a board.
 */
import type { FlashIo } from "../../firmware/platform/moddable/ecma419";
import { ModdableFirmwareSlots, type OtaNatives, type UpdateModule } from "../../firmware/platform/moddable/firmware-slots";

const SECTOR = 4096;

/** One NOR partition shared by every `open` of it, as "nextota" is on the device. */
class FakePartition {
  readonly bytes = new Uint8Array(SECTOR * 8).fill(0xff);
  opens = 0;
  open(): FlashIo {
    this.opens++;
    const bytes = this.bytes;
    return {
      read(buffer: Uint8Array, offset: number) {
        buffer.set(bytes.subarray(offset, offset + buffer.length));
        return buffer.length;
      },
      write(buffer: Uint8Array, offset: number) {
        for (let i = 0; i < buffer.length; i++) bytes[offset + i] &= buffer[i];
      },
      eraseBlock(start: number) {
        bytes.fill(0xff, start * SECTOR, (start + 1) * SECTOR);
      },
      status: () => ({ size: bytes.length, blockLength: SECTOR, blocks: bytes.length / SECTOR }),
    } as unknown as FlashIo;
  }
}

/** embedded:update in "w" mode as update-esp32.c does it: esp_ota_begin erases byteLength, writes land at their offset, complete checks and selects. */
function fakeUpdate(partition: FakePartition, opts: { refuse?: string } = {}) {
  const log: string[] = [];
  const update: UpdateModule = {
    open(o) {
      log.push(`open ${o.mode} ${o.byteLength}`);
      const io = o.partition;
      for (let s = 0; s * SECTOR < o.byteLength; s++) io.eraseBlock(s);
      return {
        write(buffer: Uint8Array, byteOffset: number) {
          log.push(`write ${buffer.length}@${byteOffset}`);
          io.write(buffer, byteOffset);
        },
        complete() {
          log.push("complete");
          if (opts.refuse) throw new Error(opts.refuse);
        },
        close() {
          log.push("close");
        },
      };
    },
  };
  return { update, log, partition };
}

function fakeNatives(pending: number, markValid = 0) {
  const calls: string[] = [];
  const natives: OtaNatives = {
    meter_ota_pending_verify: () => (calls.push("pending"), pending),
    esp_ota_mark_app_valid_cancel_rollback: () => (calls.push("valid"), markValid),
    esp_ota_mark_app_invalid_rollback_and_reboot: () => (calls.push("invalid"), -1),
    esp_restart: () => void calls.push("restart"),
  };
  return { natives, calls };
}

describe("ESP32 firmware slots adapter", () => {
  it("reports a trial start only when ESP-IDF says the running image is pending verification", () => {
    const p = new FakePartition();
    expect(new ModdableFirmwareSlots(() => p.open(), fakeUpdate(p).update, fakeNatives(1).natives).bootState).toBe("trial");
    expect(new ModdableFirmwareSlots(() => p.open(), fakeUpdate(p).update, fakeNatives(0).natives).bootState).toBe("normal");
  });

  it("stages blocks in any order as raw flash, then selects by rewriting sector 0 only and completing", () => {
    const p = new FakePartition();
    const { update, log } = fakeUpdate(p);
    const slots = new ModdableFirmwareSlots(() => p.open(), update, fakeNatives(0).natives);
    const image = new Uint8Array(SECTOR * 2 + 300).map((_, i) => (i * 7 + 3) & 0xff);
    // Blocks of 200 bytes, last first, the first twice.
    const blocks: number[] = [];
    for (let o = 0; o < image.length; o += 200) blocks.unshift(o);
    blocks.push(0);
    for (let sector = 0; sector * SECTOR < image.length; sector++) slots.staging.eraseSector(sector);
    // A resent block writes the same bytes again: NOR keeps them.
    for (const o of blocks) slots.staging.write(o, image.subarray(o, Math.min(o + 200, image.length)));
    log.length = 0;
    slots.selectStaged(image.length);
    expect(log).toEqual([`open w ${SECTOR}`, `write ${SECTOR}@0`, "complete", "close"]);
    expect([...p.bytes.subarray(0, image.length)]).toEqual([...image]);
  });

  it("refuses an image larger than the slot without opening an update", () => {
    const p = new FakePartition();
    const { update, log } = fakeUpdate(p);
    const slots = new ModdableFirmwareSlots(() => p.open(), update, fakeNatives(0).natives);
    expect(() => slots.selectStaged(SECTOR * 8)).toThrow("image of 32768 bytes does not fit the OTA partition");
    expect(() => slots.selectStaged(0)).toThrow("does not fit");
    expect(log).toEqual([]);
  });

  it("passes ESP-IDF's refusal of the image on and still closes the update", () => {
    const p = new FakePartition();
    const { update, log } = fakeUpdate(p, { refuse: "complete failed" });
    const slots = new ModdableFirmwareSlots(() => p.open(), update, fakeNatives(0).natives);
    slots.staging.write(0, new Uint8Array([0xe9, 1, 2, 3]));
    expect(() => slots.selectStaged(4)).toThrow("complete failed");
    expect(log.slice(-2)).toEqual(["complete", "close"]);
    expect([...p.bytes.subarray(0, 4)]).toEqual([0xe9, 1, 2, 3]);
  });

  it("confirms with esp_ota_mark_app_valid_cancel_rollback and reports its error", () => {
    const p = new FakePartition();
    const ok = fakeNatives(1);
    new ModdableFirmwareSlots(() => p.open(), fakeUpdate(p).update, ok.natives).confirm();
    expect(ok.calls).toEqual(["pending", "valid"]);
    const bad = fakeNatives(1, 0x1503);
    expect(() => new ModdableFirmwareSlots(() => p.open(), fakeUpdate(p).update, bad.natives).confirm()).toThrow("esp_ota_mark_app_valid_cancel_rollback: error 5379");
  });

  it("rolls back by marking the trial image invalid (ESP-IDF restarts), restarting itself if ESP-IDF returned", () => {
    const p = new FakePartition();
    const n = fakeNatives(1);
    const slots = new ModdableFirmwareSlots(() => p.open(), fakeUpdate(p).update, n.natives);
    slots.rollback();
    expect(n.calls).toEqual(["pending", "invalid", "restart"]);
    n.calls.length = 0;
    slots.restart();
    expect(n.calls).toEqual(["restart"]);
  });
});
