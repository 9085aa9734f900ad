import { WifiSupervisor, WIFI_EVENT } from "../../firmware/comms/net/wifi-supervisor";
import { Ecma419Wifi, type WifiClass } from "../../firmware/platform/moddable/wifi";
import { EventLogs } from "../../firmware/records/event-log";
import { VirtualClock } from "../../emulation/virtual-clock";

/** Fake ECMA-419 Wi-Fi: the test decides when the access point answers. */
class FakeWifi {
  static last: FakeWifi;
  connection = 200;
  address: string | undefined;
  readonly attempts: string[] = [];
  constructor(private readonly options: { onChanged?: () => void }) {
    FakeWifi.last = this;
  }
  connect(o: { SSID: string; password?: string }): void {
    this.attempts.push(`${o.SSID}/${o.password}`);
  }
  disconnect(): void {
    this.connection = 200;
    this.address = undefined;
  }
  up(): void {
    this.connection = 500;
    this.address = "192.168.1.50";
    this.options.onChanged?.();
  }
  down(): void {
    this.connection = 200;
    this.address = undefined;
    this.options.onChanged?.();
  }
}

describe("Wi-Fi supervision", () => {
  it("connects with the credentials, logs up and down, reconnects with growing backoff", () => {
    const clock = new VirtualClock(Date.UTC(2026, 2, 2));
    const events = new EventLogs(() => clock.wallClockMs());
    let rssi = -58;
    const port = new Ecma419Wifi(FakeWifi as unknown as WifiClass, () => rssi);
    const supervisor = new WifiSupervisor(port, clock, events, "meter-net", "s3cret");
    supervisor.start();
    const fake = FakeWifi.last;
    expect(fake.attempts).toEqual(["meter-net/s3cret"]);
    fake.up();
    expect(supervisor.state).toBe("connected");
    expect(supervisor.signalBars).toBe(3);
    rssi = -80;
    expect(supervisor.signalBars).toBe(1);
    fake.down();
    expect(supervisor.signalBars).toBe(0);
    // Retry after 1 s; that attempt times out after 20 s; the next waits 2 s, then 4 s...
    clock.runUntil(1_000);
    expect(fake.attempts).toHaveLength(2);
    clock.runUntil(21_000 + 2_000);
    expect(fake.attempts).toHaveLength(3);
    clock.runUntil(23_000 + 20_000 + 4_000);
    expect(fake.attempts).toHaveLength(4);
    fake.up();
    expect(supervisor.failures).toBe(0);
    expect(Array.from({ length: events.communication.count }, (_, i) => events.communication.codeAt(i))).toEqual([
      WIFI_EVENT.connected, WIFI_EVENT.disconnected, WIFI_EVENT.connected,
    ]);
    expect(WifiSupervisor.backoffMs(20)).toBe(300_000);
  });
});
