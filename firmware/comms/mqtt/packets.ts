/**
 * MQTT 3.1.1 control packets (OASIS standard, docs/readme/mqtt.md): the ones a publish-only
 * client sends (CONNECT, PUBLISH, PINGREQ, DISCONNECT) encoded into a caller's buffer, and an
 * incremental reader for what a broker sends it (CONNACK, PUBACK, PINGRESP; anything else is
 * skipped by its length). No allocation per packet: the caller owns every buffer.
 */
import { deepFreeze } from "../../kernel/freeze";

export const PACKET = deepFreeze({ connect: 1, connack: 2, publish: 3, puback: 4, pingreq: 12, pingresp: 13, disconnect: 14 } as const);

/** CONNACK return codes (3.2.2.3). */
export const CONNACK_REASON: readonly string[] = deepFreeze([
  "accepted",
  "unacceptable protocol version",
  "client identifier rejected",
  "server unavailable",
  "bad user name or password",
  "not authorized",
]);

/** Bytes a string takes in UTF-8. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Writes `text` as UTF-8 at `pos`; returns the position after it. */
export function writeUtf8(out: Uint8Array, pos: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[pos++] = c;
    } else if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      c = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
      out[pos++] = 0xf0 | (c >> 18);
      out[pos++] = 0x80 | ((c >> 12) & 0x3f);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    } else {
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos;
}

/** UTF-8 bytes of a constant text (topics), made once at construction. */
export function bytesOf(text: string): Uint8Array {
  const out = new Uint8Array(utf8Length(text));
  writeUtf8(out, 0, text);
  return out;
}

/** Bytes of the Remaining Length field for `length` (1..4). */
function remainingLengthSize(length: number): number {
  return length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4;
}

function writeRemainingLength(out: Uint8Array, pos: number, length: number): number {
  do {
    let digit = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) digit |= 0x80;
    out[pos++] = digit;
  } while (length > 0);
  return pos;
}

function writeString(out: Uint8Array, pos: number, text: string, length: number): number {
  out[pos] = length >> 8;
  out[pos + 1] = length & 0xff;
  return writeUtf8(out, pos + 2, text);
}

export interface ConnectOptions {
  clientId: string;
  keepAliveS: number;
  username: string;
  password: string;
  willTopic: string;
  willPayload: string;
  willQos: 0 | 1;
  willRetain: boolean;
}

/** CONNECT with clean session, the will and (when not empty) user name and password; returns its length. */
export function encodeConnect(out: Uint8Array, o: ConnectOptions): number {
  const idLen = utf8Length(o.clientId);
  const willTopicLen = utf8Length(o.willTopic);
  const willLen = utf8Length(o.willPayload);
  const userLen = utf8Length(o.username);
  const passLen = utf8Length(o.password);
  let remaining = 10 + 2 + idLen + 2 + willTopicLen + 2 + willLen;
  let flags = 0x02 | 0x04 | (o.willQos << 3) | (o.willRetain ? 0x20 : 0);
  if (o.username !== "") {
    flags |= 0x80;
    remaining += 2 + userLen;
    if (o.password !== "") {
      flags |= 0x40;
      remaining += 2 + passLen;
    }
  }
  if (1 + remainingLengthSize(remaining) + remaining > out.length) throw new RangeError("CONNECT does not fit the packet buffer");
  let p = 0;
  out[p++] = PACKET.connect << 4;
  p = writeRemainingLength(out, p, remaining);
  p = writeString(out, p, "MQTT", 4);
  out[p++] = 4; // protocol level 3.1.1
  out[p++] = flags;
  out[p++] = (o.keepAliveS >> 8) & 0xff;
  out[p++] = o.keepAliveS & 0xff;
  p = writeString(out, p, o.clientId, idLen);
  p = writeString(out, p, o.willTopic, willTopicLen);
  p = writeString(out, p, o.willPayload, willLen);
  if (flags & 0x80) p = writeString(out, p, o.username, userLen);
  if (flags & 0x40) p = writeString(out, p, o.password, passLen);
  return p;
}

/**
 * PUBLISH header for a payload of `payloadLength` bytes that the caller writes (or has written)
 * at the returned offset. The header is placed so that it ends exactly at `payloadStart`
 * (the caller reserved room for it), which lets a payload be built in place before its length
 * is known. Returns the packet's first byte offset.
 */
export function encodePublishHeader(out: Uint8Array, payloadStart: number, topic: Uint8Array, payloadLength: number, qos: 0 | 1, retain: boolean, packetId: number, dup: boolean): number {
  const variable = 2 + topic.length + (qos > 0 ? 2 : 0);
  const remaining = variable + payloadLength;
  const start = payloadStart - variable - remainingLengthSize(remaining) - 1;
  if (start < 0) throw new RangeError("PUBLISH header does not fit before its payload");
  let p = start;
  out[p++] = (PACKET.publish << 4) | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0);
  p = writeRemainingLength(out, p, remaining);
  out[p++] = topic.length >> 8;
  out[p++] = topic.length & 0xff;
  out.set(topic, p);
  p += topic.length;
  if (qos > 0) {
    out[p++] = packetId >> 8;
    out[p++] = packetId & 0xff;
  }
  return start;
}

/** Room to reserve before a payload for any PUBLISH header with this topic. */
export function publishHeaderRoom(topicLength: number): number {
  return 1 + 4 + 2 + topicLength + 2;
}

export const PINGREQ = Uint8Array.of(PACKET.pingreq << 4, 0);
export const DISCONNECT = Uint8Array.of(PACKET.disconnect << 4, 0);

/** What the reader found; `value` is the CONNACK return code or the PUBACK packet id. */
export interface BrokerPacket {
  type: number;
  value: number;
  /** CONNACK session-present flag. */
  sessionPresent: boolean;
}

/** Where the reader hands complete packets (an object with a method: no closure kept in RAM). */
export interface PacketSink {
  brokerPacket(p: BrokerPacket): void;
}

/**
 * Incremental reader of the broker's packets: bytes may arrive split anywhere. Only the first
 * bytes of a packet's body are kept (those of CONNACK/PUBACK); longer bodies are skipped.
 */
export class PacketReader {
  private state: "header" | "length" | "body" = "header";
  private type = 0;
  private remaining = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private readonly body = new Uint8Array(4);
  private bodyLength = 0;
  private bodyRead = 0;
  /** Malformed input seen (a Remaining Length over 4 bytes): the connection must be dropped. */
  malformed = false;

  reset(): void {
    this.state = "header";
    this.malformed = false;
  }

  /** Feeds bytes; calls `sink.brokerPacket` for every complete packet, reusing `packet`. */
  feed(data: Uint8Array, packet: BrokerPacket, sink: PacketSink): void {
    for (let i = 0; i < data.length && !this.malformed; i++) {
      const b = data[i];
      if (this.state === "header") {
        this.type = b >> 4;
        this.remaining = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        this.state = "length";
      } else if (this.state === "length") {
        this.remaining += (b & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        if (++this.lengthBytes > 4) {
          this.malformed = true;
          return;
        }
        if ((b & 0x80) === 0) {
          this.bodyLength = this.remaining;
          this.bodyRead = 0;
          if (this.remaining === 0) this.complete(packet, sink);
          else this.state = "body";
        }
      } else {
        // Skip what is not kept in one step.
        const take = Math.min(data.length - i, this.bodyLength - this.bodyRead);
        for (let k = 0; k < take; k++) {
          const at = this.bodyRead + k;
          if (at < this.body.length) this.body[at] = data[i + k];
        }
        this.bodyRead += take;
        i += take - 1;
        if (this.bodyRead === this.bodyLength) this.complete(packet, sink);
      }
    }
  }

  private complete(packet: BrokerPacket, sink: PacketSink): void {
    this.state = "header";
    packet.type = this.type;
    packet.sessionPresent = false;
    packet.value = 0;
    if (this.type === PACKET.connack && this.bodyLength >= 2) {
      packet.sessionPresent = (this.body[0] & 1) === 1;
      packet.value = this.body[1];
    } else if (this.type === PACKET.puback && this.bodyLength >= 2) {
      packet.value = (this.body[0] << 8) | this.body[1];
    }
    sink.brokerPacket(packet);
  }
}
