/**
 * IC 7 Profile generic over a ProfileBuffer: the buffer streamed row by row (never whole in
 * memory), selective access by range (1) and entry (2), capture objects and the methods.
 */
import { type AxdrWriter, DataType, type DlmsData } from "./axdr";
import { type ClockSource, DateTimeWriter, cachedTimeRules, dateTimeBytesToUtc } from "./classes-clock";
import type { AccessGroup, AttributeDef, MethodDef, ObjectDef, RequestContext } from "./object-model";
import { type ByteSource, PieceSource } from "./stream";
import { numberOf, readOnly, writeNumber } from "./values";
import { formatObis, obisKeyAt, parseObis, RESULT } from "./xdlms";
import type { CaptureColumn, ProfileBuffer } from "../../records/profile-buffer";

export interface ProfileSource {
  buffer: ProfileBuffer;
  /** Time rules for the capture-time column. */
  time: Pick<ClockSource, "deviationAt" | "statusAt" | "localToUtc" | "nextDstSwitchUtc">;
  reset?(): void;
  capture?(): void;
}

/** How to encode each column: found through the captured object in the model, cached. */
type ColumnEncoder = (v: number, w: AxdrWriter) => void;

function columnEncoders(src: ProfileSource, ctx: RequestContext): ColumnEncoder[] {
  return src.buffer.columns.map((col) => {
    if (col.classId === 8 && col.attribute === 2) {
      const rules = cachedTimeRules(src.time);
      const dt = new DateTimeWriter();
      return (v: number, w: AxdrWriter) => dt.write(w, v, rules);
    }
    const ln = parseObis(col.obis);
    const obj = ctx.model.findAt(ln, 0);
    if (obj && obj.classId === col.classId && obj.encodeCaptured) {
      const enc = obj.encodeCaptured;
      const attr = col.attribute;
      return (v: number, w: AxdrWriter) => enc(attr, v, w);
    }
    return (v: number, w: AxdrWriter) => writeNumber(w, DataType.long64, v);
  });
}

function writeCaptureObject(w: AxdrWriter, col: CaptureColumn): void {
  w.structure(4);
  w.longUnsigned(col.classId);
  w.obis(parseObis(col.obis));
  w.integer(col.attribute);
  w.longUnsigned(col.dataIndex);
}

/** Rows `first..first+count-1` of a buffer, selected columns, encoded one row per piece. */
class ProfileRowsSource extends PieceSource {
  private readonly row: Float64Array;
  private readonly prev: Float64Array;
  private lastTime = NaN;
  constructor(
    private readonly buffer: ProfileBuffer,
    private first: number,
    private readonly rows: number,
    private readonly columns: readonly number[],
    private readonly encoders: ColumnEncoder[],
  ) {
    super();
    this.row = new Float64Array(buffer.columns.length);
    this.prev = new Float64Array(buffer.columns.length);
  }
  protected get count(): number {
    return this.rows;
  }
  protected begin(w: AxdrWriter): void {
    w.array(this.rows);
  }
  protected piece(i: number, w: AxdrWriter): ByteSource | null {
    const buffer = this.buffer;
    let index = this.first + i;
    // A full ring drops its oldest row on each capture: follow the rows already sent.
    if (i > 0 && buffer.entriesInUse() >= buffer.capacity && index - 1 < buffer.entriesInUse()) {
      const prev = this.prev;
      buffer.readEntry(index - 1, prev);
      let guard = 0;
      while (prev[0] !== this.lastTime && index - 1 > 0 && guard++ < 64) {
        this.first--;
        index--;
        buffer.readEntry(index - 1, prev);
      }
    }
    const n = buffer.entriesInUse();
    if (index >= n) index = n - 1;
    const row = this.row;
    if (index >= 0) buffer.readEntry(index, row);
    else row.fill(NaN);
    this.lastTime = row[0];
    const cols = this.columns;
    w.structure(cols.length);
    for (let c = 0; c < cols.length; c++) this.encoders[cols[c]](row[cols[c]], w);
    return null;
  }
}

function profileBufferGet(src: ProfileSource): AttributeDef["get"] {
  return (ctx) => {
    const buffer = src.buffer;
    const n = buffer.entriesInUse();
    const width = buffer.columns.length;
    let first = 0;
    let last = n - 1;
    let columns: number[] = [];
    for (let c = 0; c < width; c++) columns.push(c);
    const p = ctx.parameters;
    if (ctx.selector === 1) {
      // range_descriptor {restricting_object, from_value, to_value, selected_values}
      if (!p || p.type !== 2 || p.items.length !== 4) return RESULT.typeUnmatched;
      const [restricting, from, to, selected] = p.items;
      if (restricting.type !== 2 || restricting.items.length !== 4 || from.type !== 9 || to.type !== 9 || selected.type !== 1) return RESULT.typeUnmatched;
      const rc = restricting.items;
      if (rc[0].type !== 18 || rc[1].type !== 9 || rc[1].bytes.length !== 6) return RESULT.typeUnmatched;
      const col0 = buffer.columns[0];
      if (rc[0].value !== col0.classId || formatObis(rc[1].bytes) !== col0.obis || numberOf(rc[2]) !== col0.attribute) return RESULT.otherReason;
      const fromMs = dateTimeBytesToUtc(from.bytes, src.time);
      const toMs = dateTimeBytesToUtc(to.bytes, src.time);
      if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return RESULT.otherReason;
      first = buffer.firstIndexAtOrAfter(fromMs);
      last = buffer.firstIndexAtOrAfter(toMs + 1) - 1;
      if (selected.items.length > 0) {
        columns = [];
        for (const s of selected.items) {
          const c = matchColumn(buffer.columns, s);
          if (c < 0) return RESULT.otherReason;
          columns.push(c);
        }
      }
    } else if (ctx.selector === 2) {
      // entry_descriptor {from_entry, to_entry, from_selected_value, to_selected_value}
      if (!p || p.type !== 2 || p.items.length !== 4) return RESULT.typeUnmatched;
      const [fe, te, fc, tc] = p.items.map(numberOf);
      if (![fe, te, fc, tc].every((v) => Number.isInteger(v) && v >= 0)) return RESULT.typeUnmatched;
      first = Math.max(1, fe) - 1;
      last = te === 0 ? n - 1 : Math.min(te, n) - 1;
      const c0 = Math.max(1, fc) - 1;
      const c1 = tc === 0 ? width - 1 : Math.min(tc, width) - 1;
      if (c0 > c1 || c0 >= width) return RESULT.otherReason;
      columns = columns.slice(c0, c1 + 1);
    }
    const rows = last >= first ? last - first + 1 : 0;
    return new ProfileRowsSource(buffer, first, rows, columns, columnEncoders(src, ctx));
  };
}

function matchColumn(columns: readonly CaptureColumn[], d: DlmsData): number {
  if (d.type !== 2 || d.items.length !== 4) return -1;
  const [cls, ln, attr, idx] = d.items;
  if (ln.type !== 9 || ln.bytes.length !== 6) return -1;
  const key = obisKeyAt(ln.bytes, 0);
  for (let c = 0; c < columns.length; c++) {
    const col = columns[c];
    if (numberOf(cls) === col.classId && obisKeyAt(parseObis(col.obis), 0) === key && numberOf(attr) === col.attribute && numberOf(idx) === col.dataIndex) return c;
  }
  return -1;
}

export function profileObject(obis: string, name: string, group: AccessGroup, src: ProfileSource): ObjectDef {
  const zeroParameter = (run: () => void): MethodDef => ({
    invoke: (p) => {
      if (p && p.type !== DataType.integer) return RESULT.typeUnmatched;
      run();
      return RESULT.success;
    },
  });
  return {
    classId: 7,
    version: 1,
    obis,
    name,
    group,
    attributes: [
      { get: profileBufferGet(src), selectors: [1, 2] },
      readOnly((_c, w) => {
        const cols = src.buffer.columns;
        w.array(cols.length);
        for (const col of cols) writeCaptureObject(w, col);
        return 0;
      }),
      readOnly((_c, w) => (w.doubleLongUnsigned(src.buffer.capturePeriodS), 0)),
      readOnly((_c, w) => (w.enumValue(1), 0)), // sort_method: fifo
      readOnly((_c, w) => {
        w.structure(4);
        w.longUnsigned(0);
        w.obis(new Uint8Array(6));
        w.integer(0);
        w.longUnsigned(0);
        return 0;
      }),
      readOnly((_c, w) => (w.doubleLongUnsigned(src.buffer.entriesInUse()), 0)),
      readOnly((_c, w) => (w.doubleLongUnsigned(src.buffer.capacity), 0)),
    ],
    methods: [src.reset ? zeroParameter(src.reset) : null, src.capture ? zeroParameter(src.capture) : null],
  };
}
