/**
 * Optical port figures for `npm run bench`: XS computrons per HDLC frame (RR poll in and out;
 * a reply segment with its FCS), per GET of a register over HDLC, and the one-day load profile
 * over HDLC: computrons and the time on the line at 9600 baud 8N1 (10 bits a byte, both ways,
 * from the bytes the meter sent and received; turnaround times not included).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SCENARIO } from "../cli";
import { bundleForXs } from "../xs/bundle";
import { XsWorker } from "../xs/worker";

interface Transfer { computrons: number; frames: number; bytesIn: number; bytesOut: number; first: number; reply: number[] }

export async function bench(): Promise<string[]> {
  const lines: string[] = [];
  const scenario = readFileSync(DEFAULT_SCENARIO, "utf8");
  for (const maxInfo of [128, 512]) {
    const worker = new XsWorker();
    try {
      await worker.evaluate(bundleForXs(join(__dirname, "hdlc-xs", "entry.ts")));
      await worker.call(`(hdlcBench.boot(${JSON.stringify(scenario)}, 96, ${maxInfo}), null)`);
      const rr = (await worker.call<number>("hdlcBench.rrPoll(200)")).value;
      const get = (await worker.call<{ mean: number; max: number; reply: number[] }>("hdlcBench.registerGet(200)")).value;
      if (get.reply[11] !== 0xc4 || get.reply[14] !== 0) throw new Error(`unexpected GET reply ${get.reply.join(" ")}`);
      const p = (await worker.call<Transfer>("hdlcBench.profile()")).value;
      const seconds = ((p.bytesIn + p.bytesOut) * 10) / 9600;
      if (maxInfo === 128) {
        lines.push(`XS computrons per HDLC frame, link only (RR poll in, RR out, HCS/FCS checked and computed): ${rr.toFixed(0)}`);
        lines.push(`XS computrons per GET of a register value over HDLC (I-frame in to I-frame out, 1.0.1.8.0.255 attr 2): mean ${get.mean.toFixed(0)}, max ${get.max}`);
      }
      const perSegment = (p.computrons - p.first) / Math.max(1, p.frames - 1);
      lines.push(`one-day load profile over HDLC, information field ${maxInfo}: ${p.frames} frames, ${p.bytesOut} bytes out + ${p.bytesIn} in = ${(seconds).toFixed(2)} s on the line at 9600 baud 8N1; ${p.computrons} computrons (${perSegment.toFixed(0)} per ${maxInfo}-byte segment after the first)`);
    } finally {
      worker.close();
    }
  }
  return lines;
}
