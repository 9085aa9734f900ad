import type { SntpTransport } from "../../comms/net/time-sync";
import { SNTP_PORT } from "../../comms/net/sntp";
import type { Bytes } from "./ecma419";

/** The parts of `embedded:io/socket/udp` used (modules/io/socket/lwip/udp.c: write(address, port, buffer)). */
export interface UdpIo {
  write(address: string, port: number, buffer: Bytes): void;
  read(): (ArrayBuffer & { address: string; port: number }) | undefined;
  close(): void;
}

export interface UdpClass {
  new (options: { onReadable?: (this: UdpIo, packets: number) => void }): UdpIo;
}

/**
 * SntpTransport on ECMA-419 UDP: a socket per exchange (bound to an ephemeral port), closed when
 * the exchange ends. Only datagrams from the server's address and port 123 are passed on.
 */
export class UdpSntpTransport implements SntpTransport {
  private socket: UdpIo | null = null;

  constructor(private readonly UDP: UdpClass) {}

  send(server: string, request: Uint8Array, onReply: (reply: Uint8Array) => void): void {
    this.cancel();
    const socket = new this.UDP({
      onReadable(this: UdpIo, packets: number) {
        for (let i = 0; i < packets; i++) {
          const packet = this.read();
          if (!packet) return;
          if (packet.address === server && packet.port === SNTP_PORT) onReply(new Uint8Array(packet));
        }
      },
    });
    this.socket = socket;
    try {
      socket.write(server, SNTP_PORT, request);
    } catch {
      // No route yet, or the stack refused the datagram: the sync's timeout counts it as a failure.
    }
  }

  cancel(): void {
    this.socket?.close();
    this.socket = null;
  }
}
