/**
 * Access rights: each association tries every attribute and method of every object of the
 * model. What its object_list does not show, or shows without read access, answers 3
 * (read-write-denied); public and reader can neither write nor invoke anything, and trying
 * changes no register and does not move the relay.
 */
import { attributeCount, publicPolicy } from "../../../firmware/comms/dlms";
import { buildMeterObjectModel } from "../../../firmware/app/meter-objects";
import { type Data, encode, int } from "../../../host-sim/client/codec";
import { fakeClient, makeServer, meterSim, READER_PASSWORD } from "./helpers";

describe("access rights per association", () => {
  const sim = meterSim(1);
  const model = buildMeterObjectModel(sim.meter);
  const server = makeServer(sim, {}, model);
  const registers = () => sim.meter.registers().map((r) => [r.obis, r.read()]);
  const relay = () => [sim.meter.disconnector.controlState, sim.meter.disconnector.outputState, sim.meter.disconnector.controlMode];

  it.each([
    ["public", 16, undefined, model.objects.filter((o) => publicPolicy().canSee(o)).length],
    ["reader", 17, READER_PASSWORD, model.objects.length - model.objects.filter((o) => o.group === "security").length],
  ] as const)("%s: GET answers exactly as its object_list says; SET and ACTION are refused with 3", async (_name, sap, password, visible) => {
    const { client } = fakeClient(server, sap, password);
    await client.associate();
    const list = await client.objectList();
    expect(list).toHaveLength(visible);
    const before = { registers: registers(), relay: relay(), alarms: sim.meter.events.alarmFilter, tz: sim.meter.clock.timeZone };
    let gets = 0;
    for (const obj of model.objects) {
      const entry = list.find((e) => e.obis === obj.obis);
      const obis = obj.obis;
      for (let attr = 1; attr <= attributeCount(obj); attr++) {
        const r = await client.getResult(obj.classId, obis, attr);
        const readable = entry ? (entry.attributes.find((a) => a.id === attr)!.access & 1) === 1 : false;
        expect({ obis, attr, ok: r.error === undefined, error: r.error }).toEqual({ obis, attr, ok: readable, error: readable ? undefined : 3 });
        gets++;
        // Writing back what was read (or a plausible value, within the server's max PDU) is refused.
        const value: Data = r.data && encode(r.data).length < 900 ? r.data : int(6, 0);
        expect({ obis, attr, set: await client.set(obj.classId, obis, attr, value) }).toEqual({ obis, attr, set: 3 });
      }
      for (let m = 1; m <= (obj.methods?.length ?? 0); m++) {
        if (!obj.methods![m - 1]) continue;
        expect({ obis, m, result: (await client.action(obj.classId, obis, m, int(15, 0))).result }).toEqual({ obis, m, result: 3 });
      }
    }
    expect(gets).toBeGreaterThan(200);
    expect({ registers: registers(), relay: relay(), alarms: sim.meter.events.alarmFilter, tz: sim.meter.clock.timeZone }).toEqual(before);
  });

  it("the LLS secret of the association object is never readable, even by a write-capable association", async () => {
    const { client } = fakeClient(server, 48, "writer");
    await client.associate();
    const entry = (await client.objectList()).find((o) => o.obis === "0.0.40.0.0.255")!;
    expect(entry.attributes.find((a) => a.id === 7)!.access & 1).toBe(0);
    expect((await client.getResult(15, "0.0.40.0.0.255", 7)).error).toBe(3);
    // The disconnector answers its methods for this association (the relay moves through the state machine).
    expect((await client.action(70, "0.0.96.3.10.255", 1, int(15, 0))).result).toBe(0);
    expect(sim.meter.disconnector.controlState).toBe(0);
    expect((await client.action(70, "0.0.96.3.10.255", 2, int(15, 0))).result).toBe(0);
  });
});
