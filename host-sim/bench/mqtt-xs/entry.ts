/**
 * Bundled into xsnap by host-sim/bench/mqtt.ts: a meter on the simulated board with the MQTT
 * consumer interface connected to a stand-in broker socket (CONNACK and PUBACKs fed by hand).
 * Metered: one state publish (JSON built into the packet buffer + PUBLISH header + the write
 * call), the discovery configs, and the metering tick with MQTT on against the same meter
 * without it.
 */
import { parseScenario } from "../../event-types";
import { defaultMqttConfig } from "../../../firmware/comms/mqtt/config";
import { MqttTelemetry } from "../../../firmware/comms/mqtt/telemetry";
import type { Network, TcpSocket } from "../../../firmware/hal/tcp";
import { PoweredNetwork } from "../../powered-network";
import { Simulation } from "../../simulation";
import { swapMeter } from "../../xs/metering";

/** The broker's end: counts bytes, remembers the packet ids of QoS 1 PUBLISHes to acknowledge. */
class BrokerSocket implements TcpSocket {
  readonly remoteAddress = "127.0.0.1";
  readonly remotePort = 1883;
  bytes = 0;
  handler: ((d: Uint8Array) => void) | null = null;
  readonly toAck: number[] = [];
  write(d: Uint8Array): number {
    this.bytes += d.length;
    if ((d[0] & 0xf6) === 0x32) {
      let i = 1;
      while (d[i] & 0x80) i++;
      const at = i + 3 + ((d[i + 1] << 8) | d[i + 2]);
      this.toAck.push((d[at] << 8) | d[at + 1]);
    }
    return d.length;
  }
  onData(h: (d: Uint8Array) => void): void {
    this.handler = h;
  }
  onClose(): void {}
  close(): void {}
}

class BenchNetwork implements Network {
  readonly socket = new BrokerSocket();
  listen(): never {
    throw new Error("not used");
  }
  connect(): TcpSocket {
    return this.socket;
  }
}

export class MqttXsBench {
  on!: Simulation;
  off!: Simulation;
  network = new BenchNetwork();

  boot(scenarioJson: string): { discovery: number; configs: number; discoveryBytes: number } {
    const scenario = parseScenario(JSON.parse(scenarioJson));
    const mqtt = { ...defaultMqttConfig(), enabled: true, password: "bench-password", intervalS: 3600, powerChangeW: 0 };
    this.on = new Simulation(scenario, { config: { mqtt }, network: new PoweredNetwork(this.network) });
    this.off = new Simulation(scenario, {});
    const s = this.network.socket;
    swapMeter(0);
    s.handler!(Uint8Array.of(0x20, 2, 0, 0)); // CONNACK
    let configs = 0;
    while (s.toAck.length > 0) {
      const id = s.toAck.shift()!;
      s.handler!(Uint8Array.of(0x40, 2, id >> 8, id & 0xff));
      configs++;
    }
    const discovery = swapMeter(0);
    return { discovery, configs, discoveryBytes: s.bytes };
  }

  /** Computrons per state publish (mean, max) and its size in bytes. */
  publish(n: number): { mean: number; max: number; bytes: number; published: number } {
    const t = this.on.meter.mqtt!;
    let total = 0;
    let max = 0;
    for (let i = 0; i < n; i++) {
      this.on.runFor(1000);
      swapMeter(0);
      t.publishState();
      const c = swapMeter(0);
      total += c;
      if (c > max) max = c;
    }
    return { mean: total / n, max, bytes: t.client.counters.lastPublishBytes, published: t.statesPublished };
  }

  /** Computrons of the metering tick alone, with MQTT on (connected, idle) and on the same meter without it. */
  ticks(seconds: number): { on: number; off: number; onMax: number; offMax: number; count: number } {
    const measure = (sim: Simulation) => {
      const meter = sim.meter;
      const tick = meter.tick.bind(meter);
      let total = 0;
      let max = 0;
      let count = 0;
      meter.tick = () => {
        count++;
        const outside = swapMeter(0);
        tick();
        const c = swapMeter(outside);
        total += c;
        if (c > max) max = c;
      };
      sim.runFor(seconds * 1000);
      meter.tick = tick;
      return { mean: total / count, max, count };
    };
    this.off.runUntil(this.on.elapsedMs); // the same point of the scenario
    const on = measure(this.on);
    const off = measure(this.off);
    return { on: on.mean, off: off.mean, onMax: on.max, offMax: off.max, count: on.count };
  }

  /**
   * The worst case: every value non-zero and every alarm set (a consumer interface over readings
   * where each register reads 1,234,567,891 units or -98,765, on a connected stand-in broker).
   */
  worstCase(n: number): { mean: number; bytes: number } {
    const clock = this.on.board.clock;
    const network = new BenchNetwork();
    const t = new MqttTelemetry({ ...defaultMqttConfig(), enabled: true, password: "bench-password", intervalS: 3600, powerChangeW: 0 }, {
      clock,
      network,
      log: this.on.board.log,
      readings: {
        register: (obis) => ({ read: () => (obis.startsWith("1.0.2.7") ? 98_765 : 1_234_567_891) }),
        relayConnected: () => false,
        nowUtcMs: () => clock.wallClockMs(),
        offsetMinutesAt: () => 60,
        alarmRegister: () => 0xffffffff,
      },
      events: { onEvent: () => undefined },
      eventNames: {},
      alarmBits: { clockInvalid: 0, nvMemoryError: 10, measurementSystemError: 11, watchdog: 12, fraudAttempt: 13 },
      serialNumber: "00000001",
      firmwareId: "x",
      model: "x",
      rates: 4,
    });
    t.start();
    network.socket.handler!(Uint8Array.of(0x20, 2, 0, 0));
    let total = 0;
    for (let i = 0; i < n; i++) {
      swapMeter(0);
      t.publishState();
      total += swapMeter(0);
    }
    return { mean: total / n, bytes: t.client.counters.lastPublishBytes };
  }

  /** Computrons of the once-a-second change check (its own timer, not the tick). */
  changeCheck(n: number): number {
    const t = this.on.meter.mqtt! as unknown as { checkChange(): void };
    swapMeter(0);
    for (let i = 0; i < n; i++) t.checkChange();
    return swapMeter(0) / n;
  }
}

(globalThis as unknown as { mqttBench: MqttXsBench }).mqttBench = new MqttXsBench();
