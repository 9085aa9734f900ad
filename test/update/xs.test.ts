import { createHash } from "node:crypto";
import { join } from "node:path";
import { bundleForXs } from "../../host-sim/xs/bundle";
import { XsWorker } from "../../host-sim/xs/worker";
import { publicKeyBytes } from "../../host-sim/image-tools";
import { DEV_KEY_PEM, image } from "./rig";

describe("firmware image check in the XS engine", () => {
  it("hashes as Node does, accepts the signed image and refuses a flipped signature bit", async () => {
    const img = image("0.2.0", 1500);
    const worker = new XsWorker();
    try {
      await worker.evaluate(bundleForXs(join(__dirname, "xs-entry.ts")));
      const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");
      const { value } = await worker.call<Record<string, string | number | null>>(`runUpdateInXs("${toHex(img)}", "${toHex(publicKeyBytes(DEV_KEY_PEM))}")`);
      expect(value.sha).toBe(createHash("sha256").update(img).digest("hex"));
      expect(value.goodStatus).toBe(3);
      expect(value.badStatus).toBe(4);
      expect(value.badFailure).toBe("signature");
    } finally {
      worker.close();
    }
  });
});
