import type { WifiPort } from "../../hal/wifi";

/** The subset of `embedded:network/interface/wifi` the adapter uses. */
export interface WifiIo {
  connect(options: { SSID: string; password?: string }): void;
  disconnect(): void;
  readonly connection: number;
  readonly address: string | undefined;
}

export interface WifiClass {
  new (options: { onChanged?: () => void }): WifiIo;
}

/**
 * WifiPort over ECMA-419 Wi-Fi. `connection` is non-zero while associated; we count the link as
 * up only once an address is assigned. The SDK typings expose no RSSI on this class, so it comes
 * from an optional reader (a scan result or a native helper) and is undefined otherwise.
 */
export class Ecma419Wifi implements WifiPort {
  private handler: (() => void) | null = null;
  private readonly io: WifiIo;

  constructor(WiFi: WifiClass, private readonly readRssi?: () => number | undefined) {
    this.io = new WiFi({ onChanged: () => this.handler?.() });
  }

  connect(ssid: string, password: string): void {
    this.io.connect({ SSID: ssid, password });
  }

  disconnect(): void {
    this.io.disconnect();
  }

  get connected(): boolean {
    return this.io.connection !== 0 && this.io.address !== undefined;
  }

  get address(): string | undefined {
    return this.io.address;
  }

  get rssi(): number | undefined {
    return this.connected ? this.readRssi?.() : undefined;
  }

  onChanged(handler: () => void): void {
    this.handler = handler;
  }
}
