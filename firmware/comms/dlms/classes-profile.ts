/**
 * IC 7 Profile generic over a ProfileBuffer: the buffer streamed row by row (never whole in
 * memory), selective access by range (1) and entry (2), capture objects and the methods.
 */
import { type AxdrWriter, DataType, type DlmsData } from "./axdr";
import { CachedTimeRules, cachedTimeRules, dateTimeBytesToUtc, type DateTimeWriter, modelTime, type TimeRules } from "./classes-clock";
import { type AccessGroup, type AttributeDef, type CapturedWriter, type CosemObject, defineClass, type MethodDef, type ObjectClass, type RequestContext } from "./object-model";
import { type ByteSource, PieceSource } from "./stream";
import { inlineNumberType, numberOf, numberWriter } from "./values";
import { formatObis, obisKeyAt, parseObis, RESULT } from "./xdlms";
import type { CaptureColumn, ProfileBuffer, ProfileRowReader } from "../../records/profile-buffer";
import { nextInRange } from "../../records/profile-read";
import { deepFreeze } from "../../kernel/freeze";

/**
 * What a profile object's class knows of its target: where the buffer is (a view may be built on
 * demand, e.g. over an event log), and the reset and capture methods when the object has them.
 */
interface ProfileKind {
  buffer(target: unknown): ProfileBuffer;
  reset?(target: unknown, ctx: RequestContext): void;
  capture?(target: unknown, ctx: RequestContext): void;
}

/**
 * How a read encodes each column, found through the captured object in the model once per read:
 * per column its writer and a kind: CLOCK_KIND (the model's date-time writer, with the time rules
 * cached for this read), an A-XDR type written inline (inlineNumberType), or 0 (the writer).
 */
class RowEncoding {
  readonly writers: CapturedWriter[];
  readonly kinds: Int32Array;
  readonly dateTimes: DateTimeWriter | null = null;
  readonly rules: TimeRules | null = null;
  /** `rules` when they are a cache whose stretch the row writer may look at (else null). */
  readonly cached: CachedTimeRules | null = null;

  constructor(buffer: ProfileBuffer, ctx: RequestContext) {
    const columns = buffer.columns;
    this.writers = [];
    this.kinds = new Int32Array(columns.length);
    let scratch: CosemObject | null = null;
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c];
      if (col.classId === 8 && col.attribute === 2) {
        // The model's date-time writer (every write is synchronous); the rules cached for this read.
        const t = modelTime(ctx.model);
        const rules = cachedTimeRules(t.clock);
        const dt = t.dateTimes;
        this.dateTimes = dt;
        this.rules = rules;
        this.cached = rules instanceof CachedTimeRules ? rules : null;
        this.kinds[c] = CLOCK_KIND;
        this.writers.push((w: AxdrWriter, v: number) => dt.write(w, v, rules));
        continue;
      }
      // One object filled for each column in turn (a writer keeps what it needs, never the object).
      const i = ctx.model.indexAt(parseObis(col.obis), 0);
      const obj = i < 0 ? null : (scratch = ctx.model.load(i, scratch));
      const writer = (obj && obj.classId === col.classId ? obj.capturedWriter(col.attribute, ctx.model) : null) ?? numberWriter(DataType.long64);
      this.kinds[c] = inlineNumberType(writer);
      this.writers.push(writer);
    }
  }
}

/** RowEncoding's kind of a date-time column (no A-XDR type is 1: that tag is array). */
const CLOCK_KIND = 1;
/** Bytes of the largest item a column writes (a date-time: tag, length, 12). */
const MAX_ITEM_BYTES = 14;

function writeCaptureObject(w: AxdrWriter, col: CaptureColumn): void {
  w.structure(4);
  w.longUnsigned(col.classId);
  w.obis(parseObis(col.obis));
  w.integer(col.attribute);
  w.longUnsigned(col.dataIndex);
}

/** ProfileRowsSource's selections: by capture time, by entry, by entry with rows taken from stored words. */
const RANGE = 0;
const ENTRIES = 1;
const ENTRIES_BY_WORDS = 2;

/** Date-times on the wire carry hundredths: capture times are compared as they are reported. */
const WIRE_RESOLUTION_MS = 10;

/**
 * Rows of a buffer, selected columns, encoded one row per piece. Entry selection: `rows` rows
 * from index `first`. Range selection (`from`/`to` given): every row whose reported capture time
 * lies in [from, to], in buffer order; the buffer is not assumed to be ordered by time (a clock
 * set back makes capture times repeat), so the rows are counted by one pass over the buffer
 * before the answer's array length goes out, and found again one at a time as pieces are pulled.
 */
class ProfileRowsSource extends PieceSource {
  /**
   * The scratch row, then three numbers kept in it rather than as properties (RAM while a read is
   * open): the capture time of the row sent last (NaN before any), and the range's from and to.
   */
  private readonly row: Float64Array;
  /** The buffer's reader for this read (its own cursor and scratch), or the buffer itself. */
  private readonly reader: ProfileRowReader;
  /** Index of the next row to look at. */
  private next: number;
  /** Rows the answer announced. */
  private readonly rows: number;
  /** The buffer's oldest row (appended minus entries) when `next` was last set (to follow a ring that drops rows). */
  private seenOldest: number;
  /** The buffer's entries when this block began (read). */
  private entries = 0;
  /**
   * Per selected column its index in a row and its kind (RowEncoding), in pairs; for
   * ENTRIES_BY_WORDS then the plan of writeWords: the template offset of the date-time (column
   * 0; -1: not selected), of column 1's value and its type (-1: not selected), and per run of
   * other columns of one number type: the type, the template offset of the first value, the
   * run's first and end words (ProfileRowReader.rowWords).
   */
  private readonly columns: Int32Array;
  private readonly writers: CapturedWriter[];
  private readonly dateTimes: DateTimeWriter | null;
  private readonly cached: CachedTimeRules | null;
  /**
   * ENTRIES_BY_WORDS: a row's A-XDR bytes but the values (tags, lengths, the date-time's date,
   * deviation and status), copied once per row; valid for capture times in [templateFrom,
   * templateUntil), a stretch of one local day (from dayStart, UTC) and one deviation.
   */
  private readonly template: Uint8Array | null = null;
  private templateFrom = NaN;
  private templateUntil = NaN;
  private dayStart = NaN;

  constructor(
    private readonly buffer: ProfileBuffer,
    first: number,
    rows: number,
    columns: readonly number[],
    encoding: RowEncoding,
    from = NaN,
    to = NaN,
  ) {
    super();
    const width = columns.length;
    this.reader = buffer.openReader ? buffer.openReader() : buffer;
    this.writers = [];
    for (let c = 0; c < width; c++) this.writers.push(encoding.writers[columns[c]]);
    this.dateTimes = encoding.dateTimes;
    this.cached = encoding.cached;
    // Rows go straight into the block while it has room for the largest (writeRow's bound).
    if (width < 0x80) this.directRoom = 2 + MAX_ITEM_BYTES * width;
    // Rows from their stored words: entry selection (contiguous columns), a reader that has them,
    // rows of a known largest size, a buffer that counts appended rows (the ring is then followed
    // without the last row's time) and columns of the types writeWords knows.
    const plan = from === from || this.directRoom === 0 || !buffer.rowsAppended || !this.reader.rowWords || !this.reader.words ? null : wordsPlan(columns, encoding);
    // The row, the column plan and the template in one buffer (one ArrayBuffer object, not three).
    const rowLength = buffer.columns.length + 3;
    const planLength = 2 * width + (plan ? plan.length - 1 : 0);
    // (A plan's last element is the template's size.)
    const templateSize = plan ? plan[plan.length - 1] : 0;
    const memory = new ArrayBuffer(8 * rowLength + 4 * planLength + templateSize);
    this.row = new Float64Array(memory, 0, rowLength);
    this.row[rowLength - 3] = NaN;
    this.row[rowLength - 2] = from;
    this.row[rowLength - 1] = to;
    this.columns = new Int32Array(memory, 8 * rowLength, planLength);
    for (let c = 0; c < width; c++) {
      this.columns[2 * c] = columns[c];
      this.columns[2 * c + 1] = encoding.kinds[columns[c]];
    }
    if (plan) {
      for (let k = 0; k < plan.length - 1; k++) this.columns[2 * width + k] = plan[k];
      this.template = new Uint8Array(memory, 8 * rowLength + 4 * planLength, templateSize);
      writeWordsTemplate(this.template, columns, encoding);
      // Rows from words are the template's size: straight into the block while that fits (a row
      // of another layout written larger goes on through the scratch, as any outgrown piece).
      this.directRoom = templateSize;
    }
    this.next = first;
    this.seenOldest = (buffer.rowsAppended ? buffer.rowsAppended() : 0) - this.reader.entriesInUse();
    this.selection = from === from ? RANGE : plan ? ENTRIES_BY_WORDS : ENTRIES;
    if (this.selection === RANGE) {
      // Count the rows in range, and start at the first of them.
      const n = this.reader.entriesInUse();
      const reader = this.reader;
      this.next = nextInRange(reader, 0, from, to, this.row, WIRE_RESOLUTION_MS);
      rows = 0;
      for (let i = this.next; i < n; i = nextInRange(reader, i + 1, from, to, this.row, WIRE_RESOLUTION_MS)) rows++;
    }
    this.rows = rows;
  }
  /** RANGE, ENTRIES, or ENTRIES_BY_WORDS (rows written from the reader's words: rowWords). */
  private readonly selection: number;
  protected get count(): number {
    return this.rows;
  }
  protected begin(w: AxdrWriter): void {
    w.array(this.rows);
  }
  override read(out: Uint8Array, offset: number, max: number): number {
    // Rows are captured and dropped between blocks, never while one is encoded: the ring is
    // followed once a block, not once a row.
    this.entries = this.followDroppedRows();
    return this.directRoom > 0 ? this.readDirect(out, offset, max) : super.read(out, offset, max);
  }
  protected piece(_i: number, w: AxdrWriter): ByteSource | null {
    const reader = this.reader;
    const row = this.row;
    const selection = this.selection;
    if (selection === ENTRIES_BY_WORDS) {
      const index = this.next;
      if (index < this.entries) {
        this.next = index + 1;
        // The row's stored words written from the template; else the row in `row` (another layout,
        // damage: rowWords put it there), or read into it when a stored value is one the
        // column's type cannot hold (an unsigned above 255): its writer says so.
        const p = reader.rowWords!(index, row);
        if (p >= 0) {
          if (this.writeWords(w, reader.words!, p)) return null;
          reader.readEntry(index, row);
        }
        row[row.length - 3] = row[0];
        this.writeRow(w, row);
        return null;
      }
    }
    const n = this.entries;
    let index = selection === RANGE ? nextInRange(reader, this.next, row[row.length - 2], row[row.length - 1], row, WIRE_RESOLUTION_MS) : this.next;
    if (index >= n) {
      // The ring overran the read (or was cleared): the announced count still has to be met.
      index = n - 1;
      if (index >= 0) reader.readEntry(index, row);
      else row.fill(NaN, 0, row.length - 3);
    } else if (selection !== RANGE) {
      reader.readEntry(index, row);
    }
    this.next = index + 1;
    row[row.length - 3] = row[0];
    this.writeRow(w, row);
    return null;
  }

  /**
   * PieceSource.directRun: rows taken from their stored words and written from the template in one
   * loop (writeWords inline: what the rows share is read once per run, not once per row); a row
   * of another layout or a damaged one (rowWords gave it in `row`) by writeRow. The run stops
   * where the block has no room for the largest row, or where the ring overran the read (piece
   * then meets the announced count).
   */
  protected override directRun(index: number, count: number, w: AxdrWriter, limit: number): number {
    if (this.selection !== ENTRIES_BY_WORDS) return index;
    const reader = this.reader;
    const words = reader.words!;
    const row = this.row;
    const n = this.entries;
    const room = this.directRoom;
    const out = w.bytes;
    const view = w.view;
    const t = this.template!;
    const size = t.length;
    const plan = this.columns;
    const k0 = this.writers.length << 1;
    const dt = plan[k0];
    const s1 = plan[k0 + 1];
    const s1Type = plan[k0 + 2];
    const runs = plan.length;
    const firstType = k0 + 3 < runs ? plan[k0 + 3] : 0;
    const firstAt = plan[k0 + 4];
    const firstWord = plan[k0 + 5];
    const firstEnd = plan[k0 + 6];
    // The template's stretch in locals (read again after a refresh).
    let from = this.templateFrom;
    let until = this.templateUntil;
    let dayStart = this.dayStart;
    let next = this.next;
    let i = index;
    // Where the next row goes (w.length is set when the run ends or a row goes to writeRow).
    let at = w.length;
    // Rows to go: to the announced count, and no further than the ring's entries (piece then
    // meets the count).
    let left = count - i < n - next ? count - i : n - next;
    while (left > 0) {
      left--;
      const p = reader.rowWords!(next, row);
      let written = p >= 0;
      if (written) {
        if (dt >= 0) {
          const v = ((words[p] >>> 8) & 0x3ff) * 4294967296 + (words[p + 1] >>> 0);
          if (!(v >= from && v < until)) {
            this.refreshTemplate(v, dt);
            from = this.templateFrom;
            until = this.templateUntil;
            dayStart = this.dayStart;
          }
          out.set(t, at);
          // The time of day (in int32 arithmetic) as DateTimeWriter.writeAt writes it: hour,
          // minute, second and hundredths by one big-endian store.
          const ms = v - dayStart;
          const s = (ms / 1000) | 0;
          view.setUint32(at + dt + 7, (((s / 3600) | 0) << 24) | ((((s / 60) | 0) % 60) << 16) | ((s % 60) << 8) | (((ms - s * 1000) / 10) | 0));
        } else {
          out.set(t, at);
        }
        if (s1 >= 0) {
          // Column 1 (a status): in word 0's upper 14 bits.
          const x = words[p] >>> 18;
          if (s1Type !== 17) view.setInt32(at + s1, x);
          else if (x <= 255) out[at + s1] = x;
          else written = false;
        }
        let k = k0 + 3;
        if (firstType === 21) {
          // The first run (a load profile's energies: long64-unsigned) from locals, four values a
          // turn (a loop turn costs XS about what a store does); any other runs by the loop below.
          let q = at + firstAt;
          let o = p + firstWord;
          const end = p + firstEnd;
          while (o + 3 < end) {
            view.setInt32(q, words[o]);
            view.setInt32(q + 9, words[o + 1]);
            view.setInt32(q + 18, words[o + 2]);
            view.setInt32(q + 27, words[o + 3]);
            o += 4;
            q += 36;
          }
          while (o < end) {
            view.setInt32(q, words[o]);
            o++;
            q += 9;
          }
          k += 4;
        }
        while (written && k < runs) {
          const type = plan[k];
          let q = at + plan[k + 1];
          let o = p + plan[k + 2];
          const end = p + plan[k + 3];
          k += 4;
          if (type === 21) {
            while (o + 3 < end) {
              view.setInt32(q, words[o]);
              view.setInt32(q + 9, words[o + 1]);
              view.setInt32(q + 18, words[o + 2]);
              view.setInt32(q + 27, words[o + 3]);
              o += 4;
              q += 36;
            }
            while (o < end) {
              view.setInt32(q, words[o]);
              o++;
              q += 9;
            }
          } else if (type === 17) {
            while (o < end) {
              const x = words[o];
              if (x < 0 || x > 255) {
                written = false;
                break;
              }
              out[q] = x;
              o++;
              q += 2;
            }
          } else {
            while (o < end) {
              view.setInt32(q, words[o]);
              o++;
              q += 5;
            }
          }
        }
        if (written) {
          at += size;
        } else {
          // A stored value the column's type cannot hold: its writer says so.
          reader.readEntry(next, row);
        }
      }
      next++;
      i++;
      if (!written) {
        row[row.length - 3] = row[0];
        w.length = at;
        this.writeRow(w, row);
        // (It may have moved the rules' stretch: the template's is looked at again.)
        until = this.templateUntil;
        at = w.length;
        if (w.bytes !== out) break;
      }
      if (limit - at < room) break;
    }
    w.length = at;
    this.next = next;
    return i;
  }

  /**
   * The row left in the reader's words at `p` (ProfileRowReader.rowWords) written from the
   * template: one copy of its constant bytes, then the time of day into the date-time and each
   * value's word into its place (an unsigned 32-bit value is a long64-unsigned's lower half or a
   * double-long-unsigned: DataView.setInt32 writes its bytes). False, with nothing written, when
   * an unsigned column's value is above 255.
   */
  private writeWords(w: AxdrWriter, words: Int32Array, p: number): boolean {
    const t = this.template!;
    const size = t.length;
    const at = w.length;
    if (at + size > w.bytes.length) w.ensure(size);
    const b = w.bytes;
    const plan = this.columns;
    let k = this.writers.length << 1;
    const dt = plan[k];
    if (dt >= 0) {
      const v = ((words[p] >>> 8) & 0x3ff) * 4294967296 + (words[p + 1] >>> 0);
      if (!(v >= this.templateFrom && v < this.templateUntil)) this.refreshTemplate(v, dt);
      b.set(t, at);
      // The time of day (in int32 arithmetic), as DateTimeWriter.writeAt writes it.
      const ms = v - this.dayStart;
      const s = (ms / 1000) | 0;
      const q = at + dt;
      b[q + 7] = (s / 3600) | 0;
      b[q + 8] = ((s / 60) | 0) % 60;
      b[q + 9] = s % 60;
      b[q + 10] = ((ms - s * 1000) / 10) | 0;
    } else {
      b.set(t, at);
    }
    const view = w.view;
    const s1 = plan[k + 1];
    if (s1 >= 0) {
      // Column 1 (a status): in word 0's upper 14 bits.
      const x = words[p] >>> 18;
      const type = plan[k + 2];
      if (type === 17 /* unsigned */) {
        if (x > 255) return false;
        b[at + s1] = x;
      } else {
        view.setInt32(at + s1, x);
      }
    }
    const n = plan.length;
    k += 3;
    while (k < n) {
      const type = plan[k];
      let q = at + plan[k + 1];
      let o = p + plan[k + 2];
      const end = p + plan[k + 3];
      k += 4;
      // long64-unsigned: 9 bytes an item, the value in the last 4; double-long-unsigned: 5.
      if (type === 21) {
        while (o < end) {
          view.setInt32(q, words[o]);
          o++;
          q += 9;
        }
      } else if (type === 17 /* unsigned */) {
        while (o < end) {
          const x = words[o];
          if (x < 0 || x > 255) return false;
          b[q] = x;
          o++;
          q += 2;
        }
      } else {
        while (o < end) {
          view.setInt32(q, words[o]);
          o++;
          q += 5;
        }
      }
    }
    w.length = at + size;
    return true;
  }

  /**
   * The template's date-time for the capture time `v`: the date, deviation and status, valid
   * from the start of v's local day or stretch (the cached rules') to the end of either.
   */
  private refreshTemplate(v: number, dt: number): void {
    const cached = this.cached!;
    if (!(v >= cached.from && v < cached.until)) cached.refresh(v);
    this.dateTimes!.writeAt(this.template!, dt, v, cached.deviation, cached.status);
    const local = v - cached.deviation * 60_000;
    const dayStart = v - (local - Math.floor(local / 86_400_000) * 86_400_000);
    this.dayStart = dayStart;
    this.templateFrom = cached.from > dayStart ? cached.from : dayStart;
    this.templateUntil = cached.until < dayStart + 86_400_000 ? cached.until : dayStart + 86_400_000;
  }

  /**
   * The row's structure: the common number types written inline with their writer's checks (a
   * value they cannot hold goes to the writer, which throws as it always did), date-times by the
   * model's writer, anything else by its writer. One bounds check for the row.
   */
  private writeRow(w: AxdrWriter, row: Float64Array): void {
    const cols = this.columns;
    const width = this.writers.length;
    if (width >= 0x80) {
      w.structure(width);
      for (let c = 0; c < width; c++) this.writers[c](w, row[cols[2 * c]]);
      return;
    }
    w.ensure(2 + MAX_ITEM_BYTES * width);
    let b = w.bytes;
    let view = w.view;
    let at = w.length;
    // Tags as literals (a property of the frozen DataType is a look-up per use in XS); four bytes
    // by one DataView call (big endian), cheaper in XS than four stores.
    b[at] = 2; // structure
    b[at + 1] = width;
    at += 2;
    const pairs = 2 * width;
    for (let k = 0; k < pairs; k += 2) {
      const v = row[cols[k]];
      const kind = cols[k + 1];
      // (v | 0) === v: an integer in int32 range (-0 included, which every writer takes as 0).
      if (kind === 21 /* long64-unsigned */ && (v | 0) === v && v >= 0) {
        b[at] = 21;
        view.setUint32(at + 1, 0);
        view.setUint32(at + 5, v);
        at += 9;
      } else if (kind === 17 /* unsigned */ && (v | 0) === v && v >= 0 && v <= 255) {
        b[at] = 17;
        b[at + 1] = v;
        at += 2;
      } else if (kind === 6 /* double-long-unsigned */ && (v | 0) === v && v >= 0) {
        b[at] = 6;
        view.setUint32(at + 1, v);
        at += 5;
      } else if (kind === CLOCK_KIND && v - v === 0 && this.cached !== null) {
        // A finite capture time (v - v is NaN for NaN and the infinities), the stretch's
        // deviation and status looked at here: one call for the date-time, not three.
        const cached = this.cached;
        if (!(v >= cached.from && v < cached.until)) {
          cached.refresh(v);
          // The template's stretch may not be the rules' any more.
          this.templateUntil = NaN;
        }
        this.dateTimes!.writeAt(b, at, v, cached.deviation, cached.status);
        at += 14;
      } else {
        w.length = at;
        this.writers[k >> 1](w, v);
        // Room for the rest of the row again (the writer may have grown the buffer).
        w.ensure(MAX_ITEM_BYTES * ((pairs - k - 2) >> 1));
        b = w.bytes;
        view = w.view;
        at = w.length;
      }
    }
    w.length = at;
  }

  /**
   * A full ring drops its oldest rows as captures arrive during a long read: keeps `next` on the
   * same row. Returns the buffer's entries now.
   */
  private followDroppedRows(): number {
    const buffer = this.buffer;
    const n = this.reader.entriesInUse();
    if (buffer.rowsAppended) {
      // Rows dropped since: how far the oldest row moved.
      const oldest = buffer.rowsAppended() - n;
      const dropped = oldest - this.seenOldest;
      if (dropped === 0) return n;
      this.seenOldest = oldest;
      if (dropped > 0) this.next = Math.max(0, this.next - dropped);
      return n;
    }
    // Without a count of appended rows: find the row sent last by its time (full rings only).
    const prev = this.row;
    const lastTime = prev[prev.length - 3];
    if (lastTime !== lastTime || n < buffer.capacity || this.next - 1 >= n) return n;
    this.reader.readEntry(this.next - 1, prev);
    let guard = 0;
    while (prev[0] !== lastTime && this.next - 1 > 0 && guard++ < 64) {
      this.next--;
      this.reader.readEntry(this.next - 1, prev);
    }
    return n;
  }
}

/** A-XDR bytes of an item writeWords writes: by RowEncoding kind (0: not one of them). */
function wordItemBytes(kind: number): number {
  return kind === CLOCK_KIND ? 14 : kind === 21 ? 9 : kind === 6 ? 5 : kind === 17 ? 2 : 0;
}

/**
 * ProfileRowsSource's plan for rows written from their stored words (see its `columns`), then
 * the template's size; or null when a selected column is of a type writeWords does not write (a
 * date-time but in column 0, a writer's own type): then rows are read into numbers and written
 * by writeRow.
 */
function wordsPlan(columns: readonly number[], encoding: RowEncoding): number[] | null {
  if (columns.length >= 0x80) return null;
  const plan = [-1, -1, 0];
  let at = 2;
  for (let c = 0; c < columns.length; c++) {
    const col = columns[c];
    const kind = encoding.kinds[col];
    const bytes = wordItemBytes(kind);
    if (bytes === 0 || (kind === CLOCK_KIND) !== (col === 0) || (col === 0 && encoding.cached === null)) return null;
    // A value's bytes: after the tag (and a long64's upper half, always 0 for a 32-bit value).
    const value = at + (kind === 21 ? 5 : 1);
    if (col === 0) {
      plan[0] = at;
    } else if (col === 1) {
      plan[1] = value;
      plan[2] = kind;
    } else {
      const last = plan.length - 4;
      if (last > 2 && plan[last] === kind && plan[last + 3] === col) plan[last + 3]++;
      else plan.push(kind, value, col, col + 1);
    }
    at += bytes;
  }
  plan.push(at);
  return plan;
}

/** A row's A-XDR bytes for writeWords into `t`: structure, then per column its tag (a date-time's length too) and zeros. */
function writeWordsTemplate(t: Uint8Array, columns: readonly number[], encoding: RowEncoding): void {
  t[0] = 2; // structure
  t[1] = columns.length;
  let at = 2;
  for (let k = 0; k < columns.length; k++) {
    const kind = encoding.kinds[columns[k]];
    t[at] = kind === CLOCK_KIND ? 9 : kind;
    if (kind === CLOCK_KIND) t[at + 1] = 12;
    at += wordItemBytes(kind);
  }
}

function profileBufferGet(kind: ProfileKind): AttributeDef["get"] {
  return (ctx) => {
    const buffer = kind.buffer(ctx.object.target);
    const n = buffer.entriesInUse();
    const width = buffer.columns.length;
    let first = 0;
    let last = n - 1;
    let fromMs = NaN;
    let toMs = NaN;
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
      const time = modelTime(ctx.model).clock;
      fromMs = dateTimeBytesToUtc(from.bytes, time);
      toMs = dateTimeBytesToUtc(to.bytes, time);
      if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return RESULT.otherReason;
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
    return new ProfileRowsSource(buffer, first, rows, columns, new RowEncoding(buffer, ctx), fromMs, toMs);
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

function zeroParameter(run: (target: unknown, ctx: RequestContext) => void): MethodDef {
  return {
    invoke: (p, ctx) => {
      if (p && p.type !== DataType.integer) return RESULT.typeUnmatched;
      run(ctx.object.target, ctx);
      return RESULT.success;
    },
  };
}

function bufferOf(kind: ProfileKind, ctx: RequestContext): ProfileBuffer {
  return kind.buffer(ctx.object.target);
}

/**
 * IC 7 Profile generic: a class per kind of target (call at module level; the result is frozen).
 * Methods reset (1) and capture (2) exist when the kind has them.
 */
export function profileClass(name: string, group: AccessGroup, kind: ProfileKind): ObjectClass {
  // The class (made at module level) captures `kind`: frozen, as preloaded data must be.
  deepFreeze(kind);
  return defineClass({
    classId: 7,
    version: 1,
    name,
    group,
    attributes: [
      { get: profileBufferGet(kind), selectors: [1, 2] },
      {
        get: (ctx, w) => {
          const cols = bufferOf(kind, ctx).columns;
          w.array(cols.length);
          for (const col of cols) writeCaptureObject(w, col);
          return 0;
        },
      },
      { get: (ctx, w) => (w.doubleLongUnsigned(bufferOf(kind, ctx).capturePeriodS), 0) },
      { get: (_c, w) => (w.enumValue(1), 0) }, // sort_method: fifo
      {
        get: (_c, w) => {
          w.structure(4);
          w.longUnsigned(0);
          w.obis(new Uint8Array(6));
          w.integer(0);
          w.longUnsigned(0);
          return 0;
        },
      },
      { get: (ctx, w) => (w.doubleLongUnsigned(bufferOf(kind, ctx).entriesInUse()), 0) },
      { get: (ctx, w) => (w.doubleLongUnsigned(bufferOf(kind, ctx).capacity), 0) },
    ],
    methods: [kind.reset ? zeroParameter(kind.reset) : null, kind.capture ? zeroParameter(kind.capture) : null],
  });
}
