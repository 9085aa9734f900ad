import {
  ANNUNCIATOR_ORDER, type Annunciator, annunciatorLit, CODE_DIGIT_BASE, CODE_DIGITS, MAIN_DIGIT_BASE, MAIN_DIGITS, readDigit, shapeChar, UNIT_WORDS,
} from "./glass";

export type { Annunciator } from "./glass";

/** What a person reads on the glass, decoded from segment RAM. */
export interface LcdReading {
  /** The OBIS short code field, e.g. "1.8.1" (trailing blanks trimmed). */
  code: string;
  /** The 8 digit cells with their decimal points and colons, e.g. "  123.45" (fixed width). */
  main: string;
  /** "kWh", "kW", "V", "A", "m3", or the lit unit segments joined when they form no known unit. */
  unit: string;
  /** Lit annunciators other than units and colons, in glass order. */
  annunciators: Annunciator[];
}

const UNIT_PARTS: Annunciator[] = ["k", "W", "h", "V", "A", "m3"];
const WORDS: Partial<Record<Annunciator, string>> = {
  import: "IMPORT", export: "EXPORT", relayOpen: "RELAY-OPEN", tamper: "TAMPER", communication: "COMM", clockInvalid: "CLOCK-INVALID",
};

function digitText(ram: Uint8Array, base: number, index: number): string {
  const d = readDigit(ram, base, index);
  return shapeChar(d.segments) + (d.point ? "." : "");
}

export function readLcd(ram: Uint8Array): LcdReading {
  let code = "";
  for (let i = 0; i < CODE_DIGITS; i++) code += digitText(ram, CODE_DIGIT_BASE, i);
  let main = "";
  for (let i = 0; i < MAIN_DIGITS; i++) {
    main += digitText(ram, MAIN_DIGIT_BASE, i);
    if (i === 3 && annunciatorLit(ram, "colon1")) main += ":";
    if (i === 5 && annunciatorLit(ram, "colon2")) main += ":";
  }
  const parts = UNIT_PARTS.filter((u) => annunciatorLit(ram, u));
  let unit = Object.keys(UNIT_WORDS).find((name) => sameSet(UNIT_WORDS[name], parts)) ?? parts.join("+");
  if (parts.length === 0) unit = "";
  const annunciators = ANNUNCIATOR_ORDER.filter((a) => !UNIT_PARTS.includes(a) && a !== "colon1" && a !== "colon2" && annunciatorLit(ram, a));
  return { code: code.trimEnd(), main, unit, annunciators };
}

/**
 * One-line text of the glass: `code | main unit | words`, e.g.
 * `1.8.1 |   123.45 kWh | T1 IMPORT`. Signal bars read as `SIGNAL:n` (antenna lit, n bars).
 */
export function lcdText(ram: Uint8Array, visible = true): string {
  if (!visible) return "(LCD off)";
  const r = readLcd(ram);
  const words: string[] = [];
  for (const a of r.annunciators) {
    if (a === "antenna" || a === "bar1" || a === "bar2" || a === "bar3") continue;
    words.push(WORDS[a] ?? a);
  }
  if (r.annunciators.includes("antenna")) {
    const bars = (["bar1", "bar2", "bar3"] as const).filter((b) => r.annunciators.includes(b)).length;
    words.push(`SIGNAL:${bars}`);
  }
  return `${r.code.padEnd(8)}| ${r.main}${r.unit ? " " + r.unit : ""}${words.length ? " | " + words.join(" ") : ""}`;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
