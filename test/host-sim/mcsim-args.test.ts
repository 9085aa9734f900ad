import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

// The SDK tools parse their options before they look for the SDK: these run without MODDABLE.
describe.each([
  ["mcsim", "mcsim.ts"],
  ["mcsim:week", "week.ts"],
])("npm run %s: an unknown option is one line on stderr and exit 2", (_name, file) => {
  it("--bogus", () => {
    const tsNode = require.resolve("ts-node/dist/bin.js");
    const r = spawnSync(process.execPath, [tsNode, "--transpile-only", join("host-sim", "moddable", file), "--bogus"], { encoding: "utf8", cwd: root, timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("Unknown option '--bogus'\n");
  });
});
