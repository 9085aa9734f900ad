import type { Clock, TimerId } from "../../hal/clock";
import type { WifiPort } from "../../hal/wifi";
import type { EventLogs } from "../../records/event-log";
import { EVENT } from "../../kernel/event-codes";
import { deepFreeze } from "../../kernel/freeze";

/** Communication-log codes for the link (manufacturer-specific range, see README). */
export const WIFI_EVENT = deepFreeze({ connected: EVENT.communication.wifiConnected, disconnected: EVENT.communication.wifiDisconnected } as const);

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 300_000;

/**
 * Keeps the meter on Wi-Fi: connects with the configured credentials, reconnects with
 * exponential backoff (1 s doubling to 5 min) after a drop, logs each change in the communication
 * log and exposes signal bars (0..4) for the LCD.
 */
type WifiState = "idle" | "connecting" | "connected" | "waiting";
/** For code that tests the state periodically (a literal would allocate at each evaluation in XS). */
export const WIFI_CONNECTED: WifiState = "connected";

export class WifiSupervisor {
  state: WifiState = "idle";
  /** Attempts since the last successful connection. */
  failures = 0;
  /** Called after every change of `state` (time sync, the LCD signal bars). */
  onStateChange: ((state: WifiSupervisor["state"]) => void) | null = null;
  private retryTimer: TimerId | undefined;

  constructor(private readonly wifi: WifiPort, private readonly clock: Clock, private readonly events: EventLogs, private readonly ssid: string, private readonly password: string) {
    wifi.onChanged(this.changed.bind(this));
  }

  start(): void {
    if (!this.ssid) return;
    this.attempt();
  }

  /** Delay before the next attempt after `failures` failed ones. */
  static backoffMs(failures: number): number {
    return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
  }

  /** Signal bars for the LCD: 0 when offline, else 1..4 from RSSI. */
  get signalBars(): number {
    const rssi = this.wifi.rssi;
    if (this.state !== WIFI_CONNECTED || rssi === undefined) return 0;
    return rssi >= -55 ? 4 : rssi >= -65 ? 3 : rssi >= -75 ? 2 : 1;
  }

  private attempt(): void {
    this.setState("connecting");
    this.wifi.connect(this.ssid, this.password);
    // A connect that never reports back counts as a failure after 20 s.
    this.schedule(20_000);
  }

  private changed(): void {
    if (this.wifi.connected) {
      if (this.state !== "connected") this.events.record("communication", WIFI_EVENT.connected);
      this.failures = 0;
      this.cancel();
      this.setState("connected");
      return;
    }
    if (this.state === "connected") this.events.record("communication", WIFI_EVENT.disconnected);
    if (this.state === "connected" || this.state === "connecting") {
      this.failures++;
      this.setState("waiting");
      this.schedule(WifiSupervisor.backoffMs(this.failures));
    }
  }

  private setState(state: WifiSupervisor["state"]): void {
    const changed = state !== this.state;
    this.state = state;
    if (changed) this.onStateChange?.(state);
  }

  private schedule(delayMs: number): void {
    this.cancel();
    this.retryTimer = this.clock.schedule(() => {
      this.retryTimer = undefined;
      if (this.state === "connecting") {
        this.failures++;
        this.wifi.disconnect();
        this.setState("waiting");
        this.schedule(WifiSupervisor.backoffMs(this.failures));
      } else if (this.state === "waiting") {
        this.attempt();
      }
    }, delayMs);
  }

  private cancel(): void {
    if (this.retryTimer !== undefined) this.clock.clearTimer(this.retryTimer);
    this.retryTimer = undefined;
  }
}
