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
  fc.record({ row: fc.constantFrom(...ADE7953_REGISTER_ROWS), write: fc.boolean(), data: fc.uint8Array({ minLength: 4, maxLength: 4 }), extra: fc.integer({ min: -1, max: 1 }) }).map(({ row, write, data, extra }) => {
    const bytes = row.bits >> 3;
    const address = row.bits === 32 ? row.address + 0x100 : row.address;
    const out = [address >> 8, address & 0xff, write ? 0x00 : 0x80, ...Array.from(data.subarray(0, bytes))];
    return Uint8Array.from(out.slice(0, Math.max(1, out.length + extra)));
  }),
  fc.uint8Array({ minLength: 1, maxLength: 8 }),
);

const step = fc.record({ advanceMs: fc.integer({ min: 0, max: 1500 }), frame: frameOf, fault: fc.constantFrom<(SpiFaultKind | null)[]>(null, null, null, null, "shifted", "corrupt-read", "dead-high", "drop-write") });

describe("SPI fast path of the ADE7953 emulator", () => {
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
