/**
 * The ATM90E26 calibration of atm90e26-tooling.test.ts, run in plain Node (test/node-run.ts; the
 * accuracy tables integrate every cell for thousands of chip LSBs, ~9 times slower in jest's vm):
 * the uncalibrated table at 1 A, the registered procedure, and the calibrated table, as JSON.
 */
import { defaultMeterConfig } from "../../../firmware/app/config";
import { accuracyTable, calibrationProcedureFor, EmulatedBench } from "../../../host-sim/calibration";

const rating = defaultMeterConfig().rating;
const bench = new EmulatedBench("atm90e26");
bench.ic.calibration.reset();
const before = accuracyTable(bench, rating, { currents: [1] });
const procedure = calibrationProcedureFor("atm90e26");
const record = procedure.run(bench, rating);
const cells = accuracyTable(bench, rating);
process.stdout.write(JSON.stringify({ before, procedureName: procedure.name, lgain: record.values.lgain, cells }) + "\n");
