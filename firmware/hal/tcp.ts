/**
 * A socket's events as method calls on one object (see `TcpSocket.setHandler`): no closure per
 * connection in the heap (an arrow function costs 9-17 slots in XS). Each gets the socket, so a
 * handler can ignore one it has let go.
 */
export interface TcpHandler {
  tcpData(data: Uint8Array, socket: TcpSocket): void;
  tcpClosed(socket: TcpSocket): void;
  /** Outgoing sockets: the connection is established (as `onConnect`). */
  tcpConnected?(socket: TcpSocket): void;
}

/** A connected TCP stream (ECMA-419 `embedded:io/socket/tcp`). */
export interface TcpSocket {
  /** Remote address and port, used to key per-source state (authentication back-off). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Queues bytes for sending; returns the number accepted (less than all = back-pressure). */
  write(data: Uint8Array): number;
  /** Received bytes; a frame may arrive split or several frames in one call. */
  onData(handler: (data: Uint8Array) => void): void;
  /** Called once when the peer closes or the connection fails. */
  onClose(handler: () => void): void;
  /**
   * Outgoing sockets: called once the connection is established (ECMA-419: the first
   * `onWritable`). Optional: an implementation without it gives no such signal.
   */
  onConnect?(handler: () => void): void;
  /**
   * Optional: every event to `handler`'s methods instead of the callbacks above (set one or the
   * other). A connected outgoing socket calls `tcpConnected` at once, as `onConnect` does.
   */
  setHandler?(handler: TcpHandler): void;
  close(): void;
}

/** A listening TCP port (ECMA-419 `embedded:io/socket/listener`). */
export interface TcpListener {
  onConnection(handler: (socket: TcpSocket) => void): void;
  close(): void;
}

/** Opens listeners and outgoing connections (the push client dials a head-end). */
export interface Network {
  listen(port: number, address?: string): TcpListener;
  connect(host: string, port: number): TcpSocket;
  /**
   * An outgoing TLS connection (the server certificate checked against the platform's trusted
   * roots for `serverName`). Absent where the platform has no TLS socket.
   */
  connectTls?(host: string, port: number, serverName: string): TcpSocket;
}
