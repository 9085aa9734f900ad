/**
 * The fuzzer of the WRAPPER, applied to HDLC: valid frames of every kind (SNRM, I-frames with
 * AARQ/GET/SET/ACTION, RR, RNR, DISC, UI), mutated, truncated, joined and cut into random chunks,
 * fed to the optical port. Nothing throws, every byte the meter sends is a well-formed frame
 * with a good HCS/FCS (or the mode E identification), and no register or relay state moves.
 */
import fc from "fast-check";
import { decodeFrame, encodeFrame, HdlcFrameFields } from "../../../firmware/comms/hdlc/frame";
import { actionNormal, getNext, getNormal, setNormal, int } from "../../../host-sim/client/codec";
import { hex, meterSim } from "../dlms/helpers";
import { opticalRig } from "./rig";

const sim = meterSim(1);
const meterState = () => JSON.stringify([sim.meter.registers().map((r) => r.read()), sim.meter.disconnector.controlState, sim.meter.disconnector.outputState, sim.meter.disconnector.controlMode, sim.meter.clock.nowUtcMs(), sim.meter.clock.timeZone]);

function frame(control: number, info: ArrayLike<number> | null, client = 17, segmented = false): Uint8Array {
  const i = info ? Uint8Array.from(info) : null;
  const out = new Uint8Array((i?.length ?? 0) + 16);
  return out.slice(0, encodeFrame(out, { upper: 1, lower: 0, size: 1 }, { upper: client, lower: 0, size: 1 }, control, segmented, i, 0, i?.length ?? 0));
}
const llc = (apdu: ArrayLike<number>) => [0xe6, 0xe6, 0x00, ...Array.from(apdu)];
const AARQ = hex("60 36 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01 AC 0A 80 08 31 32 33 34 35 36 37 38 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D 00 40");

const CORPUS: Uint8Array[] = [
  frame(0x93, null),
  frame(0x93, hex("81 80 12 05 01 20 06 01 20 07 04 00 00 00 01 08 04 00 00 00 01")),
  frame(0x10, llc(AARQ)),
  frame(0x10, llc(AARQ).slice(0, 30), 17, true),
  frame(0x32, llc(getNormal(0xc1, 15, "0.0.40.0.0.255", 2))),
  frame(0x54, llc(getNext(0xc1, 1))),
  frame(0x76, llc(setNormal(0xc1, 8, "0.0.1.0.0.255", 3, int(16, 60)))),
  frame(0x98, llc(actionNormal(0xc1, 70, "0.0.96.3.10.255", 1, int(15, 0)))),
  frame(0x51, null),
  frame(0x55, null),
  frame(0x53, null),
  frame(0x13, hex("01 02 03")),
  frame(0x93, null, 16),
  Uint8Array.from(Buffer.from("/?!\r\n")),
  Uint8Array.from([6, 0x32, 0x35, 0x32, 13, 10]),
];

/** Every output byte belongs to a well-formed frame or the identification line. */
function checkOutput(out: Uint8Array[]): void {
  const all = Buffer.concat(out);
  const f = new HdlcFrameFields();
  let p = 0;
  while (p < all.length) {
    if (all[p] === 0x2f) {
      const end = all.indexOf("\r\n", p);
      expect(all.subarray(p, end + 2).toString("latin1")).toBe("/DLM5\\2LITE00000001\r\n");
      p = end + 2;
      continue;
    }
    expect(all[p]).toBe(0x7e);
    const len = ((all[p + 1] & 7) << 8) | all[p + 2];
    expect(decodeFrame(all, p + 1, p + 1 + len, f)).toBe(true);
    expect(all[p + 1 + len]).toBe(0x7e);
    expect(f.destination.size).toBe(1);
    p += len + 2;
  }
}

describe("HDLC fuzzing", () => {
  const initial = meterState();

  it("30,000 mutated, joined and chunked frames: no crash, well-formed answers only, no state change", () => {
    const r = opticalRig(sim);
    r.serial.peer = (bytes) => out.push(bytes.slice());
    let out: Uint8Array[] = [];
    const mutation = fc.record({
      picks: fc.array(fc.nat(CORPUS.length - 1), { minLength: 1, maxLength: 4 }),
      flips: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 }),
      cut: fc.option(fc.nat()),
      chunk: fc.integer({ min: 1, max: 64 }),
      noise: fc.option(fc.uint8Array({ maxLength: 12 })),
    });
    fc.assert(fc.property(mutation, (m) => {
      const parts = m.picks.map((i) => CORPUS[i]);
      if (m.noise) parts.push(m.noise);
      const stream = Uint8Array.from(Buffer.concat(parts));
      for (const [at, v] of m.flips) stream[at % stream.length] = v;
      const bytes = m.cut !== null ? stream.subarray(0, Math.max(1, m.cut % (stream.length + 1))) : stream;
      out = [];
      for (let p = 0; p < bytes.length; p += m.chunk) r.serial.deliver(bytes.subarray(p, p + m.chunk), null);
      checkOutput(out);
    }), { numRuns: 30_000, seed: 17 });
    expect(meterState()).toBe(initial);
    expect(r.port.link.stats.framesIn).toBeGreaterThan(10_000);
    expect(r.port.link.stats.discarded).toBeGreaterThan(1_000);
    // The port still serves a clean session.
    sim.runFor(200_000);
    expect(r.port.phase).toBe("idle");
  });
});
