/**
 * Generates the emulators' register tables (emulation/<chip>/register-table.ts) from the CSV
 * tables in docs/chips/. The emulators run in XS too (mcsim), where there is no file system, so
 * the generated modules are committed; test/emulation/register-tables.test.ts checks they match
 * the CSV. Run after editing a CSV: `npm run registers`.
 *
 * The firmware's drivers keep their own hand-written tables (checked against the same CSV by
 * their tests): an emulator is a test oracle, so a wrong firmware table must not be wrong on
 * both sides.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type RegisterChip = "ade7953" | "atm90e26";

export const REGISTER_CSV: Record<RegisterChip, string> = {
  ade7953: "docs/chips/ade7953_registers.csv",
  atm90e26: "docs/chips/atm90e26_registers.csv",
};

export const REGISTER_MODULE: Record<RegisterChip, string> = {
  ade7953: "emulation/ade7953/register-table.ts",
  atm90e26: "emulation/atm90e26/register-table.ts",
};

/** Data rows of a register CSV: comment lines (#) and the header dropped, notes kept whole. */
export function csvRows(csv: string): string[][] {
  const rows: string[][] = [];
  for (const raw of csv.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith("name,")) continue;
    rows.push(line.split(","));
  }
  return rows;
}

/** A hex reset value ("0x8004", "0xC800(after power-on)"), or null when the table has none ("-", "N/A"). */
export function hexOrNull(text: string): number | null {
  const m = /^0x([0-9a-f]+)/i.exec(text.trim());
  return m ? parseInt(m[1], 16) : null;
}

function hex(n: number, digits: number): string {
  return "0x" + n.toString(16).padStart(digits, "0");
}

const HEADER = (chip: RegisterChip) =>
  `// Generated from ${REGISTER_CSV[chip]} by host-sim/register-tables.ts (npm run registers). Do not edit.\n`;

function ade7953Module(csv: string): string {
  const lines = csvRows(csv).map((f) => {
    const [name, a24, a32, width, kind, access, reset] = f;
    const address = hexOrNull(a24 || a32);
    if (address === null) throw new Error(`ade7953 CSV: ${name} has no address`);
    const bits = a24 ? Number(width) : 32;
    const r = hexOrNull(reset);
    return `  { name: "${name}", address: ${hex(address, 3)}, bits: ${bits}, kind: "${kind}", access: "${access}", reset: ${r === null ? "null" : hex(r, 1)} },`;
  });
  return HEADER("ade7953") + `
/** One register as the datasheet tables give it (24-bit-window address; 32 bits only for CRC). */
export interface Ade7953RegisterRow {
  readonly name: string;
  readonly address: number;
  readonly bits: 8 | 16 | 24 | 32;
  /** U unsigned, S two's complement, SM sign-magnitude. */
  readonly kind: "U" | "S" | "SM";
  /** R read-only, RW, RC read clears, W write-only key. */
  readonly access: "R" | "RW" | "RC" | "W";
  /** Value after a reset, or null where the tables give none. */
  readonly reset: number | null;
}

export const ADE7953_REGISTER_ROWS: readonly Ade7953RegisterRow[] = [
${lines.join("\n")}
];
`;
}

function atm90e26Module(csv: string): string {
  const lines = csvRows(csv).map((f) => {
    const [name, addr, access, reset, fmt] = f;
    const address = hexOrNull(addr);
    const r = hexOrNull(reset);
    if (address === null || r === null) throw new Error(`atm90e26 CSV: ${name} needs a hex address and reset value`);
    return `  { name: "${name}", address: ${hex(address, 2)}, access: "${access}", reset: ${hex(r, 4)}, format: "${fmt}" },`;
  });
  return HEADER("atm90e26") + `
/** One 16-bit register as the datasheet tables give it. */
export interface Atm90e26RegisterRow {
  readonly name: string;
  readonly address: number;
  /** W write-only, R read-only, RW, RC read clears. */
  readonly access: "W" | "R" | "RW" | "RC";
  readonly reset: number;
  /** U unsigned, S2 two's complement, SM sign-magnitude (SM? where the datasheet does not say). */
  readonly format: string;
}

export const ATM90E26_REGISTER_ROWS: readonly Atm90e26RegisterRow[] = [
${lines.join("\n")}
];
`;
}

/** The TypeScript module text for a chip's CSV. */
export function registerTableModule(chip: RegisterChip, csv: string): string {
  return chip === "ade7953" ? ade7953Module(csv) : atm90e26Module(csv);
}

if (require.main === module) {
  const root = join(__dirname, "..");
  for (const chip of ["ade7953", "atm90e26"] as const) {
    writeFileSync(join(root, REGISTER_MODULE[chip]), registerTableModule(chip, readFileSync(join(root, REGISTER_CSV[chip]), "utf8")));
    process.stdout.write(`wrote ${REGISTER_MODULE[chip]}\n`);
  }
}
