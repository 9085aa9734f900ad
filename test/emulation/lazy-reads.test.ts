/**
 * Issue 19: the ADE7953 emulator's lazy reads (a read at the instant of the last update brings
 * the chip up to date only when its answer could differ; the line is not asked again while its
 * revision stands; the waveform sines are taken when read) must answer exactly as an emulator
 * that updates, asks the line and recomputes at every read (`lazy: false`, the behaviour before).
 * Random frames (reads and writes of every register, junk), time steps (often none: reads at
 * the same instant), line changes at the same instant (the revision moves), changes of the
 * board's errors and bus faults: every byte back, the IRQ pin and every register agree.
 */
import fc from "fast-check";
import { Ade7953Emulator } from "../../emulation/ade7953/emulator";
import { ADE7953_REGISTER_ROWS } from "../../emulation/ade7953/register-table";
import type { SpiFaultKind } from "../../emulation/faults";
import type { LineConditions } from "../../emulation/line";

/** Piecewise-constant load on a schedule, plus changes made at any instant (which move the revision). */
class ChangingLine {
  revision = 0;
  offset = 0;
  neutral = 0;
  conditionsAt(t: number, out: LineConditions): number {
    out.voltage = 230 + (Math.floor(t / 7000) % 3) + this.offset;
    out.current = 5 + (Math.floor(t / 5000) % 4) + this.offset / 10;
    out.angle = 20 + this.offset;
    out.frequency = 50;
    out.neutralCurrent = 5 + this.neutral;
    return (Math.floor(t / 5000) + 1) * 5000;
  }
}

const frameOf = fc.oneof(
  fc.record({ row: fc.constantFrom(...ADE7953_REGISTER_ROWS), write: fc.boolean(), data: fc.uint8Array({ minLength: 4, maxLength: 4 }), extra: fc.integer({ min: -1, max: 1 }) }).map(({ row, write, data, extra }) => {
    const bytes = row.bits >> 3;
    const address = row.bits === 32 ? row.address + 0x100 : row.address;
    const out = [address >> 8, address & 0xff, write && data[3] < 64 ? 0x00 : 0x80, ...Array.from(data.subarray(0, bytes))];
    return Uint8Array.from(out.slice(0, Math.max(1, out.length + extra)));
  }),
  fc.uint8Array({ minLength: 1, maxLength: 8 }),
);

const step = fc.record({
  advanceMs: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 1500 })),
  frame: frameOf,
  byteByByte: fc.boolean(),
  line: fc.constantFrom<(null | "offset" | "neutral")[]>(null, null, null, null, "offset", "neutral"),
  board: fc.constantFrom<(null | "currentGain" | "activeOffsetW" | "neutralGain")[]>(null, null, null, null, null, "currentGain", "activeOffsetW", "neutralGain"),
  fault: fc.constantFrom<(SpiFaultKind | null)[]>(null, null, null, null, null, null, "shifted", "corrupt-read", "dead-high", "drop-write"),
});

describe("lazy reads of the ADE7953 emulator", () => {
  it("answer every frame and leave every register as an emulator that updates at every read", () => {
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 80 }), (steps) => {
      let now = 0;
      const lazyLine = new ChangingLine();
      const eagerLine = new ChangingLine();
      // The reference's line keeps no revision: it is asked at every read.
      const eagerSource = { conditionsAt: (t: number, out: LineConditions) => eagerLine.conditionsAt(t, out) };
      const lazy = new Ade7953Emulator(lazyLine, () => now);
      const eager = new Ade7953Emulator(eagerSource, () => now, { lazy: false });
      let boardStep = 0;
      for (const s of steps) {
        now += s.advanceMs;
        if (s.line === "offset") {
          lazyLine.offset = eagerLine.offset = lazyLine.offset + 1;
          lazyLine.revision++;
        } else if (s.line === "neutral") {
          lazyLine.neutral = eagerLine.neutral = lazyLine.neutral + 0.5;
          lazyLine.revision++;
        }
        if (s.board) {
          boardStep++;
          // Mutated in place, as the accuracy tests do.
          lazy.board[s.board] = eager.board[s.board] = (s.board === "activeOffsetW" ? 0 : 1) + boardStep / 1000;
        }
        for (const chip of [lazy, eager]) {
          chip.clearFault();
          if (s.fault) chip.injectFault(s.fault);
        }
        const answers: number[][] = [];
        for (const chip of [lazy, eager]) {
          const buffer = Uint8Array.from(s.frame);
          chip.select();
          if (s.byteByByte) for (let i = 0; i < buffer.length; i++) buffer[i] = chip.exchange(buffer[i]);
          else chip.transferFrame(buffer);
          chip.deselect();
          answers.push(Array.from(buffer));
        }
        expect(answers[0]).toEqual(answers[1]);
        expect(lazy.irqLevel).toBe(eager.irqLevel);
      }
      for (const row of ADE7953_REGISTER_ROWS) expect([row.name, lazy.peek(row.address)]).toEqual([row.name, eager.peek(row.address)]);
    }), { numRuns: 150 });
  });

  it("sees a line change at the instant it already read (the revision moved): IRMSA drops when the load goes", () => {
    const line = new ChangingLine();
    const chip = new Ade7953Emulator(line, () => 2000);
    const irmsA = (): number => {
      const frame = Uint8Array.of(0x02, 0x1a, 0x80, 0, 0, 0);
      chip.select();
      chip.transferFrame(frame);
      chip.deselect();
      return (frame[3] << 16) | (frame[4] << 8) | frame[5];
    };
    const before = irmsA();
    expect(irmsA()).toBe(before);
    line.offset = -50; // 1 A less
    line.revision++;
    const after = irmsA();
    expect(after).toBeLessThan(before * 0.9);
    expect(after).toBeGreaterThan(0);
  });
});

