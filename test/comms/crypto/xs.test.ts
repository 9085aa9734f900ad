import { join } from "node:path";
import { bundleForXs } from "../../../host-sim/xs/bundle";
import { XsWorker } from "../../../host-sim/xs/worker";
import { runCryptoInXs } from "./xs-crypto-entry";

describe("portable AES-GCM and DLMS proofs in the XS engine", () => {
  it("computes in xsnap exactly what the standard vectors and Node say", async () => {
    const worker = new XsWorker();
    try {
      await worker.evaluate(bundleForXs(join(__dirname, "xs-crypto-entry.ts")));
      const { value } = await worker.call<Record<string, string | boolean>>("runCryptoInXs()");
      expect(value.gcm).toBe(
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091" + "5bc94fbc3221a5db94fae95ae7121a47",
      );
      expect(value.roundTrip).toBe(true);
      expect(value.tamperedRejected).toBe(true);
      expect(value.wrap).toBe("1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
      // f(StoC) of docs/dlms-vectors.md part E (pass 3), as decrypted from the Gurux frame.
      expect(value.proof).toBe("10000000020911d7787a3ad1877dd9dbec");
      expect(value).toEqual(runCryptoInXs()); // and Node agrees on every value
    } finally {
      worker.close();
    }
  });
});
