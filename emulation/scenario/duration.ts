/** Parses `90s`, `1h30m`, `2d`, `250ms` or a plain number of seconds into milliseconds. */
export function parseDuration(text: string | number, what = "duration"): number {
  if (typeof text === "number") {
    if (!Number.isFinite(text) || text < 0) throw new ScenarioError(`${what}: ${text} is not a non-negative number of seconds`);
    return Math.round(text * 1000);
  }
  const s = String(text).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/y;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const n = Number(m[1]);
    total += n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms" | "s" | "m" | "h" | "d"];
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== s.length) throw new ScenarioError(`${what}: "${s}" is not a duration (use e.g. 90s, 1h30m, 2d or seconds)`);
  return Math.round(total);
}

/** An error in a scenario file or command line: reported as one line, exit code 2. */
export class ScenarioError extends Error {}
