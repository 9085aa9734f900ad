import { Ht1621 } from "../../firmware/drivers/ht1621/driver";
import { Display, type DisplayConfig, type DisplaySource } from "../../firmware/display/display";
import type { RegisterDescriptor, Unit } from "../../firmware/kernel/register-table";
import { newMeteringSample } from "../../firmware/kernel/metering-ic";
import { SimOutput } from "../../host-sim/board";
import { Ht1621Emulator } from "../../emulation/ht1621/emulator";
import { lcdText } from "../../emulation/ht1621/render";
import { VirtualClock } from "../../emulation/virtual-clock";

/** Records the HT1621 frames on the pins: the bits latched on each WR rising edge while CS is low. */
export class BitRecorder {
  readonly frames: string[] = [];
  private cs = 1;
  private wr = 1;
  private data = 0;
  private bits = "";
  constructor(readonly cs_: SimOutput, readonly wr_: SimOutput, readonly data_: SimOutput) {
    cs_.listeners.push((l) => {
      if (l === 1 && this.cs === 0) this.frames.push(this.bits);
      if (l === 0) this.bits = "";
      this.cs = l;
    });
    wr_.listeners.push((l) => {
      if (l === 1 && this.wr === 0 && this.cs === 0) this.bits += String(this.data);
      this.wr = l;
    });
    data_.listeners.push((l) => (this.data = l));
  }
}

export function register(obis: string, unit: Unit, scaler: number, value: () => number): RegisterDescriptor {
  return { obis, name: obis, unit, scaler, read: value };
}

/** A Display on a fake meter, through the real driver, pins and emulator. */
export class DisplayRig {
  readonly clock = new VirtualClock(Date.UTC(2026, 2, 2, 11, 34, 56));
  readonly cs = new SimOutput();
  readonly wr = new SimOutput();
  readonly data = new SimOutput();
  readonly recorder = new BitRecorder(this.cs, this.wr, this.data);
  readonly emulator = new Ht1621Emulator();
  readonly driver: Ht1621;
  readonly display: Display;
  readonly values: Record<string, number> = {};
  readonly registers: RegisterDescriptor[] = [];
  readonly source: DisplaySource & {
    lastIcStatus: DisplaySource["lastIcStatus"];
    disconnector: { outputState: boolean; contactMismatch: boolean };
    events: { alarmRegister: number };
    clock: { localMs(u: number): number; invalid: boolean };
    tamper?: { tamperFlag: boolean };
  };

  constructor(config: Partial<DisplayConfig> = {}, units: [string, Unit, number][] = DEFAULT_REGISTERS) {
    this.cs.listeners.push((l) => this.emulator.csChanged(l));
    this.wr.listeners.push((l) => this.emulator.wrChanged(l));
    this.data.listeners.push((l) => this.emulator.dataChanged(l));
    for (const [obis, unit, scaler] of units) {
      this.values[obis] = 0;
      this.registers.push(register(obis, unit, scaler, () => this.values[obis]));
    }
    this.source = {
      register: (obis: string) => this.registers.find((r) => r.obis === obis),
      instant: newMeteringSample(),
      events: { alarmRegister: 0 },
      lastIcStatus: "ok",
      disconnector: { outputState: true, contactMismatch: false },
      config: { firmwareId: "DLMSLITE-0.1.0" },
      // CET in winter: local = UTC + 1 h.
      clock: { localMs: (u: number) => u + 3_600_000, invalid: false },
    } as unknown as DisplayRig["source"];
    this.driver = new Ht1621({ cs: this.cs, wr: this.wr, data: this.data });
    this.display = new Display(this.source, this.clock, this.driver, { autoList: ["1.0.1.8.1.255"], manualList: [], scrollMs: 8000, refreshMs: 1000, manualTimeoutMs: 60_000, ...config });
  }

  text(): string {
    return lcdText(this.emulator.ram, this.emulator.visible);
  }
}

export const DEFAULT_REGISTERS: [string, Unit, number][] = [
  ["1.0.1.8.1.255", "Wh", -3],
  ["1.0.1.8.0.255", "Wh", -3],
  ["1.0.1.7.0.255", "W", -3],
  ["1.0.32.7.0.255", "V", -3],
  ["1.0.31.7.0.255", "A", -3],
  ["7.0.3.0.0.255", "m3", -3],
  ["1.0.14.7.0.255", "Hz", -3],
  ["0.0.96.14.0.255", "", 0],
];
