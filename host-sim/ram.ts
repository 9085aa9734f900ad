/**
 * `npm run ram`: the firmware's RAM as XS sees it (xsnap, the engine of the test harness): the heap
 * slots one boot of the meter keeps alive after gc() (the figure the ESP32 budget of 4,928 slots
 * is about), and a census of where they are, by constructor and by the path from the running meter.
 *
 *   npm run ram -- [--depth N] [--top N] [--costs]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bundleForXs } from "./xs/bundle";
import { XsWorker } from "./xs/worker";
import { COST_CASES, type Census, type CensusRow } from "./xs/census-entry";

export const ESP32_SLOTS = 4928;

export interface RamFigures {
  /** Heap slots the boot keeps alive (after gc(), before and after). */
  bootSlots: number;
  census: Census;
}

/** Boots the meter in xsnap and takes the census; `extra`: config keys over the manifest's lin config (e.g. the mqtt* keys). */
export async function measureRam(depth = 2, top = 40, extra: Record<string, string | number | boolean> = {}): Promise<RamFigures> {
  const worker = new XsWorker();
  try {
    await worker.evaluate(bundleForXs(join(__dirname, "xs", "census-entry.ts")));
    await worker.call(`(ramCensus.prepare(${JSON.stringify(extra)}), null)`);
    const before = await worker.call<null>("(gc(), null)");
    const after = await worker.call<null>("(ramCensus.boot(), gc(), null)");
    const census = await worker.call<Census>(`ramCensus.census(${depth}, ${top})`);
    return { bootSlots: after.meter.currentHeapCount - before.meter.currentHeapCount, census: census.value };
  } finally {
    worker.close();
  }
}

/** Slots per construct, measured in xsnap (1,000 of each kept alive). */
export async function measureCosts(): Promise<[string, number][]> {
  const out: [string, number][] = [];
  for (const [name, code] of Object.entries(COST_CASES)) {
    const worker = new XsWorker();
    try {
      await worker.evaluate("globalThis.keep = [new Map()]; class K3 { constructor() { this.a = 1; this.b = 2; this.c = 3; } m() {} } globalThis.K3 = K3; for (let i = 0; i < 2000; i++) keep.push(0); keep.length = 1;");
      const a = await worker.call<null>("(gc(), null)");
      const b = await worker.call<null>(`(function () { for (let i = 0; i < 1000; i++) { ${code}; } })(), gc(), null`);
      out.push([name, (b.meter.currentHeapCount - a.meter.currentHeapCount) / 1000]);
    } finally {
      worker.close();
    }
  }
  return out;
}

function rows(title: string, list: CensusRow[]): string {
  const lines = list.map((r) => `${String(r.slots).padStart(7)} slots ${String(r.objects).padStart(6)} objects ${String(r.chunkBytes).padStart(8)} chunk B  ${r.key}`);
  return [`-- ${title}`, ...lines].join("\n");
}

export function formatRam(f: RamFigures): string {
  const c = f.census;
  return [
    `meter at rest after boot: ${f.bootSlots.toLocaleString("en")} heap slots kept alive (ESP32 budget ${ESP32_SLOTS.toLocaleString("en")}; 16 B a slot on the ESP32 = ${Math.round((f.bootSlots * 16) / 1024)} KiB)`,
    `census of the graph from the running meter (closure environments are not visible to it): ${c.slots.toLocaleString("en")} slots in ${c.objects.toLocaleString("en")} objects, ${c.functions} of them functions; ${c.frozen} frozen objects (module tables) left out`,
    rows("by constructor", c.byKind),
    rows("by path", c.byPath),
    rows("functions by path", c.functionsByPath),
  ].join("\n");
}

async function cli(argv: string[]): Promise<void> {
  let values: { depth?: string; top?: string; costs?: boolean };
  try {
    values = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { depth: { type: "string" }, top: { type: "string" }, costs: { type: "boolean" } } }).values;
  } catch (e) {
    process.stderr.write(`npm run ram: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const depth = Number(values.depth ?? 2);
  const top = Number(values.top ?? 40);
  if (!Number.isInteger(depth) || depth < 0 || !Number.isInteger(top) || top < 1) {
    process.stderr.write("npm run ram: --depth and --top take whole numbers (depth >= 0, top >= 1)\n");
    process.exit(2);
  }
  if (values.costs) {
    for (const [name, slots] of await measureCosts()) console.log(`${slots.toFixed(2).padStart(6)} slots  ${name}`);
    return;
  }
  console.log(formatRam(await measureRam(depth, top)));
}

if (require.main === module) void cli(process.argv.slice(2));
