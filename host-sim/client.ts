/** `npm run client -- ...`: a DLMS client for people (see host-sim/client/cli.ts). */
import { runClient } from "./client/cli";

if (require.main === module) {
  runClient(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
