/** A profile column drawn in the terminal (asciichart) or as an SVG picture. */
import { plot } from "asciichart";

export interface Series {
  title: string;
  unit: string;
  times: string[];
  values: number[];
}

/** Per-interval increments of a cumulative register column (energy per period). */
export function increments(values: number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < values.length; i++) out.push(values[i] - values[i - 1]);
  return out;
}

/** Fits at most `width` points by averaging neighbours. */
function fit(values: number[], width: number): number[] {
  if (values.length <= width) return values;
  const out: number[] = [];
  const per = values.length / width;
  for (let i = 0; i < width; i++) {
    const slice = values.slice(Math.floor(i * per), Math.floor((i + 1) * per));
    out.push(slice.reduce((a, b) => a + b, 0) / slice.length);
  }
  return out;
}

export function terminalPlot(s: Series, width = 72, height = 12): string {
  if (s.values.length === 0) return `${s.title}: no rows to plot`;
  const chart = plot(fit(s.values, width), { height, format: (x: number) => x.toFixed(1).padStart(10) });
  return `${s.title} (${s.unit}) from ${s.times[0]} to ${s.times[s.times.length - 1]}\n${chart}`;
}

const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A line chart as a standalone SVG document. */
export function svgPlot(s: Series, width = 800, height = 300): string {
  const left = 70;
  const bottom = 40;
  const top = 30;
  const w = width - left - 20;
  const h = height - top - bottom;
  const min = Math.min(0, ...s.values);
  const max = Math.max(min + 1e-9, ...s.values);
  const x = (i: number) => left + (s.values.length > 1 ? (i * w) / (s.values.length - 1) : 0);
  const y = (v: number) => top + h - ((v - min) / (max - min)) * h;
  const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="18" font-family="sans-serif" font-size="14">${esc(s.title)} (${esc(s.unit)})</text>`,
    `<line x1="${left}" y1="${top + h}" x2="${left + w}" y2="${top + h}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + h}" stroke="black"/>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end" font-family="sans-serif" font-size="11">${max.toFixed(1)}</text>`,
    `<text x="${left - 6}" y="${top + h}" text-anchor="end" font-family="sans-serif" font-size="11">${min.toFixed(1)}</text>`,
    `<text x="${left}" y="${height - 12}" font-family="sans-serif" font-size="11">${esc(s.times[0] ?? "")}</text>`,
    `<text x="${left + w}" y="${height - 12}" text-anchor="end" font-family="sans-serif" font-size="11">${esc(s.times[s.times.length - 1] ?? "")}</text>`,
    `<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${points}"/>`,
    `</svg>`,
    "",
  ].join("\n");
}
