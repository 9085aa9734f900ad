import { constantLoad, simulate } from "../system/helpers";
import { handleKey, lastEvents, MqttWatch, panelLines, PANEL_KEYS, statusLine, type PanelState } from "../../host-sim/panel/model";
import { PoweredNetwork } from "../../host-sim/powered-network";
import { defaultMqttConfig } from "../../firmware/comms/mqtt/config";
import type { Network, TcpSocket } from "../../firmware/hal/tcp";
import type { VirtualClock } from "../../emulation/virtual-clock";
import { createProgress } from "../../host-sim/progress";

function panelState(): PanelState {
  return { speed: 1, showHelp: false, message: "", dlms: () => "DLMS 127.0.0.1:4059", quit: false };
}

const LOAD = { voltage: 230, current: 10, angle: 0 };

describe("live panel: one frame", () => {
  it("shows the LCD, live values, rates, relay and the help on 'h'", () => {
    const sim = simulate(constantLoad(LOAD));
    sim.runFor(60_000);
    const state = panelState();
    const lines = panelLines(sim, state);
    expect(lines[0]).toBe(`LCD  [ ${sim.panel.lcdText()} ]`);
    expect(lines).toContain("U 230.0 V   I 10.000 A   In 10.000 A   f 50.00 Hz");
    expect(lines.some((l) => /^P\+ 2300\.0 W {3}P- 0\.0 W .* PF 1\.000$/.test(l))).toBe(true);
    expect(lines.some((l) => /^relay closed, control state 1/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith("*T"))).toBe(true); // the active rate is marked
    expect(lines[lines.length - 1]).toBe("h for help, q to quit");
    expect(handleKey("h", sim, state)).toBe(true);
    const help = panelLines(sim, state);
    expect(help).toContain("keys:");
    expect(help.filter((l) => /^ {2}\S {1,2}\S/.test(l))).toHaveLength(PANEL_KEYS.length);
  });
});

describe("live panel: keys act on the simulated meter", () => {
  it("covers and magnet toggle their inputs; the fraud log names the events", () => {
    const sim = simulate(constantLoad(LOAD));
    const state = panelState();
    sim.runFor(5_000);
    handleKey("t", sim, state);
    expect(sim.inputs.terminalCover.read()).toBe(0);
    expect(state.message).toBe("terminal cover OPEN");
    sim.runFor(5_000);
    handleKey("t", sim, state);
    expect(state.message).toBe("terminal cover closed");
    handleKey("c", sim, state);
    handleKey("m", sim, state);
    expect(state.message).toBe("magnet near");
    sim.runFor(10_000);
    const events = lastEvents(sim, 10).join("\n");
    expect(events).toContain("fraud: terminal cover removed (40)");
    expect(events).toContain("fraud: terminal cover closed (41)");
    expect(events).toContain("fraud: meter cover removed (44)");
    expect(events).toContain("fraud: magnetic field detected (42)");
  });

  it("d opens the relay, r makes it ready, a long press closes it again", () => {
    const sim = simulate(constantLoad(LOAD));
    const state = panelState();
    sim.runFor(5_000);
    handleKey("d", sim, state);
    expect(state.message).toMatch(/^remote disconnect: accepted/);
    sim.runFor(2_000);
    expect(sim.panel.relay.closed).toBe(false);
    handleKey("r", sim, state);
    expect(state.message).toMatch(/^remote reconnect: accepted/);
    sim.runFor(2_000);
    // Default control mode: a remote reconnect only arms; the customer's long press closes.
    if (!sim.panel.relay.closed) {
      handleKey("B", sim, state);
      sim.runFor(5_000);
    }
    expect(sim.panel.relay.closed).toBe(true);
    expect(lastEvents(sim, 10).join("\n")).toContain("disconnector: remote disconnect (62)");
  });

  it("short presses step the display list", () => {
    const sim = simulate(constantLoad(LOAD));
    const state = panelState();
    sim.runFor(3_000);
    const before = sim.panel.lcdText();
    handleKey("b", sim, state);
    sim.runFor(1_000);
    expect(sim.meter.button!.shortPresses).toBe(1);
    handleKey("b", sim, state);
    sim.runFor(1_000);
    expect(sim.meter.button!.shortPresses).toBe(2);
    expect(sim.panel.lcdText()).not.toBe(before);
  });

  it("p cuts the power for 30 s: an outage is counted", () => {
    const sim = simulate(constantLoad(LOAD));
    const state = panelState();
    sim.runFor(10_000);
    handleKey("p", sim, state);
    sim.runFor(60_000);
    expect(sim.meter.powerFailures.count).toBe(1);
    expect(lastEvents(sim, 10).join("\n")).toContain("standard: power down (1)");
  });

  it("+ and - double and halve the speed within limits; q quits; other keys do nothing", () => {
    const sim = simulate(constantLoad(LOAD));
    const state = panelState();
    handleKey("+", sim, state);
    handleKey("+", sim, state);
    expect(state.speed).toBe(4);
    for (let i = 0; i < 10; i++) handleKey("-", sim, state);
    expect(state.speed).toBe(0.125);
    expect(handleKey("x", sim, state)).toBe(false);
    expect(state.quit).toBe(false);
    handleKey("q", sim, state);
    expect(state.quit).toBe(true);
  });
});

describe("progress bar on a terminal", () => {
  it("draws the bar with %, the simulated date, simulated seconds per second and an ETA", () => {
    let text = "";
    const stream = { isTTY: true, columns: 120, write: (s: string) => ((text += s), true), cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => stream, removeListener: () => stream };
    let now = 0;
    const progress = createProgress(stream, 86_400_000, () => now);
    now = 2000;
    progress.update(43_200_000, Date.UTC(2026, 2, 2, 11, 0));
    progress.stop();
    expect(text).toMatch(/50% \| 2026-03-02 11:00 \| 21600 sim-s\/s \| ETA /);
  });
});

/**
 * A broker on the simulation's virtual time: CONNACK to CONNECT, PUBACK to QoS 1, PINGRESP; it
 * counts PUBLISH packets; `drop()` closes the connection as a broker that went away would.
 */
class VirtualBroker implements Network {
  clock: VirtualClock | null = null;
  publishes = 0;
  refuse = false;
  private readonly sockets: { closed: boolean; close: (() => void) | null }[] = [];
  private readonly waiting: (() => void)[] = [];
  listen(): never {
    throw new Error("not used");
  }
  attach(clock: VirtualClock): void {
    this.clock = clock;
    for (const w of this.waiting.splice(0)) clock.schedule(w, 5);
  }
  drop(): void {
    this.refuse = true;
    for (const s of this.sockets) {
      if (s.closed) continue;
      s.closed = true;
      s.close?.();
    }
  }
  connect(): TcpSocket {
    const entry = { closed: false, close: null as (() => void) | null };
    this.sockets.push(entry);
    let onData: ((d: Uint8Array) => void) | null = null;
    const reply = (bytes: number[]) => {
      const send = () => !entry.closed && onData?.(Uint8Array.from(bytes));
      if (this.clock) this.clock.schedule(send, 5);
      else this.waiting.push(send);
    };
    if (this.refuse) {
      const fail = () => {
        entry.closed = true;
        entry.close?.();
      };
      if (this.clock) this.clock.schedule(fail, 5);
      else this.waiting.push(fail);
    }
    return {
      remoteAddress: "127.0.0.1",
      remotePort: 1883,
      write: (d: Uint8Array) => {
        if (entry.closed) return 0;
        // The client writes whole packets here (no back-pressure): the first byte is the type.
        const type = d[0] >> 4;
        if (type === 1) reply([0x20, 2, 0, 0]);
        if (type === 3) {
          this.publishes++;
          if ((d[0] & 6) === 2) {
            let i = 1;
            while (d[i] & 0x80) i++;
            const at = i + 3 + ((d[i + 1] << 8) | d[i + 2]);
            reply([0x40, 2, d[at], d[at + 1]]);
          }
        }
        if (type === 12) reply([0xd0, 0]);
        return d.length;
      },
      onData: (h) => (onData = h),
      onClose: (h) => (entry.close = h),
      close: () => (entry.closed = true),
    };
  }
}

describe("live panel and plain status: MQTT (--mqtt)", () => {
  function mqttSim() {
    const broker = new VirtualBroker();
    const mqtt = { ...defaultMqttConfig(), enabled: true, host: "127.0.0.1", port: 1883, refuseDefaultSecrets: false, intervalS: 10 };
    const sim = simulate(constantLoad(LOAD), { config: { mqtt }, network: new PoweredNetwork(broker) });
    broker.attach(sim.clock);
    return { sim, broker };
  }

  it("shows connected, the broker, the last publish and the count; disconnected when the broker goes", () => {
    const { sim, broker } = mqttSim();
    const state = panelState();
    expect(panelLines(sim, state).find((l) => l.startsWith("MQTT"))).toMatch(/^MQTT (connecting|disconnected.*), broker mqtt:\/\/127\.0\.0\.1:1883, last publish none yet, 0 published, 0 dropped$/);
    sim.runFor(1_000);
    panelLines(sim, state);
    sim.runFor(30_000); // 2026-03-01 23:00:31 UTC
    const line = panelLines(sim, state).find((l) => l.startsWith("MQTT"))!;
    const published = sim.meter.mqtt!.client.counters.published;
    expect(published).toBe(broker.publishes);
    expect(published).toBeGreaterThanOrEqual(4); // discovery configs, availability, states every 10 s
    expect(line).toBe(`MQTT connected, broker mqtt://127.0.0.1:1883, last publish 23:00:31Z, ${published} published, 0 dropped`);
    broker.drop();
    sim.runFor(10);
    const after = panelLines(sim, state).find((l) => l.startsWith("MQTT"))!;
    expect(after).toBe(`MQTT disconnected (connection closed by the broker), broker mqtt://127.0.0.1:1883, last publish 23:00:31Z, ${published} published, 0 dropped`);
  });

  it("the plain status line carries the same status after '|'; without --mqtt neither shows MQTT", () => {
    const { sim } = mqttSim();
    const watch = new MqttWatch();
    sim.runFor(15_000);
    watch.line(sim);
    sim.runFor(10_000);
    expect(statusLine(sim, watch)).toMatch(/relay closed {2}\| MQTT connected, broker mqtt:\/\/127\.0\.0\.1:1883, last publish 23:00:25Z, \d+ published, 0 dropped$/);
    const plain = simulate(constantLoad(LOAD));
    plain.runFor(5_000);
    expect(statusLine(plain, new MqttWatch())).not.toContain("MQTT");
    expect(panelLines(plain, panelState()).some((l) => l.startsWith("MQTT"))).toBe(false);
  });

  it("a power cut: disconnected (meter off), then a new meter's counters", () => {
    const { sim } = mqttSim();
    const state = panelState();
    sim.runFor(20_000);
    panelLines(sim, state);
    handleKey("p", sim, state);
    sim.runFor(5_000);
    expect(panelLines(sim, state).find((l) => l.startsWith("MQTT"))).toMatch(/^MQTT disconnected \(meter off\), /);
    sim.runFor(60_000);
    expect(sim.power.on).toBe(true);
    expect(panelLines(sim, state).find((l) => l.startsWith("MQTT"))).toMatch(/^MQTT connected, /);
  });
});
