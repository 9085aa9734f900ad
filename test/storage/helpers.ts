import type { Board } from "../../firmware/hal";
import { EventLogs } from "../../firmware/records/event-log";
import { Persistence, type PersistenceConfig } from "../../firmware/app/persistence";
import { SimInput, SimLog } from "../../host-sim/board";
import { NorFlashEmulator } from "../../emulation/flash";
import { VirtualClock } from "../../emulation/virtual-clock";

export const T0 = Date.UTC(2026, 2, 2);

/** A bare board: clock, log, flash, power-fail input; what the persistence layer needs. */
export interface Rig {
  clock: VirtualClock;
  flash: NorFlashEmulator;
  board: Board;
  log: SimLog;
}

export function rig(sectors = 32, sectorSize = 4096): Rig {
  const clock = new VirtualClock(T0);
  const log = new SimLog(clock);
  const flash = new NorFlashEmulator(sectorSize, sectors, 0x1234567);
  const board = { clock, log, random: { fill: () => {} }, meteringSpi: { transfer() {}, write() {}, read() {}, flush() {}, transaction() {} }, flash, powerFail: new SimInput(1) } as Board;
  return { clock, flash, board, log };
}

/** A power cycle of a bare persistence: new event logs and a new registry over the same flash. */
export function boot(r: Rig, config: Partial<PersistenceConfig> = {}): { p: Persistence; events: EventLogs } {
  r.flash.powerOn();
  const events = new EventLogs(() => r.clock.wallClockMs());
  const p = new Persistence(r.board, events, config);
  return { p, events };
}

export function codes(events: EventLogs): number[] {
  const out: number[] = [];
  for (let i = 0; i < events.standard.count; i++) out.push(events.standard.codeAt(i));
  return out;
}

/** Deterministic PRNG for test campaigns (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
