/**
 * `npm run client` against `npm start` (the bundled simulator in its own process, one day of
 * --history so the profiles have rows): JSON, CSV, plots, structured SET, the calendar command,
 * names for event codes, and exit codes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { runClient } from "../../host-sim/client/cli";
import { exited, killStarted, startCli, waitFor } from "./cli-bundle";

const dir = mkdtempSync(join(tmpdir(), "meter-client-"));
let child: ChildProcess;
let port = "";

beforeAll(async () => {
  child = startCli(["--history", "1d", "--dlms-port", "0", "--serial", "42", "--plain"]);
  const banner = await waitFor(child.stderr!, /DLMS on 127\.0\.0\.1:(\d+)/, 100_000);
  port = /DLMS on 127\.0\.0\.1:(\d+)/.exec(banner)![1];
});
afterAll(async () => {
  child.kill("SIGTERM");
  await exited(child);
  killStarted();
});

async function run(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runClient(["--port", port, ...args], (l) => lines.push(l));
  return { code, out: lines.join("\n") };
}

describe("client against npm start", () => {
  it("--serial 42 is the meter's serial number and logical device name", async () => {
    const ldn = await run("--json", "get", "0.0.42.0.0.255");
    expect(ldn.code).toBe(0);
    expect(JSON.parse(ldn.out)).toEqual([{ obis: "0.0.42.0.0.255", name: "Logical device name", class: 1, attribute: 2, attributeName: "value", value: "DLMSLITE00000042" }]);
  });

  it("get --json gives the value in its unit; --csv the same as a row", async () => {
    const json = JSON.parse((await run("--client", "17", "--json", "get", "1.0.32.7.0.255")).out);
    expect(json[0]).toMatchObject({ obis: "1.0.32.7.0.255", name: "Voltage", class: 3, attributeName: "value", unit: "V" });
    expect(json[0].value).toBeGreaterThan(200);
    const csv = (await run("--client", "17", "--csv", "get", "1.0.1.8.0.255")).out.split("\n");
    expect(csv[0]).toBe("obis,name,class,attribute,attributeName,value,unit,error");
    expect(csv[1]).toMatch(/^1\.0\.1\.8\.0\.255,A\+ total,3,2,value,\d+(\.\d+)?,Wh,$/);
  });

  it("profile --csv and --json: one row per 15 minutes with named columns in their units", async () => {
    const csv = await run("--client", "17", "--csv", "profile", "1.0.99.1.0.255");
    expect(csv.code).toBe(0);
    const lines = csv.out.split("\n");
    expect(lines[0]).toBe("Clock,Profile status,A+ total (Wh),A- total (Wh),R+ total (varh),R- total (varh)");
    expect(lines.length - 1).toBeGreaterThanOrEqual(95);
    const json = JSON.parse((await run("--client", "17", "--json", "profile", "1.0.99.1.0.255")).out) as Record<string, unknown>[];
    expect(json.length).toBe(lines.length - 1);
    expect(Object.keys(json[0])).toEqual(["Clock", "Profile status", "A+ total (Wh)", "A- total (Wh)", "R+ total (varh)", "R- total (varh)"]);
    expect(typeof json[json.length - 1]["A+ total (Wh)"]).toBe("number");
  });

  it("profile --plot draws the energy per period; --svg writes a picture", async () => {
    const svg = join(dir, "load.svg");
    const r = await run("--client", "17", "profile", "1.0.99.1.0.255", "--plot", "--svg", svg);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Load profile 1: A\+ total per period \(Wh\) from /);
    expect(r.out).toMatch(/[┼┤]/);
    expect(r.out).toMatch(/points written to /);
    const picture = readFileSync(svg, "utf8");
    expect(picture).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(picture).toContain("<polyline");
  });

  it("set takes a structured A-XDR value as JSON (special days table insert with a structure)", async () => {
    const entry = JSON.stringify({ structure: [{ "long-unsigned": 7 }, { "octet-string": "0xFFFF0C19FF" }, { unsigned: 1 }] });
    const r = await run("--client", "1", "--json", "action", "0.0.11.0.0.255", "1", entry);
    expect(JSON.parse(r.out)).toMatchObject({ obis: "0.0.11.0.0.255", method: 1, result: "success", code: 0 });
    const table = await run("--client", "1", "--json", "get", "0.0.11.0.0.255", "2");
    expect(JSON.parse(table.out)[0].value).toContainEqual([7, "0xFFFF0C19FF", 1]);
  });

  it("calendar FILE loads a passive calendar and activates it", async () => {
    const file = join(dir, "calendar.json");
    writeFileSync(file, JSON.stringify({
      name: "FLAT", seasons: [{ name: "ALL", start: "01-01", week: "W" }], weeks: [{ name: "W", days: [5, 5, 5, 5, 5, 5, 5] }],
      days: [{ id: 5, switches: [{ at: "00:00", tariff: 3 }] }],
    }));
    const r = await run("--client", "1", "calendar", file, "--activate", "now");
    expect(r.out.split("\n").pop()).toBe("activate: success");
    expect(r.code).toBe(0);
    const name = await run("--client", "17", "--json", "get", "0.0.13.0.0.255", "2");
    expect(JSON.parse(name.out)[0].value).toBe("FLAT");
  });

  it("event logs print their codes with names (after the calendar activation)", async () => {
    const json = JSON.parse((await run("--client", "17", "--json", "profile", "0.0.99.98.0.255")).out) as Record<string, unknown>[];
    expect(json.some((r) => r.event === "passive tou programmed" && r["Last standard event"] === 19)).toBe(true);
    expect(json.some((r) => r.event === "tou activated" && r["Last standard event"] === 9)).toBe(true);
    const text = (await run("--client", "17", "get", "0.0.96.11.0.255")).out;
    expect(text).toMatch(/Last standard event \[class 1\] value: [a-z ]+ \(\d+\)$/);
  });

  it("errors: OBIS syntax and usage exit 2 before connecting; a failed result exits 1", async () => {
    expect(await run("get", "1.0.1.8.0")).toEqual({ code: 2, out: 'error: "1.0.1.8.0" is not an OBIS code: six numbers 0..255 separated by dots, e.g. 1.0.1.8.0.255' });
    expect((await run("get", "1.0.1.8.0.256")).code).toBe(2);
    expect(await run("set", "0.0.11.0.0.255", "2", '{"structur": []}')).toEqual({ code: 2, out: expect.stringContaining('unknown type "structur"') });
    expect(await run("frobnicate")).toEqual({ code: 2, out: expect.stringContaining('unknown command "frobnicate"') });
    expect(await run("--json", "--csv", "list")).toEqual({ code: 2, out: "error: --json and --csv exclude each other" });
    // A GET the association may not read: exit 1 with the result named.
    const denied = await run("--client", "16", "get", "0.0.43.0.0.255", "2");
    expect(denied.code).toBe(1);
  });
});
