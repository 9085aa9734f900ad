import { AxdrWriter, decodeData } from "../../../firmware/comms/dlms/axdr";
import { WrapperReassembler } from "../../../firmware/comms/dlms/wrapper";
import {
  PUSH_EVENT,
  PushClient,
  decodeDataNotification,
  defaultPushSetup,
  encodeDataNotification,
  windowContains,
  type PushDeps,
  type PushSetupConfig,
} from "../../../firmware/comms/push";
import type { Network, TcpSocket } from "../../../firmware/hal/tcp";
import { HeadEnd } from "../../../host-sim/headend";
import { NodeNetwork } from "../../../host-sim/node-network";
import { VirtualClock } from "../../../emulation/virtual-clock";

const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const START = Date.UTC(2026, 0, 15, 10, 0, 0); // a Thursday, 10:00 UTC

/** An in-memory network on virtual time: connects in 5 ms when the head-end is up, fails in 5 ms when down. */
class FakeNetwork implements Network {
  up = false;
  connects = 0;
  /** APDUs the head-end received, in order. */
  readonly received: Uint8Array[] = [];
  constructor(private readonly clock: VirtualClock) {}
  listen(): never {
    throw new Error("not used");
  }
  connect(host: string, port: number): TcpSocket {
    this.connects++;
    expect(`${host}:${port}`).toBe("10.0.0.9:4060");
    let onClose: (() => void) | null = null;
    let onConnect: (() => void) | null = null;
    let closed = false;
    const reassembler = new WrapperReassembler(4096, { onFrame: (_s, _d, apdu, a, b) => this.received.push(apdu.slice(a, b)) });
    const up = this.up;
    this.clock.schedule(() => {
      if (closed) return;
      if (up) onConnect?.();
      else {
        closed = true;
        onClose?.();
      }
    }, 5);
    return {
      remoteAddress: host,
      remotePort: port,
      write: (data) => {
        if (closed || !up) return 0;
        reassembler.push(data);
        return data.length;
      },
      onData: () => undefined,
      onClose: (h) => (onClose = h),
      onConnect: (h) => (onConnect = h),
      close: () => {
        closed = true;
      },
    };
  }
}

function setup(overrides: Partial<PushSetupConfig> = {}): PushSetupConfig {
  return { ...defaultPushSetup(), destination: "10.0.0.9:4060", intervalS: 0, ...overrides };
}

function newClient(network: Network, clock: VirtualClock, cfg: PushSetupConfig, counter = { value: 0 }, errors: string[] = []) {
  const events: number[] = [];
  const deps: PushDeps = {
    clock,
    network,
    random: { fill: (b) => b.fill(0x42) },
    log: { info: () => undefined, warn: () => undefined, error: (m) => void errors.push(m) },
    events: { record: (_log, code) => events.push(code) },
    nowUtcMs: () => clock.wallClockMs(),
    localMs: (utc) => utc + 60 * 60_000, // CET, no DST in January
    dateTime: (utc, out) => {
      const d = new Date(utc + 3_600_000);
      out.set([d.getUTCFullYear() >> 8, d.getUTCFullYear() & 255, d.getUTCMonth() + 1, d.getUTCDate(), 4, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), 0, 0xff, 0xc4, 0]);
    },
    // The "meter value" behind every entry: a counter that grows with each capture.
    readValue: (ref, w) => w.doubleLongUnsigned(ref.attribute === 1 ? 0 : ++counter.value),
  };
  return { client: new PushClient(cfg, deps, { lingerMs: 100, roundRetryMs: 600_000 }), events };
}

describe("Data-Notification APDU", () => {
  it("encodes tag 0F, long-invoke-id, a 12-byte date-time and the body; decodes back", () => {
    const dt = new Uint8Array([0x07, 0xea, 1, 15, 4, 11, 0, 0, 0, 0xff, 0xc4, 0]);
    const apdu = encodeDataNotification(0x123456, dt, (w: AxdrWriter) => {
      w.structure(2);
      w.obis(new Uint8Array([0, 0, 25, 9, 0, 255]));
      w.doubleLongUnsigned(8192);
    });
    expect(toHex(apdu)).toBe("0f00123456" + "0c07ea010f040b000000ffc400" + "0202" + "09060000190900ff" + "0600002000");
    const n = decodeDataNotification(apdu);
    expect(n.invokeId).toBe(0x123456);
    expect(toHex(n.dateTime!)).toBe(toHex(dt));
    expect(n.body).toEqual(decodeData(apdu.subarray(18)));
    expect(() => decodeDataNotification(new Uint8Array([...apdu, 0]))).toThrow();
  });
});

describe("communication windows", () => {
  const dt = (y: number, mo: number, d: number, h: number, mi: number) => new Uint8Array([y >> 8, y & 255, mo, d, 0xff, h, mi, 0, 0, 0x80, 0, 0xff]);
  const local = (y: number, mo: number, d: number, h: number, mi: number) => Date.UTC(y, mo - 1, d, h, mi);
  it("daily time-of-day windows, also across midnight; absolute windows with full dates", () => {
    const daily = { start: dt(0xffff, 0xff, 0xff, 22, 0), end: dt(0xffff, 0xff, 0xff, 2, 0) };
    expect(windowContains(daily, local(2026, 1, 15, 23, 30))).toBe(true);
    expect(windowContains(daily, local(2026, 1, 16, 1, 59))).toBe(true);
    expect(windowContains(daily, local(2026, 1, 16, 2, 1))).toBe(false);
    expect(windowContains(daily, local(2026, 1, 16, 12, 0))).toBe(false);
    const once = { start: dt(2026, 1, 15, 10, 0), end: dt(2026, 1, 16, 10, 0) };
    expect(windowContains(once, local(2026, 1, 15, 23, 0))).toBe(true);
    expect(windowContains(once, local(2026, 1, 16, 10, 1))).toBe(false);
  });
});

describe("PushClient", () => {
  it("delivers an alarm push at once when the head-end is up", () => {
    const clock = new VirtualClock(START);
    const net = new FakeNetwork(clock);
    net.up = true;
    const { client, events } = newClient(net, clock, setup());
    const id = client.trigger("alarm");
    clock.runUntil(1000);
    expect(net.received.length).toBe(1);
    const n = decodeDataNotification(net.received[0]);
    expect(n.invokeId).toBe(id);
    expect(n.body.type === 2 && n.body.items.length).toBe(6);
    expect(client.queued).toBe(0);
    expect(events).toEqual([PUSH_EVENT.delivered]);
  });

  it("without a head-end it keeps the newest 8 notifications (bounded RAM), then delivers those 8 in order", () => {
    const clock = new VirtualClock(START);
    const net = new FakeNetwork(clock);
    const { client } = newClient(net, clock, setup({ numberOfRetries: 0, repetitionDelayS: 30 }));
    const ids: number[] = [];
    for (let day = 0; day < 12; day++) {
      ids.push(client.trigger("alarm"));
      clock.runUntil(clock.nowMs() + 86_400_000);
    }
    expect(client.queued).toBe(8);
    net.up = true;
    clock.runUntil(clock.nowMs() + 700_000);
    expect(client.queued).toBe(0);
    expect(net.received.map((f) => decodeDataNotification(f).invokeId)).toEqual(ids.slice(4));
  });

  it("without a destination it says so once, not at every retry, and keeps the notifications", () => {
    const clock = new VirtualClock(START);
    const net = new FakeNetwork(clock);
    net.up = true;
    const errors: string[] = [];
    const { client } = newClient(net, clock, setup({ destination: "" }), { value: 0 }, errors);
    client.trigger("alarm");
    // A day of retries every 10 minutes.
    clock.runUntil(clock.nowMs() + 86_400_000);
    client.trigger("alarm");
    clock.runUntil(clock.nowMs() + 3_600_000);
    expect(errors).toEqual(['push: bad destination ""; notifications stay queued']);
    expect(client.queued).toBe(2);
    expect(net.received.length).toBe(0);
  });

  it("retries numberOfRetries times repetitionDelay apart, then keeps the notification for the next round", () => {
    const clock = new VirtualClock(START);
    const net = new FakeNetwork(clock);
    const { client, events } = newClient(net, clock, setup({ numberOfRetries: 2, repetitionDelayS: 30 }));
    client.trigger("alarm");
    clock.runUntil(29_000);
    expect(net.connects).toBe(1);
    clock.runUntil(31_000);
    expect(net.connects).toBe(2);
    clock.runUntil(61_000);
    expect(net.connects).toBe(3); // first try + 2 retries
    clock.runUntil(500_000);
    expect(net.connects).toBe(3);
    expect(events).toEqual([PUSH_EVENT.failed]);
    expect(client.queued).toBe(1);
    // The head-end comes back; the next round (10 min after giving up) delivers.
    net.up = true;
    clock.runUntil(61_000 + 600_000 + 1000);
    expect(net.connects).toBe(4);
    expect(net.received.length).toBe(1);
    expect(client.queued).toBe(0);
  });

  it("across an outage nothing is lost or duplicated, and order is kept", () => {
    const clock = new VirtualClock(START);
    const net = new FakeNetwork(clock);
    net.up = true;
    const { client } = newClient(net, clock, setup({ numberOfRetries: 1, repetitionDelayS: 10 }));
    const ids: number[] = [];
    ids.push(client.trigger("alarm"));
    clock.runUntil(1_000);
    net.up = false;
    for (let i = 0; i < 5; i++) {
      ids.push(client.trigger(i % 2 ? "method" : "alarm"));
      clock.runUntil(clock.nowMs() + 7_000);
    }
    clock.runUntil(clock.nowMs() + 300_000);
    expect(net.received.length).toBe(1);
    net.up = true;
    clock.runUntil(clock.nowMs() + 900_000);
    const got = net.received.map((a) => decodeDataNotification(a).invokeId);
    expect(got).toEqual(ids);
    expect(new Set(got).size).toBe(got.length);
    expect(client.queued).toBe(0);
  });

  it("waits for the communication window and the randomised start", () => {
    const clock = new VirtualClock(START); // 11:00 local
    const net = new FakeNetwork(clock);
    net.up = true;
    const dt = (h: number) => new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, h, 0, 0, 0, 0x80, 0, 0xff]);
    const { client } = newClient(net, clock, setup({ windows: [{ start: dt(12), end: dt(13) }], randomisationStartIntervalS: 100 }));
    client.trigger("alarm");
    clock.runUntil(59 * 60_000);
    expect(net.received.length).toBe(0);
    clock.runUntil(62 * 60_000);
    expect(net.received.length).toBe(1);
  });

  it("interval push fires at local midnight, then daily", () => {
    const clock = new VirtualClock(START); // 11:00 local
    const net = new FakeNetwork(clock);
    net.up = true;
    const { client } = newClient(net, clock, setup({ intervalS: 86_400 }));
    client.start();
    clock.runUntil(13 * 3_600_000 - 1);
    expect(net.received.length).toBe(0);
    clock.runUntil(13 * 3_600_000 + 5_000);
    expect(net.received.length).toBe(1);
    clock.runUntil(37 * 3_600_000 + 5_000);
    expect(net.received.length).toBe(2);
    client.stop();
  });
});

describe("push over real TCP to the head-end", () => {
  it("reaches host-sim/headend.ts, and after an outage nothing is lost or duplicated", async () => {
    const headEnd = new HeadEnd();
    const port = await headEnd.listen(0);
    const clock = new VirtualClock(START);
    const { client } = newClient(new NodeNetwork(), clock, setup({ destination: `127.0.0.1:${port}`, numberOfRetries: 2, repetitionDelayS: 5 }));
    // Virtual time advances in small steps while real sockets do their work in between.
    const pump = async (ms: number) => {
      for (let t = 0; t < ms; t += 50) {
        clock.runUntil(clock.nowMs() + 50);
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    const waitFor = async (cond: () => boolean) => {
      for (let i = 0; i < 400 && !cond(); i++) await pump(50);
      return cond();
    };
    const first = client.trigger("alarm");
    expect(await waitFor(() => headEnd.received.length === 1)).toBe(true);
    expect(headEnd.received[0].invokeId).toBe(first);
    await headEnd.close();
    const during = [client.trigger("alarm"), client.trigger("method")];
    await pump(3_000);
    expect(client.failedAttempts).toBeGreaterThan(0);
    expect(headEnd.received.length).toBe(1);
    await headEnd.listen(port);
    expect(await waitFor(() => client.queued === 0)).toBe(true);
    await waitFor(() => headEnd.received.length >= 3);
    expect(headEnd.received.map((n) => n.invokeId)).toEqual([first, ...during]);
    expect(headEnd.received.some((n) => n.duplicate)).toBe(false);
    client.stop();
    await headEnd.close();
  });
});
