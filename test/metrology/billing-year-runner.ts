/** Prints the billing year (billing-year.ts) as JSON; billing.test.ts runs it in plain Node. */
import { runBillingYear } from "./billing-year";

process.stdout.write(JSON.stringify(runBillingYear()) + "\n");
