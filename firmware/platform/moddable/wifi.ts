import type { WifiPort } from "../../hal/wifi";
import { deepFreeze } from "../../kernel/freeze";

/** The subset of `embedded:network/interface/wifi` the adapter uses. */
export interface WifiIo {
  connect(options: { SSID: string; password?: string }): void;
  disconnect(): void;
  /** 200 disconnected, 300 connecting, 400 associated, 500 associated with an address (modules/io/wifi/esp32). */
  readonly connection: number;
  readonly address: string | undefined;
  /** dBm of the current association; the SDK has the getter, its typings not yet. */
  readonly RSSI?: number;
}

export interface WifiClass {
  new (options: { onChanged?: () => void }): WifiIo;
}

/** `connection` values of Moddable's ECMA-419 Wi-Fi. */
export const WIFI_CONNECTION = deepFreeze({ disconnected: 200, connecting: 300, associated: 400, ready: 500 } as const);

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * WifiPort over ECMA-419 Wi-Fi. The link counts as up once associated with an IPv4 address
 * (`connection` 500 also needs the IPv6 link-local address, which DLMS over IPv4 does not). RSSI
 * comes from the instance's `RSSI` getter, or from `readRssi` when given (tests, other ports).
 */
export class Ecma419Wifi implements WifiPort {
  private handler: (() => void) | null = null;
  private readonly io: WifiIo;

  constructor(WiFi: WifiClass, private readonly readRssi?: () => number | undefined) {
    this.io = new WiFi({ onChanged: () => this.handler?.() });
  }

  connect(ssid: string, password: string): void {
    this.io.connect(password ? { SSID: ssid, password } : { SSID: ssid });
  }

  disconnect(): void {
    this.io.disconnect();
  }

  get connected(): boolean {
    const c = this.io.connection;
    if (c === WIFI_CONNECTION.ready) return true;
    const address = this.io.address;
    return c === WIFI_CONNECTION.associated && address !== undefined && IPV4.test(address);
  }

  get address(): string | undefined {
    return this.io.address;
  }

  get rssi(): number | undefined {
    if (!this.connected) return undefined;
    if (this.readRssi) return this.readRssi();
    const rssi = this.io.RSSI;
    return typeof rssi === "number" ? rssi : undefined;
  }

  onChanged(handler: () => void): void {
    this.handler = handler;
  }
}
