import { AxdrReader, type AxdrWriter, type DlmsData, DataType, bytesToAscii } from "../dlms/axdr";
import {
  type AssociationPolicy, type AssociationView, type ObjectDef, type ObjectModel, type RequestContext, attributeDef,
} from "../dlms/object-model";
import { RESULT, formatObis, parseObis } from "../dlms/xdlms";
import type { PushClient } from "./push-client";
import { type CommunicationWindow, type PushObjectRef, PUSH_SETUP_OBIS, parseDestination } from "./push-setup";

/**
 * COSEM push setup (class 40 version 0) at 0.0.25.9.0.255 over a PushClient:
 *  2 push_object_list  array of {class_id long-unsigned, logical_name octet-string(6), attribute_index integer, data_index long-unsigned}
 *  3 send_destination_and_method  {transport_service enum (0 TCP), destination octet-string "host:port", message enum (0 A-XDR APDU)}
 *  4 communication_window  array of {start octet-string(12), end octet-string(12)}
 *  5 randomisation_start_interval long-unsigned (s), 6 number_of_retries unsigned, 7 repetition_delay long-unsigned (s)
 *  method 1 push(integer 0).
 * Writes are checked whole before anything changes; `onChange` lets the owner persist the setup.
 */
export function pushSetupObject(client: PushClient, onChange: () => void = () => undefined): ObjectDef {
  const changed = () => {
    client.armInterval();
    onChange();
    return RESULT.success;
  };
  return {
    classId: 40,
    version: 0,
    obis: PUSH_SETUP_OBIS,
    name: "Push setup (alarm and interval push)",
    group: "config",
    attributes: [
      {
        get: (_ctx, w) => {
          const list = client.setup.objectList;
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
        set: (value) => {
          const list = parseObjectList(value);
          if (!list) return RESULT.typeUnmatched;
          client.setup.objectList = list;
          return changed();
        },
      },
      {
        get: (_ctx, w) => {
          w.structure(3);
          w.enumValue(0);
          w.octetStringAscii(client.setup.destination);
          w.enumValue(0);
          return 0;
        },
        set: (value) => {
          const items = structure(value, 3);
          if (!items || items[0].type !== DataType.enum || items[1].type !== DataType.octetString || items[2].type !== DataType.enum) return RESULT.typeUnmatched;
          if (items[0].value !== 0 || items[2].value !== 0) return RESULT.otherReason; // only TCP, A-XDR APDUs
          const destination = bytesToAscii(items[1].bytes);
          if (!parseDestination(destination)) return RESULT.otherReason;
          client.setup.destination = destination;
          return changed();
        },
      },
      {
        get: (_ctx, w) => {
          const windows = client.setup.windows;
          w.array(windows.length);
          for (const win of windows) {
            w.structure(2);
            w.octetString(win.start);
            w.octetString(win.end);
          }
          return 0;
        },
        set: (value) => {
          if (value.type !== DataType.array) return RESULT.typeUnmatched;
          const windows: CommunicationWindow[] = [];
          for (const item of value.items) {
            const pair = structure(item, 2);
            if (!pair || pair[0].type !== DataType.octetString || pair[1].type !== DataType.octetString) return RESULT.typeUnmatched;
            if (pair[0].bytes.length !== 12 || pair[1].bytes.length !== 12) return RESULT.typeUnmatched;
            windows.push({ start: pair[0].bytes.slice(), end: pair[1].bytes.slice() });
          }
          client.setup.windows = windows;
          return changed();
        },
      },
      numberAttribute(() => client.setup.randomisationStartIntervalS, (v) => (client.setup.randomisationStartIntervalS = v), DataType.longUnsigned, 0xffff, changed),
      numberAttribute(() => client.setup.numberOfRetries, (v) => (client.setup.numberOfRetries = v), DataType.unsigned, 0xff, changed),
      numberAttribute(() => client.setup.repetitionDelayS, (v) => (client.setup.repetitionDelayS = v), DataType.longUnsigned, 0xffff, changed),
    ],
    methods: [
      {
        invoke: (parameter) => {
          if (parameter && parameter.type !== DataType.integer && parameter.type !== DataType.null) return RESULT.typeUnmatched;
          client.trigger("method");
          return RESULT.success;
        },
      },
    ],
  };
}

function numberAttribute(read: () => number, write: (v: number) => void, type: 17 | 18, max: number, changed: () => number) {
  return {
    get: (_ctx: RequestContext, w: AxdrWriter) => {
      if (type === DataType.unsigned) w.unsigned(read());
      else w.longUnsigned(read());
      return 0;
    },
    set: (value: DlmsData) => {
      if (value.type !== type) return RESULT.typeUnmatched;
      if (value.value < 0 || value.value > max) return RESULT.otherReason;
      write(value.value);
      return changed();
    },
  };
}

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

/**
 * Reads push object list values straight from the object model, as the management association
 * would see them (secrets stay unreadable). An entry that cannot be read becomes null-data, so
 * one bad entry never blocks an alarm push. data_index n > 0 picks element n of an array or
 * structure value.
 */
export function modelValueReader(model: ObjectModel): (ref: PushObjectRef, w: AxdrWriter) => void {
  const policy: AssociationPolicy = {
    clientSap: 0, name: "push", applicationContexts: [], mechanism: 0, authenticate: () => 1,
    canSee: () => true, canRead: () => true, canWrite: () => false, canInvoke: () => false,
  };
  const view: AssociationView = { policy, clientSap: 0, conformance: 0, clientMaxReceivePdu: 0xffff, serverMaxReceivePdu: 0xffff, applicationContext: 1, mechanism: 0, status: 2, security: null };
  const ctx: RequestContext = { association: view, model, selector: 0, parameters: null };
  const chunk = new Uint8Array(256);
  return (ref, w) => {
    const obj = model.find(ref.obis);
    if (!obj || obj.classId !== ref.classId) {
      w.nullData();
      return;
    }
    if (ref.attribute === 1) {
      w.obis(obj.ln);
      return;
    }
    const def = attributeDef(obj, ref.attribute);
    if (!def || !def.get || def.secret) {
      w.nullData();
      return;
    }
    const mark = w.length;
    try {
      const result = def.get(ctx, w);
      if (typeof result === "number") {
        if (result !== 0) {
          w.length = mark;
          w.nullData();
          return;
        }
      } else {
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
  };
}
