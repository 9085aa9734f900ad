// `npm test`'s first step: the typecheck and the lint side by side. Each is one thread; on the
// two-core machine running them one after the other left a core idle for ~17 s (issue 19).
// Exits non-zero if either fails; their output is what `npm run typecheck` and `npm run lint` print.
import { spawn } from "node:child_process";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
function run(script) {
  return new Promise((resolve) => {
    const child = spawn(npm, ["run", script], { stdio: "inherit" });
    child.on("error", () => resolve(1));
    child.on("exit", (code, signal) => resolve(signal ? 1 : code));
  });
}

const codes = await Promise.all([run("typecheck"), run("lint")]);
process.exit(codes.every((c) => c === 0) ? 0 : 1);
