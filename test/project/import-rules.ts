import { posix } from "node:path";

/**
 * The one-way import rules of the layout (README "Architecture"), as a checker over source text.
 * Paths are repository-relative with forward slashes ("firmware/drivers/relay/relay.ts").
 */

export interface ImportRef {
  /** Repository-relative target without extension ("firmware/kernel/bytes"), or the bare specifier. */
  target: string;
  /** `import type` / `export type`, or every named specifier marked `type`. */
  typeOnly: boolean;
  /** The names imported (for the "no Meter" rule). */
  names: string[];
  text: string;
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?([^;]*?)\s+from\s+["']([^"']+)["']|(?:^|\n)\s*import\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** The imports of a source file, targets resolved against the file's folder. */
export function importsOf(file: string, source: string): ImportRef[] {
  const out: ImportRef[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const spec = m[4] ?? m[5] ?? m[6];
    const clause = m[3] ?? "";
    const names = [...clause.replace(/[{}]/g, ",").split(",")].map((n) => n.trim()).filter(Boolean);
    const allTypeNames = /^\{[^}]*\}$/.test(clause.trim()) && names.length > 0 && names.every((n) => n.startsWith("type "));
    const typeOnly = Boolean(m[2]) || allTypeNames;
    const target = spec.startsWith(".") ? posix.normalize(posix.join(posix.dirname(file), spec)) : spec;
    out.push({ target, typeOnly, names: names.map((n) => n.replace(/^type\s+/, "").split(/\s+as\s+/)[0].trim()), text: m[0].trim() });
  }
  return out;
}

export type RuleName =
  | "kernel imports nothing"
  | "hal imports only kernel"
  | "drivers never import metrology, records, monitoring, control, comms or app"
  | "comms/dlms never imports app or a Meter"
  | "nothing in firmware/ imports host-sim/"
  | "emulation/ imports from firmware/ only hal and kernel types"
  | "app is imported only by main.ts, platform and host-sim";

export interface Violation {
  file: string;
  rule: RuleName;
  import: string;
}

const under = (path: string, folder: string) => path === folder || path.startsWith(folder + "/");
const DRIVER_FORBIDDEN = ["metrology", "records", "monitoring", "control", "comms", "app"].map((f) => "firmware/" + f);

/** Every rule a file's imports break. */
export function checkImports(file: string, source: string): Violation[] {
  const found: Violation[] = [];
  const add = (rule: RuleName, ref: ImportRef) => found.push({ file, rule, import: ref.text });
  for (const ref of importsOf(file, source)) {
    const t = ref.target;
    if (under(file, "firmware/kernel") && !under(t, "firmware/kernel")) add("kernel imports nothing", ref);
    if (under(file, "firmware/hal") && !under(t, "firmware/hal") && !under(t, "firmware/kernel")) add("hal imports only kernel", ref);
    if (under(file, "firmware/drivers") && DRIVER_FORBIDDEN.some((f) => under(t, f))) {
      add("drivers never import metrology, records, monitoring, control, comms or app", ref);
    }
    if (under(file, "firmware/comms/dlms") && (under(t, "firmware/app") || ref.names.includes("Meter"))) add("comms/dlms never imports app or a Meter", ref);
    if (under(file, "firmware") && under(t, "host-sim")) add("nothing in firmware/ imports host-sim/", ref);
    if (under(file, "emulation") && under(t, "firmware") && !((under(t, "firmware/hal") || under(t, "firmware/kernel")) && ref.typeOnly)) {
      add("emulation/ imports from firmware/ only hal and kernel types", ref);
    }
    const appMayImport = file === "firmware/main.ts" || under(file, "firmware/platform") || under(file, "firmware/app") || under(file, "host-sim") || under(file, "test");
    if (under(t, "firmware/app") && !appMayImport) add("app is imported only by main.ts, platform and host-sim", ref);
  }
  return found;
}

export function describeViolation(v: Violation): string {
  return `${v.file} breaks "${v.rule}": ${v.import}`;
}
