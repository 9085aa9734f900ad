/**
 * The consumer interface against a real Mosquitto (issue 18): retained discovery, state values
 * against the registers, last will after a power cut, reconnect after a broker restart, TLS, and
 * a broker that stops reading. Virtual time runs in small steps while real I/O is served between
 * them (`pumpUntil`).
 */
import mqtt, { type MqttClient as Subscriber } from "mqtt";
import { constantLoad, simulate } from "../../system/helpers";
import { defaultMqttConfig, type MqttConfig } from "../../../firmware/comms/mqtt/config";
import type { NodeTcpSocket } from "../../../host-sim/node-network";
import type { PoweredNetwork } from "../../../host-sim/powered-network";
import { simulatorNetwork } from "../../../host-sim/mqtt-sim";
import { losePower, restorePower } from "../../../host-sim/power";
import type { Simulation } from "../../../host-sim/simulation";
import { Mosquitto, sleep } from "./broker";

jest.setTimeout(60_000);

const USER = "meter";
const PASSWORD = "s3cret-test-pw";
const SERIAL = "00000042";

interface Received {
  topic: string;
  text: string;
  retain: boolean;
}

async function subscribe(broker: Mosquitto, out: Received[]): Promise<Subscriber> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { username: "watcher", password: "watch-pw", reconnectPeriod: 200, connectTimeout: 5000 });
  client.on("message", (topic, payload, packet) => out.push({ topic, text: payload.toString("utf8"), retain: packet.retain }));
  await client.subscribeAsync(["homeassistant/#", "dlmslite/#"], { qos: 1 });
  return client;
}

/** Advances virtual time `stepMs` at a time, letting real I/O run between steps, until `done()`. */
async function pumpUntil(sim: Simulation, done: () => boolean, what: string, stepMs = 200, realLimitMs = 15_000): Promise<void> {
  const until = Date.now() + realLimitMs;
  while (!done()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    sim.runFor(stepMs);
    await sleep(2);
  }
}

function meterWithMqtt(broker: Mosquitto, changes: Partial<MqttConfig> = {}, network?: PoweredNetwork): { sim: Simulation; network: PoweredNetwork } {
  const mqttConfig: MqttConfig = { ...defaultMqttConfig(), enabled: true, host: "127.0.0.1", port: broker.port, username: USER, password: PASSWORD, ...changes };
  // A socket belongs to the meter that opened it: after a power cut it goes silent.
  const net = network ?? simulatorNetwork(broker.caPem || undefined);
  const sim = simulate(constantLoad({ voltage: 231.4, current: 7.25, angle: 20 }), { config: { serialNumber: SERIAL, mqtt: mqttConfig }, network: net });
  return { sim, network: net };
}

const last = (list: Received[], topic: string) => [...list].reverse().find((m) => m.topic === topic);
const kwh = (milliWh: number) => `${Math.floor(milliWh / 1e6)}.${String(Math.floor(milliWh / 1000) % 1000).padStart(3, "0")}`;

describe("MQTT with a real Mosquitto broker", () => {
  let broker: Mosquitto;
  let received: Received[];
  let watcher: Subscriber;
  const sims: Simulation[] = [];

  beforeEach(async () => {
    broker = await Mosquitto.start({ users: { [USER]: PASSWORD, watcher: "watch-pw" }, tls: true });
    received = [];
    watcher = await subscribe(broker, received);
  });

  afterEach(async () => {
    for (const s of sims.splice(0)) s.meter.stop();
    await watcher?.endAsync(true);
    await broker?.dispose();
  });

  it("publishes retained discovery configs, online, and states equal to the registers", async () => {
    // Keep-alive 10 min: the hour below runs in 30 s steps with the broker's answers between them.
    const { sim } = meterWithMqtt(broker, { keepAliveS: 600 });
    sims.push(sim);
    const t = sim.meter.mqtt!;
    await pumpUntil(sim, () => t.statesPublished >= 2, "two states");
    expect(t.client.counters.connects).toBe(1);

    // A fresh subscriber gets every config and the availability as retained messages.
    const late: Received[] = [];
    const second = await subscribe(broker, late);
    await pumpUntil(sim, () => late.filter((m) => m.topic.startsWith("homeassistant/")).length >= t.entities.length, "retained configs");
    await second.endAsync(true);
    const configs = late.filter((m) => m.topic.startsWith("homeassistant/"));
    expect(configs.every((m) => m.retain)).toBe(true);
    expect(configs.length).toBe(t.entities.length);
    expect(late.find((m) => m.topic === `dlmslite/${SERIAL}/availability`)).toMatchObject({ text: "online", retain: true });
    const byId = new Map(configs.map((m) => [m.topic, JSON.parse(m.text)]));
    const energy = byId.get(`homeassistant/sensor/dlmslite_${SERIAL}/import_kwh/config`);
    expect(energy).toMatchObject({ device_class: "energy", state_class: "total_increasing", unit_of_measurement: "kWh", value_template: "{{ value_json.import_kwh }}", state_topic: `dlmslite/${SERIAL}/state`, availability_topic: `dlmslite/${SERIAL}/availability` });
    expect(energy.device).toMatchObject({ identifiers: [`dlmslite_${SERIAL}`], manufacturer: "DLMS-lite", serial_number: SERIAL, sw_version: "DLMSLITE-0.1.0" });
    expect(byId.get(`homeassistant/sensor/dlmslite_${SERIAL}/power/config`)).toMatchObject({ device_class: "power", state_class: "measurement", unit_of_measurement: "W" });
    expect(byId.get(`homeassistant/binary_sensor/dlmslite_${SERIAL}/relay/config`)).toMatchObject({ device_class: "power", payload_on: "connected" });
    // Reactive energy is not "energy" to Home Assistant (its energy class takes Wh, kWh, MWh...,
    // not kvarh, and it refuses such a sensor): no device class, still total_increasing.
    for (const id of ["reactive_import_kvarh", "reactive_export_kvarh"]) {
      const reactive = byId.get(`homeassistant/sensor/dlmslite_${SERIAL}/${id}/config`);
      expect(reactive).toMatchObject({ state_class: "total_increasing", unit_of_measurement: "kvarh" });
      expect(reactive.device_class).toBeUndefined();
    }
    // One device: every config names the same one.
    expect(new Set(configs.map((m) => JSON.stringify(JSON.parse(m.text).device))).size).toBe(1);

    // A state published now carries exactly the register values of now.
    // An hour of 7.25 A at 231.4 V, with the broker's answers (PINGRESP) served as it goes.
    for (let i = 0; i < 120; i++) {
      sim.runFor(30_000);
      await sleep(1);
    }
    const before = received.length;
    expect(t.publishState()).toBe(true);
    const m = sim.meter;
    const importMwh = m.register("1.0.1.8.0.255")!.read();
    const rate1 = m.register("1.0.1.8.1.255")!.read();
    const powerMw = m.register("1.0.1.7.0.255")!.read() - m.register("1.0.2.7.0.255")!.read();
    const volts = m.register("1.0.32.7.0.255")!.read();
    // This state, not an interval one still on its way: it carries the meter's time of now.
    const now = `${new Date(sim.clock.wallClockMs() + 3_600_000).toISOString().slice(0, 19)}+01:00`;
    const isThis = (r: Received) => r.topic === `dlmslite/${SERIAL}/state` && JSON.parse(r.text).time === now;
    await pumpUntil(sim, () => received.slice(before).some(isThis), "the state", 0);
    const state = received.slice(before).find(isThis)!;
    expect(state.retain).toBe(false);
    expect(state.text).toContain(`"import_kwh":${kwh(importMwh)},`);
    expect(state.text).toContain(`"import_t1_kwh":${kwh(rate1)},`);
    const json = JSON.parse(state.text);
    expect(importMwh).toBeGreaterThan(1_500_000); // ~1.58 kWh in mWh
    expect(json.power).toBe(Math.round(powerMw / 1000));
    expect(json.voltage).toBe(Math.round(volts / 100) / 10);
    expect(json.relay).toBe("connected");
    expect(json.time).toMatch(/^2026-03-02T01:0\d:\d\d\+01:00$/);
    expect(json.rate).toBe(m.register("0.0.96.14.0.255")!.read());
    expect(t.client.counters.lastPublishBytes).toBe(state.text.length + 2 + `dlmslite/${SERIAL}/state`.length + 3);
  });

  it("the broker publishes the last will after a power cut; the meter comes back online with power down/up events", async () => {
    const { sim } = meterWithMqtt(broker, { keepAliveS: 1 });
    sims.push(sim);
    const availability = `dlmslite/${SERIAL}/availability`;
    await pumpUntil(sim, () => sim.meter.mqtt!.statesPublished >= 1 && last(received, availability)?.text === "online", "online and a state");
    losePower(sim, true);
    // The simulator closes the firmware's sockets at a power cut (host-sim/powered-network.ts):
    // the connection ends without DISCONNECT, so the broker sends the will.
    const started = Date.now();
    while (last(received, availability)?.text !== "offline") {
      if (Date.now() - started > 10_000) throw new Error("no last will");
      sim.runFor(100);
      await sleep(20);
    }
    sim.runFor(30_000);
    restorePower(sim);
    await pumpUntil(sim, () => last(received, availability)?.text === "online", "online again");
    await pumpUntil(sim, () => received.filter((r) => r.topic === `dlmslite/${SERIAL}/event`).length >= 2, "the power events");
    const events = received.filter((r) => r.topic === `dlmslite/${SERIAL}/event`).map((r) => JSON.parse(r.text));
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(["power_down", "power_up"]));
    expect(events.find((e) => e.event === "power_down")).toMatchObject({ log: "standard", code: 1 });
  });

  it("reconnects after the broker restarts and publishes its discovery again", async () => {
    const { sim } = meterWithMqtt(broker);
    sims.push(sim);
    const t = sim.meter.mqtt!;
    await pumpUntil(sim, () => t.statesPublished >= 1, "a state");
    await watcher.endAsync(true);
    await broker.restart(); // retained messages are gone with it (no persistence)
    received = [];
    watcher = await subscribe(broker, received);
    await pumpUntil(sim, () => t.client.counters.connects === 2 && received.filter((m) => m.topic.startsWith("homeassistant/")).length >= t.entities.length, "reconnect + discovery", 500, 30_000);
    expect(t.client.counters.connectionsLost).toBe(1);
    const states = t.statesPublished;
    await pumpUntil(sim, () => t.statesPublished > states && received.some((m) => m.topic.endsWith("/state")), "states after the restart");
  });

  it("over TLS with a certificate the test made; a wrong password is refused with a one-line reason", async () => {
    const { sim } = meterWithMqtt(broker, { tls: true, port: broker.tlsPort });
    sims.push(sim);
    const t = sim.meter.mqtt!;
    await pumpUntil(sim, () => t.statesPublished >= 1 && received.some((m) => m.topic.endsWith("/state")), "a state over TLS");
    expect(t.status()).toContain(`connected mqtts://127.0.0.1:${broker.tlsPort}`);

    const bad = meterWithMqtt(broker, { password: "wrong-password" });
    sims.push(bad.sim);
    await pumpUntil(bad.sim, () => bad.sim.meter.mqtt!.client.counters.connectFailures >= 1, "the refusal");
    expect(bad.sim.meter.mqtt!.client.lastError).toBe("broker refused the connection: not authorized");
    expect(bad.sim.meter.mqtt!.client.state).not.toBe("connected");
  });

  it("a broker that stops reading: the socket buffer stays bounded, states are dropped and counted, the tick is not delayed", async () => {
    const { sim } = meterWithMqtt(broker, { intervalS: 1, keepAliveS: 3600 });
    sims.push(sim);
    const t = sim.meter.mqtt!;
    await pumpUntil(sim, () => t.statesPublished >= 1, "a state");
    // Wrap the socket's write to see how much Node holds for it.
    let maxBuffered = 0;
    // The firmware's socket is the simulator's powered wrapper around the Node socket.
    const socket = (t.client as unknown as { socket: { raw: NodeTcpSocket } }).socket.raw;
    broker.freeze();
    try {
      // The metering tick never touches the network: no socket call happens inside one.
      const tickMs: number[] = [];
      let inTick = false;
      let socketCallsInTick = 0;
      const write = socket.write.bind(socket);
      socket.write = (d: Uint8Array) => {
        if (inTick) socketCallsInTick++;
        return write(d);
      };
      const tick = sim.meter.tick.bind(sim.meter);
      sim.meter.tick = () => {
        inTick = true;
        const s = performance.now();
        tick();
        tickMs.push(performance.now() - s);
        inTick = false;
      };
      // States as fast as the client takes them (50 a second besides the 1 s interval), until
      // the kernel's socket buffers are full and Node's share reaches its bound.
      for (let i = 0; i < 3000 && t.client.counters.droppedQos0 < 20; i++) {
        sim.runFor(1000);
        for (let k = 0; k < 50; k++) t.publishState();
        maxBuffered = Math.max(maxBuffered, socket.buffered);
        if (i % 10 === 0) await sleep(1);
      }
      expect(t.client.state).toBe("connected");
      expect(t.client.counters.droppedQos0).toBeGreaterThanOrEqual(20);
      expect(maxBuffered).toBeLessThanOrEqual(16_384);
      expect(socketCallsInTick).toBe(0);
      tickMs.sort((a, b) => a - b);
      expect(tickMs.length).toBeGreaterThan(100);
      expect(tickMs[Math.floor(tickMs.length / 2)]).toBeLessThan(2); // median, wall clock on a shared machine
    } finally {
      broker.thaw();
    }
    const dropped = t.client.counters.droppedQos0;
    const published = t.statesPublished;
    await pumpUntil(sim, () => t.statesPublished > published + 3, "states after the broker reads again", 1000, 30_000);
    expect(t.client.counters.droppedQos0).toBeGreaterThanOrEqual(dropped);
  });
});
