/**
 * The firmware's RAM census, inside XS (xsnap): boots the meter as main.ts does on the lin board
 * (emulated ADE7953, relay, LCD, flash, Wi-Fi, virtual time; a listener that never gets a
 * client), and walks the object graph reachable from the running meter. The board's own objects
 * and every prototype (module code, preloaded into flash on a device) are left out.
 *
 * Slots are counted the way XS lays objects out (measured in xsnap, `npm run ram -- --costs`):
 * an object is 1 slot + 1 per property; an array 2 slots, its elements in a chunk; a typed array
 * 3 and its buffer 2 (the bytes in a chunk); a Map or Set 1 + 2 or 1 per entry; a function 11
 * (its environment's captured variables come on top and are not visible to a walk, which is why
 * the measured heap delta of the boot is the figure that counts).
 */
import { createModdableBoard, type ModdableIo } from "../../firmware/platform/moddable/board";
import type { DigitalClass, ListenerClass, TcpClass } from "../../firmware/platform/moddable/ecma419";
import { readSettings } from "../../firmware/platform/moddable/settings";
import { startMeter } from "../../firmware/app/start";
import type { WifiClass } from "../../firmware/platform/moddable/wifi";
import { createLinHardware } from "../../firmware/platform/lin/hardware";
import { DEFAULT_SCENARIO, MCSIM_OTA_SLOT_SECTORS } from "../../firmware/platform/lin/default-scenario";
import { parseScenario } from "../event-types";
import manifest from "../../manifest.json";

export interface CensusRow {
  key: string;
  objects: number;
  slots: number;
  chunkBytes: number;
}

export interface Census {
  slots: number;
  objects: number;
  functions: number;
  /** Frozen objects reached (module tables), left out. */
  frozen: number;
  byKind: CensusRow[];
  byPath: CensusRow[];
  functionsByPath: CensusRow[];
}

const NO_TIMER = { set: () => ({}), schedule: () => {} };

/** A listener that never gets a client (the census is of the meter at rest). */
class IdleListener {
  constructor(readonly options: Record<string, unknown>) {}
  read(): never {
    throw new Error("no client");
  }
  close(): void {}
}

const state: { hw?: unknown; running?: unknown } = {};

/** Builds the lin board and returns a function that boots the meter on it (as main.ts). */
function prepare(extra: Record<string, string | number | boolean> = {}): () => unknown {
  // The mcsim board's OTA slots: the meter has its firmware update, as main.ts boots it on lin.
  const hw = createLinHardware({ scenario: parseScenario(DEFAULT_SCENARIO), timer: NO_TIMER, trace: () => {}, otaSlotSectors: MCSIM_OTA_SLOT_SECTORS });
  const clock = hw.device.clock;
  const io: ModdableIo = {
    SPI: hw.SPI,
    Digital: hw.Digital as unknown as DigitalClass,
    Listener: IdleListener as unknown as ListenerClass,
    TCP: IdleListener as unknown as TcpClass,
    flash: hw.flashStorage,
    WiFi: hw.WiFi as unknown as WifiClass,
    Timer: clock.Timer,
    Time: clock.Time,
    systemTimeMs: () => clock.wallClockMs(),
    randomBytes: (n) => new Uint8Array(n).buffer,
    trace: () => {},
    firmwareSlots: () => hw.device.firmwareSlots(),
  };
  const m = manifest as unknown as { config: Record<string, string | number | boolean>; platforms: { lin: { config: Record<string, string | number | boolean> } } };
  const settings = readSettings({ ...m.config, ...m.platforms.lin.config, ...extra });
  state.hw = hw;
  return () => startMeter(createModdableBoard(io, settings), settings, { clockTrusted: true });
}

function isMap(o: object): o is Map<unknown, unknown> {
  try {
    Map.prototype.has.call(o, 0);
    return true;
  } catch {
    return false;
  }
}

function isSet(o: object): o is Set<unknown> {
  try {
    Set.prototype.has.call(o, 0);
    return true;
  } catch {
    return false;
  }
}

function kindOf(o: object): string {
  if (typeof o === "function") return "Function";
  const p = Object.getPrototypeOf(o) as { constructor?: { name?: string } } | null;
  if (p === null) return "null-proto";
  return p.constructor && typeof p.constructor === "function" && p.constructor.name ? p.constructor.name : "Object";
}

function isReference(v: unknown): v is object {
  return v !== null && (typeof v === "object" || typeof v === "function");
}

/** Values an object holds: its own data properties, and a Map's or Set's entries. */
function held(o: object): unknown[] {
  const out: unknown[] = [];
  for (const k of Reflect.ownKeys(o)) {
    const d = Object.getOwnPropertyDescriptor(o, k)!;
    if ("value" in d) out.push(d.value);
  }
  if (isMap(o)) for (const [k, v] of o) out.push(k, v);
  else if (isSet(o)) for (const v of o) out.push(v);
  return out;
}

/** Marks everything reachable from `root` as seen, without counting it. */
function exclude(root: unknown, seen: Set<object>): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const x = stack.pop();
    if (!isReference(x) || seen.has(x)) continue;
    seen.add(x);
    if (ArrayBuffer.isView(x) || x instanceof ArrayBuffer) continue;
    stack.push(Object.getPrototypeOf(x), ...held(x));
  }
}

function slotsOf(o: object): { slots: number; chunk: number } {
  const keys = Reflect.ownKeys(o).length;
  if (typeof o === "function") return { slots: 11, chunk: 0 };
  if (Array.isArray(o)) return { slots: 2 + keys - o.length - 1, chunk: o.length * 16 };
  if (ArrayBuffer.isView(o)) return { slots: 3, chunk: 0 };
  if (o instanceof ArrayBuffer) return { slots: 2, chunk: o.byteLength };
  if (isMap(o)) return { slots: 1 + keys + 2 * o.size, chunk: 8 * o.size };
  if (isSet(o)) return { slots: 1 + keys + o.size, chunk: 8 * o.size };
  return { slots: 1 + keys, chunk: 0 };
}

function table(m: Map<string, CensusRow>, top: number): CensusRow[] {
  return [...m.values()].sort((a, b) => b.slots - a.slots).slice(0, top);
}

/** Walks from the running meter; paths are property names, cut at `depth` below the root. */
function census(depth: number, top: number): Census {
  const seen = new Set<object>();
  exclude(state.hw, seen);
  for (const p of [Object.prototype, Function.prototype, Array.prototype]) exclude(p, seen);
  const byKind = new Map<string, CensusRow>();
  const byPath = new Map<string, CensusRow>();
  const functionsByPath = new Map<string, CensusRow>();
  const add = (m: Map<string, CensusRow>, key: string, slots: number, chunk: number) => {
    const r = m.get(key) ?? { key, objects: 0, slots: 0, chunkBytes: 0 };
    r.objects++;
    r.slots += slots;
    r.chunkBytes += chunk;
    m.set(key, r);
  };
  let slots = 0;
  let objects = 0;
  let functions = 0;
  let frozen = 0;
  // Breadth first: an object is counted under the shortest path that reaches it.
  const stack: [object, string[]][] = [[state.running as object, ["running"]]];
  for (let next = 0; next < stack.length; next++) {
    const [o, path] = stack[next];
    if (seen.has(o)) continue;
    seen.add(o);
    // Prototypes are module code: preloaded, so in flash on a device.
    for (let p = Object.getPrototypeOf(o); p && !seen.has(p); p = Object.getPrototypeOf(p)) exclude(p, seen);
    // A frozen object reached from the meter is a module-level constant table (preloaded into flash
    // on a device, and made before the boot): not counted, its contents not walked.
    if (Object.isFrozen(o) && typeof o !== "function" && !ArrayBuffer.isView(o)) {
      frozen++;
      continue;
    }
    const size = slotsOf(o);
    const key = path.slice(0, depth + 1).join(".");
    slots += size.slots;
    objects++;
    add(byKind, kindOf(o), size.slots, size.chunk);
    add(byPath, key, size.slots, size.chunk);
    if (typeof o === "function") {
      functions++;
      add(functionsByPath, key, size.slots, 0);
    }
    if (ArrayBuffer.isView(o)) {
      stack.push([o.buffer, path]);
      continue;
    }
    if (o instanceof ArrayBuffer) continue;
    for (const k of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, k)!;
      if ("value" in d && isReference(d.value)) stack.push([d.value, [...path, Array.isArray(o) ? "[]" : String(k)]]);
    }
    if (isMap(o)) for (const [k, v] of o) for (const x of [k, v]) if (isReference(x)) stack.push([x, [...path, "<map>"]]);
    if (isSet(o)) for (const v of o) if (isReference(v)) stack.push([v, [...path, "<set>"]]);
  }
  return { slots, objects, functions, frozen, byKind: table(byKind, top), byPath: table(byPath, top), functionsByPath: table(functionsByPath, top) };
}

/** Measured slot costs of XS constructs, each as 1,000 of them kept alive after gc(). */
export const COST_CASES: Record<string, string> = {
  "object {}": "keep.push({})",
  "object with 3 properties": "keep.push({ a: 1, b: 2, c: 3 })",
  "class instance, 3 fields": "keep.push(new K3())",
  "array of 10 numbers": "keep.push([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])",
  "Uint8Array(16)": "keep.push(new Uint8Array(16))",
  "arrow function, no capture": "keep.push(() => 1)",
  "arrow capturing 1 variable": "(function () { let x = 1; keep.push(() => x); })()",
  "arrow capturing 3 variables": "(function () { let x = 1, y = 2, z = 3; keep.push(() => x + y + z); })()",
  "bound method": "keep.push(K3.prototype.m.bind(keep))",
  "Map entry": "keep[0].set(keep.length + Math.random(), 1)",
};

(globalThis as Record<string, unknown>).ramCensus = {
  /** `extra`: config keys over the manifest's lin config (e.g. the mqtt* keys). */
  prepare: (extra?: Record<string, string | number | boolean>) => {
    (globalThis as Record<string, unknown>).bootMeter = prepare(extra);
  },
  boot: () => {
    state.running = ((globalThis as Record<string, unknown>).bootMeter as () => unknown)();
  },
  census,
  running: () => state.running,
  hw: () => state.hw,
  /** Runs `ms` of virtual time (the meter's timers and the emulated board). */
  run: (ms: number) => {
    const hw = state.hw as { virtual: { nowMs(): number }; runUntil(t: number): void };
    hw.runUntil(hw.virtual.nowMs() + ms);
  },
};
