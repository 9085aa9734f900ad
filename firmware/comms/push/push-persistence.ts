import type { PushSetupConfig } from "./push-setup";
import { parseDestination } from "./push-setup";

/** The push setup attributes a head end writes (class 40 attributes 2..7), as stored in the journal. */
export interface PushSetupRecord {
  v: number;
  /** push_object_list flattened: class id, logical name, attribute, data index per entry. */
  o: (number | string)[];
  d: string;
  /** communication_window: start and end date-times (12 bytes each), in pairs. */
  w: Uint8Array[];
  r: number;
  n: number;
  p: number;
}

const FORMAT = 1;
const OBIS = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export function pushSetupRecord(s: PushSetupConfig): PushSetupRecord {
  const o: (number | string)[] = [];
  for (const ref of s.objectList) o.push(ref.classId, ref.obis, ref.attribute, ref.dataIndex);
  const w: Uint8Array[] = [];
  for (const win of s.windows) w.push(win.start, win.end);
  return { v: FORMAT, o, d: s.destination, w, r: s.randomisationStartIntervalS, n: s.numberOfRetries, p: s.repetitionDelayS };
}

/** Puts a stored record into `setup` after checking all of it (RangeError, nothing changed, otherwise). */
export function restorePushSetup(setup: PushSetupConfig, x: PushSetupRecord): void {
  const uint = (v: unknown, max: number): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;
  if (typeof x !== "object" || x === null || x.v !== FORMAT || !Array.isArray(x.o) || x.o.length % 4 !== 0 || !Array.isArray(x.w) || x.w.length % 2 !== 0) {
    throw new RangeError("push setup: not a version-1 record");
  }
  const objectList: PushSetupConfig["objectList"] = [];
  for (let i = 0; i < x.o.length; i += 4) {
    const [classId, obis, attribute, dataIndex] = x.o.slice(i, i + 4);
    if (!uint(classId, 0xffff) || typeof obis !== "string" || !OBIS.test(obis) || typeof attribute !== "number" || !Number.isInteger(attribute) || attribute < -128 || attribute > 127 || !uint(dataIndex, 0xffff)) {
      throw new RangeError(`push setup: object list entry ${i / 4} is not whole`);
    }
    objectList.push({ classId, obis, attribute, dataIndex });
  }
  if (typeof x.d !== "string" || !parseDestination(x.d)) throw new RangeError("push setup: bad destination");
  const windows: PushSetupConfig["windows"] = [];
  for (let i = 0; i < x.w.length; i += 2) {
    if (!(x.w[i] instanceof Uint8Array) || !(x.w[i + 1] instanceof Uint8Array) || x.w[i].length !== 12 || x.w[i + 1].length !== 12) throw new RangeError("push setup: bad window");
    windows.push({ start: x.w[i].slice(), end: x.w[i + 1].slice() });
  }
  if (!uint(x.r, 0xffff) || !uint(x.n, 0xff) || !uint(x.p, 0xffff)) throw new RangeError("push setup: bad retry settings");
  setup.objectList = objectList;
  setup.destination = x.d;
  setup.windows = windows;
  setup.randomisationStartIntervalS = x.r;
  setup.numberOfRetries = x.n;
  setup.repetitionDelayS = x.p;
}
