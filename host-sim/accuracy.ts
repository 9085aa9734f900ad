import { existsSync } from "node:fs";
import { defaultMeterConfig } from "../firmware/app/config";
import { accuracyTable, calibrationFile, EmulatedBench, formatAccuracyTable, loadCalibrationConfig } from "./calibration";
import { parseChipOptions } from "./calibrate";

/**
 * `npm run accuracy -- --chip ade7953|atm90e26 [--calibration FILE | --uncalibrated] [--seconds N]`
 * Active-energy error table of the emulated board with the meter's driver: 0.05 Ib .. Imax by
 * PF 1, 0.5L, 0.8C, import and export. Calibration: the given file, else build/calibration-<chip>.json
 * if present, else the configuration defaults; --uncalibrated starts from neutral calibration.
 */
function main(argv: string[]): void {
  const { chip, values } = parseChipOptions(argv, { calibration: { type: "string" }, uncalibrated: { type: "boolean" }, seconds: { type: "string" } });
  if (values.help) {
    process.stdout.write("usage: npm run accuracy -- --chip ade7953|atm90e26 [--calibration FILE | --uncalibrated] [--seconds N]\n");
    return;
  }
  const base = defaultMeterConfig();
  const file = typeof values.calibration === "string" ? values.calibration : calibrationFile(chip);
  let source = "configuration defaults";
  let config = {};
  if (!values.uncalibrated && (typeof values.calibration === "string" || existsSync(file))) {
    config = loadCalibrationConfig(file, base);
    source = file;
  }
  const bench = new EmulatedBench(chip, config);
  if (values.uncalibrated) {
    bench.ic.calibration.reset();
    source = "none (neutral calibration)";
  }
  const seconds = values.seconds === undefined ? 10 : Number(values.seconds);
  if (!(seconds >= 1)) throw new Error(`--seconds must be a number >= 1`);
  const rating = base.rating;
  process.stdout.write(`${chip} accuracy, active energy error in %, calibration: ${source}\n`);
  process.stdout.write(`Un ${rating.unMilliV / 1000} V, Ib ${rating.ibMilliA / 1000} A, Imax ${rating.imaxMilliA / 1000} A, ${seconds} s per cell\n`);
  const cells = accuracyTable(bench, rating, { seconds });
  for (const line of formatAccuracyTable(cells, rating.ibMilliA / 1000)) process.stdout.write(line + "\n");
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
