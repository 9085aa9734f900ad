import type { Log } from "../../hal/log";

/** Log port on XS `trace` (visible in xsbug / the serial console in debug builds). */
export class TraceLog implements Log {
  constructor(private readonly out: (text: string) => void) {}
  info(message: string): void {
    this.out(`info ${message}\n`);
  }
  warn(message: string): void {
    this.out(`warn ${message}\n`);
  }
  error(message: string): void {
    this.out(`error ${message}\n`);
  }
}

/** Random port on the SDK's RNG (hardware RNG on the ESP32). */
export class RngRandom {
  constructor(private readonly get: (n: number) => ArrayBuffer) {}
  fill(bytes: Uint8Array): void {
    bytes.set(new Uint8Array(this.get(bytes.length)));
  }
}
