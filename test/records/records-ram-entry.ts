/**
 * Bundled into xsnap by records-ram.test.ts: builds the records' parts one at a time as the meter
 * does (event logs, tariff chain with the default calendar and billing, load and daily profiles;
 * RAM rings as buffers), so the test can weigh each in heap slots after gc().
 * What every part is given (the clocks, the energy registers, the register reader) is built
 * first, in `prepare`, and not counted.
 */
import { EventLogs } from "../../firmware/records/event-log";
import { euDstSettings, MeterClock } from "../../firmware/time/clock";
import { ENERGY_REGISTERS, EnergyRegisters } from "../../firmware/metrology/energy-registers";
import { TariffMetering } from "../../firmware/metrology/tariff-metering";
import { TariffCalendar } from "../../firmware/metrology/tou";
import { Profiles, type RegisterReader } from "../../firmware/records/profiles";
import { VirtualClock } from "../../emulation/virtual-clock";

interface Given {
  port: VirtualClock;
  events: EventLogs;
  clock: MeterClock;
  energy: EnergyRegisters;
  registers: RegisterReader;
}

const state: { given?: Given; kept: unknown[] } = { kept: [] };

function given(): Given {
  if (!state.given) throw new Error("prepare() first");
  return state.given;
}

(globalThis as Record<string, unknown>).recordsRam = {
  prepare: () => {
    const port = new VirtualClock(Date.UTC(2026, 2, 2, 6));
    const events = new EventLogs(port);
    const clock = new MeterClock(port, events, 60, euDstSettings(60));
    const energy = new EnergyRegisters({ num: 1, den: 1 });
    // The energy registers by row, as the meter's register table gives them.
    const registers: RegisterReader = { registerIndex: (obis) => ENERGY_REGISTERS.findIndex((r) => r.obis === obis), readRegister: (i) => energy.valueAt(i) };
    state.given = { port, events, clock, energy, registers };
  },
  eventLogs: () => state.kept.push(new EventLogs(given().port)),
  calendar: () => state.kept.push(new TariffCalendar(given().clock, given().events)),
  tariffs: () => state.kept.push(new TariffMetering(given().clock, given().energy, given().events)),
  profiles: () => {
    const g = given();
    state.kept.push(new Profiles({ rules: g.clock, registers: g.registers, loadPeriodS: 900, loadEntries: 96, dailyEntries: 62 }));
  },
};
