/*
 * Ambient declarations for the Moddable modules this project imports, written to match the SDK's
 * typings (typings/embedded_io/*.d.ts, typings/embedded/storage/flash.d.ts, typings/timer.d.ts,
 * typings/time.d.ts, typings/embedded_network/interface/wifi.d.ts). When the project is built with
 * mcconfig, the SDK's own typings are used; keep these small and exact so both agree.
 */
type ByteBuffer = ArrayBufferLike | ArrayBufferView;

declare module "embedded:io/_common" {
  export type PinSpecifier = number;
  export type PortSpecifier = number;
}

declare module "embedded:io/spi" {
  import type { PinSpecifier, PortSpecifier } from "embedded:io/_common";
  class SPI {
    constructor(options: {
      out?: PinSpecifier;
      in?: PinSpecifier;
      clock: PinSpecifier;
      select?: PinSpecifier;
      active?: 1 | 0;
      hz: number;
      mode?: number;
      port?: PortSpecifier;
      format?: "buffer";
      target?: unknown;
    });
    read(byteLength: number): ArrayBuffer;
    read(buffer: ByteBuffer): void;
    write(buffer: ByteBuffer): void;
    transfer(buffer: ByteBuffer): void;
    flush(deselect?: boolean): void;
    close(): void;
    get format(): "buffer";
    set format(value: "buffer");
  }
  export default SPI;
}

declare module "embedded:io/digital" {
  import type { PinSpecifier } from "embedded:io/_common";
  type Edge = number;
  type Mode =
    | typeof Digital.Input
    | typeof Digital.InputPullUp
    | typeof Digital.InputPullDown
    | typeof Digital.InputPullUpDown
    | typeof Digital.Output
    | typeof Digital.OutputOpenDrain;
  class Digital {
    static readonly Input: unknown;
    static readonly InputPullUp: unknown;
    static readonly InputPullDown: unknown;
    static readonly InputPullUpDown: unknown;
    static readonly Output: unknown;
    static readonly OutputOpenDrain: unknown;
    static readonly Rising: Edge;
    static readonly Falling: Edge;
    constructor(options: {
      pin: PinSpecifier;
      mode: Mode;
      format?: "number";
      target?: unknown;
    } & ({ onReadable: (this: Digital) => void; edge: Edge } | { edge?: Edge }));
    write(value: 0 | 1): void;
    read(): 0 | 1;
    close(): void;
    get format(): "number";
    set format(value: "number");
  }
  export default Digital;
}

declare module "embedded:io/socket/tcp" {
  export type Options = ((({ address: string } | { host: string }) & { port: number }) | { from: TCP }) & {
    nodelay?: boolean;
    onReadable?: (this: TCP, bytes: number) => void;
    onWritable?: (this: TCP, bytes: number) => void;
    onError?: (this: TCP) => void;
    format?: "number" | "buffer";
    target?: unknown;
  };
  export default class TCP {
    constructor(options: Options);
    readonly remoteAddress: string | undefined;
    readonly remotePort: number | undefined;
    read(byteLength?: number): number | ArrayBuffer;
    read(buffer: ByteBuffer): void;
    write(value: number | ByteBuffer): void;
    close(): void;
    get format(): "number" | "buffer";
    set format(value: "number" | "buffer");
  }
}

declare module "embedded:io/socket/listener" {
  import TCP from "embedded:io/socket/tcp";
  class Listener {
    constructor(options: {
      port?: number;
      address?: string;
      onReadable?: (this: Listener, requests: number) => void;
      format?: "socket/tcp";
      target?: unknown;
    });
    read(): TCP;
    close(): void;
    get format(): "socket/tcp";
    set format(value: "socket/tcp");
  }
  export default Listener;
}

declare module "embedded:io/socket/udp" {
  class UDP {
    constructor(options: {
      port?: number;
      address?: string;
      onReadable?: (this: UDP, packets: number) => void;
      onError?: () => void;
      format?: "buffer";
      target?: unknown;
    });
    write(address: string, port: number, buffer: ByteBuffer): void;
    read(): (ArrayBuffer & { address: string; port: number }) | undefined;
    close(): void;
  }
  export default UDP;
}

/** typings/embedded_provider/builtin.d.ts: the provider's `device` (io classes, pin names). */
declare module "embedded:provider/builtin" {
  const device: { io: Record<string, unknown>; pin: Record<string, number> } & Record<string, unknown>;
  export default device;
}

declare module "embedded:storage/flash" {
  export interface FlashOpenOptions {
    path: string;
    mode?: "r" | "r+";
  }
  export interface FlashStatus {
    size: number;
    blockLength: number;
    blocks: number;
    writeAlign: number;
    eraseValue: number;
  }
  export class Flash {
    close(): void;
    eraseBlock(start: number, end?: number): void;
    read(byteLength: number, byteOffset: number): ArrayBuffer;
    read(buffer: ByteBuffer, byteOffset: number): number;
    write(buffer: ByteBuffer, byteOffset: number): void;
    status(): FlashStatus;
    format: "buffer";
  }
  const FlashStorage: {
    open(options: FlashOpenOptions): Flash;
    [Symbol.iterator](): IterableIterator<string>;
  };
  export default FlashStorage;
}

declare module "embedded:network/interface/wifi" {
  import type { PortSpecifier } from "embedded:io/_common";
  export interface WiFiConstructorOptions {
    port?: PortSpecifier;
    onChanged?: () => void;
  }
  export interface WiFiScanResult {
    SSID: string;
    channel: number;
    RSSI: number;
    BSSID?: string;
  }
  export interface WiFiScanOptions {
    onFound?: (result: WiFiScanResult) => void;
    onComplete?: () => void;
  }
  export interface WiFiConnectOptions {
    SSID: string;
    password?: string;
  }
  class WiFi {
    constructor(options: WiFiConstructorOptions);
    close(): void;
    scan(options: WiFiScanOptions): void;
    connect(options: WiFiConnectOptions): void;
    disconnect(): void;
    readonly connection: number;
    readonly address: string | undefined;
    readonly MAC: string | undefined;
    /** modules/io/wifi/esp32: dBm of the association (not yet in the SDK typings). */
    readonly RSSI?: number;
  }
  export default WiFi;
}

declare module "timer" {
  export type TimerCallback = (timer: Timer) => void;
  class Timer {
    private constructor();
    static set: (callback: TimerCallback, interval?: number, repeat?: number) => Timer;
    static repeat: (callback: TimerCallback, interval: number) => Timer;
    static schedule: (timer: Timer, interval?: number, repeat?: number) => void;
    static clear: (timer: Timer | undefined | null) => void;
    static delay: (milliseconds: number) => void;
    private brand: boolean;
  }
  export { Timer as default };
}

declare module "time" {
  const Time: {
    set: (seconds: number) => void;
    timezone: number;
    dst: number;
    ticks: number;
  };
  export { Time as default };
}

/** Stand-ins for the SDK's typings/debug.d.ts and typings/instrumentation.d.ts (lin's control port only). */
declare module "debug" {
  const Debug: { gc: (enable?: boolean) => void };
  export { Debug as default };
}

declare module "instrumentation" {
  const Instrumentation: {
    get: (what: number | undefined) => number | undefined;
    map: (name: "XS Slot Heap Used" | "XS Chunk Heap Used") => number | undefined;
  };
  export { Instrumentation as default };
}

/* "rng" is declared in types/moddable-sdk-gaps (the SDK leaves it untyped). */

declare module "mc/config" {
  const config: Record<string, string | number | boolean | undefined>;
  export default config;
}

/** XS's trace (xs/includes/xs.d.ts); only firmware/platform/moddable uses it. */
declare function trace(...values: unknown[]): void;

/** Stand-in for the SDK's typings/web/worker.d.ts (the parts the lin board uses). */
declare module "worker" {
  interface MessagePort {
    onmessage(message: unknown): void;
    postMessage(message: unknown): void;
  }
  class Worker implements MessagePort {
    constructor(module: string, options?: object);
    onmessage(message: unknown): void;
    postMessage(message: unknown): void;
    terminate(): void;
  }
  export interface Self extends MessagePort {
    close(): void;
  }
  global {
    const self: Self;
  }
  export { Worker as default };
}

declare module "embedded:io/serial" {
  class Serial {
    constructor(options: {
      receive?: number;
      transmit?: number;
      baud: number;
      port: number;
      onReadable?: (this: Serial, bytes: number) => void;
      onWritable?: (this: Serial, bytes: number) => void;
      format?: "number" | "buffer";
      target?: unknown;
    });
    read(byteLength?: number): number | ArrayBuffer | undefined;
    write(value: number | ByteBuffer): void;
    close(): void;
  }
  export default Serial;
}

declare module "embedded:update" {
  import type { Flash } from "embedded:storage/flash";
  export interface UpdateOpenOptions {
    partition: Flash;
    mode?: "a" | "w";
    byteLength?: number;
  }
  export interface Updater {
    close(): void;
    complete(): void;
    write(bytes: ByteBuffer, byteOffset?: number): void;
    format: "buffer";
  }
  const Update: { open(options: UpdateOpenOptions): Updater };
  export default Update;
}

/** mcconfig generates the exact typing from the manifest's ffi.functions; the SDK's fallback is this. */
declare module "mc/ffi" {
  interface FFI {
    [name: string]: (...args: unknown[]) => unknown;
  }
  const FFI: { new (): FFI };
  export default FFI;
}
