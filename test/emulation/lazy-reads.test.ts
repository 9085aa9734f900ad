/**
 * Issue 19: the ADE7953 emulator's lazy reads (a read at the instant of the last update brings
 * the chip up to date only when its answer could differ; the line is not asked again while its
 * revision stands; the waveform sines are taken when read) must answer exactly as an emulator
 * that updates, asks the line and recomputes at every read (`lazy: false`, the behaviour before).
 * The lazy emulator also reuses its channels and instantaneous registers while the line and its
 * inputs stand, and answers some frames through `transaction` (a whole frame in one call).
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
    // Until the next change of either schedule (LineSource.conditionsAt: the conditions hold until then).
    return Math.min((Math.floor(t / 5000) + 1) * 5000, (Math.floor(t / 7000) + 1) * 7000);
  }
}

const frameOf = fc.oneof(
  fc.record({ row: fc.constantFrom(...ADE7953_REGISTER_ROWS), write: fc.boolean(), data: fc.uint8Array({ minLength: 4, maxLength: 4 }), extra: fc.integer({ min: -1, max: 1 }), wide: fc.boolean() }).map(({ row, write, data, extra, wide }) => {
    // A 24-bit register is also read and written through its 32-bit address (0x3xx).
    const in32 = row.bits === 32 || (row.bits === 24 && wide);
    const bytes = in32 ? 4 : row.bits >> 3;
    const address = in32 ? row.address + 0x100 : row.address;
    const out = [address >> 8, address & 0xff, write && data[3] < 64 ? 0x00 : 0x80, ...Array.from(data.subarray(0, bytes))];
    return Uint8Array.from(out.slice(0, Math.max(1, out.length + extra)));
  }),
  fc.uint8Array({ minLength: 1, maxLength: 8 }),
);

const step = fc.record({
  advanceMs: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 1500 })),
  frame: frameOf,
  via: fc.constantFrom<("bytes" | "frame" | "transaction")[]>("bytes", "frame", "transaction"),
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
          if (s.via === "transaction" && chip === lazy) {
            // The whole frame in one call (the simulator's SimSpi.transaction).
            chip.transaction(buffer);
          } else {
            chip.select();
            if (s.via === "bytes") for (let i = 0; i < buffer.length; i++) buffer[i] = chip.exchange(buffer[i]);
            else chip.transferFrame(buffer);
            chip.deselect();
          }
          answers.push(Array.from(buffer));
        }
        expect(answers[0]).toEqual(answers[1]);
        expect(lazy.irqLevel).toBe(eager.irqLevel);
      }
      for (const row of ADE7953_REGISTER_ROWS) expect([row.name, lazy.peek(row.address)]).toEqual([row.name, eager.peek(row.address)]);
    }), { numRuns: 150 });
  });

  it("computes the peaks again after a peak reset read, at the same instant and later, as the eager emulator does", () => {
    // Steps of [ms to advance, register to read]: a reset read, then reads of the peak and the
    // other instantaneous registers at the same instant and at later ones with the line unchanged
    // (the lazy emulator reuses its channels and registers there), in both transaction forms.
    const peaks: [number, number][] = [[0x226, 0x227], [0x228, 0x229], [0x22a, 0x22b]];
    const others = [0x21c, 0x21a, 0x21b, 0x212, 0x214, 0x210, 0x10a, 0x10c, 0x10e, 0x201];
    for (const [peak, reset] of peaks) {
      for (const whole of [false, true]) {
        let now = 100;
        // Constant conditions (no load step inside the run).
        const line = { revision: 0, conditionsAt: (_t: number, out: LineConditions) => {
          out.voltage = 231; out.current = 7; out.angle = 25; out.frequency = 50; out.neutralCurrent = 7;
          return Infinity;
        } };
        const lazy = new Ade7953Emulator(line, () => now);
        const eager = new Ade7953Emulator({ conditionsAt: line.conditionsAt }, () => now, { lazy: false });
        const read = (chip: Ade7953Emulator, address: number): number => {
          const frame = Uint8Array.of(address >> 8, address & 0xff, 0x80, 0, 0, 0);
          if (whole && chip === lazy) chip.transaction(frame);
          else {
            chip.select();
            chip.transferFrame(frame);
            chip.deselect();
          }
          return (frame[3] << 16) | (frame[4] << 8) | frame[5];
        };
        const steps: [number, number][] = [[0, peak], [1000, peak], [0, reset], [0, peak], [1000, peak], [1000, reset], [1000, peak], [0, peak]];
        for (const [advance, address] of steps) {
          now += advance;
          expect([address, read(lazy, address)]).toEqual([address, read(eager, address)]);
          // After a reset read nothing else is read at that instant: the next read is a later one.
          if (address !== reset) for (const other of others) expect([other, read(lazy, other)]).toEqual([other, read(eager, other)]);
        }
        expect(read(lazy, peak)).toBeGreaterThan(0);
      }
    }
  });

  it("computes PF and ACCMODE again when the no-load state moves with the line unchanged (a threshold written)", () => {
    for (const whole of [false, true]) {
      let now = 100;
      const line = { revision: 0, conditionsAt: (_t: number, out: LineConditions) => {
        out.voltage = 229; out.current = 3; out.angle = 200; out.frequency = 50; out.neutralCurrent = 3;
        return Infinity;
      } };
      const lazy = new Ade7953Emulator(line, () => now);
      const eager = new Ade7953Emulator({ conditionsAt: line.conditionsAt }, () => now, { lazy: false });
      const frameTo = (chip: Ade7953Emulator, frame: Uint8Array): Uint8Array => {
        if (whole && chip === lazy) chip.transaction(frame);
        else {
          chip.select();
          chip.transferFrame(frame);
          chip.deselect();
        }
        return frame;
      };
      const read = (chip: Ade7953Emulator, address: number): number => {
        const frame = frameTo(chip, Uint8Array.of(address >> 8, address & 0xff, 0x80, 0, 0, 0));
        return address < 0x100 ? frame[3] : address < 0x200 ? (frame[3] << 8) | frame[4] : (frame[3] << 16) | (frame[4] << 8) | frame[5];
      };
      const registers = [0x10a, 0x10b, 0x201, 0x212, 0x214, 0x210];
      const compare = (): void => {
        for (const r of registers) expect([r, read(lazy, r)]).toEqual([r, read(eager, r)]);
      };
      now += 1000;
      compare();
      const pfBefore = read(lazy, 0x10a);
      // AP_NOLOAD, VAR_NOLOAD, VA_NOLOAD near 65535: every load is below the no-load thresholds.
      for (const address of [0x203, 0x204, 0x205]) for (const chip of [lazy, eager]) frameTo(chip, Uint8Array.of(0x02, address & 0xff, 0x00, 0x00, 0xff, 0xff));
      now += 1000;
      compare();
      expect(read(lazy, 0x10a)).not.toBe(pfBefore);
      for (const address of [0x203, 0x204, 0x205]) for (const chip of [lazy, eager]) frameTo(chip, Uint8Array.of(0x02, address & 0xff, 0x00, 0x00, 0xe4, 0x19));
      now += 1000;
      compare();
      expect(read(lazy, 0x10a)).toBe(pfBefore);
    }
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

