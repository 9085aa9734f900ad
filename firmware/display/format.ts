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

/** Puts `text` (font characters, "." attaches a dp to the previous cell) left-aligned into cells. */
export function formatText(cells: Uint8Array, text: string, align: "left" | "right" = "left"): void {
  cells.fill(0);
  const glyphs: number[] = [];
  for (const ch of text) {
    if (ch === "." && glyphs.length > 0) glyphs[glyphs.length - 1] |= DP;
    else glyphs.push(FONT[ch.charCodeAt(0) & 0x7f]);
  }
  const count = Math.min(glyphs.length, cells.length);
  const start = align === "left" ? 0 : cells.length - count;
  const from = align === "left" ? 0 : glyphs.length - count;
  for (let i = 0; i < count; i++) cells[start + i] = glyphs[from + i];
}

/**
 * The short code of an OBIS code A.B.C.D.E.F: "C.D.E" (e.g. 1.0.1.8.1.255 -> "1.8.1"), or
 * "C.D" / "C" when the longer form needs more than `maxDigits` digit cells.
 */
export function shortCode(obis: string, maxDigits = 4): string {
  const parts = obis.split(".");
  if (parts.length !== 6) return "";
  const [, , c, d, e] = parts;
  for (const candidate of [[c, d, e], [c, d], [c]]) {
    const text = candidate.join(".");
    if (text.replace(/\./g, "").length <= maxDigits) return text;
  }
  return "";
}
