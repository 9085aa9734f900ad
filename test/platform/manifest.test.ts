/**
 * The Moddable build as far as it can be checked without the SDK: manifest.json maps every module
 * the build reaches from firmware/main for each platform, the way XS resolves them (module names,
 * relative specifiers against the importing module's name, no folder `index` fallback, wildcards
 * one folder deep); config keys are documented; the typescript types path and the partition table
 * exist and hold what the firmware opens.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { PIN_NAMES, readSettings } from "../../firmware/platform/moddable/settings";

const root = join(__dirname, "..", "..");
const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8"));
const readme = readFileSync(join(root, "docs", "readme", "moddable.md"), "utf8");

/** Modules the SDK provides (our manifest includes their manifests), per platform. */
// mc/ffi: the manifest's ffi sections (the TLS client on both platforms, the OTA calls on esp32).
const SDK_COMMON = ["embedded:io/socket/tcp", "embedded:io/socket/udp", "embedded:io/socket/listener", "timer", "time", "mc/config", "mc/ffi", "crypt", "bin"];
const SDK_ESP32_ONLY = ["embedded:io/spi", "embedded:io/digital", "embedded:io/serial", "embedded:provider/builtin", "embedded:storage/flash", "embedded:network/interface/wifi"];
// The esp32's firmware update: embedded:update from modules/io/update (included on esp32 only; lin has its emulated slots instead).
const SDK_ESP32_UPDATE = ["embedded:update"];
const SDK: Record<string, string[]> = { esp32: [...SDK_COMMON, ...SDK_ESP32_ONLY, ...SDK_ESP32_UPDATE], lin: [...SDK_COMMON, "worker", "debug", "instrumentation"] };
const MODULE_EXTENSIONS = [".ts", ".js"];

/** name -> source file (repo relative), as mcconfig expands the `modules` of the base and one platform section. */
function moduleMap(platform: string): Map<string, string> {
  const map = new Map<string, string>();
  // The project's own included manifests (manifest_tls.json) map modules too.
  const local = (manifest.include as string[]).filter((i) => i.startsWith("./")).map((i) => JSON.parse(readFileSync(join(root, i), "utf8")).modules ?? {});
  const sections = [manifest.modules, ...local, manifest.platforms[platform]?.modules ?? {}];
  for (const modules of sections) {
    for (const [name, value] of Object.entries(modules as Record<string, string | string[]>)) {
      if (name === "~") continue;
      for (const source of Array.isArray(value) ? value : [value]) {
        if (source.startsWith("$(")) {
          map.set(name, source);
          continue;
        }
        const path = posix.normalize(source);
        if (name.endsWith("/*")) {
          if (!path.endsWith("/*")) throw new Error(`${name}: a wildcard name needs a wildcard path`);
          const dir = join(root, path.slice(0, -2));
          for (const file of readdirSync(dir)) {
            const ext = MODULE_EXTENSIONS.find((e) => file.endsWith(e) && !file.endsWith(".d.ts"));
            if (!ext || statSync(join(dir, file)).isDirectory()) continue;
            map.set(name.slice(0, -1) + file.slice(0, -ext.length), posix.join(path.slice(0, -2), file));
          }
        } else {
          const file = MODULE_EXTENSIONS.map((e) => path + e).find((f) => existsSync(join(root, f)));
          if (!file) throw new Error(`${name}: ${source} has no .ts or .js file`);
          map.set(name, file);
        }
      }
    }
  }
  return map;
}

function strip(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

/** Specifiers a module imports at run time (type-only imports and re-exports are erased by tsc). */
export function valueImports(source: string): string[] {
  const code = strip(source);
  const out: string[] = [];
  const re = /(?:^|[;\n])\s*(import|export)\s+([^;]*?)\s*from\s*["']([^"']+)["']|(?:^|[;\n])\s*import\s*["']([^"']+)["']/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(code)) !== null) {
    if (m[4]) {
      out.push(m[4]);
      continue;
    }
    const clause = m[2].trim();
    if (clause.startsWith("type ")) continue;
    const braces = /\{([^}]*)\}/.exec(clause);
    const outside = braces ? clause.replace(braces[0], "").replace(/,/g, "").trim() : clause;
    const named = braces ? braces[1].split(",").map((s) => s.trim()).filter(Boolean) : [];
    if (!outside && named.length > 0 && named.every((n) => n.startsWith("type "))) continue;
    out.push(m[3]);
  }
  return out;
}

/** XS resolution: a relative specifier against the importing module's name. */
export function resolveSpecifier(from: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  return posix.normalize(posix.join(posix.dirname(from), specifier));
}

/** Walks the build from the main module; returns the problems (unmapped modules) and what it reached. */
function walk(platform: string): { problems: string[]; reached: Set<string> } {
  const map = moduleMap(platform);
  const problems: string[] = [];
  const reached = new Set<string>();
  const queue = [manifest.creation.main as string];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (reached.has(name)) continue;
    reached.add(name);
    const file = map.get(name);
    if (!file || file.startsWith("$(")) continue;
    for (const specifier of valueImports(readFileSync(join(root, file), "utf8"))) {
      const target = resolveSpecifier(name, specifier);
      if (map.has(target)) queue.push(target);
      else if (!SDK[platform].includes(target)) {
        const folderIndex = map.has(`${target}/index`) || existsSync(join(root, target, "index.ts"));
        problems.push(`${file}: "${specifier}" -> ${target} ${folderIndex ? "is a folder index (name the file)" : "is not mapped"}`);
      }
    }
  }
  return { problems, reached };
}

describe("manifest.json", () => {
  it.each(["esp32", "lin"])("maps every module the %s build imports, by file (no folder index)", (platform) => {
    const { problems, reached } = walk(platform);
    expect(problems).toEqual([]);
    // The walk really covers the meter, the DLMS server and the platform code.
    for (const m of ["firmware/app/meter", "firmware/comms/dlms/server", "firmware/platform/moddable/board", "firmware/app/start"]) expect(reached).toContain(m);
    if (platform === "lin") for (const m of ["embedded:provider/builtin", "embedded:io/spi", "firmware/platform/lin/hardware", "emulation/ade7953/emulator"]) expect(reached).toContain(m);
  });

  it("no firmware or emulator file value-imports a folder (XS has no index fallback), reached from main or not", () => {
    const files: string[] = [];
    const visit = (dir: string) => {
      for (const entry of readdirSync(join(root, dir))) {
        const path = posix.join(dir, entry);
        if (statSync(join(root, path)).isDirectory()) visit(path);
        else if (path.endsWith(".ts") && !path.endsWith(".d.ts")) files.push(path);
      }
    };
    visit("firmware");
    visit("emulation");
    expect(files.length).toBeGreaterThan(50);
    const folders = files.flatMap((file) =>
      valueImports(readFileSync(join(root, file), "utf8"))
        .filter((s) => s.startsWith("."))
        .filter((s) => !existsSync(join(root, posix.dirname(file), s + ".ts")))
        .map((s) => `${file}: "${s}"`),
    );
    expect(folders).toEqual([]);
  });

  it("the import checker catches folder indexes, unmapped modules and keeps type-only imports out", () => {
    expect(valueImports(`import { createRelayDriver } from "./drivers/relay";`)).toEqual(["./drivers/relay"]);
    expect(valueImports(`import type { Board } from "./hal";\nimport { type Clock } from "./hal";\nexport type { X } from "./y";`)).toEqual([]);
    expect(valueImports(`import D, { type A } from "./d";\nexport * from "./e";\nimport "./f";`)).toEqual(["./d", "./e", "./f"]);
    expect(resolveSpecifier("firmware/app/meter", "../drivers/relay/index")).toBe("firmware/drivers/relay/index");
    expect(resolveSpecifier("firmware/platform/lin/hardware", "../../../emulation/scenario/scenario")).toBe("emulation/scenario/scenario");
    // A module mapped under an embedded: name resolves relative imports against that name.
    expect(resolveSpecifier("embedded:io/spi", "./instance")).toBe("embedded:io/instance");
    const map = moduleMap("esp32");
    expect(map.has("firmware/drivers/relay")).toBe(false);
    expect(map.get("firmware/drivers/relay/index")).toBe("firmware/drivers/relay/index.ts");
  });

  it("lists every firmware folder that holds modules (wildcards are one folder deep)", () => {
    const folders: string[] = [];
    const visit = (dir: string) => {
      for (const entry of readdirSync(join(root, dir))) {
        const path = posix.join(dir, entry);
        if (statSync(join(root, path)).isDirectory()) {
          if (readdirSync(join(root, path)).some((f) => f.endsWith(".ts"))) folders.push(path);
          visit(path);
        }
      }
    };
    visit("firmware");
    const mapped = new Set(Object.keys(manifest.modules).filter((k) => k.endsWith("/*")).map((k) => k.slice(0, -2)));
    // firmware/platform holds the per-platform module names (target-slots), platform/lin and
    // platform/moddable/esp32 are mapped module by module in their platform's section.
    const missing = folders.filter((f) => !mapped.has(f) && f !== "firmware/platform" && f !== "firmware/platform/lin" && f !== "firmware/platform/moddable/esp32");
    expect(missing).toEqual([]);
  });

  it("the lin platform supplies what the SDK lacks there, the esp32 platform includes flash and Wi-Fi", () => {
    const lin = moduleMap("lin");
    for (const m of SDK_ESP32_ONLY) expect(lin.has(m)).toBe(true);
    const esp32 = manifest.platforms.esp32;
    expect(esp32.include).toEqual(expect.arrayContaining(["$(MODDABLE)/modules/io/flash/esp32/manifest.json", "$(MODDABLE)/modules/io/wifi/manifest.json", "$(MODDABLE)/modules/io/update/manifest.json"]));
    expect(Object.keys(esp32.ffi.functions).sort()).toEqual(["esp_ota_mark_app_invalid_rollback_and_reboot", "esp_ota_mark_app_valid_cancel_rollback", "esp_restart", "meter_ota_pending_verify"]);
    for (const source of esp32.ffi.sources as string[]) expect(existsSync(join(root, source))).toBe(true);
    expect(esp32.defines.ota.autosplit).toBe(1);
    expect(readFileSync(join(root, esp32.build.SDKCONFIGPATH, "sdkconfig.defaults"), "utf8")).toMatch(/^CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=y$/m);
    expect(moduleMap("esp32").has("embedded:io/spi")).toBe(false);
    expect(manifest.creation.main).toBe("firmware/main");
    expect(moduleMap("esp32").get("firmware/main")).toBe("firmware/main.ts");
  });

  it("documents every config key in docs/readme/moddable.md and the settings accept them all", () => {
    const keys = new Set([...Object.keys(manifest.config), ...Object.keys(manifest.platforms.lin.config)]);
    const undocumented = [...keys].filter((k) => !readme.includes(`\`${k}\``));
    expect(undocumented).toEqual([]);
    for (const name of PIN_NAMES) expect(manifest.config[`${name}Pin`]).toEqual(expect.any(Number));
    const settings = readSettings(manifest.config);
    expect(settings.flashPartition).toBe("meterdata");
    expect(settings.dlmsPort).toBe(4059);
    expect(settings.allowDefaultSecrets).toBe(false);
    expect(readSettings({ ...manifest.config, ...manifest.platforms.lin.config }).allowDefaultSecrets).toBe(true);
  });

  it("points typescript at declarations that exist", () => {
    const types: string[] = manifest.typescript.tsconfig.compilerOptions.types;
    expect(types.length).toBeGreaterThan(0);
    for (const t of types) {
      const path = join(root, t);
      expect(existsSync(path + ".d.ts") || existsSync(join(path, "index.d.ts"))).toBe(true);
    }
    const gaps = readFileSync(join(root, types[0], "index.d.ts"), "utf8");
    // Only what the SDK leaves untyped: a second declaration of an SDK module would clash with its typings. The TLS socket is typed by the SDK (typings/embedded_io/socket/tls.d.ts) but that file is not among the typings the build loads.
    expect(gaps).not.toMatch(/declare module "(embedded:(?!io\/socket\/tcp\/tls")|timer"|time"|mc\/config")/);
    expect(gaps).toContain(`declare module "rng"`);
  });

  it("has the partition table with the journal's and the profiles' data partitions and one factory app", () => {
    const file = manifest.platforms.esp32.build.PARTITIONS_FILE as string;
    expect(existsSync(join(root, file))).toBe(true);
    const rows = readFileSync(join(root, file), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.split(",").map((c) => c.trim()));
    const parts = rows.map(([name, type, subtype, offset, size]) => ({ name, type, subtype, offset: Number(offset), size: Number(size) }));
    const data = parts.find((p) => p.name === manifest.config.flashPartition)!;
    expect(data).toMatchObject({ type: "data", size: 0x10000 });
    expect(data.offset % 0x1000).toBe(0);
    const profiles = parts.find((p) => p.name === manifest.config.profilePartition)!;
    expect(profiles).toMatchObject({ type: "data", size: 0x40000 });
    expect(profiles.offset % 0x1000).toBe(0);
    expect(parts.filter((p) => p.type === "app")).toEqual([expect.objectContaining({ name: "factory", subtype: "factory", offset: 0x10000 })]);
    const sorted = [...parts].sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].offset).toBeGreaterThanOrEqual(sorted[i - 1].offset + sorted[i - 1].size);
    const last = sorted[sorted.length - 1];
    expect(last.offset + last.size).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(dirname(file)).toBe("./partitions");
  });
  it("preloads every firmware and emulation module (mcconfig's preload wildcards match .js only), main on both targets, the lin board's modules and stand-ins on lin", () => {
    const modules: string[] = [];
    const visit = (dir: string) => {
      for (const entry of readdirSync(join(root, dir))) {
        const path = posix.join(dir, entry);
        if (statSync(join(root, path)).isDirectory()) visit(path);
        else if (path.endsWith(".ts") && !path.endsWith(".d.ts")) modules.push(path.slice(0, -3));
      }
    };
    visit("firmware");
    visit("emulation");
    // The esp32's own modules are preloaded under the name they are mapped to (firmware/platform/target-slots).
    const expected = modules.filter((m) => m !== "firmware/main" && !m.startsWith("firmware/platform/lin/") && !m.startsWith("firmware/platform/moddable/esp32/")).sort();
    expect([...manifest.preload].sort()).toEqual(expected);
    expect(manifest.platforms.esp32.preload).toEqual(["firmware/main"]);
    expect(moduleMap("esp32").get("firmware/platform/target-slots")).toBe("firmware/platform/moddable/esp32/target-slots.ts");
    expect(moduleMap("lin").get("firmware/platform/target-slots")).toBe("firmware/platform/target-slots.ts");
    const budget = { static: 0, chunk: { initial: 65536, incremental: 0 }, heap: { initial: 4928, incremental: 0 }, stack: 512 };
    expect(manifest.platforms.esp32.creation).toEqual(budget);
    // The firmware's machine in mcsim has the ESP32's creation (no growth: a run that needs more
    // aborts "memory full"), so mcsim proves the budget; the emulator worker has its own.
    expect(manifest.platforms.lin.creation).toEqual(budget);
    const linBoard = modules.filter((m) => m.startsWith("firmware/platform/lin/"));
    // The stand-ins are preloaded under the embedded:* names they are mapped to; main too, as on
    // the esp32 (the board is built at its first use, not when instance.ts loads).
    const linMap = moduleMap("lin");
    const mappedName = (m: string) => [...linMap.entries()].find(([, file]) => file === `${m}.ts`)?.[0] ?? m;
    expect([...manifest.platforms.lin.preload].sort()).toEqual([...linBoard.map(mappedName), "firmware/main"].sort());
    expect(manifest.platforms.lin.preload).toEqual(expect.arrayContaining(["embedded:provider/builtin", "embedded:io/spi", "embedded:io/digital", "embedded:io/serial", "embedded:storage/flash", "embedded:network/interface/wifi"]));
    // The emulator worker is started by name, so the lin build must map it.
    expect(moduleMap("lin").get("firmware/platform/lin/emulator-worker")).toBe("firmware/platform/lin/emulator-worker.ts");
    expect(manifest.creation.keys).toEqual({ initial: 128, incremental: 0 });
  });
});
