import type { Log } from "../../hal/log";

/** Log port on XS `trace` (visible in xsbug / the serial console in debug builds). */
export class TraceLog implements Log {
  constructor(private readonly out: { trace(text: string): void }) {}
  info(message: string): void {
    this.out.trace(`info ${message}\n`);
  }
  warn(message: string): void {
    this.out.trace(`warn ${message}\n`);
  }
  error(message: string): void {
    this.out.trace(`error ${message}\n`);
  }
}

/** Random port on the SDK's RNG (hardware RNG on the ESP32). */
export class RngRandom {
  constructor(private readonly source: { randomBytes(n: number): ArrayBuffer }) {}
  fill(bytes: Uint8Array): void {
    bytes.set(new Uint8Array(this.source.randomBytes(bytes.length)));
  }
}
