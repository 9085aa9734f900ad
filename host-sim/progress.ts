/**
 * Progress of a `--speed max` run on stderr: a bar (cli-progress) with the simulated date, the
 * percentage, simulated seconds per real second and the ETA when stderr is a terminal; one plain
 * line per 10 % otherwise (logs, CI).
 */
import { SingleBar } from "cli-progress";

export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
}

export interface Progress {
  /** `elapsedMs` simulated of `totalMs`; `simDate` the simulated wall clock (ms UTC). */
  update(elapsedMs: number, simDateMs: number): void;
  stop(): void;
}

function date(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

export function createProgress(stream: ProgressStream, totalMs: number, now: () => number = () => performance.now(), startDateMs?: number): Progress {
  const started = now();
  const rate = (elapsedMs: number) => {
    const seconds = (now() - started) / 1000;
    return seconds > 0 ? Math.round(elapsedMs / 1000 / seconds) : 0;
  };
  const percent = (elapsedMs: number) => (totalMs > 0 ? Math.floor((100 * elapsedMs) / totalMs) : 100);
  if (stream.isTTY) {
    const bar = new SingleBar({
      stream: stream as NodeJS.WritableStream,
      format: "{bar} {percentage}% | {simDate} | {rate} sim-s/s | ETA {eta_formatted}",
      hideCursor: true,
      clearOnComplete: false,
      gracefulExit: false,
      etaBuffer: 20,
    });
    bar.start(totalMs, 0, { simDate: "", rate: 0 });
    return {
      update: (elapsedMs, simDateMs) => bar.update(elapsedMs, { simDate: date(simDateMs), rate: rate(elapsedMs) }),
      stop: () => bar.stop(),
    };
  }
  let nextDecile = 10;
  if (startDateMs !== undefined) stream.write(`progress 0% ${date(startDateMs)} UTC, ${(totalMs / 3_600_000).toFixed(2)} h to simulate\n`);
  return {
    update(elapsedMs, simDateMs) {
      const p = percent(elapsedMs);
      if (p < nextDecile) return;
      nextDecile = Math.floor(p / 10) * 10 + 10;
      stream.write(`progress ${p}% ${date(simDateMs)} UTC, ${rate(elapsedMs)} simulated s per s\n`);
    },
    stop: () => undefined,
  };
}
