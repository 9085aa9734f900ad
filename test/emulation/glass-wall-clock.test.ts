import { ANNUNCIATORS, FONT, putGlyph, setSegment } from "../../firmware/display/glass";
import { ANNUNCIATOR_ORDER, annunciatorLit, MAIN_DIGIT_BASE, readDigit, shapeChar } from "../../emulation/ht1621/glass";
import { lcdText } from "../../emulation/ht1621/render";
import { wallClockToUtc } from "../../emulation/scenario/wall-clock";

describe("the emulator's own glass map against the firmware's", () => {
  it("reads every annunciator the firmware lights, and only that one", () => {
    expect(ANNUNCIATOR_ORDER).toHaveLength(Object.keys(ANNUNCIATORS).length);
    for (const a of ANNUNCIATOR_ORDER) {
      const ram = new Uint8Array(32);
      const [address, com] = ANNUNCIATORS[a];
      setSegment(ram, address, com, true);
      expect(ANNUNCIATOR_ORDER.filter((b) => annunciatorLit(ram, b))).toEqual([a]);
    }
  });

  it("reads every glyph of the firmware font back as its character, with the decimal point", () => {
    for (const ch of "0123456789AbCcdEFHhLnoPrtUuy-_") {
      const ram = new Uint8Array(32);
      putGlyph(ram, MAIN_DIGIT_BASE, 2, FONT[ch.charCodeAt(0)] | 0x80);
      const d = readDigit(ram, MAIN_DIGIT_BASE, 2);
      expect([shapeChar(d.segments), d.point]).toEqual([ch, true]);
    }
  });

  it("renders a segment the firmware misplaces as a wrong character (the oracle does not share the map)", () => {
    const ram = new Uint8Array(32);
    putGlyph(ram, MAIN_DIGIT_BASE, 7, FONT["1".charCodeAt(0)]);
    expect(lcdText(ram)).toBe("        |        1");
    ram[14] |= 1; // segment a of D8 on top of the 1: a 7
    expect(lcdText(ram)).toBe("        |        7");
    ram[14] |= 2; // f as well: a shape the meter never shows
    expect(lcdText(ram)).toBe("        |        ?");
  });
});

describe("scenario wall-clock times", () => {
  const local = (iso: string) => Date.parse(iso + "Z");
  it("applies the standard offset in winter and one hour more in summer (EU rule, UTC+1)", () => {
    expect(wallClockToUtc(local("2025-01-15T12:00:00"), 60, "eu")).toBe(Date.parse("2025-01-15T11:00:00Z"));
    expect(wallClockToUtc(local("2025-07-15T12:00:00"), 60, "eu")).toBe(Date.parse("2025-07-15T10:00:00Z"));
    expect(wallClockToUtc(local("2025-07-15T12:00:00"), 60, "none")).toBe(Date.parse("2025-07-15T11:00:00Z"));
  });

  it("reads the spring gap as standard time and the autumn hour as its first (summer) occurrence", () => {
    // 2025: summer time from 30 March 01:00 UTC to 26 October 01:00 UTC.
    expect(wallClockToUtc(local("2025-03-30T02:30:00"), 60, "eu")).toBe(Date.parse("2025-03-30T01:30:00Z"));
    expect(wallClockToUtc(local("2025-03-30T03:30:00"), 60, "eu")).toBe(Date.parse("2025-03-30T01:30:00Z"));
    expect(wallClockToUtc(local("2025-10-26T02:30:00"), 60, "eu")).toBe(Date.parse("2025-10-26T00:30:00Z"));
    expect(wallClockToUtc(local("2025-10-26T03:30:00"), 60, "eu")).toBe(Date.parse("2025-10-26T02:30:00Z"));
  });
});
