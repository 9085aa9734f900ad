/**
 * Issue 19: a long read (a DLMS answer) reads a flash profile through FlashProfile.openReader: one
 * flash read per record into the reader's own buffer, the CRC by words. Its rows must be exactly
 * readEntry's, damaged rows included (NaN), across sectors, and while rows are appended and the
 * oldest sectors retired between reads (the cursor must never follow a reused sector).
 */
import fc from "fast-check";
import { NorFlashEmulator } from "../../emulation/flash/emulator";
import type { CaptureColumn } from "../../firmware/kernel/profile";
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

  it("decodes any payload as the decoder before issue 19 did: malformed, overlong, truncated or not (property)", () => {
    // Payloads of varints of every length, floats, odd values and junk, written with a valid CRC.
    const varint = fc.array(fc.integer({ min: 0x80, max: 0xff }), { maxLength: 10 }).chain((more) => fc.integer({ min: 0, max: 0x7f }).map((last) => [...more, last]));
    const chunk = fc.oneof(varint, fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 9 }), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 8, maxLength: 8 }).map((f) => [1, ...f]));
    const payload = fc.array(chunk, { maxLength: 6 }).map((chunks) => chunks.flat().slice(0, 36));
    let decoded = 0;
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
        const reference = referenceDecode(Uint8Array.from(bytes), bytes.length, COLUMNS.length);
        if (reference) decoded++;
        const expected = reference ?? [NaN, NaN, NaN, NaN];
        for (const got of [viaReader(profile)[0], viaReadEntry(profile)[0]]) {
          for (let c = 0; c < 4; c++) expect([c, got[c]]).toEqual([c, expected[c]]);
          for (let c = 0; c < 4; c++) expect(Object.is(got[c], expected[c])).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
    // Not only refusals: well-formed rows too.
    expect(decoded).toBeGreaterThan(20);
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

/** Offset of the record of profile row `seq` of owner `type` (a committed record's header). */
function findRecordOfRow(bytes: Uint8Array, type: number, seq: number): number {
  for (let at = 0; at + 13 < bytes.length; at += 4) {
    if (bytes[at] !== 0xa5 || (bytes[at + 1] | (bytes[at + 2] << 8)) !== type) continue;
    if ((bytes[at + 5] | (bytes[at + 6] << 8) | (bytes[at + 7] << 16) | (bytes[at + 8] << 24)) === seq) return at;
  }
  return -1;
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
