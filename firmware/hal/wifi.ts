/** Station-mode Wi-Fi interface (ECMA-419 `embedded:network/interface/wifi`). */
export interface WifiPort {
  connect(ssid: string, password: string): void;
  disconnect(): void;
  /** True once associated and an IP address is assigned. */
  readonly connected: boolean;
  readonly address: string | undefined;
  /** Signal strength in dBm of the current association (undefined when not connected). */
  readonly rssi: number | undefined;
  /** Called on every change of connection state. */
  onChanged(handler: () => void): void;
}
