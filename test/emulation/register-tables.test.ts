import { readFileSync } from "node:fs";
import { join } from "node:path";
import { csvRows, hexOrNull, REGISTER_CSV, REGISTER_MODULE, registerTableModule } from "../../host-sim/register-tables";
import { ADE7953_REGISTER_ROWS } from "../../emulation/ade7953/register-table";
import { ATM90E26_REGISTER_ROWS } from "../../emulation/atm90e26/register-table";
import { ATM90E26 } from "../../firmware/drivers/atm90e26/registers";

const root = join(__dirname, "..", "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");

describe("emulator register tables generated from docs/chips/*.csv", () => {
  it.each(["ade7953", "atm90e26"] as const)("emulation/%s/register-table.ts is what `npm run registers` makes of the CSV", (chip) => {
    expect(read(REGISTER_MODULE[chip])).toBe(registerTableModule(chip, read(REGISTER_CSV[chip])));
  });

  it("ADE7953: one row per CSV row, with the datasheet's addresses, widths and reset values", () => {
    const rows = csvRows(read(REGISTER_CSV.ade7953));
    expect(ADE7953_REGISTER_ROWS).toHaveLength(rows.length);
    expect(ADE7953_REGISTER_ROWS).toHaveLength(92);
    const byName = new Map(ADE7953_REGISTER_ROWS.map((r) => [r.name, r]));
    expect(byName.get("CONFIG")).toEqual({ name: "CONFIG", address: 0x102, bits: 16, kind: "U", access: "RW", reset: 0x8004 });
    expect(byName.get("AENERGYA")).toEqual({ name: "AENERGYA", address: 0x21e, bits: 24, kind: "S", access: "RC", reset: 0 });
    expect(byName.get("CRC")).toEqual({ name: "CRC", address: 0x37f, bits: 32, kind: "U", access: "R", reset: 0xffffffff });
    expect(byName.get("VERSION")?.reset).toBeNull();
  });

  it("ATM90E26: one row per CSV row; the firmware driver's own table agrees with it", () => {
    const rows = csvRows(read(REGISTER_CSV.atm90e26));
    expect(ATM90E26_REGISTER_ROWS).toHaveLength(rows.length);
    const firmware = new Map(Object.values(ATM90E26).map((r) => [r.name, r]));
    for (const row of ATM90E26_REGISTER_ROWS) {
      const f = firmware.get(row.name);
      if (!f) continue; // the driver lists only the registers it uses
      expect({ name: f.name, address: f.address, access: f.access, reset: f.reset }).toEqual({ name: row.name, address: row.address, access: row.access.toLowerCase(), reset: row.reset });
    }
    expect(ATM90E26_REGISTER_ROWS.find((r) => r.name === "EnStatus")?.reset).toBe(0xc800);
  });

  it("reads hex values with trailing remarks and refuses what is not hex", () => {
    expect(hexOrNull("0xC800(after power-on)")).toBe(0xc800);
    expect(hexOrNull("N/A")).toBeNull();
    expect(hexOrNull("-")).toBeNull();
    expect(() => registerTableModule("ade7953", "X,,,8,U,R,0x0,no address\n")).toThrow("ade7953 CSV: X has no address");
  });
});
