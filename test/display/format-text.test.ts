/**
 * Issue 19 (power-up: the display's list resolution): formatText and shortCode work by index
 * (no glyph list, string iterator, split or regular expression). They must give exactly what the
 * former implementations gave (kept here as references) for any text, cells and OBIS-like code.
 */
import fc from "fast-check";
import { formatText, shortCode } from "../../firmware/display/format";
import { FONT, SEG } from "../../firmware/display/glass";

const DP = 1 << SEG.dp;

function referenceFormatText(cells: Uint8Array, text: string, align: "left" | "right" = "left"): void {
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

function referenceShortCode(obis: string, maxDigits = 4): string {
  const parts = obis.split(".");
  if (parts.length !== 6) return "";
  const [, , c, d, e] = parts;
  for (const candidate of [[c, d, e], [c, d], [c]]) {
    const text = candidate.join(".");
    if (text.replace(/\./g, "").length <= maxDigits) return text;
  }
  return "";
}

describe("display text formatting by index", () => {
  test("known screens", () => {
    const cells = new Uint8Array(8);
    formatText(cells, "Err");
    expect(Array.from(cells)).toEqual([FONT[69], FONT[114], FONT[114], 0, 0, 0, 0, 0]);
    formatText(cells, "0.1.0", "right");
    expect(Array.from(cells)).toEqual([0, 0, 0, 0, 0, FONT[48] | DP, FONT[49] | DP, FONT[48]]);
    expect(shortCode("1.0.1.8.1.255")).toBe("1.8.1");
    expect(shortCode("1.0.32.7.0.255")).toBe("32.7.0");
    expect(shortCode("1.0.32.17.0.255")).toBe("32.17");
    expect(shortCode("0.0.96.14.0.255")).toBe("96.14");
    expect(shortCode("1.0.99.98.1.255", 3)).toBe("99");
    expect(shortCode("1.0.1.8.0")).toBe("");
    expect(shortCode("1.0.1.8.0.255.1")).toBe("");
  });

  test("formatText equals the former implementation for any text, cell count and alignment (property)", () => {
    const chars = fc.constantFrom(".", "0", "9", "A", "r", "-", " ", "\u00e9", "\ud83d\ude00", "\ud800", "\udc00");
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 14 }), fc.integer({ min: 0, max: 10 }), fc.boolean(), (parts, n, right) => {
        const text = parts.join("");
        const a = new Uint8Array(n).fill(0x55);
        const b = new Uint8Array(n).fill(0xaa);
        formatText(a, text, right ? "right" : "left");
        referenceFormatText(b, text, right ? "right" : "left");
        expect(Array.from(a)).toEqual(Array.from(b));
      }),
      { numRuns: 2000 },
    );
  });

  test("shortCode equals the former implementation for any dotted code (property)", () => {
    const part = fc.oneof(fc.constantFrom("", "0", "1", "255"), fc.stringMatching(/^[0-9]{1,4}$/));
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 9 }), (parts, max) => {
        const obis = parts.join(".");
        expect(shortCode(obis, max)).toBe(referenceShortCode(obis, max));
        expect(shortCode(obis)).toBe(referenceShortCode(obis));
      }),
      { numRuns: 2000 },
    );
  });
});
