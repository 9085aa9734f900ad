/**
 * A value the meter exposes under an OBIS code: read by the report, the display and the DLMS
 * object model, always from the owner of the state (no copies). value * 10^scaler is the
 * quantity in `unit`.
 */
export interface RegisterDescriptor {
  readonly obis: string;
  readonly name: string;
  readonly unit: Unit;
  readonly scaler: number;
  read(): number;
}

export type Unit = "Wh" | "varh" | "VAh" | "W" | "var" | "VA" | "V" | "A" | "Hz" | "s" | "m3" | "";
