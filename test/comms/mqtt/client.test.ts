/**
 * The MQTT client and the consumer interface without a broker: exact packet bytes, the reader
 * fed in pieces, exact decimal printing, and what a stalled socket does (drops counted, memory
 * fixed, QoS 1 resent a bounded number of times). A fake broker on virtual time answers.
 */
import { DataType, type DlmsData } from "../../../firmware/comms/dlms/axdr";
import { MqttClient, type MqttClientOptions, type Qos1Outbox } from "../../../firmware/comms/mqtt/client";
import { defaultMqttConfig, mqttConfigError, mqttConfigFromSettings, parseMqttUrl } from "../../../firmware/comms/mqtt/config";
import fc from "fast-check";
import { MQTT_OBIS, mqttObjects } from "../../../firmware/comms/mqtt/mqtt-objects";
import { encodeConnect, encodePublishHeader, PacketReader, type BrokerPacket } from "../../../firmware/comms/mqtt/packets";
import { decimalText, EVENT_QUEUE_CAPACITY, integerDecimalText, MqttTelemetry, NATIVE_EXACT_BELOW, type MqttTelemetryDeps } from "../../../firmware/comms/mqtt/telemetry";
import type { Log } from "../../../firmware/hal";
import type { Network, TcpSocket } from "../../../firmware/hal/tcp";
import { VirtualClock } from "../../../emulation/virtual-clock";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const quietLog: Log & { lines: string[] } = { lines: [], info() {}, warn(m: string) { this.lines.push(m); }, error(m: string) { this.lines.push(m); } };

/** A broker on virtual time: answers CONNACK, PUBACK (unless told not to), PINGRESP; `room` bounds each write. */
class FakeBroker implements Network {
  sockets: FakeSocket[] = [];
  ack = true;
  room = Infinity;
  constructor(readonly clock: VirtualClock) {}
  listen(): never {
    throw new Error("not used");
  }
  connect(): TcpSocket {
    const s = new FakeSocket(this);
    this.sockets.push(s);
    return s;
  }
  get socket(): FakeSocket {
    return this.sockets[this.sockets.length - 1];
  }
}

class FakeSocket implements TcpSocket {
  readonly remoteAddress = "10.0.0.2";
  readonly remotePort = 1883;
  written: number[] = [];
  packets: Uint8Array[] = [];
  data: ((d: Uint8Array) => void) | null = null;
  closeHandler: (() => void) | null = null;
  closed = false;
  private pending: number[] = [];
  constructor(private readonly broker: FakeBroker) {}
  write(d: Uint8Array): number {
    if (this.closed) return 0;
    const n = Math.min(d.length, this.broker.room);
    for (let i = 0; i < n; i++) this.written.push(d[i]);
    this.pending.push(...Array.from(d.subarray(0, n)));
    this.parse();
    return n;
  }
  private parse(): void {
    for (;;) {
      const p = this.pending;
      if (p.length < 2) return;
      let len = 0;
      let mul = 1;
      let i = 1;
      for (; ; i++) {
        if (i >= p.length) return;
        len += (p[i] & 0x7f) * mul;
        mul *= 128;
        if ((p[i] & 0x80) === 0) break;
      }
      if (p.length < i + 1 + len) return;
      const packet = Uint8Array.from(p.splice(0, i + 1 + len));
      this.packets.push(packet);
      const type = packet[0] >> 4;
      const reply = (bytes: number[]) => this.broker.clock.schedule(() => !this.closed && this.data?.(Uint8Array.from(bytes)), 5);
      if (type === 1) reply([0x20, 2, 0, 0]);
      if (type === 3 && (packet[0] & 6) === 2 && this.broker.ack) {
        const topicLen = (packet[i + 1] << 8) | packet[i + 2];
        const at = i + 3 + topicLen;
        reply([0x40, 2, packet[at], packet[at + 1]]);
      }
      if (type === 12) reply([0xd0, 0]);
    }
  }
  onData(h: (d: Uint8Array) => void): void {
    this.data = h;
  }
  onClose(h: () => void): void {
    this.closeHandler = h;
  }
  close(): void {
    this.closed = true;
  }
  /** Payloads of PUBLISH packets to `topic`. */
  published(topic: string): string[] {
    const out: string[] = [];
    for (const p of this.packets) {
      if (p[0] >> 4 !== 3) continue;
      let i = 1;
      while (p[i] & 0x80) i++;
      const tl = (p[i + 1] << 8) | p[i + 2];
      const t = Buffer.from(p.subarray(i + 3, i + 3 + tl)).toString();
      if (t !== topic) continue;
      out.push(Buffer.from(p.subarray(i + 3 + tl + ((p[0] & 6) ? 2 : 0))).toString());
    }
    return out;
  }
}

describe("MQTT packets", () => {
  it("CONNECT: protocol level 4, clean session, will QoS 1 retained, user and password, keep-alive", () => {
    const out = new Uint8Array(128);
    const n = encodeConnect(out, { clientId: "m_1", keepAliveS: 60, username: "u", password: "pw", willTopic: "a/b", willPayload: "offline", willQos: 1, willRetain: true });
    expect(hex(out.subarray(0, n))).toBe(
      "10" + "24" + "00044d515454" + "04" + "ee" + "003c" + "0003" + "6d5f31" + "0003" + "612f62" + "0007" + "6f66666c696e65" + "0001" + "75" + "0002" + "7077",
    );
  });

  it("PUBLISH header ends exactly where the payload starts (QoS 1 with packet id; 2-byte remaining length)", () => {
    const out = new Uint8Array(400);
    const topic = Uint8Array.from(Buffer.from("t/x"));
    const start = encodePublishHeader(out, 20, topic, 200, 1, true, 0x1234, true);
    expect(hex(out.subarray(start, 20))).toBe("3b" + "cf01" + "0003" + "742f78" + "1234");
    expect(20 - start + 200).toBe(1 + 2 + 2 + 3 + 2 + 200);
  });

  it("the reader takes packets split anywhere and skips what it does not keep", () => {
    const bytes = Uint8Array.from([0x20, 2, 0, 5, 0x40, 2, 0x12, 0x34, 0x30, 0x83, 0x01, ...new Array(131).fill(7), 0xd0, 0]);
    for (const split of [1, 2, 3, 7, bytes.length]) {
      const reader = new PacketReader();
      const got: string[] = [];
      const packet: BrokerPacket = { type: 0, value: 0, sessionPresent: false };
      for (let i = 0; i < bytes.length; i += split) reader.feed(bytes.subarray(i, i + split), packet, { brokerPacket: (p) => got.push(`${p.type}:${p.value}`) });
      expect(got).toEqual(["2:5", "4:4660", "3:0", "13:0"]);
    }
  });

  it("a Remaining Length over 4 bytes is malformed", () => {
    const reader = new PacketReader();
    reader.feed(Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), { type: 0, value: 0, sessionPresent: false }, { brokerPacket: () => undefined });
    expect(reader.malformed).toBe(true);
  });
});

describe("decimal text from integer registers", () => {
  it("energy: mWh to kWh with 3 decimals, truncated, exact for values past 2^32", () => {
    expect(decimalText(123_456_789, 6, 3, false)).toBe("123.456");
    expect(decimalText(999, 6, 3, false)).toBe("0.000");
    expect(decimalText(1_000, 6, 3, false)).toBe("0.001");
    expect(decimalText(9_007_199_254_740_991, 6, 3, false)).toBe("9007199254.740");
    // 0.1 + 0.2 kWh as integers: no float drift.
    expect(decimalText(100_000 + 200_000, 6, 3, false)).toBe("0.300");
  });

  it("measurements rounded half away from zero, signed", () => {
    expect(decimalText(230_450, 3, 1, true)).toBe("230.5");
    expect(decimalText(-1_499, 3, 0, true)).toBe("-1");
    expect(decimalText(-1_500, 3, 0, true)).toBe("-2");
    expect(decimalText(-400, 3, 0, true)).toBe("0");
    expect(decimalText(49_995, 3, 2, true)).toBe("50.00");
    expect(decimalText(50_005, 3, 2, true)).toBe("50.01");
    expect(decimalText(7, 0, 0, false)).toBe("7");
  });

  it("the engine's toFixed path prints exactly the integer digits below 2^43 (and the integer path takes over above)", () => {
    const check = (q: number, decimals: number) => {
      const viaScale = decimalText(q * 10 ** (3 - decimals), 3, decimals, false);
      expect(viaScale).toBe(integerDecimalText(q, decimals));
    };
    for (const q of [1, 9, 10, 99, 100, 999, 1000, 1001, 123_456, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 7, NATIVE_EXACT_BELOW - 1, NATIVE_EXACT_BELOW, NATIVE_EXACT_BELOW + 1]) {
      for (const d of [1, 2, 3]) check(q, d);
    }
    fc.assert(fc.property(fc.integer({ min: 0, max: NATIVE_EXACT_BELOW - 1 }), fc.integer({ min: 1, max: 3 }), (q, d) => {
      const expected = integerDecimalText(q, d);
      return decimalText(q * 10 ** (3 - d), 3, d, false) === expected && decimalText(q * 1000, 6, 3, false) === integerDecimalText(q, 3);
    }), { numRuns: 20_000 });
    expect(integerDecimalText(2 ** 53 - 1, 3)).toBe("9007199254740.991");
  });
});

function telemetryRig(changes: Partial<ReturnType<typeof defaultMqttConfig>> = {}) {
  const clock = new VirtualClock(Date.UTC(2026, 2, 29, 0, 59, 58)); // DST starts at 01:00 UTC
  const broker = new FakeBroker(clock);
  const regs: Record<string, number> = {
    "1.0.32.7.0.255": 230_450,
    "1.0.31.7.0.255": 5_123,
    "1.0.1.7.0.255": 0,
    "1.0.2.7.0.255": 1_180_600,
    "1.0.1.8.0.255": 123_456_789,
    "1.0.1.8.1.255": 100_000,
    "1.0.1.8.2.255": 23_356_789,
    "1.0.2.8.0.255": 1_999,
    "1.0.14.7.0.255": 49_995,
    "1.0.13.7.0.255": -985,
    "7.0.3.0.0.255": 12_345_678,
  };
  const listeners: ((log: string, code: number, utcMs: number) => void)[] = [];
  let alarms = 0;
  const deps: MqttTelemetryDeps = {
    clock,
    network: broker,
    log: quietLog,
    readings: {
      register: (obis) => (obis in regs ? { read: () => regs[obis] } : undefined),
      relayConnected: () => true,
      nowUtcMs: () => clock.wallClockMs(),
      offsetMinutesAt: (utc) => (utc >= Date.UTC(2026, 2, 29, 1) ? 120 : 60),
      alarmRegister: () => alarms,
    },
    events: { onEvent: (l) => listeners.push((log, code, utcMs) => l.eventRecorded(log, code, utcMs)) },
    eventNames: { "standard/1": "power_down", "fraud/40": "terminal_cover_removed" },
    alarmBits: { clockInvalid: 0, fraudAttempt: 13 },
    serialNumber: "00000007",
    firmwareId: "FW-1",
    model: "test",
    rates: 2,
  };
  const t = new MqttTelemetry({ ...defaultMqttConfig(), enabled: true, host: "10.0.0.2", password: "pw-for-tests", ...changes }, deps);
  return { clock, broker, regs, t, emit: (log: string, code: number) => listeners.forEach((l) => l(log, code, clock.wallClockMs())), setAlarms: (a: number) => (alarms = a) };
}

describe("MqttTelemetry on a fake broker", () => {
  it("connects, says online, publishes the discovery configs (QoS 1, one at a time), then the state JSON", () => {
    const { clock, broker, t, setAlarms } = telemetryRig();
    t.start();
    clock.runUntil(2_000);
    const s = broker.socket;
    expect(s.published("dlmslite/00000007/availability")).toEqual(["online"]);
    const configs = s.packets.filter((p) => p[0] === 0x33); // PUBLISH QoS 1 retained
    expect(configs.length).toBe(1 + t.entities.length);
    setAlarms(2 ** 13 + 1);
    t.publishState();
    const state = s.published("dlmslite/00000007/state").pop()!;
    expect(state).toBe(
      '{"time":"2026-03-29T03:00:00+02:00","voltage":230.5,"current":5.123,"power":-1181,"reactive_power":0,"power_factor":-0.985,"frequency":50.00,' +
        '"import_kwh":123.456,"import_t1_kwh":0.100,"import_t2_kwh":23.356,"export_kwh":0.001,"export_t1_kwh":0.000,"export_t2_kwh":0.000,' +
        '"reactive_import_kvarh":0.000,"reactive_export_kvarh":0.000,"rate":0,"demand_w":0,"gas_m3":12.345,"water_m3":0.000,"relay":"connected","alarms":["clock_invalid","fraud_attempt"]}',
    );
    expect(JSON.parse(state).alarms).toEqual(["clock_invalid", "fraud_attempt"]);
    expect(t.client.counters.lastPublishBytes).toBe(2 + 2 + "dlmslite/00000007/state".length + state.length + 1);
  });

  it("state every interval and when the power moves by the threshold", () => {
    const { clock, broker, regs, t } = telemetryRig({ intervalS: 60, powerChangeW: 100 });
    t.start();
    clock.runUntil(1_000 * 60 * 3 + 500);
    expect(broker.socket.published("dlmslite/00000007/state").length).toBe(3);
    regs["1.0.2.7.0.255"] += 99_000; // 99 W: not enough
    clock.runUntil(clock.nowMs() + 2_000);
    expect(broker.socket.published("dlmslite/00000007/state").length).toBe(3);
    regs["1.0.2.7.0.255"] += 2_000; // now 101 W away from the last state
    clock.runUntil(clock.nowMs() + 1_000);
    expect(broker.socket.published("dlmslite/00000007/state").length).toBe(4);
  });

  it("a socket that takes nothing: states dropped and counted, the rest buffer never grows past one packet", () => {
    const { clock, broker, t } = telemetryRig({ intervalS: 1 });
    t.start();
    clock.runUntil(3_000);
    const before = t.statesPublished;
    broker.room = 10; // the socket takes 10 bytes of the next state...
    t.publishState();
    broker.room = 0; // ...then nothing
    for (let i = 0; i < 99; i++) t.publishState();
    // The first state went out in part; the rest waits; the other 99 are dropped.
    expect(t.client.counters.droppedQos0).toBe(99);
    expect(t.statesPublished).toBe(before + 1);
    broker.room = Infinity;
    clock.runUntil(clock.nowMs() + 1_100);
    const states = broker.socket.published("dlmslite/00000007/state");
    expect(JSON.parse(states[states.length - 1]).import_kwh).toBe(123.456); // the partial one arrived whole
  });

  it("events: queued while offline (oldest dropped beyond the capacity), sent QoS 1 in order once connected", () => {
    const { clock, broker, t, emit } = telemetryRig();
    for (let i = 0; i < EVENT_QUEUE_CAPACITY + 3; i++) emit("fraud", 40);
    emit("standard", 1);
    emit("communication", 240); // not published
    expect(t.eventsDropped).toBe(4);
    t.start();
    clock.runUntil(5_000);
    const events = broker.socket.published("dlmslite/00000007/event").map((e) => JSON.parse(e));
    expect(events.length).toBe(EVENT_QUEUE_CAPACITY);
    expect(events[events.length - 1]).toEqual({ event: "power_down", log: "standard", code: 1, time: "2026-03-29T01:59:58+01:00" });
    expect(events[0].event).toBe("terminal_cover_removed");
  });

  it("QoS 1 without PUBACK: resent with DUP at most maxResends times, then given up and counted", () => {
    const { clock, broker, t } = telemetryRig();
    broker.ack = false;
    t.start();
    clock.runUntil(60_000);
    const online = broker.socket.packets.filter((p) => (p[0] & 0xf6) === 0x32);
    expect(online.map((p) => p[0])).toEqual([0x33, 0x3b, 0x3b, 0x3b, 0x33, 0x3b]);
    expect(t.client.counters.resends).toBe(4);
    expect(t.client.counters.droppedQos1).toBe(1);
  });

  it("no PINGRESP within a keep-alive period: the connection is dropped and made again after the backoff", () => {
    const { clock, broker, t } = telemetryRig({ keepAliveS: 10 });
    t.start();
    clock.runUntil(1_000);
    broker.socket.data = null; // the broker goes silent
    const silent = broker.socket;
    silent.onData = () => undefined;
    (silent as unknown as { parse: () => void }).parse = () => undefined;
    // Connected at 5 ms; PINGREQ at 10.005 s, none answered by 20.005 s: lost; reconnect 1 s later.
    clock.runUntil(20_004);
    expect(t.client.counters.connectionsLost).toBe(0);
    clock.runUntil(20_005);
    expect(t.client.counters.connectionsLost).toBe(1);
    expect(silent.closed).toBe(true);
    clock.runUntil(21_004);
    expect(broker.sockets.length).toBe(1);
    clock.runUntil(21_100);
    expect(broker.sockets.length).toBe(2);
    expect(t.client.state).toBe("connected");
  });

  it("switched off: offline said and DISCONNECT sent; the DLMS objects read and write the switch and the interval", () => {
    const { clock, broker, t } = telemetryRig();
    const [enabled, interval] = mqttObjects(t);
    expect(enabled.obis).toBe(MQTT_OBIS.enabled);
    t.start();
    clock.runUntil(2_000);
    // The objects' class reads its target through the request context (the object asked for).
    const ctx = { object: interval } as never;
    expect(interval.attributes[0]!.set!({ type: DataType.longUnsigned, value: 0 } as DlmsData, ctx)).not.toBe(0);
    expect(interval.attributes[0]!.set!({ type: DataType.longUnsigned, value: 3601 } as DlmsData, ctx)).not.toBe(0);
    expect(interval.attributes[0]!.set!({ type: DataType.doubleLongUnsigned, value: 30 } as DlmsData, ctx)).toBe(12);
    expect(interval.attributes[0]!.set!({ type: DataType.longUnsigned, value: 30 } as DlmsData, ctx)).toBe(0);
    expect(t.config.intervalS).toBe(30);
    expect(enabled.attributes[0]!.set!({ type: DataType.boolean, value: false } as DlmsData, { object: enabled } as never)).toBe(0);
    const s = broker.socket;
    expect(s.published("dlmslite/00000007/availability")).toEqual(["online", "offline"]);
    expect(s.packets[s.packets.length - 1]).toEqual(Uint8Array.of(0xe0, 0));
    expect(s.closed).toBe(true);
    const count = broker.sockets.length;
    clock.runUntil(600_000);
    expect(broker.sockets.length).toBe(count);
  });

  it("refuses the shipped or an empty password on a device build; TLS without a TLS socket is a one-line error, never plain TCP", () => {
    expect(() => telemetryRig({ password: "meter" })).toThrow("MQTT not started: the broker password is empty or the shipped default; set mqttPassword");
    expect(() => telemetryRig({ password: "" })).toThrow(/password is empty/);
    expect(telemetryRig({ password: "meter", refuseDefaultSecrets: false }).t).toBeTruthy();
    const { clock, broker, t } = telemetryRig({ tls: true });
    t.start();
    clock.runUntil(5_000);
    expect(broker.sockets.length).toBe(0);
    expect(t.client.lastError).toBe("connect to 10.0.0.2:1883: TLS requested but this platform has no TLS socket");
  });
});

describe("MQTT configuration", () => {
  it("--mqtt URLs", () => {
    expect(parseMqttUrl("mqtt://127.0.0.1")).toMatchObject({ enabled: true, host: "127.0.0.1", port: 1883, tls: false });
    expect(parseMqttUrl("mqtts://u:p%40ss@broker.local:9883")).toMatchObject({ host: "broker.local", port: 9883, tls: true, username: "u", password: "p@ss" });
    expect(parseMqttUrl("mqtts://10.0.0.1")).toMatchObject({ port: 8883 });
    expect(() => parseMqttUrl("http://x")).toThrow('--mqtt needs mqtt://[user[:password]@]host[:port] or mqtts://..., got "http://x"');
  });

  it("manifest config keys", () => {
    expect(mqttConfigFromSettings({}, false).enabled).toBe(false);
    const c = mqttConfigFromSettings({ mqttHost: "192.168.1.10", mqttTls: "true", mqttUser: "ha", mqttPassword: "pw", mqttInterval: "30" }, false);
    expect(c).toMatchObject({ enabled: true, host: "192.168.1.10", port: 8883, tls: true, username: "ha", password: "pw", intervalS: 30, refuseDefaultSecrets: true });
    expect(mqttConfigError({ ...c, intervalS: 0 })).toBe("MQTT interval must be 1..3600 s, got 0");
    expect(() => mqttConfigFromSettings({ mqttHost: "1.2.3.4", mqttPort: "x" }, false)).toThrow('config mqttPort must be an integer, got "x"');
  });
});

// Unused-type guard: the client's options are part of the public surface.
export type { MqttClient, MqttClientOptions, Qos1Outbox };

describe("simulator options", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { mqttCliOptions } = require("../../../host-sim/mqtt-sim") as typeof import("../../../host-sim/mqtt-sim");
  it("--mqtt with its options; one-line errors", () => {
    expect(mqttCliOptions({})).toBeNull();
    const o = mqttCliOptions({ mqtt: "mqtt://127.0.0.1:1884", "mqtt-user": "a", "mqtt-password": "b", "mqtt-interval": "5", "mqtt-prefix": "home/meter" })!;
    expect(o.config).toMatchObject({ enabled: true, port: 1884, username: "a", password: "b", intervalS: 5, prefix: "home/meter", refuseDefaultSecrets: false });
    expect(() => mqttCliOptions({ "mqtt-user": "a" })).toThrow("--mqtt-user needs --mqtt URL");
    expect(() => mqttCliOptions({ mqtt: "mqtt://h", "mqtt-interval": "0" })).toThrow('--mqtt-interval must be 1..3600 seconds, got "0"');
    expect(() => mqttCliOptions({ mqtt: "mqtt://h", "mqtt-ca": "x.pem" })).toThrow("--mqtt-ca needs an mqtts:// URL");
  });
});
