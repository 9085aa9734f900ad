import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { benchSectionNames, parseBenchArgs } from "../../host-sim/bench";
import { hostDlmsRuns, summarise } from "../../host-sim/bench/dlms-host";
import { ESP32_COMPUTRONS_PER_MS, ESP32_RATE_NOTE, esp32Ms } from "../../host-sim/esp32-rate";

const root = join(__dirname, "..", "..");
const SECTIONS = benchSectionNames();

describe("npm run bench: arguments", () => {
  it("lists foundation and every module of host-sim/bench as sections", () => {
    expect(SECTIONS[0]).toBe("foundation");
    expect(SECTIONS).toEqual(expect.arrayContaining(["dlms", "performance", "store", "mqtt"]));
  });

  it("takes one known section or nothing", () => {
    expect(parseBenchArgs([], SECTIONS)).toEqual({ only: null, help: false });
    expect(parseBenchArgs(["dlms"], SECTIONS)).toEqual({ only: "dlms", help: false });
    expect(parseBenchArgs(["--help"], SECTIONS)).toEqual({ only: null, help: true });
  });

  it.each([
    [["--colour", "red"], "Unknown option '--colour' (usage: npm run bench -- [SECTION], SECTION one of foundation, "],
    [["dlsm"], 'unknown section "dlsm" (usage: npm run bench -- [SECTION]'],
    [["dlms", "store"], "one section at most, got dlms store (usage:"],
  ])("rejects %j with one line", (args, message) => {
    let error: Error | null = null;
    try {
      parseBenchArgs(args, SECTIONS);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message.startsWith(message)).toBe(true);
    expect(error?.message).not.toContain("\n");
  });
});

describe("npm run headend: an unknown option is one line on stderr and exit 2", () => {
  it("--colour red", () => {
    const out = join(root, "build", `test-headend-${process.pid}.js`);
    buildSync({ entryPoints: [join(root, "host-sim", "headend.ts")], bundle: true, platform: "node", packages: "external", outfile: out, logLevel: "warning" });
    const r = spawnSync(process.execPath, [out, "--colour", "red"], { encoding: "utf8", cwd: root, timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("headend: Unknown option '--colour' (usage: npm run headend -- [--port 4060] [--address 127.0.0.1])\n");
  });
});

describe("ESP32 time estimates: computrons at one fixed rate", () => {
  it("is 4,800 computrons per ms whatever the host does, and the note says how it was chosen", () => {
    expect(ESP32_COMPUTRONS_PER_MS).toBe(4800);
    expect(esp32Ms(26_683)).toBeCloseTo(5.559, 3);
    expect(esp32Ms(1_575_000)).toBeCloseTo(328.125, 3);
    expect(ESP32_RATE_NOTE).toContain("fixed 4,800 computrons per ms");
    expect(ESP32_RATE_NOTE).toContain("242,000/ms");
    expect(ESP32_RATE_NOTE).toContain("50x");
  });
});

describe("bench dlms-host: interleaved runs, median and spread", () => {
  it("prints the median, the lowest..highest run and, from 5 runs, the middle half", () => {
    expect(summarise([30.04, 12, 25.5, 40, 19])).toBe("25.5 µs (runs 12.0..40.0, middle half 19.0..30.0)");
    expect(summarise([8, 1, 2, 7, 3, 6, 5, 4])).toBe("4.5 µs (runs 1.0..8.0, middle half 2.8..6.3)");
    expect(summarise([3, 1, 2, 10])).toBe("2.5 µs (runs 1.0..10.0)");
  });

  it("measures the server and the no-op responder once per run, for GETs and associations", async () => {
    const r = await hostDlmsRuns(2, { gets: 40, associations: 10 }, { gets: 10, associations: 5 });
    for (const mode of [r.get, r.assoc]) {
      expect(mode.server).toHaveLength(2);
      expect(mode.floor).toHaveLength(2);
      mode.above.forEach((a, i) => expect(a).toBeCloseTo(mode.server[i] - mode.floor[i], 9));
      for (const x of [...mode.server, ...mode.floor]) expect(x).toBeGreaterThan(0);
    }
  }, 60_000);
});
