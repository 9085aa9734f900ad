/**
 * DeviceIo: the device's IO as one object (main.ts), its methods calling the simulator's as
 * methods (the lin provider's are prototype methods that use `this`).
 */
import { DeviceIo, type DeviceModules } from "../../firmware/platform/moddable/device";
import type { FirmwareSlots } from "../../firmware/hal/firmware-slots";

class Provider {
  readonly slots = { marker: "ota" } as unknown as FirmwareSlots;
  private readonly wall = 1_772_409_600_000;
  firmwareSlots(): FirmwareSlots {
    return this.slots;
  }
  get clock() {
    return { wallClockMs: () => this.wall };
  }
}

const modules = { rng: { get: (n: number) => new Uint8Array(n).fill(7).buffer } } as unknown as DeviceModules;

describe("DeviceIo", () => {
  it("asks the simulator for its OTA slots and wall clock as methods", () => {
    const provider = new Provider();
    const io = new DeviceIo(modules, provider);
    expect(io.firmwareSlots()).toBe(provider.slots);
    expect(io.systemTimeMs()).toBe(1_772_409_600_000);
    expect(Array.from(new Uint8Array(io.randomBytes(3)))).toEqual([7, 7, 7]);
  });

  it("has no OTA slots without a simulator that offers them", () => {
    expect(new DeviceIo(modules, {}).firmwareSlots()).toBeUndefined();
  });
});
