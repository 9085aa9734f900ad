/**
 * Register rows name the property their value is read from. The name is typed (ValueField), so a
 * row naming a renamed or non-register property fails `npm run typecheck` (the @ts-expect-error
 * lines below fail it if the type ever lets them through).
 */
import type { ValueField } from "../../firmware/kernel/register-table";
import { TARIFF_REGISTERS } from "../../firmware/metrology/tariff-metering";

interface Owner {
  count: number;
  rates: Float64Array;
  name: string;
  reset(): void;
}

test("a register row may name a number or a Float64Array of its owner, nothing else", () => {
  const fields: ValueField<Owner>[] = ["count", "rates"];
  // @ts-expect-error a string property holds no register value
  const text: ValueField<Owner> = "name";
  // @ts-expect-error a method is not a register
  const method: ValueField<Owner> = "reset";
  // @ts-expect-error a property the owner does not have (a rename)
  const renamed: ValueField<Owner> = "counter";
  expect([...fields, text, method, renamed]).toEqual(["count", "rates", "name", "reset", "counter"]);
});

test("the tariff rows: source (1 calendar, 2 demand, 3 billing), property and element", () => {
  expect(TARIFF_REGISTERS.map((r) => `${r.obis} ${r.source}:${r.field}${r.at >= 0 ? `[${r.at}]` : ""} ${r.scaler} ${r.unit}`)).toEqual([
    "0.0.96.14.0.255 1:rate 0 ",
    "1.0.1.4.0.255 2:currentAverageImport -3 W",
    "1.0.2.4.0.255 2:currentAverageExport -3 W",
    "1.0.1.6.0.255 2:maxImport[0] -3 W",
    "1.0.1.6.1.255 2:maxImport[1] -3 W",
    "1.0.1.6.2.255 2:maxImport[2] -3 W",
    "1.0.1.6.3.255 2:maxImport[3] -3 W",
    "1.0.1.6.4.255 2:maxImport[4] -3 W",
    "1.0.2.6.0.255 2:maxExport -3 W",
    "0.0.0.1.0.255 3:count 0 ",
  ]);
});
