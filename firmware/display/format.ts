import { FONT, SEG } from "./glass";
import { deepFreeze } from "../kernel/freeze";

/**
 * Number and code formatting into glyph cells (a..g bits plus dp at bit 7), right-aligned,
 * integers only: value * 10^exponent is shown with `decimals` digits after the point.
 */
const CHAR_MINUS = FONT["-".charCodeAt(0)];
const DP = 1 << SEG.dp;

/** 10^n for n = 0..15 (exact in doubles). */
const POW10: readonly number[] = deepFreeze(powersOfTen(16));
/** Glyphs of the digits 0..9 (the formatting loop indexes it instead of calling digitGlyph). */
const DIGIT_GLYPHS: readonly number[] = Object.freeze(Array.from({ length: 10 }, (_, d) => FONT[48 + d]));

function powersOfTen(count: number): number[] {
  const out: number[] = [];
  for (let i = 0, p = 1; i < count; i++, p *= 10) out.push(p);
  return out;
}

export function digitGlyph(d: number): number {
  return DIGIT_GLYPHS[d];
}

/**
 * Fills `cells` (length n) with `raw * 10^exponent` shown with `decimals` decimals, blank
 * padded on the left. Truncates toward zero (a meter never shows more than it has counted).
 * When the number does not fit, decimals are dropped first; if the integer part alone does not
 * fit, every cell shows "-". Returns the decimals actually shown (-1 on overflow).
 */
export function formatFixed(cells: Uint8Array, raw: number, exponent: number, decimals: number): number {
  const n = cells.length;
  cells.fill(0);
  const negative = raw < 0;
  let magnitude = Math.abs(raw);
  const e = exponent + decimals;
  let shown: number;
  if (e >= 0) shown = magnitude * POW10[Math.min(e, 15)];
  else {
    const p = POW10[Math.min(-e, 15)];
    shown = (magnitude - (magnitude % p)) / p;
  }
  let d = decimals;
  while (d > 0 && digitsNeeded(shown, d) + (negative ? 1 : 0) > n) {
    shown = (shown - (shown % 10)) / 10;
    d--;
  }
  if (digitsNeeded(shown, d) + (negative ? 1 : 0) > n || !Number.isFinite(shown)) {
    cells.fill(CHAR_MINUS);
    return -1;
  }
  let i = n - 1;
  let count = 0;
  magnitude = shown;
  const glyphs = DIGIT_GLYPHS;
  // The d decimals, then at least one integer digit.
  do {
    const digit = magnitude % 10;
    cells[i--] = glyphs[digit];
    magnitude = (magnitude - digit) / 10;
    count++;
  } while (i >= 0 && (magnitude > 0 || count <= d));
  if (d > 0) cells[n - 1 - d] |= DP;
  if (negative && shown !== 0) cells[i] = CHAR_MINUS;
  return d;
}

function digitsNeeded(value: number, decimals: number): number {
  let digits = 1;
  let v = value;
  while (v >= 10) {
    v = (v - (v % 10)) / 10;
    digits++;
  }
  return Math.max(digits, decimals + 1);
}

/**
 * Puts `text` (font characters, "." attaches a dp to the previous cell) left-aligned into cells.
 * Two passes over the characters by index (no glyph list, no string iterator): count the
 * glyphs, then place those that fit. A surrogate pair is one character (its first unit's glyph).
 */
export function formatText(cells: Uint8Array, text: string, align: "left" | "right" = LEFT): void {
  cells.fill(0);
  const n = text.length;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === CHAR_CODE_DOT && count > 0) continue;
    count++;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && isLowSurrogate(text.charCodeAt(i + 1))) i++;
  }
  const shown = count < cells.length ? count : cells.length;
  const start = align === LEFT ? 0 : cells.length - shown;
  const from = align === LEFT ? 0 : count - shown;
  let g = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const at = g - from;
    if (c === CHAR_CODE_DOT && g >= 0) {
      if (at >= 0 && at < shown) cells[start + at] |= DP;
      continue;
    }
    g++;
    if (g - from >= 0 && g - from < shown) cells[start + g - from] = FONT[c & 0x7f];
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && isLowSurrogate(text.charCodeAt(i + 1))) i++;
  }
}

const CHAR_CODE_DOT = 46;
/** A module constant: a string literal evaluated per call allocates in preloaded XS code (the error screen formats per refresh). */
const LEFT = "left";

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * The short code of an OBIS code A.B.C.D.E.F: "C.D.E" (e.g. 1.0.1.8.1.255 -> "1.8.1"), or
 * "C.D" / "C" when the longer form needs more than `maxDigits` digit cells. Each form is a
 * piece of `obis` itself (found by its dots: no split, no regular expression).
 */
export function shortCode(obis: string, maxDigits = 4): string {
  // Places of the five dots; a sixth one means not six parts.
  const d1 = obis.indexOf(".");
  const d2 = d1 < 0 ? -1 : obis.indexOf(".", d1 + 1);
  const d3 = d2 < 0 ? -1 : obis.indexOf(".", d2 + 1);
  const d4 = d3 < 0 ? -1 : obis.indexOf(".", d3 + 1);
  const d5 = d4 < 0 ? -1 : obis.indexOf(".", d4 + 1);
  if (d5 < 0 || obis.indexOf(".", d5 + 1) >= 0) return "";
  const c = d3 - d2 - 1;
  const d = d4 - d3 - 1;
  const e = d5 - d4 - 1;
  if (c + d + e <= maxDigits) return obis.slice(d2 + 1, d5);
  if (c + d <= maxDigits) return obis.slice(d2 + 1, d4);
  if (c <= maxDigits) return obis.slice(d2 + 1, d3);
  return "";
}
