/**
 * Issue 19: a long read (a DLMS answer) reads a flash profile through FlashProfile.openReader: one
 * flash read per record into the reader's own buffer, the CRC by words. Its rows must be exactly
 * readEntry's, damaged rows included (NaN), across sectors, and while rows are appended and the
 * oldest sectors retired between reads (the cursor must never follow a reused sector).
 */
import fc from "fast-check";
import { NorFlashEmulator } from "../../emulation/flash/emulator";
import type { CaptureColumn, ProfileRowReader } from "../../firmware/kernel/profile";
import { FlashJournal } from "../../firmware/storage/journal";
import { FlashProfile } from "../../firmware/storage/flash-profile";

const COLUMNS: readonly CaptureColumn[] = [
  { classId: 8, obis: "0.0.1.0.0.255", attribute: 2, dataIndex: 0 },
  { classId: 1, obis: "0.0.96.10.1.255", attribute: 2, dataIndex: 0 },
  { classId: 3, obis: "1.0.1.8.0.255", attribute: 2, dataIndex: 0 },
  { classId: 3, obis: "1.0.2.8.0.255", attribute: 2, dataIndex: 0 },
];

function setup(capacity = 40): { flash: NorFlashEmulator; profile: FlashProfile } {
  const flash = new NorFlashEmulator(256, 16);
  const journal = new FlashJournal(flash);
  journal.mount();
  return { flash, profile: new FlashProfile(journal, 7, "1.0.99.1.0.255", COLUMNS, 900, capacity) };
}

/** A row of every kind of value the encoding has: large times, negatives, fractions, -0, NaN. */
function rowOf(i: number): number[] {
  const odd = [0.5, -3, -0, NaN, 2 ** 52, -(2 ** 40), Infinity, 123456789012];
  return [1_780_000_000_000 + i * 900_000, i % 3 === 0 ? 8 : 0, 1_000_000 + i * 137, odd[i % odd.length]];
}

/** Every row in use, read by `source.readEntry` (the profile itself, or a reader it opened). */
function rowsBy(source: { entriesInUse(): number; readEntry(i: number, row: Float64Array): unknown }): number[][] {
  const out: number[][] = [];
  const row = new Float64Array(COLUMNS.length);
  for (let i = 0; i < source.entriesInUse(); i++) {
    source.readEntry(i, row);
    out.push(Array.from(row));
  }
  return out;
}

const viaReadEntry = (p: FlashProfile): number[][] => rowsBy(p);
const viaReader = (p: FlashProfile): number[][] => rowsBy(p.openReader());

/** A row as rowWords gives it: from the reader's words (and whether it was), or from `out`. */
function rowByWords(reader: ProfileRowReader, index: number, out: Float64Array): { row: number[]; words: boolean } {
  const w = reader.rowWords!(index, out);
  if (w < 0) return { row: Array.from(out), words: false };
  const words = reader.words!;
  const row = [((words[w] >>> 8) & 0x3ff) * 2 ** 32 + (words[w + 1] >>> 0), words[w] >>> 18];
  for (let c = 2; c < out.length; c++) row.push(words[w + c] >>> 0);
  return { row, words: true };
}

/** Every row in use by rowWords, in order (as a DLMS read takes them). */
function viaWords(p: FlashProfile): { rows: number[][]; words: number; which: number[] } {
  const reader = p.openReader();
  const out = new Float64Array(COLUMNS.length);
  const rows: number[][] = [];
  const which: number[] = [];
  for (let i = 0; i < reader.entriesInUse(); i++) {
    const r = rowByWords(reader, i, out);
    rows.push(r.row);
    if (r.words) which.push(i);
  }
  return { rows, words: which.length, which };
}

/** Rows of the fixed layout: integer times, statuses and counters (what a load profile holds). */
function plainRow(i: number): number[] {
  return [1_780_000_000_000 + i * 900_000, i % 3 === 0 ? 8 : 0, 1_000_000 + i * 137, 4_000_000_000 + i];
}

describe("FlashProfile's reader (one long read)", () => {
  it("reads exactly the rows readEntry reads, every kind of value, over several sectors", () => {
    const { profile } = setup();
    for (let i = 0; i < 30; i++) profile.append(rowOf(i));
    expect(profile.sectorCount).toBeGreaterThan(3);
    const rows = viaReader(profile);
    expect(rows).toEqual(viaReadEntry(profile));
    expect(rows[4]).toEqual(rowOf(4));
    expect(Object.is(rows[2][3], -0)).toBe(Object.is(viaReadEntry(profile)[2][3], -0));
  });

  it("a damaged record reads as a row of NaN through the reader as through readEntry, its neighbours intact", () => {
    const { flash, profile } = setup();
    for (let i = 0; i < 12; i++) profile.append(rowOf(i));
    const before = viaReader(profile);
    // The record of row 5: its sequence number in the header, a payload byte flipped.
    const at = findRecordOfRow(flash.bytes, 7, 5);
    expect(at).toBeGreaterThan(0);
    flash.flipBit(at + 13 + 2, 4);
    const rows = viaReader(profile);
    expect(rows).toEqual(viaReadEntry(profile));
    expect(rows[5].every((v) => Number.isNaN(v))).toBe(true);
    expect(rows.filter((_, i) => i !== 5)).toEqual(before.filter((_, i) => i !== 5));
  });

  it("a damage made after the reader read a row is seen when that row is read again", () => {
    const { flash, profile } = setup();
    for (let i = 0; i < 8; i++) profile.append(rowOf(i));
    const reader = profile.openReader();
    const row = new Float64Array(COLUMNS.length);
    reader.readEntry(3, row);
    expect(Array.from(row)).toEqual(rowOf(3));
    flash.flipBit(findRecordOfRow(flash.bytes, 7, 3) + 13, 0);
    reader.readEntry(3, row);
    expect(Number.isNaN(row[0])).toBe(true);
  });

  it("reads back every value exactly as appended: integers of every varint length, signs, fractions, -0, NaN (property)", () => {
    const value = fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
      fc.bigInt({ min: -(2n ** 51n) + 1n, max: 2n ** 51n - 1n }).map(Number),
      fc.double(),
      fc.constantFrom(-0, NaN, Infinity, 2 ** 51, -(2 ** 51), 2 ** 53, 1, -1, 0),
    );
    fc.assert(
      fc.property(fc.array(fc.array(value, { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 12 }), (rows) => {
        const { profile } = setup();
        for (const r of rows) profile.append(r);
        const back = viaReader(profile);
        const plain = viaReadEntry(profile);
        rows.forEach((r, i) => {
          for (let c = 0; c < 4; c++) {
            expect(Object.is(back[i][c], r[c])).toBe(true);
            expect(Object.is(plain[i][c], r[c])).toBe(true);
          }
        });
      }),
      { numRuns: 150 },
    );
  });

  it("decodes any payload as the decoder before issue 19 did, or as a fixed-layout row: malformed, overlong, truncated or not (property)", () => {
    // Payloads of varints of every length, floats, odd values and junk, written with a valid CRC;
    // and payloads that begin with the fixed layout's tag (3), of its length (16 bytes for 4
    // columns) or not.
    const varint = fc.array(fc.integer({ min: 0x80, max: 0xff }), { maxLength: 10 }).chain((more) => fc.integer({ min: 0, max: 0x7f }).map((last) => [...more, last]));
    const chunk = fc.oneof(varint, fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 9 }), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 8, maxLength: 8 }).map((f) => [1, ...f]));
    const tagged = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 12, maxLength: 18 }).map((rest) => [3, ...rest]);
    const payload = fc.oneof(fc.array(chunk, { maxLength: 6 }).map((chunks) => chunks.flat().slice(0, 36)), tagged);
    let decoded = 0;
    let fixed = 0;
    fc.assert(
      fc.property(payload, (bytes) => {
        const { profile } = setup();
        const raw = profile as unknown as { encode(row: ArrayLike<number>): number; payload: Uint8Array };
        const encode = raw.encode;
        raw.encode = () => (raw.payload.set(bytes), bytes.length);
        profile.append([0, 0, 0, 0]);
        raw.encode = encode;
        // A newer row, so that row 0 is read from flash (the newest is kept in RAM).
        profile.append([1, 1, 1, 1]);
        // A varint row never begins with 3 (its first byte is even, or 1 before a float64).
        const reference = bytes.length === 16 && bytes[0] === 3 ? fixedDecode(Uint8Array.from(bytes)) : referenceDecode(Uint8Array.from(bytes), bytes.length, COLUMNS.length);
        if (reference) decoded++;
        if (bytes.length === 16 && bytes[0] === 3) fixed++;
        const expected = reference ?? [NaN, NaN, NaN, NaN];
        for (const got of [viaReader(profile)[0], viaReadEntry(profile)[0]]) {
          for (let c = 0; c < 4; c++) expect([c, got[c]]).toEqual([c, expected[c]]);
          for (let c = 0; c < 4; c++) expect(Object.is(got[c], expected[c])).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
    // Not only refusals: well-formed rows too, fixed-layout ones among them.
    expect(decoded).toBeGreaterThan(20);
    expect(fixed).toBeGreaterThan(20);
  });

  it("follows appends and retired sectors between its reads, in any order of reads (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat(60)), { minLength: 1, maxLength: 80 }), (steps) => {
        const { profile } = setup(20);
        let appended = 0;
        const reader = profile.openReader();
        const a = new Float64Array(COLUMNS.length);
        const b = new Float64Array(COLUMNS.length);
        for (const s of steps) {
          if (s < 0 || profile.entriesInUse() === 0) {
            profile.append(rowOf(appended++));
            continue;
          }
          const i = s % profile.entriesInUse();
          reader.readEntry(i, a);
          profile.readEntry(i, b);
          expect(Array.from(a)).toEqual(Array.from(b));
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("FlashProfile's fixed row layout (issue 19: rows a long read takes word by word)", () => {
  it("stores rows that fit it in 4 x width bytes: tag 3, the time's upper bits and the status in word 0, the time's lower 32 bits, a word per column", () => {
    const { flash, profile } = setup();
    profile.append([0x3_3456_789a, 0x2abc, 1_000_137, 0xffff_ffff]);
    profile.append(plainRow(1));
    const at = findRecordOfRow(flash.bytes, 7, 0);
    expect(flash.bytes[at + 3] | (flash.bytes[at + 4] << 8)).toBe(16);
    // Word 0: 3 | 3 << 8 | 0x2abc << 18 = 0xaaf00303.
    expect(Array.from(flash.bytes.subarray(at + 13, at + 29))).toEqual([3, 0x03, 0xf0, 0xaa, 0x9a, 0x78, 0x56, 0x34, 0xc9, 0x42, 0x0f, 0x00, 0xff, 0xff, 0xff, 0xff]);
    expect(viaReadEntry(profile)[0]).toEqual([0x3_3456_789a, 0x2abc, 1_000_137, 0xffff_ffff]);
    expect(viaReader(profile)[0]).toEqual([0x3_3456_789a, 0x2abc, 1_000_137, 0xffff_ffff]);
  });

  it("keeps the varint encoding for rows the layout cannot hold: a time from 2109 (2^42 ms), a status of 2^14, a value of 2^32", () => {
    const { flash, profile } = setup();
    const rows = [[2 ** 42, 0, 1, 2], [2 ** 42 - 1, 0x3fff, 1, 2], [1_780_000_000_000, 0x4000, 1, 2], [1_780_000_000_000, 0, 2 ** 32, 2], [0, 0, 0, 0]];
    for (const r of rows) profile.append(r);
    expect(rows.map((_, i) => flash.bytes[findRecordOfRow(flash.bytes, 7, i) + 13] === 3)).toEqual([false, true, false, false, true]);
    expect(viaReadEntry(profile)).toEqual(rows);
    expect(viaWords(profile).rows).toEqual(rows);
  });

  it("rowWords gives every row readEntry gives, from words where the row is stored fixed, over several sectors", () => {
    const { profile } = setup();
    for (let i = 0; i < 30; i++) profile.append(i % 5 === 2 ? rowOf(i) : plainRow(i));
    expect(profile.sectorCount).toBeGreaterThan(3);
    const { rows, words } = viaWords(profile);
    expect(rows).toEqual(viaReadEntry(profile));
    expect(rows[4]).toEqual(plainRow(4));
    expect(rows[7]).toEqual(viaReadEntry(profile)[7]);
    // The rows of other values (every fifth) come through `out`; the newest is read from flash
    // like the others when the reader gets to it from the row before it.
    expect(words).toBe(30 - 6);
  });

  it("a damaged fixed row is never given as words: rowWords reads it as a row of NaN, the rows after it from words again", () => {
    const { flash, profile } = setup();
    for (let i = 0; i < 12; i++) profile.append(plainRow(i));
    // A payload bit, the tag, the sequence number, the last payload byte.
    for (const [offset, bit] of [[13 + 10, 3], [13 + 0, 1], [6, 0], [13 + 15, 7]]) {
      const { flash: f2, profile: p2 } = setup();
      for (let i = 0; i < 12; i++) p2.append(plainRow(i));
      f2.flipBit(findRecordOfRow(f2.bytes, 7, 5) + offset, bit);
      const reader = p2.openReader();
      const out = new Float64Array(COLUMNS.length);
      const got = [];
      for (let i = 0; i < 12; i++) got.push(rowByWords(reader, i, out));
      expect(got[5].words).toBe(false);
      expect(got[5].row.every((v) => Number.isNaN(v))).toBe(true);
      expect(got[4]).toEqual({ row: plainRow(4), words: true });
      expect(got[7]).toEqual({ row: plainRow(7), words: true });
      expect(got.filter((_, i) => i !== 5).map((r) => r.row)).toEqual(viaReadEntry(p2).filter((_, i) => i !== 5));
    }
    expect(flash.bytes.length).toBeGreaterThan(0);
  });

  it("a damage made after rowWords read a row is seen when that row is read again", () => {
    const { flash, profile } = setup();
    for (let i = 0; i < 8; i++) profile.append(plainRow(i));
    const reader = profile.openReader();
    const out = new Float64Array(COLUMNS.length);
    expect(rowByWords(reader, 2, out)).toEqual({ row: plainRow(2), words: true });
    expect(rowByWords(reader, 3, out)).toEqual({ row: plainRow(3), words: true });
    flash.flipBit(findRecordOfRow(flash.bytes, 7, 4) + 13 + 4, 0);
    expect(rowByWords(reader, 4, out).row.every((v) => Number.isNaN(v))).toBe(true);
    flash.flipBit(findRecordOfRow(flash.bytes, 7, 3) + 13 + 8, 2);
    expect(rowByWords(reader, 3, out).row.every((v) => Number.isNaN(v))).toBe(true);
  });

  it("rowWords follows appends, retired sectors and a clear between its reads, in any order of reads (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.constant(-2), fc.nat(60), fc.nat(60)), { minLength: 1, maxLength: 120 }), (steps) => {
        const { profile } = setup(20);
        let appended = 0;
        const reader = profile.openReader();
        const out = new Float64Array(COLUMNS.length);
        const b = new Float64Array(COLUMNS.length);
        let last = -1;
        for (const s of steps) {
          if (s === -2) {
            if (appended % 7 === 6) profile.clear();
            else profile.append(rowOf(appended++));
            continue;
          }
          if (s < 0 || profile.entriesInUse() === 0) {
            profile.append(plainRow(appended++));
            continue;
          }
          // Mostly the next row (the cursor's fast path), sometimes anywhere.
          const i = s % 3 !== 0 && last + 1 < profile.entriesInUse() ? last + 1 : s % profile.entriesInUse();
          const got = rowByWords(reader, i, out);
          profile.readEntry(i, b);
          expect(got.row).toEqual(Array.from(b));
          last = i;
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("FlashProfile after a power-up", () => {
  it("reads every row after a remount (the cursor starts on the newest record), a damaged newest row as NaN", () => {
    const { flash, profile } = setup();
    for (let i = 0; i < 23; i++) profile.append(i % 4 === 1 ? rowOf(i) : plainRow(i));
    const before = viaReadEntry(profile);
    const remount = (): FlashProfile => {
      const journal = new FlashJournal(flash);
      journal.mount();
      return new FlashProfile(journal, 7, "1.0.99.1.0.255", COLUMNS, 900, 40);
    };
    const again = remount();
    const row = new Float64Array(COLUMNS.length);
    again.readEntry(22, row);
    expect(Array.from(row)).toEqual(before[22]);
    expect(viaReadEntry(remount())).toEqual(before);
    expect(viaWords(remount()).rows).toEqual(before);
    flash.flipBit(findRecordOfRow(flash.bytes, 7, 22) + 13 + 9, 1);
    const damaged = remount();
    damaged.readEntry(22, row);
    expect(Array.from(row).every((v) => Number.isNaN(v))).toBe(true);
    damaged.readEntry(21, row);
    expect(Array.from(row)).toEqual(before[21]);
  });
});

describe("profile rows written before the fixed layout (a meter updated in the field)", () => {
  it("rows of the varint encoding read back exactly through readEntry, the reader and rowWords, and new rows follow them in the same sector", () => {
    const flash = new NorFlashEmulator(256, 16);
    let journal = new FlashJournal(flash);
    journal.mount();
    const old = new FlashProfile(journal, 7, "1.0.99.1.0.255", COLUMNS, 900, 40);
    // The firmware before: every row in the varint encoding (its encoder, kept in this test).
    const raw = old as unknown as { encode(row: ArrayLike<number>): number; payload: Uint8Array };
    raw.encode = (row) => encodeVarintRow(row, raw.payload);
    const rows: number[][] = [];
    for (let i = 0; i < 9; i++) rows.push(i % 4 === 3 ? rowOf(i) : plainRow(i));
    for (const r of rows) old.append(r);
    const at = findRecordOfRow(flash.bytes, 7, 0);
    expect(flash.bytes[at + 13] % 2 === 0 || flash.bytes[at + 13] === 1).toBe(true);
    // The update: the new firmware mounts the same flash and appends after the old rows.
    journal = new FlashJournal(flash);
    journal.mount();
    const profile = new FlashProfile(journal, 7, "1.0.99.1.0.255", COLUMNS, 900, 40);
    expect(profile.entriesInUse()).toBe(9);
    for (let i = 9; i < 14; i++) {
      rows.push(plainRow(i));
      profile.append(plainRow(i));
    }
    const newAt = findRecordOfRow(flash.bytes, 7, 9);
    expect(flash.bytes[newAt + 13]).toBe(3);
    expect(Math.floor(newAt / 256)).toBe(Math.floor(findRecordOfRow(flash.bytes, 7, 8) / 256));
    const expected = rows.map((r) => r.map((v) => v));
    const same = (got: number[][]): void => {
      expect(got.length).toBe(expected.length);
      got.forEach((r, i) => r.forEach((v, c) => expect([i, c, Object.is(v, expected[i][c]) || v]).toEqual([i, c, true])));
    };
    same(viaReadEntry(profile));
    same(viaReader(profile));
    const words = viaWords(profile);
    same(words.rows);
    // The old rows come through `out`, the new ones as words; but the newest: it lies within the
    // last 52 bytes of its sector (a whole-buffer read there would run past the sector), so the
    // reader looks it up (readWith), and the newest is served from RAM.
    expect(findRecordOfRow(flash.bytes, 7, 13) % 256).toBeGreaterThan(256 - 52);
    expect(words.which).toEqual([9, 10, 11, 12]);
    // And after a power cycle, all from flash.
    const again = new FlashJournal(flash);
    again.mount();
    const remounted = new FlashProfile(again, 7, "1.0.99.1.0.255", COLUMNS, 900, 40);
    same(viaReadEntry(remounted));
    same(viaWords(remounted).rows);
  });

  it("the varint encoder never wrote a payload that begins with the fixed layout's tag (property)", () => {
    const value = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-0, NaN, 2 ** 51, -(2 ** 51)), fc.bigInt({ min: -(2n ** 51n), max: 2n ** 51n }).map(Number));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), (row) => {
        const p = new Uint8Array(64);
        encodeVarintRow(row, p);
        expect(p[0] === 3).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

/** FlashProfile's row encoder before the fixed layout (e036d25): per column a varint, or 0x01 and a float64. */
function encodeVarintRow(row: ArrayLike<number>, p: Uint8Array): number {
  const f64 = new DataView(new ArrayBuffer(8));
  let n = 0;
  for (let c = 0; c < row.length; c++) {
    const v = row[c] ?? 0;
    if (Number.isInteger(v) && Math.abs(v) < 2 ** 51 && !Object.is(v, -0)) {
      let z = (v >= 0 ? v * 2 : -v * 2 - 1) * 2;
      while (z >= 0x80) {
        p[n++] = (z % 0x80) | 0x80;
        z = Math.floor(z / 0x80);
      }
      p[n++] = z;
    } else {
      p[n++] = 1;
      f64.setFloat64(0, v, true);
      for (let i = 0; i < 8; i++) p[n++] = f64.getUint8(i);
    }
  }
  return n;
}

/** Offset of the record of profile row `seq` of owner `type` (a committed record's header). */
function findRecordOfRow(bytes: Uint8Array, type: number, seq: number): number {
  for (let at = 0; at + 13 < bytes.length; at += 4) {
    if (bytes[at] !== 0xa5 || (bytes[at + 1] | (bytes[at + 2] << 8)) !== type) continue;
    if ((bytes[at + 5] | (bytes[at + 6] << 8) | (bytes[at + 7] << 16) | (bytes[at + 8] << 24)) === seq) return at;
  }
  return -1;
}

/** The fixed layout of 4 columns read with a DataView: column 0 from word 0's bits 8..17 and word 1, column 1 from word 0's bits 18..31, then a word each. */
function fixedDecode(p: Uint8Array): number[] {
  const v = new DataView(p.buffer, p.byteOffset, p.length);
  const w0 = v.getUint32(0, true);
  return [Math.floor(w0 / 256) % 1024 * 2 ** 32 + v.getUint32(4, true), Math.floor(w0 / 2 ** 18), v.getUint32(8, true), v.getUint32(12, true)];
}

/** FlashProfile's decoder as it was before issue 19 (2f04c36), for the property above. */
function referenceDecode(p: Uint8Array, length: number, width: number): number[] | null {
  const f64 = new DataView(new ArrayBuffer(8));
  const out: number[] = [];
  let n = 0;
  for (let c = 0; c < width; c++) {
    if (n >= length) return null;
    let b = p[n++];
    let z = b & 0x7f;
    if (b >= 0x80) {
      b = p[n++];
      z |= (b & 0x7f) << 7;
      if (b >= 0x80) {
        b = p[n++];
        z |= (b & 0x7f) << 14;
        if (b >= 0x80) {
          b = p[n++];
          z |= (b & 0x7f) << 21;
          if (b >= 0x80) {
            let scale = 0x10000000;
            do {
              if (n >= length || scale > 2 ** 56) return null;
              b = p[n++];
              z += (b & 0x7f) * scale;
              scale *= 0x80;
            } while (b >= 0x80);
          }
        }
      }
    }
    if (n > length) return null;
    if (z === 1) {
      if (n + 8 > length) return null;
      for (let i = 0; i < 8; i++) f64.setUint8(i, p[n++]);
      out.push(f64.getFloat64(0, true));
    } else {
      if (z % 2 !== 0) return null;
      out.push(z % 4 === 0 ? z / 4 : -(z + 2) / 4);
    }
  }
  return n === length ? out : null;
}
