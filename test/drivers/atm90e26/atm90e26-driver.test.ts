import fc from "fast-check";
import { Atm90e26Driver, meteringRegisterValues, measurementRegisterValues } from "../../../firmware/drivers/atm90e26/driver";
import { DEFAULT_ATM90E26_CALIBRATION } from "../../../firmware/drivers/atm90e26/calibration";
import { ATM90E26, ATM90E26_REGISTERS, atmChecksum } from "../../../firmware/drivers/atm90e26/registers";
import { newMeteringSample, SAMPLE_FLAG_NEUTRAL_METERED, SAMPLE_FLAG_REINITIALISED } from "../../../firmware/kernel/metering-ic";
import type { Spi } from "../../../firmware/hal";
import { CarryingConverter } from "../../../firmware/kernel/rational";
import { SimSpi } from "../../../host-sim/board";
import { Atm90e26Bench } from "../../../host-sim/calibration/atm90e26";
import type { SpiFaultKind } from "../../../emulation/faults";

/** Records every frame the driver sends. */
class RecordingSpi implements Spi {
  readonly frames: number[][] = [];
  private current: number[] = [];
  constructor(private readonly inner: Spi) {}
  transfer(b: Uint8Array): void {
    this.current.push(...b);
    this.inner.transfer(b);
  }
  write(b: Uint8Array): void {
    this.current.push(...b);
    this.inner.write(b);
  }
  read(b: Uint8Array): void {
    this.inner.read(b);
  }
  flush(deselect?: boolean): void {
    this.inner.flush(deselect);
    if (deselect) {
      this.frames.push(this.current);
      this.current = [];
    }
  }
  transaction(b: Uint8Array): void {
    this.transfer(b);
    this.flush(true);
  }
}

describe("ATM90E26 driver initialisation", () => {
  test("follows docs/chips.md B1: SoftReset, FuncEn, SagTh, 0x5678, PLconstH before PLconstL, CS1/CS2 computed, then 0x8765", () => {
    const bench = new Atm90e26Bench();
    const spy = new RecordingSpi(new SimSpi(bench.chip));
    const driver = new Atm90e26Driver(spy, DEFAULT_ATM90E26_CALIBRATION);
    expect(driver.init()).toBe("ok");
    const writes = spy.frames.filter((f) => (f[0] & 0x80) === 0).map((f) => [f[0], (f[1] << 8) | f[2]]);
    const order = writes.map((w) => w[0]);
    expect(writes[0]).toEqual([0x00, 0x789a]);
    expect(order.indexOf(0x20)).toBeLessThan(order.indexOf(0x21));
    expect(order.indexOf(0x21)).toBeLessThan(order.indexOf(0x22));
    const cs1 = writes.find((w) => w[0] === 0x2c)![1];
    const cs2 = writes.find((w) => w[0] === 0x3b)![1];
    expect(cs1).toBe(atmChecksum(meteringRegisterValues(DEFAULT_ATM90E26_CALIBRATION)));
    expect(cs2).toBe(atmChecksum(measurementRegisterValues(DEFAULT_ATM90E26_CALIBRATION)));
    expect(bench.chip.peek(0x2c)).toBe(cs1); // the chip computes the same
    expect(writes.slice(-2)).toEqual([[0x20, 0x8765], [0x30, 0x8765]]);
    expect(spy.frames.every((f) => f.length === 3)).toBe(true);
    expect(bench.chip.running).toEqual({ metering: true, measuring: true });
  });

  test("energy scale is Wh = raw * 100 / MC as an exact ratio (0.1 pulse LSB)", () => {
    const bench = new Atm90e26Bench();
    expect(bench.driver.energyScale).toEqual({ num: 100_000, den: 3200 });
    const conv = new CarryingConverter(bench.driver.energyScale);
    expect(conv.add(32)).toBe(1000); // 32 LSB = 3.2 pulses = 1 Wh at 3200 imp/kWh
  });
});

/** Runs a constant load for `seconds` ticks of 1 s; `hook(tick)` may inject faults. */
function runTicks(seconds: number, hook: (tick: number, bench: Atm90e26Bench) => void = () => {}) {
  const bench = new Atm90e26Bench();
  bench.set({ voltage: 230, current: 5, neutralCurrent: 5, angle: 20 });
  const s = newMeteringSample();
  let active = 0;
  let reactive = 0;
  const statuses: string[] = [];
  let lost = 0;
  let reinit = 0;
  for (let t = 0; t < seconds; t++) {
    hook(t, bench);
    bench.nowMs += 1000;
    const st = bench.driver.sample(s);
    statuses.push(st);
    active += s.activeEnergyLsb;
    reactive += s.reactiveEnergyLsb;
    if (s.energyMayBeLost) lost++;
    if (s.flags & SAMPLE_FLAG_REINITIALISED) reinit++;
  }
  return { bench, active, reactive, statuses, lost, reinit };
}

describe("ATM90E26 faults: nothing lost beyond one tick, nothing twice, right report, recovery", () => {
  const clean = runTicks(60);
  const perTick = clean.active / 60;

  test.each(["shifted", "dead-low", "dead-high", "drop-write"] as SpiFaultKind[])("%s for 5 s: energy deferred, none lost, recovers", (kind) => {
    const r = runTicks(60, (t, b) => {
      if (t === 20) b.chip.injectFault(kind);
      if (t === 25) b.chip.clearFault(kind);
    });
    expect(Math.abs(r.active - clean.active)).toBeLessThanOrEqual(1);
    expect(Math.abs(r.reactive - clean.reactive)).toBeLessThanOrEqual(1);
    expect(r.lost).toBe(0);
    if (kind !== "drop-write") expect(r.statuses.slice(20, 25)).toEqual(Array(5).fill("not-responding"));
    expect(r.statuses.slice(26)).toEqual(Array(34).fill("ok"));
  });

  test("drop-write during re-initialisation: init fails verification and is retried until it holds", () => {
    const r = runTicks(30, (t, b) => {
      if (t === 10) {
        b.chip.injectFault("drop-write");
        b.chip.injectReset();
      }
      if (t === 13) b.chip.clearFault();
    });
    expect(r.statuses[10]).toBe("reset-detected");
    expect(r.statuses.slice(11, 13).every((s) => s !== "ok")).toBe(true);
    expect(r.statuses.slice(14)).toEqual(Array(16).fill("ok"));
    expect(r.bench.chip.running).toEqual({ metering: true, measuring: true });
  });

  test("one corrupted read at every position of a tick: retried via LastData or carried, never lost or doubled", () => {
    const readsPerTick = 25;
    const clean20 = runTicks(20);
    for (let position = 0; position < readsPerTick; position++) {
      const r = runTicks(20, (t, b) => {
        if (t === 10) {
          // Arm the corruption for the n-th read of this tick.
          let n = 0;
          const orig = b.chip.exchange.bind(b.chip);
          b.chip.exchange = (mosi: number) => {
            if (mosi & 0x80 && n++ === position) b.chip.injectFault("corrupt-read");
            return orig(mosi);
          };
        }
      });
      expect(r.bench.chip.faults.hits).toBeGreaterThan(0); // the corruption did happen
      expect({ position, statuses: r.statuses.filter((st) => st !== "ok").length }).toEqual({ position, statuses: r.statuses[10] === "ok" ? 0 : 1 });
      // Only a corruption that leaves a value solely in LastData costs the tick (carried to the next).
      if (r.statuses[10] !== "ok") expect(r.statuses[10]).toBe("verify-failed");
      expect({ position, diff: Math.abs(r.active - clean20.active) <= 1, lost: r.lost }).toEqual({ position, diff: true, lost: 0 });
    }
  });

  test("three disagreeing answers for one energy read: the value is fetched from LastData next tick, counted once", () => {
    const clean20 = runTicks(20);
    let driverRef: Atm90e26Driver | undefined;
    const r = runTicks(20, (t, b) => {
      driverRef = b.driver;
      if (t !== 10) return;
      // Reads of the tick: CalStart, FuncEn, SysStatus, LastData, EnStatus, APenergy, LastData, LastData.
      let frame = -1;
      let byte = 0;
      const orig = b.chip.exchange.bind(b.chip);
      const select = b.chip.select.bind(b.chip);
      b.chip.select = () => {
        frame++;
        byte = 0;
        select();
      };
      b.chip.exchange = (mosi: number) => {
        const out = orig(mosi);
        const index = byte++;
        const masks: Record<number, number> = { 5: 0x01, 6: 0x02, 7: 0x04 };
        return index === 1 && masks[frame] !== undefined ? out ^ masks[frame] : out;
      };
    });
    expect(r.statuses[10]).toBe("verify-failed");
    expect(r.statuses[11]).toBe("ok");
    expect(driverRef!.counters.recovered).toBe(1);
    expect(r.lost).toBe(0);
    expect(Math.abs(r.active - clean20.active)).toBeLessThanOrEqual(1);
  });

  test("brown-out: reset detected, energy since the last tick given up (at most one tick), re-initialised, resumed", () => {
    const r = runTicks(60, (t, b) => {
      if (t === 30) {
        b.nowMs += 500;
        b.chip.injectReset();
        b.nowMs -= 500;
      }
    });
    expect(r.statuses[30]).toBe("reset-detected");
    expect(r.lost).toBe(1);
    expect(r.reinit).toBe(1);
    expect(clean.active - r.active).toBeGreaterThan(0);
    expect(clean.active - r.active).toBeLessThanOrEqual(Math.ceil(perTick) + 1);
    expect(r.statuses.slice(31)).toEqual(Array(29).fill("ok"));
    expect(r.bench.chip.running).toEqual({ metering: true, measuring: true });
  });

  test("CalErr (a calibration register changed under the chip): energy so far counted, re-initialised", () => {
    const r = runTicks(40, (t, b) => {
      if (t === 20) {
        // Someone else's write (e.g. a glitch) changes Lgain without a new CS1.
        const spi = new SimSpi(b.chip);
        spi.write(new Uint8Array([0x23, 0x12, 0x34]));
        spi.flush(true);
      }
    });
    expect(r.statuses[20]).toBe("reset-detected");
    expect(r.lost).toBe(1);
    expect(clean.active * 40 / 60 - r.active).toBeLessThanOrEqual(Math.ceil(perTick) + 1);
    expect(r.statuses.slice(21)).toEqual(Array(19).fill("ok"));
  });
});

describe("ATM90E26 driver and emulator agree (property)", () => {
  const writable = ATM90E26_REGISTERS.filter((r) => r.access === "rw" && r.address !== 0x20 && r.address !== 0x30 && r.address !== 0x04);

  test("random register writes and reads: the driver's view matches the emulator's register file", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ reg: fc.integer({ min: 0, max: writable.length - 1 }), value: fc.integer({ min: 0, max: 0xffff }), read: fc.boolean() }), { minLength: 1, maxLength: 60 }),
        (ops) => {
          const bench = new Atm90e26Bench();
          const shadow = new Map<number, number>();
          for (const op of ops) {
            const reg = writable[op.reg];
            bench.driver.write(reg, op.value);
            // PLconstH is stored (and read back) at once; it takes effect with PLconstL.
            shadow.set(reg.address, op.value);
            if (op.read) {
              const got = bench.driver.read(reg);
              const expected = reg === ATM90E26.CS1 ? atmChecksum(range(shadow, bench, 0x21, 0x2b))
                : reg === ATM90E26.CS2 ? atmChecksum(range(shadow, bench, 0x31, 0x3a)) : op.value;
              if (got !== expected) return false;
              if (bench.driver.read(ATM90E26.LastData) !== got) return false;
            }
          }
          for (const [address, value] of shadow) {
            const reg = ATM90E26_REGISTERS.find((r) => r.address === address)!;
            const chip = bench.chip.peek(address);
            const viaDriver = bench.driver.read(reg);
            if (viaDriver !== chip) return false;
            if (address !== 0x2c && address !== 0x3b && chip !== value) return false;
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });
});

function range(shadow: Map<number, number>, bench: Atm90e26Bench, first: number, last: number): number[] {
  const out: number[] = [];
  for (let a = first; a <= last; a++) out.push(shadow.get(a) ?? bench.chip.peek(a));
  return out;
}

describe("ATM90E26 anti-tamper surfaced in the sample", () => {
  test("when the chip bills N the sample says so and carries the N line's energy", () => {
    const bench = new Atm90e26Bench();
    bench.set({ voltage: 230, current: 2, neutralCurrent: 5, angle: 0 });
    const s = newMeteringSample();
    let active = 0;
    for (let i = 0; i < 100; i++) {
      bench.nowMs += 1000;
      expect(bench.driver.sample(s)).toBe("ok");
      expect(s.flags & SAMPLE_FLAG_NEUTRAL_METERED).toBe(SAMPLE_FLAG_NEUTRAL_METERED);
      active += s.activeEnergyLsb;
    }
    const wh = (active * 100) / 3200;
    expect(wh / ((230 * 5 * 100) / 3600) - 1).toBeCloseTo(0, 2);
    expect(s.neutralCurrentMilliA).toBeGreaterThan(4990);
  });
});
