/** Rows with named columns (profiles, logs, lists) as text, JSON or CSV. */
export type Cell = string | number | null;

export interface Table {
  columns: string[];
  rows: Cell[][];
}

export type OutputFormat = "text" | "json" | "csv";

function csvCell(c: Cell): string {
  if (c === null) return "";
  const s = String(c);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function tableCsv(t: Table): string {
  return [t.columns.map(csvCell).join(","), ...t.rows.map((r) => r.map(csvCell).join(","))].join("\n");
}

export function tableJson(t: Table): string {
  return JSON.stringify(t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]]))), null, 2);
}

export function tableText(t: Table): string {
  return [t.columns.join(" | "), ...t.rows.map((r) => r.map((c) => (c === null ? "" : String(c))).join(" | "))].join("\n");
}

export function renderTable(t: Table, format: OutputFormat): string {
  return format === "json" ? tableJson(t) : format === "csv" ? tableCsv(t) : tableText(t);
}
