/**
 * How the firmware side of the lin board (hardware.ts) reaches the emulated hardware
 * (emulated-board.ts). In mcsim the two run in different XS machines, so the firmware's machine holds
 * exactly what the ESP32 would: SharedBoardLink and serveBoard speak over one SharedArrayBuffer
 * (its memory is outside both XS heaps) with Atomics, so SPI, flash and pins stay synchronous as
 * the ECMA-419 IO classes are. XS forbids Atomics.wait on the main thread, so the firmware side
 * spins on the state word while the worker thread serves; the worker sleeps in Atomics.wait.
 * DirectBoardLink calls the board in the same machine (Node tests).
 *
 * Every request carries the firmware's virtual time. Output pin writes are queued with their times
 * and applied in order before the next request, so bit-banged LCD frames cost no round trip each.
 */
import { EmulatedBoard } from "./emulated-board";

export interface FlashGeometry {
  size: number;
  sectorSize: number;
  sectorCount: number;
}

export interface BoardLink {
  /** The board catches up to `timeMs` (queued pin writes applied on the way). */
  sync(timeMs: number): void;
  /** The firmware drove an output pin (may be queued until the next request). */
  pinWrite(timeMs: number, pin: number, level: number): void;
  spi(timeMs: number, buffer: Uint8Array, mode: number): void;
  deselect(timeMs: number): void;
  flashRead(timeMs: number, partition: number, offset: number, into: Uint8Array): void;
  flashWrite(timeMs: number, partition: number, offset: number, data: Uint8Array): void;
  flashErase(timeMs: number, partition: number, sector: number): void;
  flashGeometry(partition: number): FlashGeometry;
  /** A request to the board's OTA slots (EmulatedBoard.otaControl, OTA_OP): its answer. */
  otaControl(timeMs: number, op: number, arg: number): number;
  /** Level of a board-driven pin now. */
  level(pin: number): number;
  /** When the board next acts by itself (Infinity: never on its own). */
  nextEventAt(): number;
  /**
   * Moves the pin levels the board drove since the last call into `into` as pin, level pairs, as
   * many as fit; returns the number of values written (twice the pairs). A full `into` may leave
   * some for the next call.
   */
  takeEvents(into: Int32Array): number;
}

/** The board in the same machine (Node tests, and any host that does not split machines). */
export class DirectBoardLink implements BoardLink {
  constructor(readonly board: EmulatedBoard) {}
  sync(timeMs: number): void {
    this.board.advance(timeMs);
  }
  pinWrite(timeMs: number, pin: number, level: number): void {
    this.board.advance(timeMs);
    this.board.pinWrite(pin, level);
  }
  spi(timeMs: number, buffer: Uint8Array, mode: number): void {
    this.board.advance(timeMs);
    this.board.spi(buffer, buffer.length, mode);
  }
  deselect(timeMs: number): void {
    this.board.advance(timeMs);
    this.board.deselect();
  }
  flashRead(timeMs: number, partition: number, offset: number, into: Uint8Array): void {
    this.board.advance(timeMs);
    this.board.partition(partition).read(offset, into);
  }
  flashWrite(timeMs: number, partition: number, offset: number, data: Uint8Array): void {
    this.board.advance(timeMs);
    this.board.partition(partition).write(offset, data);
  }
  flashErase(timeMs: number, partition: number, sector: number): void {
    this.board.advance(timeMs);
    this.board.partition(partition).eraseSector(sector);
  }
  flashGeometry(partition: number): FlashGeometry {
    const p = this.board.partition(partition);
    return { size: p.size, sectorSize: p.sectorSize, sectorCount: p.sectorCount };
  }
  otaControl(timeMs: number, op: number, arg: number): number {
    this.board.advance(timeMs);
    return this.board.otaControl(op, arg);
  }
  level(pin: number): number {
    return this.board.initialLevel(pin);
  }
  nextEventAt(): number {
    return this.board.nextEventAt();
  }
  takeEvents(into: Int32Array): number {
    const events = this.board.events;
    const n = Math.min(events.length, into.length & ~1);
    for (let i = 0; i < n; i++) into[i] = events[i];
    if (n === events.length) events.length = 0;
    else events.splice(0, n);
    return n;
  }
}

// The shared channel's layout (bytes). Int32 words unless noted.
const STATE = 0; // word 0: 0 idle, 1 request, 2 reply
const OP = 1;
const ARG = 2; // words 2..5
const RESULT = 6;
const LENGTH = 7;
const TIME = 4; // float64 index (byte 32): the firmware's time of the request
const NEXT = 5; // float64 index (byte 40): the board's next own event (reply)
const EVENTS = 12; // word: events in the reply
const QUEUED = 13; // word: pin writes queued
const EVENT_BASE = 16; // words 16..527: pin, level pairs
const MAX_EVENTS = 256;
const QUEUE_TIME_BASE = 264; // float64 index (byte 2112): queued write times
const QUEUE_PIN_BASE = 1040; // word (byte 4160): queued pin, level pairs
const MAX_QUEUE = 256;
const DATA = 8192; // byte offset of the data area
const DATA_SIZE = 8192;
/** Bytes of the shared channel. */
export const CHANNEL_BYTES = DATA + DATA_SIZE;

const OP_SYNC = 1;
const OP_SPI = 2;
const OP_DESELECT = 3;
const OP_FLASH_READ = 4;
const OP_FLASH_WRITE = 5;
const OP_FLASH_ERASE = 6;
const OP_GEOMETRY = 7;
const OP_LEVEL = 8;
const OP_OTA = 9;

/** The firmware side of the shared channel. */
export class SharedBoardLink implements BoardLink {
  private readonly words: Int32Array;
  private readonly floats: Float64Array;
  private readonly data: Uint8Array;

  constructor(channel: SharedArrayBuffer) {
    this.words = new Int32Array(channel);
    this.floats = new Float64Array(channel);
    this.data = new Uint8Array(channel, DATA, DATA_SIZE);
  }

  sync(timeMs: number): void {
    this.request(OP_SYNC, timeMs, 0, 0, 0);
  }

  pinWrite(timeMs: number, pin: number, level: number): void {
    const w = this.words;
    let n = w[QUEUED];
    if (n === MAX_QUEUE) {
      this.sync(timeMs);
      n = 0;
    }
    this.floats[QUEUE_TIME_BASE + n] = timeMs;
    w[QUEUE_PIN_BASE + 2 * n] = pin;
    w[QUEUE_PIN_BASE + 2 * n + 1] = level;
    w[QUEUED] = n + 1;
  }

  spi(timeMs: number, buffer: Uint8Array, mode: number): void {
    // Element copies, no subarray: nothing allocated per transaction (as on the ESP32's native SPI).
    const data = this.data;
    for (let at = 0; at < buffer.length; at += DATA_SIZE) {
      const n = Math.min(DATA_SIZE, buffer.length - at);
      for (let i = 0; i < n; i++) data[i] = buffer[at + i];
      this.request(OP_SPI, timeMs, n, mode, 0);
      if (mode !== 1) for (let i = 0; i < n; i++) buffer[at + i] = data[i];
    }
  }

  deselect(timeMs: number): void {
    this.request(OP_DESELECT, timeMs, 0, 0, 0);
  }

  flashRead(timeMs: number, partition: number, offset: number, into: Uint8Array): void {
    for (let at = 0; at < into.length; at += DATA_SIZE) {
      const n = Math.min(DATA_SIZE, into.length - at);
      this.request(OP_FLASH_READ, timeMs, partition, offset + at, n);
      const data = this.data;
      for (let i = 0; i < n; i++) into[at + i] = data[i];
    }
  }

  flashWrite(timeMs: number, partition: number, offset: number, data: Uint8Array): void {
    for (let at = 0; at < data.length; at += DATA_SIZE) {
      const n = Math.min(DATA_SIZE, data.length - at);
      const out = this.data;
      for (let i = 0; i < n; i++) out[i] = data[at + i];
      this.request(OP_FLASH_WRITE, timeMs, partition, offset + at, n);
    }
  }

  flashErase(timeMs: number, partition: number, sector: number): void {
    this.request(OP_FLASH_ERASE, timeMs, partition, sector, 0);
  }

  flashGeometry(partition: number): FlashGeometry {
    this.request(OP_GEOMETRY, this.floats[TIME], partition, 0, 0);
    const w = this.words;
    return { size: w[ARG], sectorSize: w[ARG + 1], sectorCount: w[ARG + 2] };
  }

  otaControl(timeMs: number, op: number, arg: number): number {
    this.request(OP_OTA, timeMs, op, arg, 0);
    return this.words[ARG];
  }

  level(pin: number): number {
    this.request(OP_LEVEL, this.floats[TIME], pin, 0, 0);
    return this.words[RESULT];
  }

  nextEventAt(): number {
    return this.floats[NEXT];
  }

  takeEvents(into: Int32Array): number {
    const w = this.words;
    const all = 2 * w[EVENTS];
    const n = Math.min(all, into.length & ~1);
    for (let i = 0; i < n; i++) into[i] = w[EVENT_BASE + i];
    // What did not fit moves to the front for the next call (in place: nothing allocated).
    for (let i = n; i < all; i++) w[EVENT_BASE + i - n] = w[EVENT_BASE + i];
    w[EVENTS] = (all - n) >> 1;
    return n;
  }

  private request(op: number, timeMs: number, a: number, b: number, c: number): void {
    const w = this.words;
    w[OP] = op;
    w[ARG] = a;
    w[ARG + 1] = b;
    w[ARG + 2] = c;
    this.floats[TIME] = timeMs;
    Atomics.store(w, STATE, 1);
    Atomics.notify(w, STATE);
    while (Atomics.load(w, STATE) !== 2) {
      // The worker thread serves the request (XS: the main thread may not Atomics.wait).
    }
    w[STATE] = 0;
    if (w[RESULT] < 0) {
      const length = w[LENGTH];
      let message = "";
      for (let i = 0; i < length; i++) message += String.fromCharCode(this.data[i]);
      throw new Error(message);
    }
  }
}

/** The board side of the shared channel: serves requests forever (the emulator worker's loop). */
export function serveBoard(board: EmulatedBoard, channel: SharedArrayBuffer): never {
  const w = new Int32Array(channel);
  const f = new Float64Array(channel);
  const data = new Uint8Array(channel, DATA, DATA_SIZE);
  for (;;) {
    let state = Atomics.load(w, STATE);
    while (state !== 1) {
      // A bounded wait: XS compares the value before it registers the waiter, so a notify can fall
      // in between and be lost; the timeout turns that into a 1 ms delay instead of a hang.
      Atomics.wait(w, STATE, state, 1);
      state = Atomics.load(w, STATE);
    }
    w[RESULT] = 0;
    try {
      const queued = w[QUEUED];
      for (let i = 0; i < queued; i++) {
        board.advance(f[QUEUE_TIME_BASE + i]);
        board.pinWrite(w[QUEUE_PIN_BASE + 2 * i], w[QUEUE_PIN_BASE + 2 * i + 1]);
      }
      w[QUEUED] = 0;
      board.advance(f[TIME]);
      serveOne(board, w, data);
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      const n = Math.min(message.length, DATA_SIZE);
      for (let i = 0; i < n; i++) data[i] = message.charCodeAt(i) & 0xff;
      w[LENGTH] = n;
      w[RESULT] = -1;
    }
    const events = board.events;
    const room = MAX_EVENTS - w[EVENTS];
    const pairs = Math.min(room, events.length >> 1);
    for (let i = 0; i < 2 * pairs; i++) w[EVENT_BASE + 2 * w[EVENTS] + i] = events[i];
    w[EVENTS] += pairs;
    events.splice(0, 2 * pairs);
    f[NEXT] = events.length > 0 ? f[TIME] : board.nextEventAt();
    Atomics.store(w, STATE, 2);
  }
}

function serveOne(board: EmulatedBoard, w: Int32Array, data: Uint8Array): void {
  const a = w[ARG];
  const b = w[ARG + 1];
  const c = w[ARG + 2];
  switch (w[OP]) {
    case OP_SYNC:
      return;
    case OP_SPI:
      board.spi(data, a, b);
      return;
    case OP_DESELECT:
      board.deselect();
      return;
    case OP_FLASH_READ:
      board.partition(a).read(b, data.subarray(0, c));
      return;
    case OP_FLASH_WRITE:
      board.partition(a).write(b, data.subarray(0, c));
      return;
    case OP_FLASH_ERASE:
      board.partition(a).eraseSector(b);
      return;
    case OP_GEOMETRY: {
      const p = board.partition(a);
      w[ARG] = p.size;
      w[ARG + 1] = p.sectorSize;
      w[ARG + 2] = p.sectorCount;
      return;
    }
    case OP_LEVEL:
      w[RESULT] = board.initialLevel(a);
      return;
    case OP_OTA:
      w[ARG] = board.otaControl(a, b);
      return;
    default:
      throw new Error(`board link: unknown request ${w[OP]}`);
  }
}
