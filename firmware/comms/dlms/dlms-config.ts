/** DLMS server settings (part of MeterConfig). */
export const DEFAULT_READER_PASSWORD = "12345678";

export interface DlmsConfig {
  /** TCP port (4059). */
  port: number;
  /** Address to bind (the host simulator uses 127.0.0.1; undefined = all interfaces). */
  address?: string;
  /** LLS password of the reader association (client SAP 17). */
  readerPassword: string;
  idleTimeoutMs: number;
  maxConnections: number;
  serverMaxReceivePdu: number;
  /** Cap on the APDUs sent, whatever the client allows (keeps RAM bounded on the ESP32). */
  maxSendPdu: number;
  /** Refuse to open the port while a secret is still its default (true on a device build). */
  refuseDefaultSecrets: boolean;
}

export function defaultDlmsConfig(): DlmsConfig {
  return {
    port: 4059,
    readerPassword: DEFAULT_READER_PASSWORD,
    idleTimeoutMs: 120_000,
    maxConnections: 4,
    serverMaxReceivePdu: 1024,
    maxSendPdu: 2048,
    refuseDefaultSecrets: true,
  };
}

