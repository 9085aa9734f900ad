import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { MeteringChip } from "../firmware/kernel/metering-ic";
import { calibrationProcedureFor, EmulatedBench, saveCalibration } from "./calibration";
import { defaultMeterConfig } from "../firmware/app/config";

/**
 * `npm run calibrate -- --chip ade7953|atm90e26 [--scenario FILE] [--out FILE]`
 * Runs the chip's calibration procedure against the emulated board with an ideal reference
 * source, prints the steps and the resulting values, and stores them as JSON (default
 * build/calibration-<chip>.json; `npm start -- --calibration FILE` and `npm run accuracy` read it).
 * With --scenario, the chip (unless --chip is given) comes from the scenario file.
 */
export function parseChipOptions(argv: string[], extra: Record<string, { type: "string" | "boolean" }> = {}): { chip: MeteringChip; values: Record<string, string | boolean | undefined> } {
  const { values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { chip: { type: "string" }, scenario: { type: "string" }, help: { type: "boolean", short: "h" }, ...extra } });
  let chip = values.chip as string | undefined;
  if (chip === undefined && typeof values.scenario === "string") {
    const scenario = JSON.parse(readFileSync(values.scenario, "utf8")) as { chip?: string };
    chip = scenario.chip ?? "ade7953";
  }
  chip ??= "ade7953";
  if (chip !== "ade7953" && chip !== "atm90e26") throw new Error(`--chip must be ade7953 or atm90e26, got "${chip}"`);
  return { chip, values };
}

function main(argv: string[]): void {
  const { chip, values } = parseChipOptions(argv, { out: { type: "string" } });
  if (values.help) {
    process.stdout.write("usage: npm run calibrate -- --chip ade7953|atm90e26 [--scenario FILE] [--out FILE]\n");
    return;
  }
  const rating = defaultMeterConfig().rating;
  const bench = new EmulatedBench(chip);
  const procedure = calibrationProcedureFor(chip);
  process.stdout.write(`calibrating ${chip} on the emulated board: ${procedure.name}\n`);
  process.stdout.write(`rating Un ${rating.unMilliV / 1000} V, Ib ${rating.ibMilliA / 1000} A, Imax ${rating.imaxMilliA / 1000} A, ${rating.fnMilliHz / 1000} Hz\n`);
  const record = procedure.run(bench, rating, (line) => process.stdout.write(`  ${line}\n`));
  process.stdout.write("calibration values:\n");
  for (const [key, value] of Object.entries(record.values)) process.stdout.write(`  ${key}: ${JSON.stringify(value)}\n`);
  const file = saveCalibration(record, typeof values.out === "string" ? values.out : undefined);
  process.stdout.write(`stored in ${file}\n`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
