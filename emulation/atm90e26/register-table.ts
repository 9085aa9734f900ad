// Generated from docs/chips/atm90e26_registers.csv by host-sim/register-tables.ts (npm run registers). Do not edit.

/** One 16-bit register as the datasheet tables give it. */
export interface Atm90e26RegisterRow {
  readonly name: string;
  readonly address: number;
  /** W write-only, R read-only, RW, RC read clears. */
  readonly access: "W" | "R" | "RW" | "RC";
  readonly reset: number;
  /** U unsigned, S2 two's complement, SM sign-magnitude (SM? where the datasheet does not say). */
  readonly format: string;
}

export const ATM90E26_REGISTER_ROWS: readonly Atm90e26RegisterRow[] = [
  { name: "SoftReset", address: 0x00, access: "W", reset: 0x0000, format: "U" },
  { name: "SysStatus", address: 0x01, access: "RC", reset: 0x0000, format: "U" },
  { name: "FuncEn", address: 0x02, access: "RW", reset: 0x000c, format: "U" },
  { name: "SagTh", address: 0x03, access: "RW", reset: 0x1d6a, format: "U" },
  { name: "SmallPMod", address: 0x04, access: "RW", reset: 0x0000, format: "U" },
  { name: "LastData", address: 0x06, access: "R", reset: 0x0000, format: "U" },
  { name: "LSB", address: 0x08, access: "R", reset: 0x0000, format: "U" },
  { name: "CalStart", address: 0x20, access: "RW", reset: 0x6886, format: "U" },
  { name: "PLconstH", address: 0x21, access: "RW", reset: 0x0015, format: "U" },
  { name: "PLconstL", address: 0x22, access: "RW", reset: 0xd174, format: "U" },
  { name: "Lgain", address: 0x23, access: "RW", reset: 0x0000, format: "S2" },
  { name: "Lphi", address: 0x24, access: "RW", reset: 0x0000, format: "SM" },
  { name: "Ngain", address: 0x25, access: "RW", reset: 0x0000, format: "S2" },
  { name: "Nphi", address: 0x26, access: "RW", reset: 0x0000, format: "SM" },
  { name: "PStartTh", address: 0x27, access: "RW", reset: 0x08bd, format: "U" },
  { name: "PNolTh", address: 0x28, access: "RW", reset: 0x0000, format: "U" },
  { name: "QStartTh", address: 0x29, access: "RW", reset: 0x0aec, format: "U" },
  { name: "QNolTh", address: 0x2a, access: "RW", reset: 0x0000, format: "U" },
  { name: "MMode", address: 0x2b, access: "RW", reset: 0x9422, format: "U" },
  { name: "CS1", address: 0x2c, access: "RW", reset: 0x0000, format: "U" },
  { name: "AdjStart", address: 0x30, access: "RW", reset: 0x6886, format: "U" },
  { name: "Ugain", address: 0x31, access: "RW", reset: 0x6720, format: "U" },
  { name: "IgainL", address: 0x32, access: "RW", reset: 0x7a13, format: "U" },
  { name: "IgainN", address: 0x33, access: "RW", reset: 0x7530, format: "U" },
  { name: "Uoffset", address: 0x34, access: "RW", reset: 0x0000, format: "S2" },
  { name: "IoffsetL", address: 0x35, access: "RW", reset: 0x0000, format: "S2" },
  { name: "IoffsetN", address: 0x36, access: "RW", reset: 0x0000, format: "S2" },
  { name: "PoffsetL", address: 0x37, access: "RW", reset: 0x0000, format: "S2" },
  { name: "QoffsetL", address: 0x38, access: "RW", reset: 0x0000, format: "S2" },
  { name: "PoffsetN", address: 0x39, access: "RW", reset: 0x0000, format: "S2" },
  { name: "QoffsetN", address: 0x3a, access: "RW", reset: 0x0000, format: "S2" },
  { name: "CS2", address: 0x3b, access: "RW", reset: 0x0000, format: "U" },
  { name: "APenergy", address: 0x40, access: "RC", reset: 0x0000, format: "U" },
  { name: "ANenergy", address: 0x41, access: "RC", reset: 0x0000, format: "U" },
  { name: "ATenergy", address: 0x42, access: "RC", reset: 0x0000, format: "U" },
  { name: "RPenergy", address: 0x43, access: "RC", reset: 0x0000, format: "U" },
  { name: "RNenergy", address: 0x44, access: "RC", reset: 0x0000, format: "U" },
  { name: "RTenergy", address: 0x45, access: "RC", reset: 0x0000, format: "U" },
  { name: "EnStatus", address: 0x46, access: "R", reset: 0xc800, format: "U" },
  { name: "Irms", address: 0x48, access: "R", reset: 0x0000, format: "U" },
  { name: "Urms", address: 0x49, access: "R", reset: 0x0000, format: "U" },
  { name: "Pmean", address: 0x4a, access: "R", reset: 0x0000, format: "S2" },
  { name: "Qmean", address: 0x4b, access: "R", reset: 0x0000, format: "S2" },
  { name: "Freq", address: 0x4c, access: "R", reset: 0x0000, format: "U" },
  { name: "PowerF", address: 0x4d, access: "R", reset: 0x0000, format: "SM" },
  { name: "Pangle", address: 0x4e, access: "R", reset: 0x0000, format: "SM?" },
  { name: "Smean", address: 0x4f, access: "R", reset: 0x0000, format: "U" },
  { name: "Irms2", address: 0x68, access: "R", reset: 0x0000, format: "U" },
  { name: "Pmean2", address: 0x6a, access: "R", reset: 0x0000, format: "S2" },
  { name: "Qmean2", address: 0x6b, access: "R", reset: 0x0000, format: "S2" },
  { name: "PowerF2", address: 0x6d, access: "R", reset: 0x0000, format: "SM" },
  { name: "Pangle2", address: 0x6e, access: "R", reset: 0x0000, format: "SM?" },
  { name: "Smean2", address: 0x6f, access: "R", reset: 0x0000, format: "U" },
];
