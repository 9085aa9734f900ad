/**
 * Issue 19 (periodic save): the room kept in the state journal's head for the emergency save is a
 * running sum of the emergency states' record sizes (plus a quarter each), updated as they are
 * written, instead of a loop over every state per save. It must equal that loop at every save,
 * and the head must hold it after each periodic save (the emergency save never waits for an erase).
 */
import { parseScenario } from "../../host-sim/event-types";
import { losePower, restorePower } from "../../host-sim/power";
import { Simulation } from "../../host-sim/simulation";

interface EntryView {
  id: string;
  emergency: boolean;
  lastSize: number;
}

function loopRoom(entries: EntryView[]): number {
  let need = 0;
  for (const e of entries) if (e.emergency) need += e.lastSize + (e.lastSize >> 2);
  return need;
}

describe("emergency room in the state journal's head", () => {
  test("equals the per-state sum after every save, across new head sectors and a power cut", () => {
    const s = new Simulation(parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 12, angle: 0 }, { at: "50m", voltage: 230, current: 0.5, angle: 30 }] }));
    let checks = 0;
    const check = (): void => {
      const p = s.meter.persistence as unknown as { entries: EntryView[]; emergencyRoom: number; stateChain: { room: number } };
      expect(p.emergencyRoom).toBe(loopRoom(p.entries));
      expect(p.stateChain.room).toBeGreaterThanOrEqual(64 + p.emergencyRoom);
      checks++;
    };
    let heads = 0;
    let head = s.meter.persistence.stateChain!.headSector;
    for (let i = 0; i < 90; i++) {
      s.runFor(60_000);
      check();
      if (s.meter.persistence.stateChain!.headSector !== head) heads++;
      head = s.meter.persistence.stateChain!.headSector;
    }
    expect(heads).toBeGreaterThanOrEqual(3);
    const sizes = new Map(s.meter.persistence.states().map((x) => [x.id, x.bytes]));
    expect(sizes.get("energy")).toBe(160); // 13 + 146 + 1, aligned to 4
    losePower(s, true);
    s.runFor(5_000);
    restorePower(s);
    check();
    for (let i = 0; i < 3; i++) {
      s.runFor(60_000);
      check();
    }
    expect(checks).toBe(94);
  });
});
