import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./cli-bundle";

const dir = mkdtempSync(join(tmpdir(), "meter-cli-errors-"));

function scenarioFile(name: string, json: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(json));
  return file;
}

const calendar = {
  name: "C", seasons: [null], weeks: [{ name: "W", days: [1, 1, 1, 1, 1, 1, 1] }], days: [{ id: 1, switches: [{ at: "00:00", tariff: 1 }] }],
};

function expectOneLineError(args: string[], fragment: string): void {
  const result = runCli(args);
  expect(result.stderr.trim()).toBe(result.stderr.trim().split("\n")[0]);
  expect(result.stderr).toMatch(/^error: /);
  expect(result.stderr).toContain(fragment);
  expect(result.status).toBe(2);
  // Before the run: nothing on stdout, so no simulation ran.
  expect(result.stdout).toBe("");
}

describe("npm start: one-line errors with exit code 2, before the run starts", () => {
  it.each([
    ["report to a missing folder", ["--speed", "max", "--report", "/nonexistent/folder/r.json"], "folder /nonexistent/folder does not exist"],
    ["report to a directory", ["--speed", "max", "--report", tmpdir()], "is a directory, not a file"],
    ["--push nonsense", ["--push", "nonsense"], '--push needs HOST:PORT (port 1..65535), got "nonsense"'],
    ["--push with port 0", ["--push", "127.0.0.1:0"], "--push needs HOST:PORT"],
    ["--key too short", ["--key", "1234"], '--key needs 16 bytes as 32 hex digits, got "1234"'],
    ["--auth-key not hex", ["--auth-key", "zz".repeat(16)], "--auth-key needs 16 bytes"],
    ["--until negative", ["--until", "-1h"], '--until must not be negative, got "-1h"'],
    ["--until past 100 years", ["--speed", "max", "--until", "36600d"], "--until 36600d is more than 100 years"],
    ["--until a time 200 years on", ["--until", "2226-03-01T00:00"], "year 2226 must be 1970..2099"],
    ["--speed 1e11", ["--speed", "1e11"], '--speed must be a positive number or "max", got "1e11"'],
    ["--speed past the machine", ["--speed", "100000000000"], "is more than this machine can run (at most 100000)"],
    ["--speed 0", ["--speed", "0"], "--speed must be a positive number"],
    ["empty reader password", ["--reader-password", ""], "--reader-password must not be empty"],
    ["--dlms-port with --speed max", ["--speed", "max", "--dlms-port", "5000"], "--dlms-port has no effect with --speed max"],
    ["--push with --speed max", ["--speed", "max", "--push", "127.0.0.1:4060"], "--push has no effect with --speed max"],
    ["--key with --speed max", ["--speed", "max", "--key", "00".repeat(16)], "--key has no effect with --speed max"],
    ["--master-key with --speed max", ["--speed", "max", "--master-key", "00".repeat(16)], "--master-key has no effect"],
    ["--history with --speed max", ["--speed", "max", "--history", "1d"], "--history has no effect"],
    ["--history past --until", ["--history", "2d", "--until", "1d"], "--history 2d is past --until 1d"],
    ["--dlms-port out of range", ["--dlms-port", "70000"], '--dlms-port must be a TCP port number 0..65535, got "70000"'],
    ["--serial not digits", ["--serial", "ABC"], '--serial must be 1 to 12 digits, got "ABC"'],
    ["--calibration missing", ["--calibration", "/nonexistent.json"], "cannot read calibration file /nonexistent.json"],
    ["an unknown option", ["--colour", "red"], "Unknown option '--colour'"],
  ])("%s", (_name, args, fragment) => expectOneLineError(args as string[], fragment));

  it.each([
    ["a null entry in a calendar", { load: [{ at: 0 }], events: [{ at: "1h", type: "calendar", calendar }] }, "calendar: seasons[0] must be an object, got null"],
    ["a special-day index out of range", { load: [{ at: 0 }], events: [{ at: "1h", type: "special-day", date: "*-12-25", dayId: 1, index: 70000 }] }, '"index" must be 0..65535, got 70000'],
    ["repeat shorter than the load pattern", { repeat: "1h", load: [{ at: 0 }, { at: "2h", current: 3 }] }, '"repeat" "1h" is not longer than the load pattern (its last segment starts at 7200 s)'],
    ["year 0026", { start: "0026-03-01T00:00:00", load: [{ at: 0 }] }, "year 0026 must be 1970..2099"],
    ["an unknown top-level field \"meter\"", { load: [{ at: 0 }], meter: { serialNumber: "1" } }, 'unknown field "meter"'],
  ])("scenario with %s", (name, json, fragment) => {
    expectOneLineError(["--speed", "max", "--scenario", scenarioFile(`${name.replace(/\W+/g, "-")}.json`, json)], fragment);
  });

  describe("a busy DLMS port", () => {
    let server: Server;
    let port = 0;
    beforeAll(async () => {
      server = createServer();
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("is an error before the run, not a meter without DLMS", () => {
      expectOneLineError(["--dlms-port", String(port), "--until", "1s"], `--dlms-port ${port}: port is busy`);
    });
  });
});
