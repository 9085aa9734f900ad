import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exited, killStarted, runCli, startCli, waitFor } from "./cli-bundle";

const dir = mkdtempSync(join(tmpdir(), "meter-cli-runs-"));
afterAll(killStarted);

describe("npm start --speed max: progress, summary, report", () => {
  it("prints progress on stderr, a summary with event names and where the report went", () => {
    const report = join(dir, "day.json");
    const result = runCli(["--speed", "max", "--until", "26h", "--report", report]);
    expect(result.status).toBe(0);
    // stderr is not a terminal here: one plain line per 10 %, ending at 100 %.
    const progress = result.stderr.trim().split("\n");
    expect(progress[progress.length - 1]).toMatch(/^progress 100% 2026-03-03 01:00 UTC, \d+ simulated s per s$/);
    expect(progress[0]).toBe("progress 0% 2026-03-01 23:00 UTC, 26.00 h to simulate");
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(result.stdout).toContain("simulated until 2026-03-03T01:00:00.000Z (26.00 h)");
    expect(result.stdout).toMatch(/registers: A\+ \d+\.\d{3} kWh, A- \d+\.\d{3} kWh, R\+ \d+\.\d{3} kvarh, R- \d+\.\d{3} kvarh/);
    expect(result.stdout).toMatch(/^events: /m);
    expect(result.stdout).toContain("outages: 0 (0 long), 0 s without power");
    expect(result.stdout.trim().split("\n").pop()).toBe(`report written to ${report}`);
    expect(existsSync(report)).toBe(true);
  });

  it("SIGINT stops a 10-year run promptly and still writes the report (exit 130)", async () => {
    const report = join(dir, "interrupted.json");
    const child = startCli(["--speed", "max", "--until", "3650d", "--report", report]);
    await waitFor(child.stderr!, /^progress 0% 2026-03-01 23:00 UTC, 87600\.00 h to simulate\n/, 60_000);
    const out = waitFor(child.stdout!, /report written to/, 60_000);
    const sent = Date.now();
    child.kill("SIGINT");
    const { code } = await exited(child);
    expect(Date.now() - sent).toBeLessThan(15_000);
    expect(code).toBe(130);
    expect(await out).toContain(`report written to ${report}`);
    const json = JSON.parse(readFileSync(report, "utf8"));
    expect(json.registers["1.0.1.8.0.255"].unit).toBe("Wh");
  });
});

describe("npm start live, stdout not a terminal", () => {
  it("prints plain status lines; --serial sets the system title; no pushes without --push; SIGTERM writes the report (exit 143)", async () => {
    const report = join(dir, "live.json");
    const child = startCli(["--speed", "100000", "--dlms-port", "0", "--serial", "12345", "--report", report]);
    const stderr = waitFor(child.stderr!, /DLMS on 127\.0\.0\.1:\d+/);
    // Two status lines; a log line may come between them (the daily push's "no destination" error
    // falls there when the simulator keeps up with x100000).
    const stdout = await waitFor(child.stdout!, /UTC {2}LCD \[[\s\S]*\n.*UTC {2}LCD \[/);
    // No escape codes: plain lines a log or a pipe can keep.
    expect(stdout).not.toContain("\x1b");
    expect(stdout).toMatch(/^2026-03-01 23:00:00 UTC {2}LCD \[ .* \] {2}A\+ 0\.000 kWh/m);
    const banner = await stderr;
    // Serial 12345 = 0x3039 after the manufacturer id "DLM".
    expect(banner).toContain("server system title 444C4D0000003039");
    expect(banner).toContain("no pushes (--push HOST:PORT to send them)");
    const out = waitFor(child.stdout!, /report written to/);
    child.kill("SIGTERM");
    const { code } = await exited(child);
    expect(code).toBe(143);
    await out;
    expect(JSON.parse(readFileSync(report, "utf8")).registers["1.0.1.8.0.255"].value).toBeGreaterThan(0);
  });

  it("--history runs that long at full speed first: the load profile has rows at once", async () => {
    const report = join(dir, "history.json");
    const child = startCli(["--history", "2d", "--until", "2d1s", "--dlms-port", "0", "--report", report]);
    const { code } = await exited(child);
    expect(code).toBe(0);
    const json = JSON.parse(readFileSync(report, "utf8"));
    expect(json.time).toBe("2026-03-03T23:00:01.000Z"); // the scenario starts 2026-03-02 00:00 local (UTC+1)
    // 15-minute load profile over two days: 192 periods (the first capture at the first boundary).
    expect(json.profiles["1.0.99.1.0.255"].length).toBeGreaterThanOrEqual(190);
    expect(json.profiles["1.0.99.2.0.255"].length).toBe(2);
  });
});
