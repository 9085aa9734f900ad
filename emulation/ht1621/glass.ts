/**
 * The meter's LCD glass as wired to the HT1621 (docs/chips.md part E), from the reading side:
 * which segment each RAM bit lights. Written here rather than taken from firmware/display, so
 * that a wrong segment in the firmware's map shows on the rendered glass instead of being read
 * back through the same mistake.
 */

export type Annunciator =
  | "T1" | "T2" | "T3" | "T4"
  | "import" | "export" | "relayOpen" | "tamper"
  | "communication" | "clockInvalid" | "antenna" | "bar1"
  | "bar2" | "bar3" | "colon1" | "colon2"
  | "k" | "W" | "h" | "V"
  | "A" | "m3";

export const MAIN_DIGITS = 8;
export const CODE_DIGITS = 4;
/** First RAM address of the main digits D1..D8 and of the code digits C1..C4 (two addresses per digit). */
export const MAIN_DIGIT_BASE = 0;
export const CODE_DIGIT_BASE = 16;

/**
 * The segments of one digit cell, per address of the pair and COM0..COM3:
 * left address a f e d, right address b g c dp.
 */
const CELL_WIRING: readonly (readonly string[])[] = [
  ["a", "f", "e", "d"],
  ["b", "g", "c", "dp"],
];

/** Annunciator rows: RAM address 24..29, COM0..COM3 (30 and 31 are wired to nothing). */
const ANNUNCIATOR_WIRING: readonly (readonly (Annunciator | null)[])[] = [
  ["T1", "T2", "T3", "T4"],
  ["import", "export", "relayOpen", "tamper"],
  ["communication", "clockInvalid", "antenna", "bar1"],
  ["bar2", "bar3", "colon1", "colon2"],
  ["k", "W", "h", "V"],
  ["A", "m3", null, null],
];
const ANNUNCIATOR_BASE = 24;

/** Annunciators in the order the text rendering lists them (top row of the glass, then units). */
export const ANNUNCIATOR_ORDER: readonly Annunciator[] = ANNUNCIATOR_WIRING.flat().filter((a): a is Annunciator => a !== null);

/** Unit words the glass can show, as the unit segments that spell them. */
export const UNIT_WORDS: Record<string, readonly Annunciator[]> = {
  kWh: ["k", "W", "h"],
  kW: ["k", "W"],
  V: ["V"],
  A: ["A"],
  m3: ["m3"],
};

/** Seven-segment shapes the meter uses, digits first (a shape with two readings reads as the first). */
const SHAPES: readonly (readonly [string, string])[] = [
  ["0", "abcdef"], ["1", "bc"], ["2", "abdeg"], ["3", "abcdg"], ["4", "bcfg"], ["5", "acdfg"], ["6", "acdefg"],
  ["7", "abc"], ["8", "abcdefg"], ["9", "abcdfg"], ["A", "abcefg"], ["b", "cdefg"], ["C", "adef"], ["c", "deg"],
  ["d", "bcdeg"], ["E", "adefg"], ["F", "aefg"], ["H", "bcefg"], ["h", "cefg"], ["L", "def"], ["n", "ceg"],
  ["o", "cdeg"], ["P", "abefg"], ["r", "eg"], ["t", "defg"], ["U", "bcdef"], ["u", "cde"], ["y", "bcdfg"],
  ["-", "g"], ["_", "d"],
];

function lit(ram: Uint8Array, address: number, com: number): boolean {
  return ((ram[address] >> com) & 1) === 1;
}

/** The lit segments of digit `index` counted from `base`, as letters in a..g order, and its decimal point. */
export function readDigit(ram: Uint8Array, base: number, index: number): { segments: string; point: boolean } {
  const on = new Set<string>();
  for (let half = 0; half < 2; half++) {
    for (let com = 0; com < 4; com++) if (lit(ram, base + 2 * index + half, com)) on.add(CELL_WIRING[half][com]);
  }
  const segments = "abcdefg".split("").filter((s) => on.has(s)).join("");
  return { segments, point: on.has("dp") };
}

/** The character a set of segments reads as: " " when dark, "?" for a shape the meter never shows. */
export function shapeChar(segments: string): string {
  if (segments === "") return " ";
  for (const [ch, shape] of SHAPES) if (shape === segments) return ch;
  return "?";
}

export function annunciatorLit(ram: Uint8Array, a: Annunciator): boolean {
  for (let row = 0; row < ANNUNCIATOR_WIRING.length; row++) {
    const com = ANNUNCIATOR_WIRING[row].indexOf(a);
    if (com >= 0) return lit(ram, ANNUNCIATOR_BASE + row, com);
  }
  return false;
}
