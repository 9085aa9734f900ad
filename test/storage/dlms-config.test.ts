import { MeterApp } from "../../firmware/app/meter-app";
import { DataType, type DlmsData } from "../../firmware/comms/dlms/axdr";
import { buildMeterObjectModel } from "../../firmware/app/meter-objects";
import type { ObjectModel, RequestContext } from "../../firmware/comms/dlms/object-model";
import type { Meter } from "../../firmware/app/meter";
import { parseScenario } from "../../host-sim/event-types";
import { Simulation } from "../../host-sim/simulation";

/** A DLMS SET as the server applies it once the association may write (management client). */
function set(model: ObjectModel, obis: string, attribute: number, value: DlmsData): number {
  const object = model.find(obis);
  const def = object?.attributes[attribute - 2];
  if (!def?.set) throw new Error(`${obis} attribute ${attribute} is not writable`);
  return def.set(value, { model, object } as RequestContext);
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function settings(m: Meter, sim: Simulation) {
  const push = sim.app.security!.push.setup;
  return {
    alarmFilter: m.events.alarmFilter,
    longThreshold: m.powerFailures.longThresholdS,
    timeZone: m.clock.timeZone,
    mode: m.disconnector.controlMode,
    threshold: m.limiter.settings.thresholdNormal,
    minOver: m.limiter.settings.minOverThresholdDurationS,
    destination: push.destination,
    retries: push.numberOfRetries,
    objects: push.objectList.length,
  };
}

describe.each([true, false])("configuration written over DLMS survives a power cut (signal %s)", (signal) => {
  test("alarm filter, long power failure threshold, time zone, control mode, limiter, push setup", () => {
    const sim = new Simulation(
      parseScenario({ start: "2026-03-02T00:00:00", load: [{ at: "0s", voltage: 230, current: 5, angle: 0 }], events: [{ at: "2m", type: "power-cut", duration: "1m", signal }] }),
      { config: { tickMs: 10_000 }, firmware: (board, config) => new MeterApp(board, config) },
    );
    sim.runUntil(2 * 60_000 - 5_000);
    const before = sim.meter;
    const defaults = settings(before, sim);
    const model = buildMeterObjectModel(before, { security: sim.app.security! });
    expect(set(model, "0.0.97.98.10.255", 2, { type: DataType.doubleLongUnsigned, value: 0x2401 })).toBe(0);
    expect(set(model, "0.0.96.7.19.255", 2, { type: DataType.doubleLongUnsigned, value: 900 })).toBe(0);
    expect(set(model, "0.0.1.0.0.255", 3, { type: DataType.long, value: -120 })).toBe(0);
    expect(set(model, "0.0.96.3.10.255", 4, { type: DataType.enum, value: 4 })).toBe(0);
    expect(set(model, "0.0.17.0.0.255", 4, { type: DataType.doubleLong, value: 7_500_000 })).toBe(0);
    expect(set(model, "0.0.17.0.0.255", 6, { type: DataType.doubleLongUnsigned, value: 45 })).toBe(0);
    expect(set(model, "0.0.25.9.0.255", 3, { type: DataType.structure, items: [{ type: DataType.enum, value: 0 }, { type: DataType.octetString, bytes: ascii("10.0.0.7:4059") }, { type: DataType.enum, value: 0 }] })).toBe(0);
    expect(set(model, "0.0.25.9.0.255", 6, { type: DataType.unsigned, value: 9 })).toBe(0);
    expect(set(model, "0.0.25.9.0.255", 2, { type: DataType.array, items: [{ type: DataType.structure, items: [{ type: DataType.longUnsigned, value: 3 }, { type: DataType.octetString, bytes: Uint8Array.of(1, 0, 1, 8, 0, 255) }, { type: DataType.integer, value: 2 }, { type: DataType.longUnsigned, value: 0 }] }] })).toBe(0);
    const written = settings(before, sim);
    expect(written).toEqual({ alarmFilter: 0x2401, longThreshold: 900, timeZone: -120, mode: 4, threshold: 7_500_000, minOver: 45, destination: "10.0.0.7:4059", retries: 9, objects: 1 });
    for (const k of Object.keys(written) as (keyof typeof written)[]) expect(written[k]).not.toEqual(defaults[k]);
    sim.runUntil(3 * 60_000 + 10_000);
    expect(sim.meter).not.toBe(before);
    expect(settings(sim.meter, sim)).toEqual(written);
    // Read back over the new meter's object model too (the push setup's object list).
    expect(sim.app.security!.push.setup.objectList).toEqual([{ classId: 3, obis: "1.0.1.8.0.255", attribute: 2, dataIndex: 0 }]);
  });
});
