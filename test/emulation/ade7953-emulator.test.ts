import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ADE7953, ADE7953_REGISTERS, IRQ_AEHF, IRQ_AEOF, IRQ_APSIGN, IRQ_CRC, IRQ_CYCEND, IRQ_RESET, noLoadRegister } from "../../firmware/drivers/ade7953/registers";
import { IDEAL_ADE7953_BOARD } from "../../emulation/ade7953/emulator";
import { frame, rig } from "../drivers/ade7953/ade7953-rig";

const ideal = { emulator: { board: IDEAL_ADE7953_BOARD } };
/** Energy LSBs per watt-second on the nominal board (206900 / 4862401 * 154.973). */
const LSB_PER_WS = (206_900 / 4_862_401) * ((4_862_401 * 26000 * 100000) / 9_032_007 ** 2);

describe("ADE7953 register table", () => {
  it("matches docs/chips/ade7953_registers.csv row by row", () => {
    const csv = readFileSync(join(__dirname, "..", "..", "docs", "chips", "ade7953_registers.csv"), "utf8").split("\n").filter((l) => l && !l.startsWith("#") && !l.startsWith("name,"));
    expect(ADE7953_REGISTERS.length).toBe(csv.length);
    for (const line of csv) {
      const [name, a24, a32, width, kind, access, reset] = line.split(",");
      const r = ADE7953[name as keyof typeof ADE7953];
      expect({ name, address: r.address, bits: r.bits, kind: r.kind, access: r.access }).toEqual({
        name, address: Number(a24 || a32), bits: a24 ? Number(width) : 32, kind, access,
      });
      if (/^0x/i.test(reset)) expect(r.reset).toBe(Number(reset));
    }
  });
});

describe("ADE7953 emulator: framing and register file", () => {
  it("reads CONFIG as 0x8004 with [0x01 0x02 0x80 0 0]; a wrong SPI mode reads it 0x4002 (docs/chips.md C)", () => {
    const r = rig(ideal);
    expect(frame(r.spi, [0x01, 0x02, 0x80, 0, 0]).slice(3)).toEqual([0x80, 0x04]);
    r.chip.injectFault("shifted");
    expect(frame(r.spi, [0x01, 0x02, 0x80, 0, 0]).slice(3)).toEqual([0x40, 0x02]);
    expect(frame(r.spi, [0x01, 0x03, 0x80, 0, 0]).slice(3)).toEqual([0x00, 0x1f]);
    r.chip.clearFault();
    r.chip.injectFault("dead-high");
    expect(frame(r.spi, [0x01, 0x02, 0x80, 0, 0]).slice(3)).toEqual([0xff, 0xff]);
  });

  it("aliases 24-bit cells at +0x100 with sign extension of signed registers only", () => {
    const r = rig(ideal);
    r.set({ current: 10, angle: 180 });
    r.advance(100);
    const awatt24 = r.driver.readRaw(ADE7953.AWATT);
    const awatt32 = r.driver.readRaw({ ...ADE7953.AWATT, address: 0x312, bits: 32 });
    expect(awatt24).toBeGreaterThan(0x800000);
    expect(awatt32).toBe(awatt24 + 0xff000000);
    expect(r.driver.read({ ...ADE7953.AWATT, address: 0x312, bits: 32 })).toBe(awatt24 - 0x1000000);
    expect(r.driver.readRaw({ ...ADE7953.OVLVL, address: 0x324, bits: 32 })).toBe(0xffffff);
    r.driver.write({ ...ADE7953.AWGAIN, address: 0x382, bits: 32 }, 0x123456);
    expect(r.driver.readRaw(ADE7953.AWGAIN)).toBe(0x123456);
  });

  it("records successful accesses in LAST_OP/LAST_ADD/LAST_RWDATA; reading the record leaves it", () => {
    const r = rig(ideal);
    r.driver.write(ADE7953.LINECYC, 0x1234);
    for (let i = 0; i < 2; i++) {
      expect(r.driver.readRaw(ADE7953.LAST_OP)).toBe(0xca);
      expect(r.driver.readRaw(ADE7953.LAST_ADD)).toBe(0x101);
      expect(r.driver.readRaw(ADE7953.LAST_RWDATA16)).toBe(0x1234);
    }
    r.driver.readRaw(ADE7953.AIGAIN);
    expect([r.driver.readRaw(ADE7953.LAST_OP), r.driver.readRaw(ADE7953.LAST_ADD), r.driver.readRaw(ADE7953.LAST_RWDATA24)]).toEqual([0x35, 0x280, 0x400000]);
  });

  it("aborts a read when chip select rises early and ignores writes of the wrong length", () => {
    const r = rig(ideal);
    r.set({ current: 10 });
    r.advance(1000);
    const before = r.chip.peek(0x21e);
    expect(before).toBeGreaterThan(15000);
    frame(r.spi, [0x02, 0x1e, 0x80, 0, 0]); // 2 of 3 data bytes, then CS up
    expect(r.chip.peek(0x21e)).toBe(before);
    expect(r.driver.readRaw(ADE7953.LAST_ADD)).not.toBe(0x21e);
    frame(r.spi, [0x01, 0x01, 0x00, 0x12, 0x34, 0x56]); // 16-bit register, 3 data bytes
    expect(r.chip.peek(0x101)).toBe(0);
    frame(r.spi, [0x01, 0x01, 0x00, 0x12]);
    expect(r.chip.peek(0x101)).toBe(0);
    frame(r.spi, [0x01, 0x01, 0x00, 0x12, 0x34]);
    expect(r.chip.peek(0x101)).toBe(0x1234);
  });

  it("WRITE_PROTECT drops writes per width group; CF1DEN needs two writes; 0x120 needs the 0xAD key", () => {
    const r = rig(ideal);
    r.driver.write(ADE7953.WRITE_PROTECT, 0b010);
    r.driver.write(ADE7953.LINECYC, 100);
    r.driver.write(ADE7953.PGA_V, 2);
    expect([r.chip.peek(0x101), r.chip.peek(0x007)]).toEqual([0, 2]);
    r.driver.write(ADE7953.WRITE_PROTECT, 0);
    r.driver.write(ADE7953.CF1DEN, 0x10);
    expect(r.chip.peek(0x103)).toBe(0x3f);
    r.driver.write(ADE7953.CF1DEN, 0x10);
    expect(r.chip.peek(0x103)).toBe(0x10);
    r.driver.write(ADE7953.RESERVED_120, 0x30);
    expect(r.chip.peek(0x120)).toBe(0);
    r.driver.write(ADE7953.UNLOCK_120, 0xad);
    r.driver.readRaw(ADE7953.LAST_OP); // reads in between do not disarm the key
    r.driver.write(ADE7953.RESERVED_120, 0x30);
    expect(r.chip.peek(0x120)).toBe(0x30);
    r.chip.injectReset();
    expect(r.chip.peek(0x120)).toBe(0);
  });

  it("COMM_LOCK stays cleared once cleared; ACCMODE status bits are read-only", () => {
    const r = rig(ideal);
    r.driver.write(ADE7953.CONFIG, 0x0004);
    r.driver.write(ADE7953.CONFIG, 0x8004);
    expect(r.chip.peek(0x102)).toBe(0x0004);
    r.driver.write(ADE7953.ACCMODE, 0xffffff);
    expect(r.chip.peek(0x201) & 0x3ff).toBe(0x3ff);
    r.driver.write(ADE7953.ACCMODE, 0);
    r.set({ current: 5, angle: 180 });
    r.advance(10);
    expect(r.driver.readRaw(ADE7953.ACCMODE) & (1 << 10)).toBe(1 << 10);
  });
});

describe("ADE7953 emulator: measurement engine", () => {
  it("accumulates energy at 206.9 kHz full-scale rate with fractional carry, read-with-reset", () => {
    const r = rig(ideal);
    r.unlock();
    r.set({ current: 10 });
    let sum = 0;
    for (let i = 0; i < 50; i++) {
      r.advance(20);
      sum += r.driver.read(ADE7953.AENERGYA);
    }
    expect(Math.abs(sum - 2300 * LSB_PER_WS)).toBeLessThanOrEqual(1);
    expect(r.driver.read(ADE7953.AENERGYA)).toBe(0);
    r.driver.write(ADE7953.LCYCMODE, 0); // RSTREAD off: reads leave the register
    r.advance(1000);
    expect(r.driver.read(ADE7953.AENERGYA)).toBe(r.driver.read(ADE7953.AENERGYA));
  });

  it("wraps 0x7FFFFF -> 0x800000 with half-full and overflow status", () => {
    const r = rig(ideal);
    r.unlock();
    r.driver.readRaw(ADE7953.RSTIRQSTATA);
    r.set({ voltage: 340, current: 90 });
    r.advance(21_000);
    expect(r.chip.peek(0x22d) & (IRQ_AEHF | IRQ_AEOF)).toBe(IRQ_AEHF);
    r.advance(25_000);
    expect(r.chip.peek(0x22d) & IRQ_AEOF).toBe(IRQ_AEOF);
    const value = r.driver.read(ADE7953.AENERGYA);
    const expected = Math.trunc(340 * 90 * 46 * LSB_PER_WS);
    expect(value).toBeLessThan(0);
    expect(Math.abs(value + 0x1000000 - expected)).toBeLessThan(2);
  });

  it("line-cycle mode latches LINECYC half-cycles at CYCEND and reads 0 after a read until the next", () => {
    const r = rig(ideal);
    r.unlock();
    r.set({ current: 10 });
    r.driver.write(ADE7953.LINECYC, 100);
    r.driver.write(ADE7953.LCYCMODE, 0x41);
    r.advance(500);
    expect(r.driver.read(ADE7953.AENERGYA)).toBe(0);
    r.advance(600); // first cycle ends at 1000 ms (started at enable, partial: "invalid")
    r.driver.readRaw(ADE7953.RSTIRQSTATA);
    r.advance(1000); // second cycle: exactly 100 half-cycles = 1 s
    expect(r.chip.peek(0x22d) & IRQ_CYCEND).toBe(IRQ_CYCEND);
    expect(Math.abs(r.driver.read(ADE7953.AENERGYA) - 2300 * LSB_PER_WS)).toBeLessThanOrEqual(1);
    expect(r.driver.read(ADE7953.AENERGYA)).toBe(0);
  });

  it("suppresses accumulation below the no-load level 65536 - Y/1.4 and flags ACTNLOAD", () => {
    const r = rig(ideal);
    r.unlock();
    expect(noLoadRegister(10000)).toBe(58393);
    // 10000:1 of full-scale power (31377 W) is 3.14 W.
    r.set({ current: 3.0 / 230 });
    r.advance(10_000);
    expect(r.driver.read(ADE7953.AENERGYA)).toBe(0);
    expect(r.driver.readRaw(ADE7953.ACCMODE) & (1 << 16)).toBe(1 << 16);
    r.set({ current: 3.3 / 230 });
    r.advance(10_000);
    expect(Math.abs(r.driver.read(ADE7953.AENERGYA) - 33 * LSB_PER_WS)).toBeLessThanOrEqual(1);
    r.driver.write(ADE7953.DISNOLOAD, 1);
    r.set({ current: 1 / 230 });
    r.advance(10_000);
    expect(Math.abs(r.driver.read(ADE7953.AENERGYA) - 10 * LSB_PER_WS)).toBeLessThanOrEqual(1);
  });

  it("PERIOD, PF and ANGLE: 50 Hz -> 4474, PF 0.5 inductive positive, capacitive negative, 60 deg -> 746", () => {
    const r = rig(ideal);
    r.set({ current: 5, angle: 60 });
    r.advance(100);
    expect(r.driver.readRaw(ADE7953.PERIOD)).toBe(4474);
    expect(r.driver.read(ADE7953.PFA)).toBe(16384);
    expect(r.driver.read(ADE7953.ANGLE_A)).toBe(746);
    r.set({ angle: -36.87, frequency: 60 });
    r.advance(100);
    expect(r.driver.read(ADE7953.PFA)).toBe(-Math.round(0.8 * 0x7fff));
    expect(r.driver.readRaw(ADE7953.PERIOD)).toBe(3728);
  });

  it("PHCAL advances the current (sign-magnitude, 0.02 deg per LSB at 50 Hz)", () => {
    const r = rig({ emulator: { board: { ...IDEAL_ADE7953_BOARD, phaseLagDeg: 0.2011 } } });
    r.unlock();
    r.set({ current: 5, angle: 60 });
    r.advance(1000);
    const uncorrected = r.driver.read(ADE7953.AENERGYA);
    r.driver.write(ADE7953.PHCALA, 0x200 | 10);
    r.advance(1000);
    const corrected = r.driver.read(ADE7953.AENERGYA);
    expect(uncorrected / (575 * LSB_PER_WS) - 1).toBeCloseTo(-0.00608, 3);
    expect(Math.abs(corrected - 575 * LSB_PER_WS)).toBeLessThanOrEqual(1);
  });

  it("latches interrupts, drives the IRQ pin low, RSTIRQSTATA clears and releases it", () => {
    const r = rig({ ...ideal, irq: true });
    expect(r.irq!.read()).toBe(0); // power-up RESET
    expect(r.driver.readRaw(ADE7953.IRQSTATA) & IRQ_RESET).toBe(IRQ_RESET);
    expect(r.driver.readRaw(ADE7953.IRQSTATA) & IRQ_RESET).toBe(IRQ_RESET);
    expect(r.driver.readRaw(ADE7953.RSTIRQSTATA) & IRQ_RESET).toBe(IRQ_RESET);
    expect(r.irq!.read()).toBe(1);
    r.driver.write(ADE7953.IRQENA, IRQ_APSIGN);
    r.set({ current: 5 });
    r.advance(10);
    r.driver.readRaw(ADE7953.RSTIRQSTATA);
    r.set({ angle: 180 });
    r.advance(10);
    r.driver.readRaw(ADE7953.PERIOD); // the emulator advances on bus activity
    expect(r.irq!.read()).toBe(0);
    expect(r.driver.readRaw(ADE7953.RSTIRQSTATA) & IRQ_APSIGN).toBe(IRQ_APSIGN);
    expect(r.irq!.read()).toBe(1);
  });

  it("CRC reads 0xFFFFFFFF while disabled and changes (with its interrupt) when a covered register does", () => {
    const r = rig(ideal);
    expect(r.driver.readRaw(ADE7953.CRC)).toBe(0xffffffff);
    r.driver.write(ADE7953.CONFIG, 0x8104);
    const crc = r.driver.readRaw(ADE7953.CRC);
    expect(crc).not.toBe(0xffffffff);
    r.driver.readRaw(ADE7953.RSTIRQSTATA);
    r.driver.write(ADE7953.AWGAIN, 0x400001);
    expect(r.driver.readRaw(ADE7953.CRC)).not.toBe(crc);
    expect(r.chip.peek(0x22d) & IRQ_CRC).toBe(IRQ_CRC);
  });
});
