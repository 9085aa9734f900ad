/**
 * The one fixed rate every ESP32 time estimate of the bench and the README uses: XS computrons
 * per millisecond of ESP32 CPU. An estimate from computrons at a fixed rate depends only on the
 * firmware's instruction count, never on how fast or how busy the machine running the bench is.
 *
 * How it was chosen (docs/readme/performance.md, "ESP32 time"): xsnap ran 242,000-265,000
 * computrons per ms on one core of the bench host (AMD EPYC) when that was measured; the ESP32
 * (Xtensa LX6 at 240 MHz, XS bytecode and the firmware in cached SPI flash) is judged 50 times
 * slower per XS instruction (clock and issue width alone are a factor 15-30, flash-cache misses
 * come on top). The slowest host rate over 50, rounded down: 4,800. No board measurement backs it.
 */
export const ESP32_COMPUTRONS_PER_MS = 4800;

/** How the rate was chosen, in one line for the bench output. */
export const ESP32_RATE_NOTE =
  `ESP32 times are estimates at a fixed ${ESP32_COMPUTRONS_PER_MS.toLocaleString("en-US")} computrons per ms ` +
  "(the slowest xsnap rate seen on the bench host, 242,000/ms, over a judged 50x slowdown of XS on a 240 MHz ESP32; never the host's timing)";

/** ESP32 CPU milliseconds for `computrons` at the fixed rate. */
export function esp32Ms(computrons: number): number {
  return computrons / ESP32_COMPUTRONS_PER_MS;
}
