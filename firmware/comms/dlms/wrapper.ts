/**
 * IEC 62056-47 TCP WRAPPER: 8-byte header (version 0x0001, source wPort, destination wPort,
 * APDU length, all big-endian u16) before each APDU. TCP is a stream, so the reassembler copes
 * with frames split across reads and several frames in one read.
 */
const WRAPPER_VERSION = 1;
export const WRAPPER_HEADER_LENGTH = 8;

export function writeWrapperHeader(out: Uint8Array, offset: number, source: number, destination: number, apduLength: number): void {
  out[offset] = 0;
  out[offset + 1] = WRAPPER_VERSION;
  out[offset + 2] = source >>> 8;
  out[offset + 3] = source & 0xff;
  out[offset + 4] = destination >>> 8;
  out[offset + 5] = destination & 0xff;
  out[offset + 6] = apduLength >>> 8;
  out[offset + 7] = apduLength & 0xff;
}

/** A complete frame: header plus APDU. */
export function wrapFrame(source: number, destination: number, apdu: Uint8Array): Uint8Array {
  const out = new Uint8Array(WRAPPER_HEADER_LENGTH + apdu.length);
  writeWrapperHeader(out, 0, source, destination, apdu.length);
  out.set(apdu, WRAPPER_HEADER_LENGTH);
  return out;
}

/** Receives whole frames from a reassembler; `apdu[start, end)` is valid only during the call. */
export interface WrapperSink {
  onFrame(source: number, destination: number, apdu: Uint8Array, start: number, end: number): void;
}

type WrapperStatus = "ok" | "bad-version" | "too-long";

/**
 * Collects stream bytes into frames. A header with a wrong version or a length above
 * `maxApduLength` makes `push` return an error status: the caller closes the connection.
 * The buffer is allocated once (header + largest acceptable APDU).
 */
export class WrapperReassembler {
  private readonly buffer: Uint8Array;
  /** Bytes held that do not yet form a frame (read-only outside). */
  filled = 0;
  /** Set by the sink (through `stop`) when the connection is being closed mid-read. */
  private stopped = false;

  constructor(readonly maxApduLength: number, private readonly sink: WrapperSink) {
    this.buffer = new Uint8Array(WRAPPER_HEADER_LENGTH + maxApduLength);
  }

  /** Bytes held that do not yet form a frame. */
  get pending(): number {
    return this.filled;
  }

  stop(): void {
    this.stopped = true;
  }

  push(data: Uint8Array): WrapperStatus {
    let offset = 0;
    const n = data.length;
    while (offset < n && !this.stopped) {
      if (this.filled === 0) {
        // Fast path: whole frames straight from the read buffer, no copy.
        if (n - offset >= WRAPPER_HEADER_LENGTH) {
          const status = checkHeader(data, offset, this.maxApduLength);
          if (status !== "ok") return status;
          const apduLength = data[offset + 6] * 256 + data[offset + 7];
          const end = offset + WRAPPER_HEADER_LENGTH + apduLength;
          if (end <= n) {
            this.sink.onFrame(data[offset + 2] * 256 + data[offset + 3], data[offset + 4] * 256 + data[offset + 5], data, offset + WRAPPER_HEADER_LENGTH, end);
            offset = end;
            continue;
          }
        }
      }
      // Slow path: accumulate.
      if (this.filled < WRAPPER_HEADER_LENGTH) {
        const take = Math.min(WRAPPER_HEADER_LENGTH - this.filled, n - offset);
        this.buffer.set(data.subarray(offset, offset + take), this.filled);
        this.filled += take;
        offset += take;
        if (this.filled < WRAPPER_HEADER_LENGTH) break;
        const status = checkHeader(this.buffer, 0, this.maxApduLength);
        if (status !== "ok") return status;
      }
      const b = this.buffer;
      const total = WRAPPER_HEADER_LENGTH + b[6] * 256 + b[7];
      const take = Math.min(total - this.filled, n - offset);
      if (take > 0) {
        b.set(data.subarray(offset, offset + take), this.filled);
        this.filled += take;
        offset += take;
      }
      if (this.filled === total) {
        this.filled = 0;
        this.sink.onFrame(b[2] * 256 + b[3], b[4] * 256 + b[5], b, WRAPPER_HEADER_LENGTH, total);
      }
    }
    return "ok";
  }
}

function checkHeader(bytes: Uint8Array, offset: number, maxApduLength: number): WrapperStatus {
  if (bytes[offset] !== 0 || bytes[offset + 1] !== WRAPPER_VERSION) return "bad-version";
  if (bytes[offset + 6] * 256 + bytes[offset + 7] > maxApduLength) return "too-long";
  return "ok";
}
