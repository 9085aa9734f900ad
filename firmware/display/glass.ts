/**
 * The meter glass on the HT1621 (4 commons x 32 segment lines = 32 RAM addresses of 4 bits;
 * bit n of an address is COMn). One table for the firmware that lights segments and the
 * host simulator that reads them back.
 *
 *   [T1 T2 T3 T4] [C1.C2.C3.C4.]          (import) (export) RELAY-OPEN TAMPER COMM CLOCK  antenna bars 1-3
 *   [D1 D2 D3 D4 D5 D6 D7 D8] with a decimal point after each digit, colons after D4 and D6
 *   units: k W h V A m3
 *
 * Digit cell (main digits D1..D8 at addresses 0..15, code digits C1..C4 at 16..23):
 *   address 2n   : COM0 a, COM1 f, COM2 e, COM3 d     (left column of the digit)
 *   address 2n+1 : COM0 b, COM1 g, COM2 c, COM3 dp    (right column and decimal point)
 * Annunciators at 24..29 (30 and 31 are wired to nothing).
 */
import { deepFreeze } from "../kernel/freeze";
export const LCD_RAM_NIBBLES = 32;
export const MAIN_DIGITS = 8;
export const CODE_DIGITS = 4;
export const MAIN_DIGIT_BASE = 0;
export const CODE_DIGIT_BASE = 16;

/** Seven-segment bit numbers within a glyph: a=0 b=1 c=2 d=3 e=4 f=5 g=6, dp=7. */
export const SEG = Object.freeze({ a: 0, b: 1, c: 2, d: 3, e: 4, f: 5, g: 6, dp: 7 } as const);

/** Where each glyph bit (a..g, dp) of a digit cell lives: [address offset 0/1, COM bit]. */
const DIGIT_CELL: readonly (readonly [number, number])[] = deepFreeze([
  [0, 0], // a
  [1, 0], // b
  [1, 2], // c
  [0, 3], // d
  [0, 2], // e
  [0, 1], // f
  [1, 1], // g
  [1, 3], // dp
] as const);

export type Annunciator =
  | "T1" | "T2" | "T3" | "T4"
  | "import" | "export" | "relayOpen" | "tamper"
  | "communication" | "clockInvalid" | "antenna" | "bar1"
  | "bar2" | "bar3" | "colon1" | "colon2"
  | "k" | "W" | "h" | "V"
  | "A" | "m3";

/** Annunciator segments: [address, COM bit]. */
export const ANNUNCIATORS: Readonly<Record<Annunciator, readonly [number, number]>> = deepFreeze({
  T1: [24, 0], T2: [24, 1], T3: [24, 2], T4: [24, 3],
  import: [25, 0], export: [25, 1], relayOpen: [25, 2], tamper: [25, 3],
  communication: [26, 0], clockInvalid: [26, 1], antenna: [26, 2], bar1: [26, 3],
  bar2: [27, 0], bar3: [27, 1], colon1: [27, 2], colon2: [27, 3],
  k: [28, 0], W: [28, 1], h: [28, 2], V: [28, 3],
  A: [29, 0], m3: [29, 1],
});

/** Unit words the glass can show, as sets of unit segments. */
export const UNIT_SEGMENTS: Readonly<Record<string, readonly Annunciator[]>> = Object.freeze({
  kWh: Object.freeze(["k", "W", "h"] as const),
  kW: Object.freeze(["k", "W"] as const),
  V: Object.freeze(["V"] as const),
  A: Object.freeze(["A"] as const),
  m3: Object.freeze(["m3"] as const),
});

/** Seven-segment glyphs (bits a..g) for the characters the display uses, by character code (0..127); 0 = blank. */
export const FONT: readonly number[] = Object.freeze(buildFont());
function buildFont(): number[] {
  const font: number[] = new Array<number>(128).fill(0);
  const glyphs: Record<string, string> = {
    "0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg", "5": "acdfg", "6": "acdefg", "7": "abc", "8": "abcdefg", "9": "abcdfg",
    A: "abcefg", b: "cdefg", C: "adef", c: "deg", d: "bcdeg", E: "adefg", F: "aefg", H: "bcefg", h: "cefg",
    L: "def", n: "ceg", o: "cdeg", P: "abefg", r: "eg", t: "defg", U: "bcdef", u: "cde", y: "bcdfg", "-": "g", _: "d",
  };
  for (const ch of Object.keys(glyphs)) {
    let bits = 0;
    for (const s of glyphs[ch]) bits |= 1 << SEG[s as keyof typeof SEG];
    font[ch.charCodeAt(0)] = bits;
  }
  return font;
}

/** Sets one segment in a 32-nibble RAM image. */
export function setSegment(ram: Uint8Array, address: number, com: number, on: boolean): void {
  if (on) ram[address] |= 1 << com;
  else ram[address] &= ~(1 << com) & 0x0f;
}

function getSegment(ram: Uint8Array, address: number, com: number): boolean {
  return ((ram[address] >> com) & 1) === 1;
}

/**
 * The two nibbles of a digit cell for each glyph (a..g, dp bits) at 2 x glyph and 2 x glyph + 1:
 * every COM bit of both addresses belongs to the digit, so a glyph is two stores (built once
 * from DIGIT_CELL, frozen).
 */
export const GLYPH_NIBBLES: readonly number[] = Object.freeze(buildGlyphNibbles());
function buildGlyphNibbles(): number[] {
  const nibbles: number[] = new Array<number>(512).fill(0);
  for (let glyph = 0; glyph < 256; glyph++) {
    for (let bit = 0; bit < 8; bit++) {
      if (((glyph >> bit) & 1) === 0) continue;
      const cell = DIGIT_CELL[bit];
      nibbles[2 * glyph + cell[0]] |= 1 << cell[1];
    }
  }
  return nibbles;
}

/** Writes a glyph (a..g, dp bits) into digit cell `base + 2 * index` (both of its addresses). */
export function putGlyph(ram: Uint8Array, base: number, index: number, glyph: number): void {
  const address = base + 2 * index;
  const g = 2 * (glyph & 0xff);
  ram[address] = GLYPH_NIBBLES[g];
  ram[address + 1] = GLYPH_NIBBLES[g + 1];
}

/** Reads a glyph (a..g, dp bits) back from digit cell `base + 2 * index`. */
export function readGlyph(ram: Uint8Array, base: number, index: number): number {
  const address = base + 2 * index;
  let glyph = 0;
  for (let bit = 0; bit < 8; bit++) {
    const cell = DIGIT_CELL[bit];
    if (getSegment(ram, address + cell[0], cell[1])) glyph |= 1 << bit;
  }
  return glyph;
}
