import type { MeterRating } from "../../firmware/kernel/calibration";
import type { EmulatedBench } from "./bench";

/** Test currents as fractions of Ib; "imax" is Imax (metering issue 3: 0.05 Ib .. Imax). */
export const ACCURACY_CURRENTS: readonly (number | "imax")[] = [0.05, 0.1, 0.2, 0.5, 1, "imax"];

/** PF 1, 0.5 inductive (current lags 60 deg), 0.8 capacitive (current leads 36.87 deg). */
export const ACCURACY_POWER_FACTORS = [
  { label: "PF 1", angleDeg: 0 },
  { label: "PF 0.5L", angleDeg: 60 },
  { label: "PF 0.8C", angleDeg: -(Math.acos(0.8) * 180) / Math.PI },
] as const;

export interface AccuracyCell {
  fractionOfIb: number;
  currentA: number;
  pf: string;
  angleDeg: number;
  direction: "import" | "export";
  referenceWh: number;
  measuredWh: number;
  errorPercent: number;
  /** Class 0.5S limit for this cell, percent. */
  limitPercent: number;
}

/**
 * Class 0.5S limits (IEC 62053-22 as the issue states them): +-0.5 % from 0.05 Ib at PF 1,
 * +-0.6 % from 0.1 Ib at PF 0.5L / 0.8C, +-1.0 % below that (down to 0.01 Ib / 0.02 Ib).
 */
export function classLimitPercent(fractionOfIb: number, angleDeg: number): number {
  if (angleDeg === 0) return fractionOfIb >= 0.05 - 1e-9 ? 0.5 : 1.0;
  return fractionOfIb >= 0.1 - 1e-9 ? 0.6 : 1.0;
}

/**
 * Measures active energy error at every current x PF, import and export, on the bench: each
 * cell integrates `seconds` of ticks through the meter's driver and compares with V*I*cos*t.
 */
export function accuracyTable(bench: EmulatedBench, rating: MeterRating, options: { currents?: readonly (number | "imax")[]; seconds?: number; minEnergyLsb?: number } = {}): AccuracyCell[] {
  const cells: AccuracyCell[] = [];
  const seconds = options.seconds ?? 10;
  const voltage = rating.unMilliV / 1000;
  const frequency = rating.fnMilliHz / 1000;
  const whPerLsb = bench.ic.energyScale.num / bench.ic.energyScale.den / 1000;
  for (const direction of ["import", "export"] as const) {
    for (const pf of ACCURACY_POWER_FACTORS) {
      for (const c of options.currents ?? ACCURACY_CURRENTS) {
        const fraction = c === "imax" ? rating.imaxMilliA / rating.ibMilliA : c;
        const currentA = (fraction * rating.ibMilliA) / 1000;
        const angleDeg = pf.angleDeg + (direction === "export" ? 180 : 0);
        bench.setReference(voltage, currentA, angleDeg, frequency);
        bench.tick(); // the tick that straddles the change is not measured
        let lsb = 0;
        // Long enough for `minEnergyLsb` chip LSBs (default 2000: 0.05 % resolution), e.g. the
        // ATM90E26's 0.1-pulse LSB is 31 mWh, so 0.05 Ib needs about 18 minutes.
        const wattsPerCell = Math.abs(voltage * currentA * Math.cos((angleDeg * Math.PI) / 180));
        const lsbPerTick = (wattsPerCell * bench.config.tickMs) / 3_600_000 / whPerLsb;
        const ticks = Math.max(Math.round((seconds * 1000) / bench.config.tickMs), Math.ceil((options.minEnergyLsb ?? 2000) / lsbPerTick));
        for (let k = 0; k < ticks; k++) lsb += bench.tick().activeEnergyLsb;
        const measuredWh = Math.abs(lsb * whPerLsb);
        const referenceWh = Math.abs((voltage * currentA * Math.cos((angleDeg * Math.PI) / 180) * ticks * bench.config.tickMs) / 3_600_000);
        cells.push({
          fractionOfIb: fraction, currentA, pf: pf.label, angleDeg, direction, referenceWh, measuredWh,
          errorPercent: ((measuredWh - referenceWh) / referenceWh) * 100, limitPercent: classLimitPercent(fraction, pf.angleDeg),
        });
      }
    }
  }
  return cells;
}

/** The table as text: one row per current, import and export columns per PF, * marks a cell over its limit. */
export function formatAccuracyTable(cells: readonly AccuracyCell[], ibA: number): string[] {
  const fractions = [...new Set(cells.map((c) => c.fractionOfIb))];
  const columns = ACCURACY_POWER_FACTORS.flatMap((pf) => (["import", "export"] as const).map((d) => ({ pf: pf.label, d })));
  const lines = [
    `${"current".padEnd(16)}${columns.map((c) => `${c.pf} ${c.d === "import" ? "imp" : "exp"}`.padStart(14)).join("")}`,
  ];
  for (const f of fractions) {
    const label = `${f === 1 ? "Ib" : `${+f.toFixed(3)} Ib`} (${+(f * ibA).toFixed(3)} A)`;
    const row = columns.map((col) => {
      const cell = cells.find((c) => c.fractionOfIb === f && c.pf === col.pf && c.direction === col.d);
      if (!cell) return "".padStart(14);
      const mark = Math.abs(cell.errorPercent) > cell.limitPercent ? "*" : " ";
      return `${cell.errorPercent >= 0 ? "+" : ""}${cell.errorPercent.toFixed(3)} %${mark}`.padStart(14);
    });
    lines.push(label.padEnd(16) + row.join(""));
  }
  const worst = cells.reduce((w, c) => (Math.abs(c.errorPercent) / c.limitPercent > Math.abs(w.errorPercent) / w.limitPercent ? c : w), cells[0]);
  const over = cells.filter((c) => Math.abs(c.errorPercent) > c.limitPercent).length;
  lines.push(`worst cell ${worst.errorPercent.toFixed(3)} % at ${worst.fractionOfIb} Ib ${worst.pf} ${worst.direction} (limit ${worst.limitPercent} %); ${over === 0 ? "all cells within class 0.5S" : `${over} cell(s) over the class 0.5S limit (*)`}`);
  return lines;
}
