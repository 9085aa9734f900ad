import type { Clock, Log, TimerId } from "../../hal";
import type { Network, TcpHandler, TcpSocket } from "../../hal/tcp";
import { type BrokerPacket, type PacketSink, CONNACK_REASON, utf8Length, writeUtf8, type ConnectOptions, DISCONNECT, encodeConnect, encodePublishHeader, PACKET, PacketReader, PINGREQ, publishHeaderRoom } from "./packets";

export interface MqttClientOptions {
  host: string;
  port: number;
  /** Through the platform's TLS socket (`Network.connectTls`); never falls back to plain TCP. */
  tls: boolean;
  clientId: string;
  username: string;
  password: string;
  keepAliveS: number;
  willTopic: string;
  willPayload: string;
  /** Time for the TCP/TLS connection and the CONNACK. */
  connectTimeoutMs: number;
  /** A QoS 1 message without PUBACK after this is sent again (DUP), at most `maxResends` times. */
  ackTimeoutMs: number;
  maxResends: number;
  /** Reconnect delay: doubles from min to max after each failed attempt. */
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Largest packet (the packet buffer and the unsent-rest buffer each take this much). */
  maxPacketBytes: number;
  /** Longest topic (room kept before every payload for its header). */
  maxTopicBytes: number;
}

/** One QoS 1 message the owner keeps (and can give again for a resend). */
export interface OutMessage {
  topic: Uint8Array;
  retain: boolean;
  /** The payload (UTF-8 encoded into the packet buffer when sent). */
  text: string;
}

/** The owner's queue of QoS 1 messages; the client sends its head and waits for the PUBACK. */
export interface Qos1Outbox {
  /** The head message, or null when empty. */
  head(): OutMessage | null;
  /** The head was acknowledged (`delivered`) or given up after its resends. */
  done(delivered: boolean): void;
  /** After CONNACK accepted (the owner queues its birth and discovery messages); optional. */
  connected?(): void;
}

type MqttState = "stopped" | "waiting" | "connecting" | "connected";

export interface MqttCounters {
  connects: number;
  connectFailures: number;
  /** Connections lost after CONNACK (broker gone, keep-alive expired, write stalled). */
  connectionsLost: number;
  published: number;
  /** QoS 0 messages not sent: not connected, or the socket had not taken the previous packet. */
  droppedQos0: number;
  /** QoS 1 messages given up after their resends. */
  droppedQos1: number;
  resends: number;
  bytesSent: number;
  /** Size of the last PUBLISH packet written (header + topic + payload). */
  lastPublishBytes: number;
}

/** The part of a TextEncoder this client uses (the WHATWG shape). */
interface EngineTextEncoder {
  encodeInto?(text: string, out: Uint8Array): { read?: number; written?: number };
}

/**
 * The engine's TextEncoder.encodeInto where the engine has one (Node, xsnap; on Moddable only when
 * the app includes the SDK's text encoder module, which the meter's manifest does not), else
 * undefined. TextEncoder is not an XS builtin, so the linker's strip cannot remove it; it is read
 * off globalThis because the SDK's typings declare no global TextEncoder.
 */
function nativeTextEncoder(): ((text: string, out: Uint8Array) => number) | undefined {
  const Encoder = (globalThis as { TextEncoder?: new () => EngineTextEncoder }).TextEncoder;
  if (typeof Encoder !== "function") return undefined;
  const encoder = new Encoder();
  if (typeof encoder.encodeInto !== "function") return undefined;
  return (text, out) => {
    const r = encoder.encodeInto!(text, out);
    return r.read === text.length ? (r.written ?? 0) : -1;
  };
}

/** The portable UTF-8 writer (module level: preloaded, no closure per client). */
function portableEncode(text: string, out: Uint8Array): number {
  return utf8Length(text) > out.length ? -1 : writeUtf8(out, 0, text);
}

/** How often a packet the socket took only in part is offered again. */
const FLUSH_RETRY_MS = 100;

/**
 * A publish-only MQTT 3.1.1 client over the TcpSocket port. Memory is fixed at construction
 * (a packet buffer and a buffer for the rest of a packet the socket took only in part): a slow or
 * dead broker makes it drop QoS 0 messages (counted), never queue them. QoS 1 messages stay in
 * the owner's bounded outbox, one in flight at a time. Nothing here runs inside the metering tick;
 * every call returns at once (the socket port never blocks).
 */
export class MqttClient implements PacketSink, TcpHandler {
  state: MqttState = "stopped";
  readonly counters: MqttCounters = { connects: 0, connectFailures: 0, connectionsLost: 0, published: 0, droppedQos0: 0, droppedQos1: 0, resends: 0, bytesSent: 0, lastPublishBytes: 0 };
  /** Last failure, one line (for the panel and the log). */
  lastError = "";

  private socket: TcpSocket | null = null;
  private readonly packet: Uint8Array;
  private readonly payloadStart: number;
  /** The payload area of the packet buffer (text is encoded straight into it). */
  private readonly payloadView: Uint8Array;
  private readonly encodeText: (text: string, out: Uint8Array) => number;
  private readonly rest: Uint8Array;
  private restStart = 0;
  private restEnd = 0;
  private readonly reader = new PacketReader();
  private readonly incoming: BrokerPacket = { type: 0, value: 0, sessionPresent: false };
  private backoffMs: number;
  private timer: TimerId | undefined;
  private keepAliveTimer: TimerId | undefined;
  private flushTimer: TimerId | undefined;
  private pingOutstanding = false;
  private nextPacketId = 1;
  private inflightId = 0;
  private inflightTries = 0;
  private ackTimer: TimerId | undefined;
  /** Increases with every socket, so callbacks of an old socket are ignored. */
  private generation = 0;

  /**
   * `encodeText` writes a string as UTF-8 into `out` and returns the byte count (-1: it did not fit): the platform's
   * native encoder where it has one (TextEncoder.encodeInto), else the portable loop.
   */
  constructor(readonly options: MqttClientOptions, private readonly clock: Clock, private readonly network: Network, private readonly log: Log, private readonly outbox: Qos1Outbox, encodeText?: (text: string, out: Uint8Array) => number) {
    this.packet = new Uint8Array(options.maxPacketBytes);
    this.rest = new Uint8Array(options.maxPacketBytes);
    this.payloadStart = publishHeaderRoom(options.maxTopicBytes);
    this.payloadView = this.packet.subarray(this.payloadStart);
    this.encodeText = encodeText ?? nativeTextEncoder() ?? portableEncode;
    this.backoffMs = options.backoffMinMs;
  }

  /** Room for a payload (bytes). */
  get payloadRoom(): number {
    return this.packet.length - this.payloadStart;
  }

  start(): void {
    if (this.state !== "stopped") return;
    this.connect();
  }

  /** Ends the session cleanly (DISCONNECT: the broker does not publish the will). */
  stop(): void {
    if (this.state === "connected" && this.restEnd === this.restStart) this.write(DISCONNECT, 0, DISCONNECT.length);
    this.drop();
    this.clear("timer");
    this.state = "stopped";
  }

  /** Publishes one QoS 0 message; false (counted) when it could not be sent now. */
  publishQos0(topic: Uint8Array, retain: boolean, text: string): boolean {
    if (this.state !== "connected" || !this.flushRest()) {
      this.counters.droppedQos0++;
      return false;
    }
    const length = this.encodePayload(text);
    if (length < 0) {
      this.counters.droppedQos0++;
      return false;
    }
    this.sendPublish(topic, retain, 0, 0, false, length);
    return true;
  }

  /** The payload into the packet buffer; its length, or -1 (and lastError) when it does not fit. */
  private encodePayload(text: string): number {
    const written = text.length > this.payloadView.length ? -1 : this.encodeText(text, this.payloadView);
    if (written < 0) this.lastError = `a message of ${utf8Length(text)} bytes does not fit the ${this.payloadView.length}-byte payload buffer`;
    return written;
  }

  /** Sends the outbox's head if nothing is in flight (call after adding to the outbox). */
  pump(): void {
    if (this.state !== "connected" || this.inflightId !== 0 || !this.flushRest()) return;
    this.sendHead(false);
  }

  private sendHead(dup: boolean): void {
    const message = this.outbox.head();
    if (!message) return;
    const length = this.encodePayload(message.text);
    if (length < 0) {
      // Never fits: given up at once (counted), the next one follows.
      this.inflightId = 0;
      this.clear("ack");
      this.counters.droppedQos1++;
      this.outbox.done(false);
      this.sendHead(false);
      return;
    }
    if (!dup) {
      this.inflightId = this.nextPacketId;
      this.nextPacketId = this.nextPacketId === 0xffff ? 1 : this.nextPacketId + 1;
      this.inflightTries = 0;
    }
    this.sendPublish(message.topic, message.retain, 1, this.inflightId, dup, length);
    this.clear("ack");
    this.ackTimer = this.clock.schedule(() => this.ackTimedOut(), this.options.ackTimeoutMs);
  }

  private ackTimedOut(): void {
    this.ackTimer = undefined;
    if (this.inflightId === 0 || this.state !== "connected") return;
    if (this.inflightTries >= this.options.maxResends) {
      this.inflightId = 0;
      this.counters.droppedQos1++;
      this.outbox.done(false);
      this.pump();
      return;
    }
    this.inflightTries++;
    this.counters.resends++;
    if (this.flushRest()) this.sendHead(true);
    else this.ackTimer = this.clock.schedule(() => this.ackTimedOut(), this.options.ackTimeoutMs);
  }

  private sendPublish(topic: Uint8Array, retain: boolean, qos: 0 | 1, packetId: number, dup: boolean, payloadLength: number): void {
    const end = this.payloadStart + payloadLength;
    const start = encodePublishHeader(this.packet, this.payloadStart, topic, payloadLength, qos, retain, packetId, dup);
    this.counters.lastPublishBytes = end - start;
    this.counters.published++;
    this.write(this.packet, start, end);
  }

  /** Writes bytes; what the socket does not take is kept (in `rest`) and offered again. */
  private write(bytes: Uint8Array, start: number, end: number): void {
    const socket = this.socket;
    if (!socket) return;
    const chunk = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
    let taken = 0;
    try {
      taken = socket.write(chunk);
    } catch {
      taken = 0;
    }
    this.counters.bytesSent += taken;
    if (taken < chunk.length) {
      this.rest.set(chunk.subarray(taken), 0);
      this.restStart = 0;
      this.restEnd = chunk.length - taken;
      this.armFlush();
    }
  }

  /** True when nothing is left over from an earlier packet. */
  private flushRest(): boolean {
    if (this.restEnd === this.restStart) return true;
    const socket = this.socket;
    if (!socket) return false;
    let taken = 0;
    try {
      taken = socket.write(this.rest.subarray(this.restStart, this.restEnd));
    } catch {
      taken = 0;
    }
    this.counters.bytesSent += taken;
    this.restStart += taken;
    if (this.restStart === this.restEnd) {
      this.restStart = this.restEnd = 0;
      return true;
    }
    this.armFlush();
    return false;
  }

  private armFlush(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = this.clock.schedule(() => {
      this.flushTimer = undefined;
      if (this.flushRest()) this.pump();
    }, FLUSH_RETRY_MS);
  }

  private connect(): void {
    this.clear("timer");
    const o = this.options;
    const network = this.network;
    const generation = ++this.generation;
    let socket: TcpSocket;
    try {
      if (o.tls) {
        if (!network.connectTls) throw new Error("TLS requested but this platform has no TLS socket");
        socket = network.connectTls(o.host, o.port, o.host);
      } else {
        socket = network.connect(o.host, o.port);
      }
    } catch (e) {
      this.failed(`connect to ${o.host}:${o.port}: ${(e as Error).message}`);
      return;
    }
    this.socket = socket;
    this.state = "connecting";
    this.reader.reset();
    this.restStart = this.restEnd = 0;
    this.timer = this.clock.schedule(() => {
      this.timer = undefined;
      if (this.state === "connecting") this.lost("no CONNACK in time");
    }, o.connectTimeoutMs);
    if (socket.setHandler) {
      // The socket calls this client's methods: no closures kept per connection.
      socket.setHandler(this);
      if (!socket.onConnect) this.sendConnect();
      return;
    }
    socket.onData((data) => {
      if (generation === this.generation) this.tcpData(data, socket);
    });
    socket.onClose(() => {
      if (generation === this.generation) this.tcpClosed(socket);
    });
    if (socket.onConnect) socket.onConnect(() => generation === this.generation && this.sendConnect());
    else this.sendConnect();
  }

  /** TcpHandler: bytes from the broker (a socket this client has let go is ignored). */
  tcpData(data: Uint8Array, socket: TcpSocket): void {
    if (socket !== this.socket) return;
    this.reader.feed(data, this.incoming, this);
    if (this.reader.malformed) this.lost("malformed packet from the broker");
  }

  tcpClosed(socket: TcpSocket): void {
    if (socket !== this.socket) return;
    this.lost(this.state === "connected" ? "connection closed by the broker" : "connection refused or closed before CONNACK");
  }

  tcpConnected(socket: TcpSocket): void {
    if (socket === this.socket) this.sendConnect();
  }

  private sendConnect(): void {
    if (this.state !== "connecting") return;
    const length = encodeConnect(this.packet, this.connectOptions());
    this.write(this.packet, 0, length);
  }

  private connectOptions(): ConnectOptions {
    const o = this.options;
    return { clientId: o.clientId, keepAliveS: o.keepAliveS, username: o.username, password: o.password, willTopic: o.willTopic, willPayload: o.willPayload, willQos: 1, willRetain: true };
  }

  /** A complete packet from the broker (PacketReader's sink). */
  brokerPacket(p: BrokerPacket): void {
    if (p.type === PACKET.connack && this.state === "connecting") {
      if (p.value !== 0) {
        this.lost(`broker refused the connection: ${CONNACK_REASON[p.value] ?? `code ${p.value}`}`);
        return;
      }
      this.clear("timer");
      this.state = "connected";
      this.counters.connects++;
      this.backoffMs = this.options.backoffMinMs;
      this.lastError = "";
      this.pingOutstanding = false;
      this.inflightId = 0;
      if (this.options.keepAliveS > 0) this.keepAliveTimer = this.clock.repeat(() => this.keepAlive(), this.options.keepAliveS * 1000);
      this.log.info(`MQTT connected to ${this.options.host}:${this.options.port}${this.options.tls ? " (TLS)" : ""} as ${this.options.clientId}`);
      this.outbox.connected?.();
      this.pump();
    } else if (p.type === PACKET.puback && p.value === this.inflightId && this.inflightId !== 0) {
      this.clear("ack");
      this.inflightId = 0;
      this.outbox.done(true);
      this.pump();
    } else if (p.type === PACKET.pingresp) {
      this.pingOutstanding = false;
    }
  }

  /** Every keep-alive period: a PINGREQ; none answered since the last one = the broker is gone. */
  private keepAlive(): void {
    if (this.state !== "connected") return;
    if (this.pingOutstanding) {
      this.lost("no PINGRESP within the keep-alive period");
      return;
    }
    this.pingOutstanding = true;
    if (this.flushRest()) this.write(PINGREQ, 0, PINGREQ.length);
  }

  private lost(reason: string): void {
    if (this.state === "stopped" || this.state === "waiting") return;
    if (this.state === "connected") {
      this.counters.connectionsLost++;
      this.log.warn(`MQTT: ${reason}; reconnecting`);
    }
    this.failed(reason);
  }

  private failed(reason: string): void {
    if (this.state !== "connected") this.counters.connectFailures++;
    // One line per new cause (a broker that stays away is not logged every attempt).
    if (reason !== this.lastError && this.state !== "connected") this.log.warn(`MQTT: ${reason}`);
    this.lastError = reason;
    this.drop();
    this.state = "waiting";
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.options.backoffMaxMs, this.backoffMs * 2);
    this.clear("timer");
    this.timer = this.clock.schedule(() => {
      this.timer = undefined;
      this.connect();
    }, delay);
  }

  /** Forgets the socket (closing it) and the timers that belong to a connection. */
  private drop(): void {
    this.generation++;
    this.clear("keepAlive");
    this.clear("ack");
    this.clear("flush");
    this.inflightId = 0;
    this.restStart = this.restEnd = 0;
    const s = this.socket;
    this.socket = null;
    if (s) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
  }

  private clear(which: "timer" | "keepAlive" | "ack" | "flush"): void {
    const id = which === "timer" ? this.timer : which === "keepAlive" ? this.keepAliveTimer : which === "ack" ? this.ackTimer : this.flushTimer;
    if (id !== undefined) this.clock.clearTimer(id);
    if (which === "timer") this.timer = undefined;
    else if (which === "keepAlive") this.keepAliveTimer = undefined;
    else if (which === "ack") this.ackTimer = undefined;
    else this.flushTimer = undefined;
  }
}
