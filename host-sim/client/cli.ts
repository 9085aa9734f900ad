/**
 * `npm run client -- [--host H] [--port P] [--client 16|17] [--password PW] [--json|--csv] COMMAND`
 *   get OBIS [ATTR] | set OBIS ATTR TYPE VALUE | set OBIS ATTR JSON | action OBIS METHOD [TYPE VALUE | JSON] |
 *   list | profile OBIS [--from TIME] [--to TIME] [--plot] [--svg FILE] | calendar FILE [--activate TIME|now]
 * Exit codes: 0 success, 1 a failed result or connection, 2 a usage error (bad option, OBIS, value).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { array, type Data, int, octets, ProtocolError, struct } from "./codec";
import { enumNames, formatData, isDateTime, parseTypedValue, dateTimeFromText, scaled, UNIT_NAMES } from "./format";
import { objectName } from "./names";
import { dataToJson, parseJsonValue } from "./json-value";
import { renderTable, type Cell, type OutputFormat, type Table } from "./table";
import { increments, svgPlot, terminalPlot } from "./plot";
import { ACTIVITY_CALENDAR, calendarData, readCalendarFile, unionByKey } from "./calendar";
import { eventLogOfObis, eventName } from "../event-names";
import { secureClientFor } from "./secure";
import { connectTcp, DATA_ACCESS_RESULT, DataAccessError, DlmsClient, type ObjectListEntry, type Transport } from "./session";
import { connectHdlc, type HdlcTransport } from "./hdlc";
import { imageCommand } from "./image";

const USAGE = `usage: npm run client -- [--host 127.0.0.1] [--port 4059] [--client 16|17|1] [--password PW] [--max-pdu N]
    [--key HEX] [--auth-key HEX] [--system-title HEX] [--general-glo]
    [--interface tcp|hdlc|mode-e] [--physical N] [--address-size 1|2|4] [--max-info N] [--trace] COMMAND
  (--interface hdlc|mode-e: the optical port, npm start -- --optical-port N; mode-e signs on at 300 baud first;
   --trace shows every HDLC frame; the meter's HDLC address is logical device 1, physical address --physical, default 1)
  (client 1 = management: HLS-GMAC with the global unicast and authentication keys, simulator defaults unless given)
  get OBIS [ATTR]                 read an attribute (default 2, the value; all attributes with "all")
  set OBIS ATTR TYPE VALUE        write (TYPE: long, unsigned, double-long-unsigned, octet-string, date-time, ...)
  set OBIS ATTR JSON              write any A-XDR value, e.g. '{"structure":[{"unsigned":1},{"octet-string":"0x0102"}]}'
  action OBIS METHOD [TYPE VALUE | JSON]   invoke a method
  list                            the association's object list with access rights
  profile OBIS [--from TIME] [--to TIME] [--plot] [--svg FILE]
                                  profile rows in a time range (TIME: 2026-11-24T16:00[Z|+01:00]); --plot draws
                                  the energy per period in the terminal, --svg writes it as a picture
  calendar FILE [--activate TIME|now]  load a passive activity calendar from JSON (the scenario's calendar format)
  image FILE [--activate TIME|now]     firmware update (--client 1): send a signed image (npm run sign-image), verify it,
                                  activate it now or at TIME (meter time unless a zone is given); resumes a cut transfer
  --json, --csv                   rows with named columns instead of text`;

/** A mistake on the command line (exit code 2), as opposed to a failed result (exit code 1). */
class UsageError extends ProtocolError {}

const OBIS_SYNTAX = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** "1.0.1.8.0.255": six decimal fields 0..255 (a malformed code is not "not in the object list"). */
export function checkObis(text: string | undefined, command: string): string {
  if (!text) throw new UsageError(`${command} needs an OBIS code (A.B.C.D.E.F, e.g. 1.0.1.8.0.255)`);
  const m = OBIS_SYNTAX.exec(text);
  if (!m || m.slice(1).some((f) => Number(f) > 255)) throw new UsageError(`"${text}" is not an OBIS code: six numbers 0..255 separated by dots, e.g. 1.0.1.8.0.255`);
  return text;
}

function checkInteger(text: string | undefined, what: string, max: number): number {
  if (!text || !/^\d+$/.test(text) || Number(text) > max) throw new UsageError(`${what} must be a number 0..${max}, got "${text ?? ""}"`);
  return Number(text);
}

/** A value from the command line: JSON when it starts with "{" (any A-XDR type), else TYPE VALUE. */
function commandValue(type: string, value: string | undefined): Data {
  try {
    return type.trim().startsWith("{") ? parseJsonValue(type) : parseTypedValue(type, value);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

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
        json: { type: "boolean" },
        csv: { type: "boolean" },
        plot: { type: "boolean" },
        svg: { type: "string" },
        activate: { type: "string" },
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
  if (v.json && v.csv) {
    out("error: --json and --csv exclude each other");
    return 2;
  }
  const format: OutputFormat = v.json ? "json" : v.csv ? "csv" : "text";
  const password = v.password ?? (clientSap === 17 ? "12345678" : undefined);
  let port: number;
  let maxPdu: number;
  try {
    port = checkInteger(v.port, "--port", 65535);
    maxPdu = v["max-pdu"] !== undefined ? checkInteger(v["max-pdu"], "--max-pdu", 0xffff) : 0xffff;
    // Arguments are checked before connecting: a typo is a usage error, not a meter's answer.
    checkCommand(command, args, v);
  } catch (e) {
    out(`error: ${(e as Error).message}`);
    return 2;
  }
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
    const find = (obis: string | undefined): ObjectListEntry => {
      checkObis(obis, command);
      const e = list.find((o) => o.obis === obis);
      if (!e) throw new ProtocolError(`${obis} is not in this association's object list (unknown object, or not visible to client ${clientSap})`);
      return e;
    };
    let ok = true;
    switch (command) {
      case "list": {
        const table: Table = { columns: ["obis", "class", "version", "name", "attributes", "methods"], rows: [] };
        for (const o of list) {
          const rights = o.attributes.map((a) => `${a.id}:${["-", "r", "w", "rw"][a.access] ?? a.access}`).join(" ");
          const methods = o.methods.filter((m) => m.access).map((m) => m.id).join(",");
          table.rows.push([o.obis, o.classId, o.version, objectName(o.obis), rights, methods]);
        }
        if (format !== "text") out(renderTable(table, format));
        else for (const [obis, cls, version, name, rights, methods] of table.rows) {
          out(`${String(obis).padEnd(16)} class ${String(cls).padStart(2)} v${version}  ${String(name).padEnd(38)} attrs ${rights}${methods ? `  methods ${methods}` : ""}`);
        }
        break;
      }
      case "get": {
        const [obis, attrText = "2"] = args;
        const o = find(obis);
        const ids = attrText === "all" ? o.attributes.map((a) => a.id) : [Number(attrText)];
        const results: AttributeResult[] = [];
        for (const id of ids) results.push(await readAttribute(client, o, id, list));
        ok = results.every((r) => r.error === undefined);
        if (format === "text") for (const r of results) out(r.text);
        else if (format === "json") out(JSON.stringify(results.map(({ text: _t, ...r }) => r), null, 2));
        else out(renderTable({ columns: ["obis", "name", "class", "attribute", "attributeName", "value", "unit", "error"], rows: results.map((r) => [r.obis, r.name, r.class, r.attribute, r.attributeName, typeof r.value === "object" && r.value !== null ? JSON.stringify(r.value) : (r.value as Cell) ?? null, r.unit ?? null, r.error ?? null]) }, "csv"));
        break;
      }
      case "set": {
        const [obis, attr, type, value] = args;
        const o = find(obis);
        const result = await client.set(o.classId, obis, Number(attr), commandValue(type, value));
        ok = result === 0;
        out(resultText(format, { obis, attribute: Number(attr), result }));
        break;
      }
      case "action": {
        const [obis, method, type, value] = args;
        const o = find(obis);
        const r = await client.action(o.classId, obis, Number(method), type ? commandValue(type, value) : int(15, 0));
        ok = r.result === 0;
        out(resultText(format, { obis, method: Number(method), result: r.result, data: r.data }));
        break;
      }
      case "profile": {
        const [obis] = args;
        const o = find(obis);
        if (o.classId !== 7) throw new ProtocolError(`${obis} is class ${o.classId}, not a profile generic (7)`);
        const table = await readProfile(client, obis, v.from, v.to, list);
        if (v.plot || v.svg) {
          const series = plotSeries(table, objectName(obis) || obis);
          if (v.plot) out(terminalPlot(series));
          if (v.svg) {
            writeFileSync(v.svg, svgPlot(series));
            out(`${series.title}: ${series.values.length} points written to ${v.svg}`);
          }
        } else {
          out(renderTable(table, format));
          if (format === "text") out(`${table.rows.length} rows`);
        }
        break;
      }
      case "calendar": {
        ok = await loadCalendar(client, find(ACTIVITY_CALENDAR), args[0], v.activate, format, out);
        break;
      }
      case "image": {
        find("0.0.44.0.0.255");
        ok = await imageCommand(client, args[0], v.activate, out);
        break;
      }
      default:
        throw new ProtocolError(`unknown command "${command}"\n${USAGE}`);
    }
    await client.release();
    await hdlc?.disconnect();
    if (hdlc && v.trace) out(`HDLC: ${hdlc.framesSent} frames sent, ${hdlc.framesReceived} received`);
    return ok ? 0 : 1;
  } catch (e) {
    out(`error: ${(e as Error).message}`);
    return e instanceof UsageError ? 2 : 1;
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

export interface AttributeResult {
  obis: string;
  name: string;
  class: number;
  attribute: number;
  attributeName: string;
  /** Plain JSON of the value (numbers scaled to their unit, date-times as text). */
  value?: unknown;
  unit?: string;
  error?: string;
  /** The line the text output prints. */
  text: string;
}

const isEventCode = (obis: string) => /^0\.0\.96\.11\.\d+\.255$/.test(obis);

async function readAttribute(client: DlmsClient, o: ObjectListEntry, attr: number, list: ObjectListEntry[]): Promise<AttributeResult> {
  const attributeName = ATTRIBUTE_NAMES[o.classId]?.[attr - 1] ?? `attribute ${attr}`;
  const base = { obis: o.obis, name: objectName(o.obis), class: o.classId, attribute: attr, attributeName };
  const label = `${o.obis} ${base.name} [class ${o.classId}] ${attributeName}`;
  const r = await client.getResult(o.classId, o.obis, attr);
  if (r.error !== undefined) {
    const error = `${DATA_ACCESS_RESULT[r.error] ?? "error"} (${r.error})`;
    return { ...base, error, text: `${label}: ${error}` };
  }
  const d = r.data!;
  const isValue = ([3, 4].includes(o.classId) && attr === 2) || (o.classId === 5 && (attr === 2 || attr === 3));
  if (isValue) {
    const su = await scalerUnitOf(client, o);
    if (su && d.kind === "int") {
      const text = scaled(d.value, su.scaler);
      return { ...base, value: Number(text), unit: UNIT_NAMES[su.unit] ?? String(su.unit), text: `${label}: ${formatData(d, su)}` };
    }
  }
  if ([3, 4, 5].includes(o.classId) && d.kind === "structure" && d.items.length === 2 && d.items[1].kind === "enum") {
    const [s, u] = d.items;
    const unit = UNIT_NAMES[(u as { value: number }).value];
    return { ...base, value: dataToJson(d), text: `${label}: scaler ${formatData(s)}, unit ${unit ?? formatData(u)} (${formatData(u)})` };
  }
  if (o.classId === 15 && attr === 2 && d.kind === "array") return { ...base, value: `${d.items.length} objects`, text: `${label}: ${d.items.length} objects (use "list")` };
  if (o.classId === 7 && attr === 2 && d.kind === "array") {
    const table = await profileTable(client, o.obis, d, list);
    return { ...base, value: table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i]]))), text: `${label}: ${d.items.length} rows (use "profile")\n${renderTable(table, "text")}` };
  }
  const log = isEventCode(o.obis) ? eventLogOfObis(o.obis) : undefined;
  if (log && d.kind === "int") {
    const name = eventName(log, Number(d.value));
    return { ...base, value: Number(d.value), text: `${label}: ${name}`, ...(name !== String(d.value) ? { event: name.replace(/ \(\d+\)$/, "") } : {}) };
  }
  const names = enumNames(o.classId, attr);
  const value = d.kind === "enum" && names?.[d.value] !== undefined ? names[d.value] : dataToJson(d);
  return { ...base, value, text: `${label}: ${formatData(d, { enumNames: names })}` };
}

function resultText(format: OutputFormat, r: { obis: string; attribute?: number; method?: number; result: number; data?: Data }): string {
  const name = r.result === 0 ? "success" : (DATA_ACCESS_RESULT[r.result] ?? "error");
  if (format === "json") return JSON.stringify({ obis: r.obis, ...(r.attribute !== undefined ? { attribute: r.attribute } : { method: r.method }), result: name, code: r.result, ...(r.data ? { data: dataToJson(r.data) } : {}) });
  if (format === "csv") return `obis,${r.attribute !== undefined ? "attribute" : "method"},result,code\n${r.obis},${r.attribute ?? r.method},${name},${r.result}`;
  return r.result === 0 ? `success${r.data ? `: ${formatData(r.data)}` : ""}` : `failed: ${name} (${r.result})`;
}

/** --activate is "now" or a time. */
function checkActivate(v: Record<string, string | boolean | undefined>): void {
  const text = v.activate;
  if (typeof text !== "string" || text === "now") return;
  try {
    dateTimeFromText(text);
  } catch (e) {
    throw new UsageError(`--activate: ${(e as Error).message}`);
  }
}

/** Checks a command's own arguments before connecting. */
function checkCommand(command: string, args: string[], v: Record<string, string | boolean | undefined>): void {
  const known = ["list", "get", "set", "action", "profile", "calendar", "image"];
  if (!known.includes(command)) throw new UsageError(`unknown command "${command}" (one of: ${known.join(", ")})`);
  if (command === "list") return;
  if (command === "calendar" || command === "image") {
    if (!args[0]) throw new UsageError(command === "calendar" ? "calendar needs a JSON file" : "image needs an image file (npm run sign-image)");
    checkActivate(v);
    return;
  }
  checkObis(args[0], command);
  if (command === "get" && args[1] !== undefined && args[1] !== "all") checkInteger(args[1], "attribute", 255);
  if (command === "set") {
    checkInteger(args[1], "attribute", 255);
    if (!args[2]) throw new UsageError("set needs OBIS ATTR TYPE VALUE or OBIS ATTR JSON");
    commandValue(args[2], args[3]);
  }
  if (command === "action") {
    checkInteger(args[1], "method", 255);
    if (args[2]) commandValue(args[2], args[3]);
  }
  if ((v.plot || v.svg) && command !== "profile") throw new UsageError("--plot and --svg are for the profile command");
  if (v.activate !== undefined) throw new UsageError("--activate is for the calendar and image commands");
  for (const option of ["from", "to"]) {
    const text = v[option];
    if (typeof text !== "string" || text === "now") continue;
    try {
      dateTimeFromText(text);
    } catch (e) {
      throw new UsageError(`--${option}: ${(e as Error).message}`);
    }
  }
}

async function readProfile(client: DlmsClient, obis: string, from: string | undefined, to: string | undefined, list: ObjectListEntry[]): Promise<Table> {
  let rows: Data;
  if (from || to) {
    const fromBytes = dateTimeFromText(from ?? "2000-01-01T00:00Z");
    const toBytes = dateTimeFromText(to ?? "2099-12-31T23:59Z");
    const restricting = struct(int(18, 8), octets([0, 0, 1, 0, 0, 255]), int(15, 2), int(18, 0));
    rows = await client.get(7, obis, 2, { selector: 1, parameters: struct(restricting, octets(fromBytes), octets(toBytes), array()) });
  } else {
    rows = await client.get(7, obis, 2);
  }
  return profileTable(client, obis, rows, list);
}

/** Profile rows with named columns: values in their unit, date-times as text, event codes with their names. */
async function profileTable(client: DlmsClient, obis: string, rows: Data, list: ObjectListEntry[]): Promise<Table> {
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
  const log = eventLogOfObis(obis);
  const names: string[] = [];
  columns.forEach((c, i) => {
    const unit = scalers[i] ? UNIT_NAMES[scalers[i]!.unit] : "";
    names.push(`${objectName(c.obis) || c.obis}${unit ? ` (${unit})` : ""}`);
    if (log && isEventCode(c.obis)) names.push("event");
  });
  const table: Table = { columns: names, rows: [] };
  if (rows.kind !== "array") throw new ProtocolError(`${obis} buffer is not an array`);
  for (const row of rows.items) {
    if (row.kind !== "structure") continue;
    const cells: Cell[] = [];
    row.items.forEach((cell, i) => {
      const su = scalers[i];
      if (isDateTime(cell)) cells.push(formatData(cell));
      else if (su && cell.kind === "int") cells.push(Number(scaled(cell.value, su.scaler)));
      else {
        const plain = dataToJson(cell);
        cells.push(typeof plain === "object" && plain !== null ? JSON.stringify(plain) : (plain as Cell));
      }
      if (log && isEventCode(columns[i]?.obis ?? "")) cells.push(cell.kind === "int" ? eventName(log, Number(cell.value)).replace(/ \(\d+\)$/, "") : null);
    });
    table.rows.push(cells);
  }
  return table;
}

/** The first energy column as energy per period (its increments), else the first numeric column. */
function plotSeries(table: Table, title: string): { title: string; unit: string; times: string[]; values: number[] } {
  const numeric = (i: number) => table.rows.length > 0 && table.rows.every((r) => typeof r[i] === "number");
  let col = table.columns.findIndex((c, i) => /\((Wh|varh|VAh)\)$/.test(c) && numeric(i));
  const cumulative = col >= 0;
  if (col < 0) col = table.columns.findIndex((c, i) => i > 0 && c !== "Profile status" && numeric(i));
  if (col < 0) throw new ProtocolError(`${title}: no numeric column to plot`);
  const values = table.rows.map((r) => r[col] as number);
  const times = table.rows.map((r) => String(r[0]));
  const unit = /\(([^)]+)\)$/.exec(table.columns[col])?.[1] ?? "";
  return cumulative
    ? { title: `${title}: ${table.columns[col].replace(/ \([^)]+\)$/, "")} per period`, unit, times: times.slice(1), values: increments(values) }
    : { title: `${title}: ${table.columns[col]}`, unit, times, values };
}

/** `calendar FILE`: writes the passive calendar; --activate TIME schedules it, "now" activates at once. */
async function loadCalendar(client: DlmsClient, o: ObjectListEntry, file: string, activate: string | undefined, format: OutputFormat, out: (l: string) => void): Promise<boolean> {
  const c = calendarData(readCalendarFile(file));
  const oldDays = await client.get(20, o.obis, 9);
  const oldWeeks = await client.get(20, o.obis, 8);
  const steps: [string, number, Data][] = [
    ["day profiles (added)", 9, unionByKey(c.days, oldDays)],
    ["week profiles (added)", 8, unionByKey(c.weeks, oldWeeks)],
    ["seasons", 7, c.seasons],
    ["week profiles", 8, c.weeks],
    ["day profiles", 9, c.days],
    ["name", 6, c.name],
  ];
  if (activate !== undefined && activate !== "now") steps.push(["activation time", 10, octets(dateTimeFromText(activate))]);
  const done: { step: string; result: string }[] = [];
  let ok = true;
  for (const [step, attr, value] of steps) {
    const result = await client.set(20, o.obis, attr, value);
    done.push({ step, result: result === 0 ? "success" : `${DATA_ACCESS_RESULT[result] ?? "error"} (${result})` });
    if (result !== 0) {
      ok = false;
      break;
    }
  }
  if (ok && activate === "now") {
    const r = await client.action(20, o.obis, 1, int(15, 0));
    done.push({ step: "activate", result: r.result === 0 ? "success" : `${DATA_ACCESS_RESULT[r.result] ?? "error"} (${r.result})` });
    ok = r.result === 0;
  }
  if (format === "text") for (const d of done) out(`${d.step}: ${d.result}`);
  else out(renderTable({ columns: ["step", "result"], rows: done.map((d) => [d.step, d.result]) }, format));
  return ok;
}
