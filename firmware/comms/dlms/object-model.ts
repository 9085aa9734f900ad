/**
 * The COSEM object model: objects addressed by (class id, OBIS). What an object does is its
 * class's: a shared, frozen ObjectClass (module code, preloaded into flash on a device) whose
 * attribute getters/setters and methods receive the object through the RequestContext and read
 * the object's `target` (a register descriptor, an event log, the tariff calendar...). Per
 * object the model keeps only a small CosemObject {key, class, target, info}: no copies of meter
 * state, no closures. `meter-objects.ts` fills the model from a Meter.
 */
import type { AxdrWriter, DlmsData } from "./axdr";
import type { DateTimeWriter, TimeRules } from "./classes-clock";
import type { ByteSource } from "./stream";
import type { AssociationPolicy, AssociationSecurity } from "./access-policy";
import { formatObis, obisKeyAt, parseObis } from "./xdlms";
/** What an object is about; association policies grant access by group. */
export type AccessGroup = "identity" | "association" | "clock" | "metering" | "profile" | "log" | "status" | "config" | "security" | "control";

/** The access groups by number (a CosemObject keeps its group as an index into this table). */
const ACCESS_GROUPS: readonly AccessGroup[] = Object.freeze(["identity", "association", "clock", "metering", "profile", "log", "status", "config", "security", "control"] as AccessGroup[]);

/** What an attribute or method sees of the association asking. */
export interface AssociationView {
  readonly policy: AssociationPolicy;
  readonly clientSap: number;
  readonly conformance: number;
  readonly clientMaxReceivePdu: number;
  readonly serverMaxReceivePdu: number;
  readonly applicationContext: number;
  readonly mechanism: number;
  /** 0 non-associated, 1 association-pending (HLS pass 3 not done), 2 associated. */
  readonly status: number;
  /** The association's security (HLS, ciphering), or null for a plain association. */
  readonly security: AssociationSecurity | null;
}

export interface RequestContext {
  association: AssociationView;
  model: ObjectModel;
  /** The object asked for (its class's getters, setters and methods read `object.target`). */
  object: CosemObject;
  /** Selective access selector (0 = none) and its parameters. */
  selector: number;
  parameters: DlmsData | null;
}

export interface AttributeDef {
  /** Writes the value into `w` and returns 0, or returns a stream, or a data-access-result code. */
  get?(ctx: RequestContext, w: AxdrWriter): number | ByteSource;
  /** Applies a value; returns a data-access-result code (0 success). */
  set?(value: DlmsData, ctx: RequestContext): number;
  /** Selective-access selectors accepted (profile buffers: 1 range, 2 entry). */
  selectors?: readonly number[];
  /** Never readable (the LLS secret). */
  secret?: boolean;
}

export interface MethodDef {
  /** Runs the method; may write return data into `w`. Returns an action-result code. */
  invoke(parameter: DlmsData | null, ctx: RequestContext, w: AxdrWriter): number;
}

/**
 * What every object of one kind shares: the class id and version, a name, the default access
 * group, the attributes and the methods. Defined once at module level and frozen (`defineClass`).
 */
export interface ObjectClass {
  classId: number;
  version: number;
  name: string;
  group: AccessGroup;
  /** Attributes 2..n (attribute 1, logical_name, is served by the model). Index 0 = attribute 2. */
  attributes: readonly (AttributeDef | null)[];
  /** Methods 1..n. Index 0 = method 1. */
  methods?: readonly (MethodDef | null)[];
  /**
   * For objects profiles capture: the writer of a captured number of attribute `attribute` of
   * `obj`, encoded as the object would encode the attribute (a profile read resolves it once per
   * column, so it may allocate).
   */
  capturedWriter?(attribute: number, obj: CosemObject, model: ObjectModel): CapturedWriter;
}

/** An object defined on its own (tests, rare objects): a class of one, with its OBIS. */
export interface ObjectDef extends ObjectClass {
  obis: string;
}

/** Writes one captured number (a profile row's column). */
export type CapturedWriter = (w: AxdrWriter, value: number) => void;

/** Freezes a class definition and everything in it (module-level constants: flash on a device). */
export function defineClass(cls: ObjectClass): ObjectClass {
  for (const a of cls.attributes) {
    if (a) {
      if (a.selectors) Object.freeze(a.selectors);
      Object.freeze(a);
    }
  }
  Object.freeze(cls.attributes);
  if (cls.methods) {
    for (const m of cls.methods) if (m) Object.freeze(m);
    Object.freeze(cls.methods);
  }
  return Object.freeze(cls);
}

/**
 * One object: its OBIS as a number (`key`), its class, its target and a small number `info`
 * (bits 0..7 a value type its class may use, 8..11 the access group, 12.. an argument of the
 * class). Everything else is a getter over the class. The model does not keep these: it keeps the
 * four fields in parallel arrays, and fills a CosemObject (a session's scratch, or a new one from
 * `find`) when a request needs the object.
 */
export class CosemObject {
  constructor(
    public key: number,
    public cls: ObjectClass,
    public target: unknown,
    public info: number,
  ) {}
  get classId(): number {
    return this.cls.classId;
  }
  get version(): number {
    return this.cls.version;
  }
  get name(): string {
    return this.cls.name;
  }
  get attributes(): readonly (AttributeDef | null)[] {
    return this.cls.attributes;
  }
  get methods(): readonly (MethodDef | null)[] | undefined {
    return this.cls.methods;
  }
  get group(): AccessGroup {
    return ACCESS_GROUPS[(this.info >> 8) & 15];
  }
  /** The value type the class was given for this object (an A-XDR tag). */
  get valueType(): number {
    return this.info & 0xff;
  }
  /** The class argument of this object. */
  get arg(): number {
    return this.info >>> 12;
  }
  /** "A.B.C.D.E.F" (allocates: for messages and tests). */
  get obis(): string {
    return formatObis(obisBytesOfKey(this.key));
  }
  /** The 6 logical-name bytes (allocates: for tests; the services write them with `writeLogicalName`). */
  get ln(): Uint8Array {
    return obisBytesOfKey(this.key);
  }
  capturedWriter(attribute: number, model: ObjectModel): CapturedWriter | null {
    return this.cls.capturedWriter ? this.cls.capturedWriter(attribute, this, model) : null;
  }
}

/** The 6 bytes of an OBIS key. */
function obisBytesOfKey(key: number): Uint8Array {
  const out = new Uint8Array(6);
  writeObisKey(out, 0, key);
  return out;
}

/** Writes the 6 bytes of an OBIS key at `offset`. */
export function writeObisKey(b: Uint8Array, offset: number, key: number): void {
  // Two 24-bit halves, then int32 shifts (the object_list writes one per object).
  const high = (key / 0x1000000) | 0; // key < 2^48: the quotient fits an int32
  const low = key - high * 0x1000000;
  b[offset] = high >> 16;
  b[offset + 1] = (high >> 8) & 0xff;
  b[offset + 2] = high & 0xff;
  b[offset + 3] = low >> 16;
  b[offset + 4] = (low >> 8) & 0xff;
  b[offset + 5] = low & 0xff;
}

/** Writes an object's logical name as an octet-string(6). */
export function writeLogicalName(w: AxdrWriter, key: number): void {
  w.ensure(8);
  const b = w.bytes;
  const p = w.length;
  b[p] = 9; // octet-string
  b[p + 1] = 6;
  writeObisKey(b, p + 2, key);
  w.length = p + 8;
}

/** The OBIS key of "A.B.C.D.E.F" (throws on a malformed code). */
export function obisKey(obis: string): number {
  return obisKeyAt(parseObis(obis), 0);
}

function groupIndex(group: AccessGroup): number {
  const i = ACCESS_GROUPS.indexOf(group);
  if (i < 0) throw new RangeError(`unknown access group ${group}`);
  return i;
}

/** Where placing an object puts it: `group` defaults to its class's, `type` and `arg` to 0. */
interface Placement {
  group?: AccessGroup;
  type?: number;
  arg?: number;
}

/**
 * The objects, in object_list order, as parallel columns (keys, classes, targets, infos): an
 * object costs no heap slots of its own. The numbers are in typed arrays (8 or 4 bytes an object,
 * where a plain array takes a slot of 16 bytes on the ESP32 and 32 on 64-bit lin per element),
 * grown in steps of GROW while the model is built.
 */
export class ObjectModel {
  private count = 0;
  private keys = new Float64Array(GROW);
  private readonly classes: ObjectClass[] = [];
  private readonly targets: unknown[] = [];
  private infos = new Int32Array(GROW);
  /** The keys in ascending order, and each one's index in the columns above (binary search). */
  private sortedKeys = new Float64Array(GROW);
  private sortedIndex = new Uint16Array(GROW);
  /**
   * The meter's clock for date-time values (deviation, status, local time), when the model has
   * one; and one date-time writer for the whole model (every write is synchronous).
   */
  clock: ModelClock | null = null;
  dateTimes: DateTimeWriter | null = null;
  /** What the classes of the model's owner read besides an object's target (the app: its Meter). */
  owner: unknown = null;

  /** Number of objects. */
  get size(): number {
    return this.count;
  }

  /** Every object, in object_list order (allocates a snapshot of each: tests and tools). */
  get objects(): CosemObject[] {
    const out: CosemObject[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.load(i, null));
    return out;
  }

  /** Object `i` into `into` (a scratch the caller reuses), or into a new CosemObject when null. */
  load(i: number, into: CosemObject | null): CosemObject {
    if (!into) return new CosemObject(this.keys[i], this.classes[i], this.targets[i], this.infos[i]);
    into.key = this.keys[i];
    into.cls = this.classes[i];
    into.target = this.targets[i];
    into.info = this.infos[i];
    return into;
  }

  /** Object `i`'s key, class and info into `into`, without its target (what access checks and the object_list read). */
  loadHeader(i: number, into: CosemObject): CosemObject {
    into.key = this.keys[i];
    into.cls = this.classes[i];
    into.info = this.infos[i];
    return into;
  }

  /** Sets `seen[i]` to 1 for each object `policy` sees (through `scratch`); returns how many. */
  markVisible(policy: AssociationPolicy, scratch: CosemObject, seen: Uint8Array): number {
    const keys = this.keys;
    const classes = this.classes;
    const infos = this.infos;
    const count = this.count;
    let n = 0;
    for (let i = 0; i < count; i++) {
      scratch.key = keys[i];
      scratch.cls = classes[i];
      scratch.info = infos[i];
      if (policy.canSee(scratch)) {
        seen[i] = 1;
        n++;
      }
    }
    return n;
  }

  /** Adds an object of class `cls` at `obis` reading `target`. */
  place(cls: ObjectClass, obis: string | number, target: unknown = null, where?: Placement): void {
    this.insert(cosemObject(cls, obis, target, where));
  }

  /** Adds an object defined on its own (a class of one). */
  add(def: ObjectDef): void {
    this.place(def, def.obis);
  }

  /** Adds an object made outside the model (`cosemObject`). */
  insert(obj: CosemObject): void {
    if (this.indexOf(obj.key) >= 0) throw new Error(`COSEM object ${obj.obis} defined twice`);
    const at = this.sortedPosition(obj.key);
    const n = this.count;
    if (n === this.keys.length) this.grow();
    const sortedKeys = this.sortedKeys;
    const sortedIndex = this.sortedIndex;
    sortedKeys.copyWithin(at + 1, at, n);
    sortedIndex.copyWithin(at + 1, at, n);
    sortedKeys[at] = obj.key;
    sortedIndex[at] = n;
    this.keys[n] = obj.key;
    this.infos[n] = obj.info;
    this.classes.push(obj.cls);
    this.targets.push(obj.target);
    this.count = n + 1;
  }

  /** Room for GROW more objects (while the model is built: the old columns become garbage). */
  private grow(): void {
    const size = this.keys.length + GROW;
    if (size > 0xffff) throw new RangeError("COSEM object model: too many objects");
    const keys = new Float64Array(size);
    keys.set(this.keys);
    this.keys = keys;
    const infos = new Int32Array(size);
    infos.set(this.infos);
    this.infos = infos;
    const sortedKeys = new Float64Array(size);
    sortedKeys.set(this.sortedKeys);
    this.sortedKeys = sortedKeys;
    const sortedIndex = new Uint16Array(size);
    sortedIndex.set(this.sortedIndex);
    this.sortedIndex = sortedIndex;
  }

  /** Replaces (or adds) the object at `obis`: a feature landing later takes its place. */
  replaceWith(cls: ObjectClass, obis: string, target: unknown = null, where?: Placement): void {
    const obj = cosemObject(cls, obis, target, where);
    const i = this.indexOf(obj.key);
    if (i < 0) {
      this.insert(obj);
      return;
    }
    this.classes[i] = obj.cls;
    this.targets[i] = obj.target;
    this.infos[i] = obj.info;
  }

  /** Replaces (or adds) an object defined on its own. */
  replace(def: ObjectDef): void {
    this.replaceWith(def, def.obis);
  }

  remove(obis: string): void {
    const i = this.indexOf(obisKey(obis));
    if (i < 0) return;
    const n = this.count;
    const at = this.sortedPosition(this.keys[i]);
    const sortedIndex = this.sortedIndex;
    this.sortedKeys.copyWithin(at, at + 1, n);
    sortedIndex.copyWithin(at, at + 1, n);
    for (let k = 0; k < n - 1; k++) if (sortedIndex[k] > i) sortedIndex[k]--;
    this.keys.copyWithin(i, i + 1, n);
    this.infos.copyWithin(i, i + 1, n);
    this.classes.splice(i, 1);
    this.targets.splice(i, 1);
    this.count = n - 1;
  }

  /** The object at the OBIS in `bytes[offset..offset+6)`, whatever its class (allocates). */
  findAt(bytes: Uint8Array, offset: number): CosemObject | undefined {
    return this.findKey(obisKeyAt(bytes, offset));
  }

  /** The object at `obis` (allocates). */
  find(obis: string): CosemObject | undefined {
    return this.findKey(obisKey(obis));
  }

  findKey(key: number): CosemObject | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this.load(i, null);
  }

  /** Index of the object with OBIS key `key`, or -1. */
  indexOf(key: number): number {
    const at = this.sortedPosition(key);
    return at < this.count && this.sortedKeys[at] === key ? this.sortedIndex[at] : -1;
  }

  /** Where `key` is, or would go, in `sortedKeys`. */
  private sortedPosition(key: number): number {
    const sorted = this.sortedKeys;
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the object at the OBIS in `bytes[offset..offset+6)`, or -1. */
  indexAt(bytes: Uint8Array, offset: number): number {
    return this.indexOf(obisKeyAt(bytes, offset));
  }

  /** The class id of the object at `obis`, or -1. */
  classIdOf(obis: string): number {
    const i = this.indexOf(obisKey(obis));
    return i < 0 ? -1 : this.classes[i].classId;
  }
}

/** Objects the model's columns grow by. */
const GROW = 16;

/** A class with nothing: what a scratch CosemObject holds before it is filled. */
const NO_CLASS: ObjectClass = defineClass({ classId: 0, version: 0, name: "", group: "identity", attributes: [] });

/** A CosemObject for `ObjectModel.load` to fill (one per session or reader, reused per request). */
export function scratchObject(): CosemObject {
  return new CosemObject(0, NO_CLASS, null, 0);
}

/** An object of class `cls` at `obis` (text or key) reading `target`, not yet in a model. */
export function cosemObject(cls: ObjectClass, obis: string | number, target: unknown = null, where?: Placement): CosemObject {
  const key = typeof obis === "number" ? obis : obisKey(obis);
  checkSelectors(cls, key);
  const group = groupIndex(where?.group ?? cls.group);
  const type = where?.type ?? 0;
  const arg = where?.arg ?? 0;
  if (!(type >= 0 && type <= 0xff && arg >= 0 && arg < 0x80000)) throw new RangeError("COSEM object: type or argument out of range");
  return new CosemObject(key, cls, target, type | (group << 8) | (arg << 12));
}

/** The clock a model's date-times follow (MeterClock has all of it). */
export interface ModelClock extends TimeRules {
  nextDstSwitchUtc(utcMs: number): number;
  /** Local ms "as if UTC" to UTC (used for date-times without a deviation). */
  localToUtc(localMs: number): number;
}

/** Selective-access selectors an attribute may list (the object_list writer reserves room for that many). */
export const MAX_SELECTORS = 8;

function checkSelectors(cls: ObjectClass, key: number): void {
  for (const a of cls.attributes) {
    if (a?.selectors && a.selectors.length > MAX_SELECTORS) throw new RangeError(`COSEM object ${formatObis(obisBytesOfKey(key))}: more than ${MAX_SELECTORS} selectors`);
  }
}

/** Number of attributes including logical_name. */
export function attributeCount(obj: ObjectClass | CosemObject): number {
  return obj.attributes.length + 1;
}

export function attributeDef(obj: ObjectClass | CosemObject, attribute: number): AttributeDef | null {
  if (attribute < 2) return null;
  return obj.attributes[attribute - 2] ?? null;
}

export function methodDef(obj: ObjectClass | CosemObject, method: number): MethodDef | null {
  const methods = obj.methods;
  if (method < 1 || !methods) return null;
  return methods[method - 1] ?? null;
}
