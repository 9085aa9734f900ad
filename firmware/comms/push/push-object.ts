import { AxdrReader, type AxdrWriter, type DlmsData, DataType, bytesToAscii } from "../dlms/axdr";
import { type AssociationView, type AttributeDef, defineClass, obisKey, scratchObject, type ObjectClass, type ObjectModel, type RequestContext, attributeDef, writeLogicalName } from "../dlms/object-model";
import { type AssociationPolicy } from "../dlms/access-policy";
import { RESULT, formatObis, parseObis } from "../dlms/xdlms";
import type { PushClient } from "./push-client";
import { type CommunicationWindow, type PushObjectRef, type PushSetupConfig, parseDestination } from "./push-setup";

/** What the push setup object works on: the push client, and who persists the setup after a write. */
export interface PushSetupTarget {
  readonly push: PushClient;
  /** Called after a write changed the setup (the owner saves it). */
  pushSetupChanged(): void;
}

function targetOf(ctx: RequestContext): PushSetupTarget {
  return ctx.object.target as PushSetupTarget;
}

function setupOf(ctx: RequestContext): PushSetupConfig {
  return targetOf(ctx).push.setup;
}

function changed(ctx: RequestContext): number {
  const t = targetOf(ctx);
  t.push.armInterval();
  t.pushSetupChanged();
  return RESULT.success;
}

type NumberField = "randomisationStartIntervalS" | "numberOfRetries" | "repetitionDelayS";

function numberAttribute(field: NumberField, type: 17 | 18, max: number): AttributeDef {
  return {
    get: (ctx, w) => {
      const v = setupOf(ctx)[field];
      if (type === DataType.unsigned) w.unsigned(v);
      else w.longUnsigned(v);
      return 0;
    },
    set: (value, ctx) => {
      if (value.type !== type) return RESULT.typeUnmatched;
      if (value.value < 0 || value.value > max) return RESULT.otherReason;
      setupOf(ctx)[field] = value.value;
      return changed(ctx);
    },
  };
}

/**
 * COSEM push setup (class 40 version 0) at 0.0.25.9.0.255 over a PushSetupTarget:
 *  2 push_object_list  array of {class_id long-unsigned, logical_name octet-string(6), attribute_index integer, data_index long-unsigned}
 *  3 send_destination_and_method  {transport_service enum (0 TCP), destination octet-string "host:port", message enum (0 A-XDR APDU)}
 *  4 communication_window  array of {start octet-string(12), end octet-string(12)}
 *  5 randomisation_start_interval long-unsigned (s), 6 number_of_retries unsigned, 7 repetition_delay long-unsigned (s)
 *  method 1 push(integer 0).
 * Writes are checked whole before anything changes; the target's `pushSetupChanged` persists the setup.
 */
export const PUSH_SETUP_CLASS: ObjectClass = defineClass({
  classId: 40,
  version: 0,
  name: "Push setup (alarm and interval push)",
  group: "config",
  attributes: [
    {
      get: (ctx, w) => {
        const list = setupOf(ctx).objectList;
        w.array(list.length);
        for (const ref of list) {
          w.structure(4);
          w.longUnsigned(ref.classId);
          w.obis(parseObis(ref.obis));
          w.integer(ref.attribute);
          w.longUnsigned(ref.dataIndex);
        }
        return 0;
      },
      set: (value, ctx) => {
        const list = parseObjectList(value);
        if (!list) return RESULT.typeUnmatched;
        setupOf(ctx).objectList = list;
        return changed(ctx);
      },
    },
    {
      get: (ctx, w) => {
        w.structure(3);
        w.enumValue(0);
        w.octetStringAscii(setupOf(ctx).destination);
        w.enumValue(0);
        return 0;
      },
      set: (value, ctx) => {
        const items = structure(value, 3);
        if (!items || items[0].type !== DataType.enum || items[1].type !== DataType.octetString || items[2].type !== DataType.enum) return RESULT.typeUnmatched;
        if (items[0].value !== 0 || items[2].value !== 0) return RESULT.otherReason; // only TCP, A-XDR APDUs
        const destination = bytesToAscii(items[1].bytes);
        if (!parseDestination(destination)) return RESULT.otherReason;
        setupOf(ctx).destination = destination;
        return changed(ctx);
      },
    },
    {
      get: (ctx, w) => {
        const windows = setupOf(ctx).windows;
        w.array(windows.length);
        for (const win of windows) {
          w.structure(2);
          w.octetString(win.start);
          w.octetString(win.end);
        }
        return 0;
      },
      set: (value, ctx) => {
        if (value.type !== DataType.array) return RESULT.typeUnmatched;
        const windows: CommunicationWindow[] = [];
        for (const item of value.items) {
          const pair = structure(item, 2);
          if (!pair || pair[0].type !== DataType.octetString || pair[1].type !== DataType.octetString) return RESULT.typeUnmatched;
          if (pair[0].bytes.length !== 12 || pair[1].bytes.length !== 12) return RESULT.typeUnmatched;
          windows.push({ start: pair[0].bytes.slice(), end: pair[1].bytes.slice() });
        }
        setupOf(ctx).windows = windows;
        return changed(ctx);
      },
    },
    numberAttribute("randomisationStartIntervalS", DataType.longUnsigned, 0xffff),
    numberAttribute("numberOfRetries", DataType.unsigned, 0xff),
    numberAttribute("repetitionDelayS", DataType.longUnsigned, 0xffff),
  ],
  methods: [
    {
      invoke: (parameter, ctx) => {
        if (parameter && parameter.type !== DataType.integer && parameter.type !== DataType.null) return RESULT.typeUnmatched;
        targetOf(ctx).push.trigger("method");
        return RESULT.success;
      },
    },
  ],
});

function structure(value: DlmsData, count: number): DlmsData[] | null {
  return value.type === DataType.structure && value.items.length === count ? value.items : null;
}

function parseObjectList(value: DlmsData): PushObjectRef[] | null {
  if (value.type !== DataType.array) return null;
  const list: PushObjectRef[] = [];
  for (const item of value.items) {
    const f = structure(item, 4);
    if (!f || f[0].type !== DataType.longUnsigned || f[1].type !== DataType.octetString || f[1].bytes.length !== 6) return null;
    if (f[2].type !== DataType.integer || f[3].type !== DataType.longUnsigned) return null;
    list.push({ classId: f[0].value, obis: formatObis(f[1].bytes), attribute: f[2].value, dataIndex: f[3].value });
  }
  return list;
}

/** The push's view of the model: reads everything, writes and invokes nothing. */
const PUSH_POLICY: AssociationPolicy = Object.freeze({
  clientSap: 0,
  name: "push",
  applicationContexts: Object.freeze([]) as readonly number[],
  mechanism: 0,
  authenticate: () => 1,
  canSee: () => true,
  canRead: () => true,
  canWrite: () => false,
  canInvoke: () => false,
});

const PUSH_VIEW: AssociationView = Object.freeze({ policy: PUSH_POLICY, clientSap: 0, conformance: 0, clientMaxReceivePdu: 0xffff, serverMaxReceivePdu: 0xffff, applicationContext: 1, mechanism: 0, status: 2, security: null });

/**
 * Reads push object list values straight from the object model, as the management association
 * would see them (secrets stay unreadable). An entry that cannot be read becomes null-data, so
 * one bad entry never blocks an alarm push. data_index n > 0 picks element n of an array or
 * structure value.
 */
export class ModelValueReader {
  private readonly ctx: RequestContext;
  private readonly chunk = new Uint8Array(256);

  constructor(private readonly model: ObjectModel) {
    this.ctx = { association: PUSH_VIEW, model, object: scratchObject(), selector: 0, parameters: null };
  }

  read(ref: PushObjectRef, w: AxdrWriter): void {
    const index = this.model.indexOf(obisKey(ref.obis));
    const obj = index < 0 ? null : this.model.load(index, this.ctx.object);
    if (!obj || obj.classId !== ref.classId) {
      w.nullData();
      return;
    }
    if (ref.attribute === 1) {
      writeLogicalName(w, obj.key);
      return;
    }
    const def = attributeDef(obj, ref.attribute);
    if (!def || !def.get || def.secret) {
      w.nullData();
      return;
    }
    const mark = w.length;
    const ctx = this.ctx;
    try {
      const result = def.get(ctx, w);
      if (typeof result === "number") {
        if (result !== 0) {
          w.length = mark;
          w.nullData();
          return;
        }
      } else {
        const chunk = this.chunk;
        while (!result.done) {
          const n = result.read(chunk, 0, chunk.length);
          if (n === 0) break;
          w.raw(chunk, 0, n);
        }
      }
      if (ref.dataIndex > 0) {
        const whole = new AxdrReader(w.bytes, mark, w.length).data();
        w.length = mark;
        const items = whole.type === DataType.array || whole.type === DataType.structure ? whole.items : null;
        if (items && ref.dataIndex <= items.length) w.data(items[ref.dataIndex - 1]);
        else w.nullData();
      }
    } catch {
      w.length = mark;
      w.nullData();
    }
  }
}
