/**
 * Issue 19: a load-profile read writes rows stored in the flash profile's fixed layout from their
 * words through a per-read template (ProfileRowsSource.writeWords). Its answers must be exactly
 * those of the row-by-row path (rows read into numbers and written by each column's writer), for
 * any rows: across local midnights and DST switches (the template's date, deviation and status),
 * rows of the varint layout and damaged rows among them, statuses a column's type cannot hold,
 * any entry selection, and blocks of any size.
 */
import fc from "fast-check";
import type { Data } from "../../../host-sim/client/codec";
import { int, struct } from "../../../host-sim/client/codec";
import type { Simulation } from "../../../host-sim/simulation";
import type { ProfileBuffer, ProfileRowReader } from "../../../firmware/kernel/profile";
import { fakeClient, makeServer, meterSim } from "./helpers";

const HOUR = 3_600_000;
/** 2026's EU switches (UTC): summer time from 29 March 01:00, winter time from 25 October 01:00. */
const SPRING = Date.UTC(2026, 2, 29, 1);
const AUTUMN = Date.UTC(2026, 9, 25, 1);

/** Replaces the load profile's rows. */
function loadRows(sim: Simulation, rows: number[][]): void {
  const buffer = sim.meter.profiles.load.buffer;
  buffer.clear();
  for (const r of rows) buffer.append(r);
}

/** Rows the reads so far took from stored words (rowWords gave a word index). */
let rowsFromWords = 0;

/** The load profile's attribute 2 as the client decodes it (entry selection when `entries` is given), or the error. */
async function read(sim: Simulation, pdu: number, entries?: [number, number, number, number]): Promise<Data | string> {
  const buffer = sim.meter.profiles.load.buffer as ProfileBuffer & { openReader(): ProfileRowReader };
  const open = buffer.openReader;
  if (!buffer.openReader.name.startsWith("counting")) {
    buffer.openReader = function countingOpen() {
      const r = open.call(buffer);
      const rowWords = r.rowWords!.bind(r);
      r.rowWords = (i: number, out: Float64Array) => {
        const w = rowWords(i, out);
        if (w >= 0) rowsFromWords++;
        return w;
      };
      return r;
    };
  }
  const { client } = fakeClient(makeServer(sim), 17, "12345678", pdu);
  await client.associate();
  const options = entries ? { selector: 2, parameters: struct(int(6, entries[0]), int(6, entries[1]), int(18, entries[2]), int(18, entries[3])) } : undefined;
  try {
    return await client.get(7, "1.0.99.1.0.255", 2, options);
  } catch (e) {
    return (e as Error).message;
  }
}

/** The same read with the buffer's reader stripped of rowWords: every row read into numbers (the reference path). */
async function readByRows(sim: Simulation, pdu: number, entries?: [number, number, number, number]): Promise<Data | string> {
  const buffer = sim.meter.profiles.load.buffer as ProfileBuffer & { openReader(): ProfileRowReader };
  const open = buffer.openReader;
  buffer.openReader = function countingNot() {
    const r = open.call(buffer);
    return { entriesInUse: () => r.entriesInUse(), readEntry: (i: number, out: Float64Array) => r.readEntry(i, out) };
  };
  try {
    return await read(sim, pdu, entries);
  } finally {
    buffer.openReader = open;
  }
}

/** Row k of a run: 15-minute rows from `start`, a status and four energies (counters of any 32-bit size). */
function row(start: number, k: number, status: number, energy: number): number[] {
  return [start + k * 900_000, status, energy, energy * 3 + 7, 4_294_967_295 - k, 2 ** 31 + k];
}

describe("load-profile rows written from their stored words (issue 19)", () => {
  it("a day across the spring switch, a local midnight and the autumn switch: the same bytes as row by row", async () => {
    const sim = meterSim(0);
    const rows: number[][] = [];
    for (let k = 0; k < 40; k++) rows.push(row(SPRING - 5 * HOUR, k, k % 3 === 0 ? 8 : 0, 1000 + k));
    for (let k = 0; k < 40; k++) rows.push(row(AUTUMN - 5 * HOUR, k, k % 4 === 0 ? 0x20 : 0, 5000 + k));
    loadRows(sim, rows);
    rowsFromWords = 0;
    const words = await read(sim, 1024);
    expect(rowsFromWords).toBeGreaterThan(75);
    expect(typeof words).not.toBe("string");
    expect(words).toEqual(await readByRows(sim, 1024));
    // Not vacuous: 80 rows, and a row's values as stored.
    const items = (words as { items: Data[] }).items;
    expect(items.length).toBe(80);
    expect((items[41] as { items: Data[] }).items.slice(1)).toEqual([int(17, 0), int(21, 5001), int(21, 15010), int(21, 4_294_967_294), int(21, 2 ** 31 + 1)]);
  });

  it("any rows (fixed and varint layouts, milliseconds, damage), any entry selection and block size: the same answer as row by row (property)", async () => {
    const stored = fc.record({
      start: fc.constantFrom(SPRING - 3 * HOUR, AUTUMN - 2 * HOUR, Date.UTC(2026, 5, 30, 22), Date.UTC(2027, 0, 1, 0)),
      ms: fc.constantFrom(0, 0, 0, 123, 999),
      kinds: fc.array(fc.oneof({ arbitrary: fc.constant("fixed"), weight: 30 }, fc.constantFrom("fraction", "big", "status>255")), { minLength: 1, maxLength: 30 }),
      damage: fc.option(fc.nat(29), { nil: undefined, freq: 4 }),
    });
    const selection = fc.option(fc.tuple(fc.nat(32), fc.nat(32), fc.nat(7), fc.nat(7)), { nil: undefined, freq: 2 });
    let answers = 0;
    rowsFromWords = 0;
    await fc.assert(
      fc.asyncProperty(stored, selection, fc.constantFrom(64, 128, 300, 1024), async (s, sel, pdu) => {
        const sim = meterSim(0);
        const rows = s.kinds.map((kind, k) => {
          const r = row(s.start + s.ms, k, k % 5, 70_000 + k * 1_111);
          if (kind === "fraction") r[2] += 0.5;
          if (kind === "big") r[3] = 2 ** 40 + k;
          if (kind === "status>255") r[1] = 300;
          return r;
        });
        loadRows(sim, rows);
        if (s.damage !== undefined && s.damage < rows.length - 1) damageRow(sim, s.damage);
        const entries = sel ? ([sel[0], sel[1], sel[2], sel[3]] as [number, number, number, number]) : undefined;
        const got = await read(sim, pdu, entries);
        expect(got).toEqual(await readByRows(sim, pdu, entries));
        if (typeof got !== "string") answers++;
      }),
      { numRuns: 120 },
    );
    // Not only refusals (a damaged row, a status of 300: the writers refuse them on either path).
    expect(answers).toBeGreaterThan(30);
    expect(rowsFromWords).toBeGreaterThan(150);
  });
});

/** Flips a bit in the payload of the load profile's row `index` in flash. */
function damageRow(sim: Simulation, index: number): void {
  const buffer = sim.meter.profiles.load.buffer as unknown as { journal: { flash: { read(o: number, b: Uint8Array): void; write(o: number, b: Uint8Array): void; sectorSize: number; sectorCount: number } }; owner: number; rowsAppended(): number; entriesInUse(): number };
  const flash = buffer.journal.flash;
  const seq = buffer.rowsAppended() - buffer.entriesInUse() + index;
  const all = new Uint8Array(flash.sectorSize * flash.sectorCount);
  flash.read(0, all);
  for (let at = 0; at + 16 < all.length; at += 4) {
    if (all[at] !== 0xa5 || (all[at + 1] | (all[at + 2] << 8)) !== buffer.owner) continue;
    if ((all[at + 5] | (all[at + 6] << 8) | (all[at + 7] << 16) | (all[at + 8] << 24)) !== seq) continue;
    // Clearing a bit is what a NOR flash write can do: a 1 of the payload's second word to 0.
    const b = all[at + 17];
    const bit = b & -b;
    if (bit === 0) continue;
    flash.write(at + 17, Uint8Array.of(b & ~bit));
    return;
  }
}
