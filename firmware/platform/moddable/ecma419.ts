/**
 * The parts of the ECMA-419 IO classes the adapters use, as structural types. main.ts passes the
 * real Moddable classes; tests pass fakes that follow the documented semantics. Keeping the
 * adapters free of module imports is what lets them be tested without the SDK.
 */
export type Bytes = ArrayBufferLike | ArrayBufferView;

export interface SpiIo {
  transfer(buffer: Bytes): void;
  write(buffer: Bytes): void;
  read(buffer: Bytes): void;
  flush(deselect?: boolean): void;
}

export interface DigitalIo {
  read(): number;
  write(value: 0 | 1): void;
  close(): void;
}

export interface DigitalClass {
  new (options: Record<string, unknown>): DigitalIo;
  readonly Input: unknown;
  readonly InputPullUp: unknown;
  readonly Output: unknown;
  readonly Rising: number;
  readonly Falling: number;
}

export interface TcpIo {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  read(byteLength?: number): number | ArrayBuffer;
  write(value: Bytes): void;
  close(): void;
}

export interface TcpClass {
  new (options: Record<string, unknown>): TcpIo;
}

export interface ListenerIo {
  read(): TcpIo;
  close(): void;
}

export interface ListenerClass {
  new (options: Record<string, unknown>): ListenerIo;
}

export interface FlashIo {
  read(buffer: Bytes, byteOffset: number): number;
  write(buffer: Bytes, byteOffset: number): void;
  eraseBlock(start: number, end?: number): void;
  status(): { size: number; blockLength: number; blocks: number };
}

/** Moddable's opaque timer object (typings/timer.d.ts: a class with a private constructor). */
export type TimerHandle = object;

/** The `timer` module as the SDK types it: `repeat` is a period in ms, timers are opaque objects. */
export interface TimerModule {
  set(callback: () => void, interval?: number, repeat?: number): TimerHandle;
  repeat(callback: () => void, interval: number): TimerHandle;
  /** Re-arms `timer` to fire after `interval`, then every `repeat` ms (0: once, then freed); no interval: unscheduled, kept. */
  schedule(timer: TimerHandle, interval?: number, repeat?: number): void;
  clear(timer: TimerHandle | undefined | null): void;
}

export interface TimeModule {
  set(seconds: number): void;
  readonly ticks: number;
}
