/**
 * The simulator CLI bundled once with esbuild (as `npm start` does) and run with node: a run
 * starts in well under a second, so each error case can be its own process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { nodeBundle, ROOT as root, runNode } from "../node-run";

/** Builds build/test-cli-<pid>.js (in build/ so that its __dirname paths resolve like host-sim/'s). */
export function cliBundle(): string {
  return nodeBundle("host-sim/cli.ts");
}

export function runCli(args: string[], timeout = 60_000) {
  return runNode("host-sim/cli.ts", args, timeout);
}

const children: ChildProcess[] = [];

export function startCli(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [cliBundle(), ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return child;
}

/** Ends any simulator a failed test left running (call in afterAll). */
export function killStarted(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}

/** Resolves with everything the stream printed once `pattern` appears in it. */
export function waitFor(stream: NodeJS.ReadableStream, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; got: ${text}`)), timeoutMs);
    stream.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
}
