/**
 * The simulator's SPI fast path (`transferFrame`, one call a transaction) must answer exactly as
 * the byte-by-byte `exchange` loop: ADE7953 emulators on the same line get the same frames,
 * one byte by byte, one through the fast path, one through `transaction` (select, frame and
 * deselect in one call), and every byte back and every register agree, with and without bus faults.
 */
import fc from "fast-check";
import { Ade7953Emulator } from "../../emulation/ade7953/emulator";
import { ADE7953_REGISTER_ROWS } from "../../emulation/ade7953/register-table";
import type { SpiFaultKind } from "../../emulation/faults";
import type { LineConditions } from "../../emulation/line";

function emulator(now: () => number): Ade7953Emulator {
  const line = { conditionsAt: (t: number, out: LineConditions) => {
    out.voltage = 230 + (Math.floor(t / 7000) % 3);
    out.current = 5 + (Math.floor(t / 5000) % 4);
    out.angle = 20;
    out.frequency = 50;
    out.neutralCurrent = 5;
    return (Math.floor(t / 5000) + 1) * 5000;
  } };
  return new Ade7953Emulator(line, now);
}

/** A read or write frame of a register (address, width, rw, data bytes), or a few junk bytes. */
const frameOf = fc.oneof(
  fc.record({ row: fc.constantFrom(...ADE7953_REGISTER_ROWS), write: fc.boolean(), data: fc.uint8Array({ minLength: 4, maxLength: 4 }), extra: fc.integer({ min: -1, max: 1 }), wide: fc.boolean() }).map(({ row, write, data, extra, wide }) => {
    // A 24-bit register is also read and written through its 32-bit address (0x3xx).
    const in32 = row.bits === 32 || (row.bits === 24 && wide);
    const bytes = in32 ? 4 : row.bits >> 3;
    const address = in32 ? row.address + 0x100 : row.address;
    const out = [address >> 8, address & 0xff, write ? 0x00 : 0x80, ...Array.from(data.subarray(0, bytes))];
    return Uint8Array.from(out.slice(0, Math.max(1, out.length + extra)));
  }),
  fc.uint8Array({ minLength: 1, maxLength: 8 }),
);

const step = fc.record({ advanceMs: fc.integer({ min: 0, max: 1500 }), frame: frameOf, fault: fc.constantFrom<(SpiFaultKind | null)[]>(null, null, null, null, "shifted", "corrupt-read", "dead-high", "drop-write") });

describe("SPI fast path of the ADE7953 emulator", () => {
  it("reads every register through transaction as byte by byte, at its own width and in 32 bits, at the edges of its range", () => {
    let now = 1000;
    const slow = emulator(() => now);
    const whole = emulator(() => now);
    const values = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffff, 0x800000, 0xfffffe, 0xffffff];
    let compared = 0;
    for (const row of ADE7953_REGISTER_ROWS) {
      const addresses = row.bits === 24 ? [row.address, row.address + 0x100] : row.bits === 32 ? [row.address + 0x100] : [row.address];
      for (const value of values) {
        if (value >= 2 ** Math.min(row.bits, 24)) continue;
        for (const address of addresses) {
          now += 1;
          for (const chip of [slow, whole]) chip.poke(row.address, value);
          const bytes = address >= 0x300 && address < 0x400 ? 4 : row.bits >> 3;
          const viaBytes = Uint8Array.from([address >> 8, address & 0xff, 0x80, ...new Array<number>(bytes).fill(0)]);
          const viaTransaction = Uint8Array.from(viaBytes);
          slow.select();
          for (let i = 0; i < viaBytes.length; i++) viaBytes[i] = slow.exchange(viaBytes[i]);
          slow.deselect();
          whole.transaction(viaTransaction);
          expect([row.name, address, value, Array.from(viaTransaction)]).toEqual([row.name, address, value, Array.from(viaBytes)]);
          compared++;
        }
      }
      for (const r of ADE7953_REGISTER_ROWS) expect([r.name, whole.peek(r.address)]).toEqual([r.name, slow.peek(r.address)]);
    }
    expect(compared).toBeGreaterThan(500);
  });

  it("answers every frame byte for byte as exchange() does, and leaves the same registers", () => {
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
      let now = 0;
      const slow = emulator(() => now);
      const fast = emulator(() => now);
      const whole = emulator(() => now);
      for (const s of steps) {
        now += s.advanceMs;
        for (const chip of [slow, fast, whole]) {
          chip.clearFault();
          if (s.fault) chip.injectFault(s.fault);
        }
        const viaBytes = Uint8Array.from(s.frame);
        slow.select();
        for (let i = 0; i < viaBytes.length; i++) viaBytes[i] = slow.exchange(viaBytes[i]);
        slow.deselect();
        const viaFrame = Uint8Array.from(s.frame);
        fast.select();
        fast.transferFrame(viaFrame);
        fast.deselect();
        expect(Array.from(viaFrame)).toEqual(Array.from(viaBytes));
        const viaTransaction = Uint8Array.from(s.frame);
        whole.transaction(viaTransaction);
        expect(Array.from(viaTransaction)).toEqual(Array.from(viaBytes));
        expect(whole.irqLevel).toBe(slow.irqLevel);
      }
      for (const row of ADE7953_REGISTER_ROWS) {
        expect(fast.peek(row.address)).toBe(slow.peek(row.address));
        expect(whole.peek(row.address)).toBe(slow.peek(row.address));
      }
    }), { numRuns: 100 });
  });
});
