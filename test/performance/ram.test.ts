/**
 * The firmware's RAM at rest, in XS (xsnap), the way `npm run ram` measures it: the heap slots one
 * boot of the meter on the lin board keeps alive after gc(). The ESP32 budget is 4,928 slots for
 * everything (issue 13); the meter at rest must leave room in it for a DLMS association, the SDK's
 * runtime and Wi-Fi. The bound is the figure measured when it was set plus a small margin, so a
 * change that brings closures or per-object copies back fails here.
 */
import { ESP32_SLOTS, measureRam } from "../../host-sim/ram";

jest.setTimeout(120_000);

/** 3,901 measured at the RAM redesign (npm run ram, docs/readme/moddable.md); 3,561 after the lin timers lost their closures, the lin lines became typed arrays and owners stopped keeping bound functions (session 8); plus about 2.5 %. */
const AT_REST_BOUND = 3_650;

describe("the meter's heap at rest (xsnap)", () => {
  it("fits under its measured bound and inside the ESP32's slot budget", async () => {
    const { bootSlots, census } = await measureRam(2, 10);
    process.stdout.write(`meter at rest after boot: ${bootSlots} slots (bound ${AT_REST_BOUND}, ESP32 budget ${ESP32_SLOTS}); census ${census.slots} slots, ${census.functions} functions\n`);
    expect(bootSlots).toBeLessThanOrEqual(AT_REST_BOUND);
    expect(bootSlots).toBeLessThan(ESP32_SLOTS);
  });

  // Issue 18: the consumer interface switched on (a broker configured, the socket not answering).
  // 1,214 slots before its tables went to flash (entities, discovery topics, event names) and its
  // readings became one object; 619 after; 398 once the state's field and alarm tables were
  // preloaded, its two timers became one and its packet sink, encoder, connect hook, settings
  // record, event listener and socket callbacks stopped being closures (session 8). The bound
  // keeps it from growing back.
  it("MQTT switched on adds at most 410 slots at rest", async () => {
    const off = (await measureRam(1, 1)).bootSlots;
    const on = (await measureRam(1, 1, { mqttHost: "127.0.0.1", mqttPassword: "meter-pass-1" })).bootSlots;
    process.stdout.write(`MQTT on: ${on} slots, off: ${off}: +${on - off}\n`);
    expect(on - off).toBeLessThanOrEqual(410);
  });
});
