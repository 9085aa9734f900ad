/**
 * `npm run client -- [--host H] [--port P] [--client 16|17] [--password PW] COMMAND`
 *   get OBIS [ATTR] | set OBIS ATTR TYPE VALUE | action OBIS METHOD [TYPE VALUE] | list |
 *   profile OBIS [--from TIME] [--to TIME]
 */
import { parseArgs } from "node:util";
import { array, type Data, int, octets, ProtocolError, struct } from "./codec";
import { enumNames, formatData, isDateTime, parseTypedValue, dateTimeFromText, UNIT_NAMES } from "./format";
import { objectName } from "./names";
import { secureClientFor } from "./secure";
import { connectTcp, DATA_ACCESS_RESULT, DataAccessError, DlmsClient, type ObjectListEntry, type Transport } from "./session";
import { connectHdlc, type HdlcTransport } from "./hdlc";

const USAGE = `usage: npm run client -- [--host 127.0.0.1] [--port 4059] [--client 16|17|1] [--password PW] [--max-pdu N]
    [--key HEX] [--auth-key HEX] [--system-title HEX] [--general-glo]
    [--interface tcp|hdlc|mode-e] [--physical N] [--address-size 1|2|4] [--max-info N] [--trace] COMMAND
  (--interface hdlc|mode-e: the optical port, npm start -- --optical-port N; mode-e signs on at 300 baud first;
   --trace shows every HDLC frame; the meter's HDLC address is logical device 1, physical address --physical, default 1)
  (client 1 = management: HLS-GMAC with the global unicast and authentication keys, simulator defaults unless given)
  get OBIS [ATTR]                 read an attribute (default 2, the value; all attributes with "all")
  set OBIS ATTR TYPE VALUE        write (TYPE: long, unsigned, double-long-unsigned, octet-string, date-time, ...)
  action OBIS METHOD [TYPE VALUE] invoke a method
  list                            the association's object list with access rights
  profile OBIS [--from TIME] [--to TIME]   profile rows in a time range (TIME: 2026-11-24T16:00[Z|+01:00])`;

const ATTRIBUTE_NAMES: Record<number, string[]> = {
  1: ["logical_name", "value"],
  3: ["logical_name", "value", "scaler_unit"],
  4: ["logical_name", "value", "scaler_unit", "status", "capture_time"],
  5: ["logical_name", "current_average_value", "last_average_value", "scaler_unit", "status", "capture_time", "start_time_current", "period", "number_of_periods"],
  7: ["logical_name", "buffer", "capture_objects", "capture_period", "sort_method", "sort_object", "entries_in_use", "profile_entries"],
  8: ["logical_name", "time", "time_zone", "status", "daylight_savings_begin", "daylight_savings_end", "daylight_savings_deviation", "daylight_savings_enabled", "clock_base"],
  15: ["logical_name", "object_list", "associated_partners_id", "application_context_name", "xDLMS_context_info", "authentication_mechanism_name", "secret", "association_status", "security_setup_reference"],
  17: ["logical_name", "SAP_assignment_list"],
  11: ["logical_name", "entries"],
  20: ["logical_name", "calendar_name_active", "season_profile_active", "week_profile_table_active", "day_profile_table_active", "calendar_name_passive", "season_profile_passive", "week_profile_table_passive", "day_profile_table_passive", "activate_passive_calendar_time"],
  22: ["logical_name", "executed_script", "type", "execution_time"],
  40: ["logical_name", "push_object_list", "send_destination_and_method", "communication_window", "randomisation_start_interval", "number_of_retries", "repetition_delay"],
  64: ["logical_name", "security_policy", "security_suite", "client_system_title", "server_system_title"],
  70: ["logical_name", "output_state", "control_state", "control_mode"],
  71: ["logical_name", "monitored_value", "threshold_active", "threshold_normal", "threshold_emergency", "min_over_threshold_duration", "min_under_threshold_duration", "emergency_profile", "emergency_profile_group_id_list", "emergency_profile_active", "actions"],
};

export async function runClient(argv: string[], out: (line: string) => void = (l) => process.stdout.write(l + "\n")): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "4059" },
        client: { type: "string", default: "16" },
        password: { type: "string" },
        key: { type: "string" },
        "auth-key": { type: "string" },
        "system-title": { type: "string" },
        "general-glo": { type: "boolean" },
        "max-pdu": { type: "string" },
        interface: { type: "string", default: "tcp" },
        physical: { type: "string", default: "1" },
        "address-size": { type: "string", default: "1" },
        "max-info": { type: "string", default: "128" },
        trace: { type: "boolean" },
        from: { type: "string" },
        to: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    out(`error: ${(e as Error).message.split("\n")[0]}\n${USAGE}`);
    return 2;
  }
  const v = parsed.values;
  const [command, ...args] = parsed.positionals;
  if (v.help || !command) {
    out(USAGE);
    return v.help ? 0 : 2;
  }
  const clientSap = Number(v.client);
  if (clientSap !== 16 && clientSap !== 17 && clientSap !== 1) {
    out(`error: --client must be 16 (public), 17 (reader) or 1 (management), got ${v.client}`);
    return 2;
  }
  const password = v.password ?? (clientSap === 17 ? "12345678" : undefined);
  const port = Number(v.port);
  const maxPdu = v["max-pdu"] !== undefined ? Number(v["max-pdu"]) : 0xffff;
  const iface = v.interface!;
  if (iface !== "tcp" && iface !== "hdlc" && iface !== "mode-e") {
    out(`error: --interface must be tcp, hdlc or mode-e, got ${iface}`);
    return 2;
  }
  let transport: Transport;
  let hdlc: HdlcTransport | null = null;
  try {
    if (iface === "tcp") {
      transport = await connectTcp(v.host!, port);
    } else {
      if (clientSap === 1) throw new ProtocolError("the management client (1) is only available over TCP in this client");
      const size = Number(v["address-size"]);
      const physical = Number(v.physical);
      const maxInfo = Number(v["max-info"]);
      if (![1, 2, 4].includes(size)) throw new ProtocolError(`--address-size must be 1, 2 or 4, got ${v["address-size"]}`);
      if (!Number.isInteger(physical) || physical < 0 || physical > (size === 4 ? 0x3fff : 0x7f)) throw new ProtocolError(`--physical must be 0..${size === 4 ? 16383 : 127}, got ${v.physical}`);
      if (!Number.isInteger(maxInfo) || maxInfo < 32 || maxInfo > 2030) throw new ProtocolError(`--max-info must be 32..2030, got ${v["max-info"]}`);
      hdlc = await connectHdlc(v.host!, port, { clientSap, server: { upper: 1, lower: physical, size }, maxInfo, trace: v.trace ? out : undefined });
      transport = hdlc;
      if (iface === "mode-e") {
        const id = await hdlc.signOn();
        out(`mode E: identification ${id.identification}, HDLC at ${id.baud} baud`);
      }
      const p = await hdlc.connect();
      if (v.trace) out(`HDLC: information field ${p.maxInfoTransmit} from the meter, ${p.maxInfoReceive} to it, window ${p.windowTransmit}`);
    }
  } catch (e) {
    out(`error: ${(e as Error).message} (is the meter running? npm start${iface === "tcp" ? "" : " -- --optical-port N"})`);
    hdlc?.close();
    return 1;
  }
  let client: DlmsClient;
  try {
    client = clientSap === 1
      ? await secureClientFor(v.host!, port, transport, { clientSap, maxReceivePdu: maxPdu }, { key: v.key, authKey: v["auth-key"], systemTitle: v["system-title"], generalGlo: v["general-glo"] })
      : new DlmsClient(transport, { clientSap, password, maxReceivePdu: maxPdu });
  } catch (e) {
    out(`error: ${(e as Error).message}`);
    transport.close();
    return 1;
  }
  try {
    await client.associate();
    const list = await client.objectList();
    const find = (obis: string): ObjectListEntry => {
      const e = list.find((o) => o.obis === obis);
      if (!e) throw new ProtocolError(`${obis} is not in this association's object list (unknown object, or not visible to client ${clientSap})`);
      return e;
    };
    switch (command) {
      case "list":
        for (const o of list) {
          const rights = o.attributes.map((a) => `${a.id}:${["-", "r", "w", "rw"][a.access] ?? a.access}`).join(" ");
          const methods = o.methods.filter((m) => m.access).map((m) => m.id);
          out(`${o.obis.padEnd(16)} class ${String(o.classId).padStart(2)} v${o.version}  ${objectName(o.obis).padEnd(38)} attrs ${rights}${methods.length ? `  methods ${methods.join(",")}` : ""}`);
        }
        break;
      case "get": {
        const [obis, attrText = "2"] = args;
        if (!obis) throw new ProtocolError("get needs an OBIS code");
        const o = find(obis);
        const ids = attrText === "all" ? o.attributes.map((a) => a.id) : [Number(attrText)];
        for (const id of ids) out(await describeAttribute(client, o, id, list));
        break;
      }
      case "set": {
        const [obis, attr, type, value] = args;
        if (!obis || !attr || !type) throw new ProtocolError("set needs OBIS ATTR TYPE VALUE");
        const o = find(obis);
        const result = await client.set(o.classId, obis, Number(attr), parseTypedValue(type, value));
        out(result === 0 ? "success" : `failed: ${DATA_ACCESS_RESULT[result] ?? result} (${result})`);
        if (result !== 0) return 1;
        break;
      }
      case "action": {
        const [obis, method, type, value] = args;
        if (!obis || !method) throw new ProtocolError("action needs OBIS METHOD [TYPE VALUE]");
        const o = find(obis);
        const r = await client.action(o.classId, obis, Number(method), type ? parseTypedValue(type, value) : int(15, 0));
        out(r.result === 0 ? `success${r.data ? `: ${formatData(r.data)}` : ""}` : `failed: ${DATA_ACCESS_RESULT[r.result] ?? r.result} (${r.result})`);
        if (r.result !== 0) return 1;
        break;
      }
      case "profile": {
        const [obis] = args;
        if (!obis) throw new ProtocolError("profile needs an OBIS code");
        const o = find(obis);
        if (o.classId !== 7) throw new ProtocolError(`${obis} is class ${o.classId}, not a profile generic (7)`);
        await printProfile(client, obis, v.from, v.to, list, out);
        break;
      }
      default:
        throw new ProtocolError(`unknown command "${command}"\n${USAGE}`);
    }
    await client.release();
    await hdlc?.disconnect();
    if (hdlc && v.trace) out(`HDLC: ${hdlc.framesSent} frames sent, ${hdlc.framesReceived} received`);
    return 0;
  } catch (e) {
    out(`error: ${(e as Error).message}`);
    return 1;
  } finally {
    transport.close();
  }
}

async function scalerUnitOf(client: DlmsClient, entry: ObjectListEntry | undefined, attr = 3): Promise<{ scaler: number; unit: number } | undefined> {
  if (!entry || ![3, 4, 5].includes(entry.classId)) return undefined;
  const su = await client.get(entry.classId, entry.obis, entry.classId === 5 ? 4 : attr);
  if (su.kind !== "structure" || su.items.length !== 2) return undefined;
  const [s, u] = su.items;
  if (s.kind !== "int" || u.kind !== "enum") return undefined;
  return { scaler: Number(s.value), unit: u.value };
}

async function describeAttribute(client: DlmsClient, o: ObjectListEntry, attr: number, list: ObjectListEntry[]): Promise<string> {
  const label = `${o.obis} ${objectName(o.obis)} [class ${o.classId}] ${ATTRIBUTE_NAMES[o.classId]?.[attr - 1] ?? `attribute ${attr}`}`;
  const r = await client.getResult(o.classId, o.obis, attr);
  if (r.error !== undefined) return `${label}: ${DATA_ACCESS_RESULT[r.error] ?? "error"} (${r.error})`;
  const d = r.data!;
  const isValue = ([3, 4].includes(o.classId) && attr === 2) || (o.classId === 5 && (attr === 2 || attr === 3));
  if (isValue) {
    const su = await scalerUnitOf(client, o);
    if (su) return `${label}: ${formatData(d, su)}`;
  }
  if ([3, 4, 5].includes(o.classId) && d.kind === "structure" && d.items.length === 2 && d.items[1].kind === "enum") {
    const [s, u] = d.items;
    return `${label}: scaler ${formatData(s)}, unit ${UNIT_NAMES[(u as { value: number }).value] ?? formatData(u)} (${formatData(u)})`;
  }
  if (o.classId === 15 && attr === 2 && d.kind === "array") return `${label}: ${d.items.length} objects (use "list")`;
  if (o.classId === 7 && attr === 2 && d.kind === "array") return `${label}: ${d.items.length} rows (use "profile")\n${await formatRows(client, o.obis, d, list)}`;
  return `${label}: ${formatData(d, { enumNames: enumNames(o.classId, attr) })}`;
}

async function printProfile(client: DlmsClient, obis: string, from: string | undefined, to: string | undefined, list: ObjectListEntry[], out: (l: string) => void): Promise<void> {
  let rows: Data;
  if (from || to) {
    const fromBytes = dateTimeFromText(from ?? "2000-01-01T00:00Z");
    const toBytes = dateTimeFromText(to ?? "2099-12-31T23:59Z");
    const restricting = struct(int(18, 8), octets([0, 0, 1, 0, 0, 255]), int(15, 2), int(18, 0));
    rows = await client.get(7, obis, 2, { selector: 1, parameters: struct(restricting, octets(fromBytes), octets(toBytes), array()) });
  } else {
    rows = await client.get(7, obis, 2);
  }
  out(await formatRows(client, obis, rows, list));
}

async function formatRows(client: DlmsClient, obis: string, rows: Data, list: ObjectListEntry[]): Promise<string> {
  const captured = await client.get(7, obis, 3);
  const columns = captured.kind === "array" ? captured.items.map((c) => {
    const [cls, ln, attr] = c.kind === "structure" ? c.items : [];
    return { classId: cls?.kind === "int" ? Number(cls.value) : 0, obis: ln?.kind === "octet-string" ? ln.bytes.join(".") : "?", attr: attr?.kind === "int" ? Number(attr.value) : 0 };
  }) : [];
  // One request at a time: the association answers in order.
  const scalers: ({ scaler: number; unit: number } | undefined)[] = [];
  for (const c of columns) {
    let su: { scaler: number; unit: number } | undefined;
    if (c.attr === 2) {
      try {
        su = await scalerUnitOf(client, list.find((o) => o.obis === c.obis));
      } catch (e) {
        if (!(e instanceof DataAccessError)) throw e;
      }
    }
    scalers.push(su);
  }
  const lines = [columns.map((c) => objectName(c.obis) || c.obis).join(" | ")];
  if (rows.kind !== "array") return `${lines[0]}\n(not an array)`;
  for (const row of rows.items) {
    if (row.kind !== "structure") continue;
    lines.push(row.items.map((cell, i) => (isDateTime(cell) ? formatData(cell) : formatData(cell, scalers[i] ?? {}))).join(" | "));
  }
  lines.push(`${rows.items.length} rows`);
  return lines.join("\n");
}
